/**
 * The governance schema's layout (default `<prefix>meta`): recorded state, tags, audit journal
 * and metadata. Bump GOVERNANCE_VERSION when the layout changes.
 *
 *   state(key text PK, kind text, spec jsonb, fingerprint text, applied_at timestamptz)
 *       one row per managed object at the last apply: the desired spec and the live
 *       fingerprint read right after applying it (drift compares live with this)
 *   tags(object text, tag text, value text, PK(object, tag))
 *       tag assignments of governed tables and columns (neutral names)
 *   attributes(role text, attribute text, type text, value text, PK(role, attribute, value))
 *       the user-attribute values each group role holds itself (version 2): the managed views
 *       consult it for `user.<attribute>`, so a value is a row, not a clause in every view
 *   audit(seq bigint PK, at timestamptz, record jsonb, hash text)
 *       the hash-chained apply journal
 *   meta(key text PK, value jsonb)
 *       project name, layout version, audit chain head, and the state-write marker
 *       (`state_written`: updated by every transaction that writes `state`, state.ts)
 *
 * Version 1 had no `attributes` table; its governance change (templates/postgres/
 * governance.change.sql.hbs, idempotent) creates it before any view that reads it.
 */
export const GOVERNANCE_VERSION = 2;

/** The owner of every managed view and schema: holds SELECT on the governed base tables. */
export function ownerRoleName(prefix: string): string {
  return `${prefix}owner`;
}

/** Default governance schema name. */
export function governanceSchemaName(prefix: string, configured?: string): string {
  return configured ?? `${prefix}meta`;
}
