import type { Connection, NativeObject, TargetContext } from '../target.js';
import { parseQualified, readLive } from './introspect.js';
import { quoteIdent } from './naming.js';
import { keys } from './objects.js';

/**
 * The state recorded at each apply: one row per desired object in `<gov>.state` with the
 * desired spec and the fingerprint of the live object read right after applying it. Drift and
 * introspection compare live fingerprints with these (a marker is never evidence on its own).
 */

/** Table grants named by keys (`grant:SELECT:table:"s"."t":grantee`), so their base schemas are read. */
function pseudoObjectsOf(keyList: readonly string[]): { kind: string; spec: Record<string, unknown> }[] {
  const out: { kind: string; spec: Record<string, unknown> }[] = [];
  for (const key of keyList) {
    const m = /^grant:SELECT:table:("(?:[^"]|"")*"\."(?:[^"]|"")*"):/.exec(key);
    if (m && parseQualified(m[1]!)) out.push({ kind: 'grant', spec: { on: 'table', object: m[1]! } });
  }
  return out;
}

/**
 * Live fingerprints by key, read in the same fixed set of bulk queries as introspection. With
 * `only` (keys), only those (managed or not, e.g. a recorded view whose marker was removed); without,
 * every managed object (the governance schema only when recorded) plus every recorded one that
 * is still live.
 */
export async function fingerprintLive(conn: Connection, ctx: TargetContext, only?: readonly string[]): Promise<{ fingerprints: Map<string, string>; queryCount: number }> {
  const live = await readLive(conn, ctx, only ? pseudoObjectsOf(only) : []);
  const fingerprints = new Map<string, string>();
  if (only) {
    for (const k of only) {
      const lo = live.objects.get(k);
      if (lo) fingerprints.set(k, lo.fingerprint);
    }
  } else {
    const govSchemaKey = keys.schema(live.scope.governanceSchema); // the governance object stands for it unless recorded
    for (const [k, lo] of live.objects) {
      if (live.recorded?.has(k) || (lo.managed && k !== govSchemaKey)) fingerprints.set(k, lo.fingerprint);
    }
  }
  return { fingerprints, queryCount: live.queryCount };
}

/**
 * Replaces `<gov>.state` with one row per desired object (its spec, and the live fingerprint
 * read now). Runs inside the apply transaction, after the changes, so it sees them and commits
 * or rolls back with them. A desired object that is not live is recorded without a fingerprint
 * (drift then reports it missing).
 */
export async function recordState(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext): Promise<void> {
  const live = await readLive(conn, ctx, desired);
  const gov = live.scope.governanceSchema;
  if (live.snapshot.state === null) {
    throw new Error(
      `target '${ctx.target.name}': cannot record the applied state: ${quoteIdent(gov)}."state" does not exist or ${quoteIdent(gov)} does not carry the marker of project ${live.scope.project}`,
    );
  }
  const rows = desired.map((o) => ({ key: o.key, kind: o.kind, spec: o.spec, fingerprint: live.objects.get(o.key)?.fingerprint ?? null }));
  const table = `${quoteIdent(gov)}."state"`;
  await conn.query(`DELETE FROM ${table}`);
  await conn.query(
    `INSERT INTO ${table} (key, kind, spec, fingerprint, applied_at)
     SELECT x.key, x.kind, x.spec, x.fingerprint, now()
     FROM jsonb_to_recordset($1::jsonb) AS x(key text, kind text, spec jsonb, fingerprint text)`,
    [JSON.stringify(rows)],
  );
}
