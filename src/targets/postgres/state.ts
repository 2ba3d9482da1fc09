import type { Connection, NativeObject, RecordOptions, TargetContext } from '../target.js';
import { parseQualified, readLive, scopeOf, specFingerprint, storedSpec, type LiveState } from './introspect.js';
import { quoteIdent } from './naming.js';
import { isOurMarker, keys, type ViewSpec } from './objects.js';
import { DEPARSE_QUERY, NAMED_VIEWS_QUERY, viewRow, type ViewRow } from './queries.js';
import { needsDefinition, viewPrintToRecord } from './view-print.js';

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

export { storedSpec };

/**
 * Live fingerprints by key, read in the same fixed set of bulk queries as introspection. With
 * `only` (keys), only those (managed or not, e.g. a recorded view whose marker was removed); without,
 * every managed object (the governance schema only when recorded) plus every recorded one that
 * is still live.
 */
export async function fingerprintLive(conn: Connection, ctx: TargetContext, only?: readonly string[]): Promise<{ fingerprints: Map<string, string>; queryCount: number }> {
  const live = await readLive(conn, ctx, only ? pseudoObjectsOf(only) : [], only ? { recording: new Set(only) } : {});
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
 *
 * After a partial apply (`pending`: keys of changes that did not run), the rows of those keys
 * are left exactly as they were — a pending view change keeps its old spec and fingerprint, so
 * the next plan shows it again — and a partial record before the state table exists (the
 * governance change has not run yet) records nothing.
 */
export async function recordState(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext, options: RecordOptions = {}): Promise<void> {
  if (options.only && (await recordOnly(conn, desired, ctx, options.only, options.fresh === true))) return;
  const pending = [...new Set(options.pending ?? [])];
  // the desired objects live now are the ones this apply made or found recorded (plan refuses the others)
  const live = await readLive(conn, ctx, desired, { recording: new Set(desired.map((o) => o.key)) });
  const gov = live.scope.governanceSchema;
  if (live.snapshot.state === null) {
    if (pending.length > 0) return;
    throw new Error(
      `target '${ctx.target.name}': cannot record the applied state: ${quoteIdent(gov)}."state" does not exist or ${quoteIdent(gov)} does not carry the marker of project ${live.scope.project}`,
    );
  }
  const keep = new Set(pending);
  const rows = desired.filter((o) => !keep.has(o.key)).map((o) => ({ key: o.key, kind: o.kind, spec: storedSpec(o), fingerprint: fingerprintToRecord(live, o.key) }));
  const table = `${quoteIdent(gov)}."state"`;
  await conn.query(`DELETE FROM ${table} WHERE NOT (key = ANY ($1::text[]))`, [pending]);
  await conn.query(
    `INSERT INTO ${table} (key, kind, spec, fingerprint, applied_at)
     SELECT x.key, x.kind, x.spec, x.fingerprint, now()
     FROM jsonb_to_recordset($1::jsonb) AS x(key text, kind text, spec jsonb, fingerprint text)`,
    [JSON.stringify(rows)],
  );
  await markStateWrite(conn, gov, await hasMeta(conn, gov), []);
}

/**
 * The key of `<gov>.meta` that every transaction writing the recorded state also writes:
 * `{ at, generation, removed }` — when (the transaction's now(), as the state rows' applied_at),
 * how many state writes so far, and the keys it removed. A write that only deletes state rows
 * (a --no-transaction step that dropped an object) leaves max(applied_at) as it was; this row is
 * the evidence the audit gap check reads (audit.ts stateAppliedAt: the later of the two), so an
 * apply killed after such a step is seen.
 */
export const STATE_WRITTEN_KEY = 'state_written';

async function hasMeta(conn: Connection, gov: string): Promise<boolean> {
  const { rows } = await conn.query(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = $1::text AND c.relname = 'meta' AND c.relkind IN ('r', 'p')) AS has_meta`,
    [gov],
  );
  return rows[0]?.has_meta === true;
}

/** Writes the state-write marker (STATE_WRITTEN_KEY) in the current transaction; a layout without `meta` has none. */
async function markStateWrite(conn: Connection, gov: string, meta: boolean, removed: readonly string[]): Promise<void> {
  if (!meta) return;
  const table = `${quoteIdent(gov)}."meta"`;
  await conn.query(
    `INSERT INTO ${table} AS m (key, value)
     VALUES ($1::text, jsonb_build_object('at', now(), 'generation', 1, 'removed', $2::jsonb))
     ON CONFLICT (key) DO UPDATE SET value = jsonb_build_object(
       'at', now(),
       'generation', (CASE WHEN jsonb_typeof(m.value -> 'generation') = 'number' THEN (m.value ->> 'generation')::numeric ELSE 0 END) + 1,
       'removed', $2::jsonb)`,
    [STATE_WRITTEN_KEY, JSON.stringify([...removed].sort().slice(0, 50))],
  );
}

/** The fingerprint to record for a live object (null: not live); a view's from view-print.ts. */
function fingerprintToRecord(live: LiveState, key: string): string | null {
  const lo = live.objects.get(key);
  if (!lo) return null;
  return lo.view ? viewPrintToRecord(live.recorded?.get(key)?.fingerprint ?? null, lo.view) : lo.fingerprint;
}

/** The governance schema's comment and whether its state and meta tables exist: one catalog query. */
const STATE_TABLE_QUERY = `
SELECT pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c WHERE c.relnamespace = n.oid AND c.relname = 'state' AND c.relkind IN ('r', 'p')) AS has_state,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c WHERE c.relnamespace = n.oid AND c.relname = 'meta' AND c.relkind IN ('r', 'p')) AS has_meta
FROM pg_catalog.pg_namespace AS n
WHERE n.nspname = $1::text`;

/** The recorded kinds and fingerprints of the keys `$1`. */
const recordedFingerprints = (gov: string) => `SELECT s.key::text AS key, s.kind::text AS kind, s.fingerprint::text AS fingerprint FROM ${quoteIdent(gov)}."state" AS s WHERE s.key = ANY ($1::text[])`;

/** Whether the state table holds any row (read only once it is known to exist). */
const anyRecorded = (gov: string) => `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(gov)}."state") AS any`;


/**
 * A keyed record: only the rows of `only` are written — desired ones with their live fingerprint,
 * the others deleted — and every other row stays. `only` is the keys a transaction applied plus
 * what the plan's record hint names (apply.ts keyedRecords: every record when the plan has a
 * hint; else each change of a --no-transaction apply but the last). A fingerprint is what
 * introspection computes: a view's from its live definition (read as readLive reads it when
 * recording), any other object's from its spec, which is the live spec once its change has
 * applied (the plan after an apply is empty). Three to five queries and three writes (the rows,
 * and the state-write marker STATE_WRITTEN_KEY, which a record that only removed rows needs),
 * however big the catalog.
 * Returns false, writing nothing, when nothing has been recorded yet (the governance change has
 * just created the table) unless the plan makes every desired object (`fresh`: the first apply):
 * then the caller records in full, keeping `pending`.
 */
async function recordOnly(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext, only: readonly string[], fresh: boolean): Promise<boolean> {
  const scope = scopeOf(ctx);
  const gov = scope.governanceSchema;
  const { rows: govRows } = await conn.query(STATE_TABLE_QUERY, [gov]);
  const g = govRows[0];
  if (!g || g.has_state !== true) return true; // the governance change has not run yet: nothing to record
  if (!isOurMarker(g.comment as string | null, scope.project)) {
    throw new Error(`target '${ctx.target.name}': cannot record the applied state: ${quoteIdent(gov)} does not carry the marker of project ${scope.project}`);
  }
  if (!fresh && (await conn.query(anyRecorded(gov))).rows[0]?.any !== true) return false;
  const wanted = new Set(only);
  const applied = desired.filter((o) => wanted.has(o.key));
  const views = applied.filter((o) => o.kind === 'view').map((o) => o.spec as ViewSpec);
  const viewPrints = new Map<string, string>();
  if (views.length) {
    // What readLive does when recording (view-print.ts needsDefinition): the definition is read
    // only when the rule does not confirm the record, and then only of a view this transaction
    // holds locks on or whose recorded fingerprint names no definition.
    const { rows: recordedRows } = await conn.query(recordedFingerprints(gov), [views.map((v) => keys.view(v.schema, v.name))]);
    const recorded = new Map(recordedRows.map((r) => [String(r.key), { kind: String(r.kind), fingerprint: r.fingerprint === null || r.fingerprint === undefined ? null : String(r.fingerprint) }]));
    const { rows } = await conn.query(NAMED_VIEWS_QUERY, [views.map((v) => v.schema), views.map((v) => v.name)]);
    const live = new Map<string, ViewRow>();
    const toDeparse: ViewRow[] = [];
    for (const r of rows) {
      const { def, ...facts } = viewRow(r);
      const key = keys.view(facts.schema, facts.name);
      const rec = recorded.get(key);
      const need = needsDefinition(rec?.kind === 'view' ? rec.fingerprint : undefined, facts, true);
      live.set(key, need && def !== undefined ? { ...facts, def } : facts);
      if (need && def === undefined) toDeparse.push(facts);
    }
    if (toDeparse.length) {
      const { rows: defs } = await conn.query(DEPARSE_QUERY, [toDeparse.map((v) => v.schema), toDeparse.map((v) => v.name)]);
      for (const r of defs) {
        const key = keys.view(String(r.schema), String(r.name));
        const v = live.get(key);
        if (v) live.set(key, { ...v, def: String(r.def) });
      }
    }
    for (const [key, v] of live) viewPrints.set(key, viewPrintToRecord(recorded.get(key)?.fingerprint ?? null, v));
  }
  const rows = applied.map((o) => ({ key: o.key, kind: o.kind, spec: storedSpec(o), fingerprint: o.kind === 'view' ? (viewPrints.get(o.key) ?? null) : specFingerprint(o.spec) }));
  const table = `${quoteIdent(gov)}."state"`;
  await conn.query(`DELETE FROM ${table} WHERE key = ANY ($1::text[])`, [[...wanted]]);
  await conn.query(
    `INSERT INTO ${table} (key, kind, spec, fingerprint, applied_at)
     SELECT x.key, x.kind, x.spec, x.fingerprint, now()
     FROM jsonb_to_recordset($1::jsonb) AS x(key text, kind text, spec jsonb, fingerprint text)`,
    [JSON.stringify(rows)],
  );
  const written = new Set(applied.map((o) => o.key));
  await markStateWrite(conn, gov, g.has_meta === true, [...wanted].filter((k) => !written.has(k)));
  return true;
}
