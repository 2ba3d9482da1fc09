import type { Connection, LockableChange, LockModel, LockTable } from '../target.js';
import { parseQualified } from './introspect.js';

/**
 * PostgreSQL's lock table (postgres.md, Traps): every relation, schema and role a transaction
 * locks holds an entry until commit, and the table has max_locks_per_transaction ×
 * (max_connections + max_prepared_transactions) entries for all sessions together. The estimate
 * names the objects each change touches — views, base tables, schemas, roles, and the indexes
 * and TOAST tables of the governance tables — so that equal objects count once per transaction.
 * It errs on the large side: weak locks that PostgreSQL keeps in its per-backend fast path are
 * counted too.
 */

/** Reads the three settings that size the lock table (never changes them). */
export async function postgresLockTable(conn: Connection): Promise<LockTable> {
  const { rows } = await conn.query(
    `SELECT current_setting('max_locks_per_transaction')::int AS locks,
            current_setting('max_connections')::int AS connections,
            current_setting('max_prepared_transactions')::int AS prepared`,
  );
  const r = rows[0] ?? {};
  const locks = Number(r.locks);
  const connections = Number(r.connections);
  const prepared = Number(r.prepared);
  return {
    entries: locks * (connections + prepared),
    source: `max_locks_per_transaction ${locks} × (max_connections ${connections} + max_prepared_transactions ${prepared})`,
  };
}

const QUOTED = /"((?:[^"]|"")*)"/g;
const unquote = (s: string) => s.replace(/""/g, '"');

/** Quoted identifiers of a statement, in order (our own rendered SQL: every name is quoted). */
function identsOf(sql: string): string[] {
  return [...sql.matchAll(QUOTED)].map((m) => unquote(m[1]!));
}

/** `grant:<privilege>:<on>:<object>:<grantee>` — the object is quoted, so the grantee is what follows it. */
function parseGrantKey(key: string): { on: string; object: string; grantee: string } | null {
  const m = /^grant:[A-Z]+:(table|view|schema|columns):("(?:[^"]|"")*"(?:\."(?:[^"]|"")*")?):(.*)$/s.exec(key);
  return m ? { on: m[1]!, object: m[2]!, grantee: m[3]! } : null;
}

const relation = (quoted: string) => {
  const parts = parseQualified(quoted);
  return parts ? `rel:${parts[0]}.${parts[1]}` : `rel:${quoted}`;
};
const base = (change: LockableChange, quoted?: string) => (change.table ? `base:${change.table}` : quoted ? relation(quoted) : `base:?${change.key}`);

/** The statements of a change (a PostgreSQL change has only SQL steps). */
function sqlOf(change: LockableChange): string[] {
  return change.steps.flatMap((s) => (s.kind === 'sql' ? [s.text] : []));
}

/** The objects one change locks. */
export function postgresLockObjects(change: LockableChange): string[] {
  const out = new Set<string>();
  const rest = change.key.slice(change.key.indexOf(':') + 1);
  switch (change.kind) {
    case 'role':
      out.add(`role:${rest}`);
      break;
    case 'membership':
      for (const sql of sqlOf(change)) for (const name of identsOf(sql)) out.add(`role:${name}`);
      if (out.size === 0) out.add(`membership:${rest}`);
      break;
    case 'schema':
      out.add(`schema:${rest}`);
      out.add('role:(owner)');
      break;
    case 'governance':
      out.add(`schema:${rest}`);
      out.add('role:(owner)');
      // state, tags, audit, meta, attributes: each a table, its primary-key index and constraint, its row type, a TOAST table and its index
      for (const t of ['state', 'tags', 'audit', 'meta', 'attributes']) for (const part of ['', ':pkey', ':constraint', ':type', ':toast', ':toast-index']) out.add(`rel:${rest}.${t}${part}`);
      break;
    case 'tag':
      for (const part of ['', ':pkey', ':toast', ':toast-index']) out.add(`rel:(governance).tags${part}`);
      break;
    case 'attribute':
      for (const part of ['', ':pkey', ':toast', ':toast-index']) out.add(`rel:(governance).attributes${part}`);
      break;
    case 'view': {
      const parts = parseQualified(rest);
      out.add(relation(rest));
      out.add(`${relation(rest)}:type`); // a view has a row type of its own
      if (parts) out.add(`schema:${parts[0]}`);
      out.add(base(change));
      out.add('role:(owner)');
      // a view replaced by drop and create is granted again: one more role per grantee
      for (const sql of sqlOf(change)) {
        const m = /^GRANT SELECT ON TABLE .* TO ("(?:[^"]|"")*");$/s.exec(sql.trim());
        if (m) out.add(`role:${unquote(m[1]!.slice(1, -1))}`);
      }
      break;
    }
    case 'grant': {
      const g = parseGrantKey(change.key);
      if (!g) {
        out.add(`grant:${rest}`);
        break;
      }
      if (g.on === 'schema') out.add(`schema:${unquote(g.object.slice(1, -1))}`);
      else if (g.on === 'view') out.add(relation(g.object));
      else out.add(base(change, g.object));
      if (g.grantee !== '') out.add(`role:${g.grantee}`);
      break;
    }
    case 'unmanaged_grant': {
      // --revoke-unmanaged: REVOKE SELECT ON TABLE "s"."t" FROM "role" | PUBLIC
      out.add(base(change));
      for (const sql of sqlOf(change)) {
        const m = /\bFROM ("(?:[^"]|"")*");?\s*$/.exec(sql.trim());
        if (m) out.add(`role:${unquote(m[1]!.slice(1, -1))}`);
      }
      break;
    }
    default:
      // an unknown kind: one object per statement, so that it is never under-counted
      change.steps.forEach((_, i) => out.add(`${change.key}#${i}`));
  }
  return [...out];
}

/**
 * Entries an apply transaction takes besides its objects: the system catalogs it writes and
 * reads (pg_class, pg_attribute, pg_depend, pg_shdepend, pg_description, pg_authid, … and their
 * indexes), its transaction id and the recorded state. Measured with pg_locks: a few dozen.
 */
export const POSTGRES_LOCK_BASELINE = 100;

export const postgresLocks: LockModel = {
  table: postgresLockTable,
  objects: postgresLockObjects,
  baseline: POSTGRES_LOCK_BASELINE,
};
