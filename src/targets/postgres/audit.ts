import { GENESIS } from '../../audit/chain.js';
import type { AuditHead, AuditRow, AuditSnapshot, AuditStateWrite, AuditStorage, Connection, TargetContext } from '../target.js';
import { scopeOf } from './introspect.js';
import { quoteIdent } from './naming.js';
import { STATE_WRITTEN_KEY } from './state.js';

/**
 * The target's copy of the audit trail, in the governance schema (governance.ts):
 * `<gov>.audit(seq, at, record, hash)` and the chain head `{seq, hash}` as `<gov>.meta` key
 * `audit_head`. Both tables are created by the `governance.add` change, so they exist once an
 * apply has committed; before that the target has no copy (the local journal still has one).
 *
 * An append is its own short transaction: the audit table is locked EXCLUSIVE (appenders queue,
 * readers do not wait), the head is read, the row and the new head are written, and they commit
 * together. Applies write it right after their own transaction ends — see src/apply/audit.ts.
 */

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const ISO_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function tablesOf(ctx: TargetContext): { gov: string; audit: string; meta: string; state: string } {
  const gov = scopeOf(ctx).governanceSchema;
  const s = quoteIdent(gov);
  return { gov, audit: `${s}."audit"`, meta: `${s}."meta"`, state: `${s}."state"` };
}

async function hasAuditTables(conn: Connection, gov: string): Promise<boolean> {
  const { rows } = await conn.query(
    `SELECT count(*)::int AS n FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname IN ('audit', 'meta', 'state') AND c.relkind IN ('r', 'p')`,
    [gov],
  );
  return Number(rows[0]?.n) === 3;
}

function parseHead(value: unknown): AuditHead | null {
  const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!v || typeof v !== 'object') return null;
  const { seq, hash } = v as { seq?: unknown; hash?: unknown };
  return typeof seq === 'number' && Number.isInteger(seq) && typeof hash === 'string' ? { seq, hash } : null;
}

/** The state-write marker (state.ts STATE_WRITTEN_KEY): its time as a timestamptz, null when absent or not a time. */
const markerAt = (meta: string) =>
  `(SELECT CASE WHEN jsonb_typeof(m.value -> 'at') = 'string' AND (m.value ->> 'at') ~ '^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+([+-]\\d\\d(:\\d\\d)?|Z)$' THEN (m.value ->> 'at')::timestamptz END
      FROM ${meta} AS m WHERE m.key = '${STATE_WRITTEN_KEY}')`;

/**
 * When the recorded state was last written: the later of its newest row and the state-write
 * marker — a transaction that only removed rows moves the marker, not max(applied_at). A target
 * written before the marker existed has none (greatest ignores the NULL).
 */
async function stateAppliedAt(conn: Connection, state: string, meta: string): Promise<string | null> {
  const { rows } = await conn.query(`SELECT to_char(greatest((SELECT max(s.applied_at) FROM ${state} AS s), ${markerAt(meta)}) AT TIME ZONE 'UTC', ${ISO_US}) AS t`);
  const t = rows[0]?.t;
  return typeof t === 'string' ? t : null;
}

/**
 * The state rows grouped by the transaction that wrote them (its applied_at), oldest first; and
 * the last write that only removed rows (the marker, when no row carries its time), with the keys
 * it removed.
 */
async function stateWrites(conn: Connection, state: string, meta: string): Promise<AuditStateWrite[]> {
  const { rows } = await conn.query(
    `SELECT to_char(s.applied_at AT TIME ZONE 'UTC', ${ISO_US}) AS t, count(*)::int AS n, json_agg(s.key ORDER BY s.key)::text AS keys
       FROM ${state} AS s WHERE s.applied_at IS NOT NULL GROUP BY s.applied_at ORDER BY s.applied_at`,
  );
  const writes: AuditStateWrite[] = rows.map((r) => {
    const keys = JSON.parse(String(r.keys ?? '[]')) as string[];
    return { applied_at: String(r.t), rows: Number(r.n), keys: keys.slice(0, 50) };
  });
  const { rows: marker } = await conn.query(
    `SELECT to_char(${markerAt(meta)} AT TIME ZONE 'UTC', ${ISO_US}) AS t,
            (SELECT CASE WHEN jsonb_typeof(m.value -> 'removed') = 'array' THEN (m.value -> 'removed')::text END FROM ${meta} AS m WHERE m.key = '${STATE_WRITTEN_KEY}') AS removed`,
  );
  const t = marker[0]?.t;
  if (typeof t === 'string') {
    const removed = (JSON.parse(String(marker[0]?.removed ?? '[]')) as unknown[]).map(String).slice(0, 50);
    // The marker's write may also have written rows (a keyed record writes the governance row):
    // the keys it removed belong to that write.
    const same = writes.findIndex((w) => w.applied_at === t);
    if (same >= 0) {
      if (removed.length) writes[same] = { ...writes[same]!, removed };
    } else {
      writes.push({ applied_at: t, rows: 0, keys: [], removed });
      writes.sort((a, b) => (a.applied_at < b.applied_at ? -1 : a.applied_at > b.applied_at ? 1 : 0));
    }
  }
  return writes;
}

export const postgresAudit: AuditStorage = {
  async append(conn, ctx, seal) {
    const t = tablesOf(ctx);
    if (!(await hasAuditTables(conn, t.gov))) return null;
    await conn.exec('BEGIN');
    try {
      await conn.exec("SET LOCAL lock_timeout = '30s'");
      await conn.exec(`LOCK TABLE ${t.audit} IN EXCLUSIVE MODE`);
      const head = parseHead((await conn.query(`SELECT value::text AS value FROM ${t.meta} WHERE key = 'audit_head'`)).rows[0]?.value);
      const lastRow = (await conn.query(`SELECT a.seq::text AS seq, a.hash FROM ${t.audit} AS a ORDER BY a.seq DESC LIMIT 1`)).rows[0];
      const last: AuditHead | null = lastRow ? { seq: Number(lastRow.seq), hash: String(lastRow.hash) } : null;
      let prev: AuditHead = head ?? last ?? { seq: 0, hash: GENESIS };
      let note: string | undefined;
      if (!head && last) note = `the chain head (audit_head) was missing; this record continues after seq ${last.seq}`;
      if (head && last && last.seq > head.seq) {
        note = `the chain head (audit_head, seq ${head.seq}) was behind the table (seq ${last.seq}); this record continues after seq ${last.seq}`;
        prev = last;
      }
      const seq = prev.seq + 1;
      const sealed = seal({ seq, prev, stateAppliedAt: await stateAppliedAt(conn, t.state, t.meta), ...(note ? { note } : {}) });
      await conn.query(`INSERT INTO ${t.audit} (seq, at, record, hash) VALUES ($1, $2::timestamptz, $3::jsonb, $4)`, [seq, sealed.at, JSON.stringify(sealed.record), sealed.hash]);
      await conn.query(`INSERT INTO ${t.meta} (key, value) VALUES ('audit_head', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [JSON.stringify({ seq, hash: sealed.hash })]);
      await conn.exec('COMMIT');
      return { seq, at: sealed.at, record: sealed.record, hash: sealed.hash };
    } catch (e) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
  },

  async read(conn, ctx): Promise<AuditSnapshot> {
    const t = tablesOf(ctx);
    const where = t.audit;
    if (!(await hasAuditTables(conn, t.gov))) return { available: false, where, rows: [], head: null, stateAppliedAt: null };
    // ORDER BY the bigint column (a.seq), never the text alias: "seq" would sort 1, 10, 11, …, 2.
    const { rows } = await conn.query(
      `SELECT a.seq::text AS seq, to_char(a.at AT TIME ZONE 'UTC', ${ISO_MS}) AS at, a.record::text AS record, a.hash FROM ${t.audit} AS a ORDER BY a.seq`,
    );
    const parsed: AuditRow[] = rows.map((r) => ({
      seq: Number(r.seq),
      at: typeof r.at === 'string' ? r.at : (null as unknown as string),
      record: typeof r.record === 'string' ? (JSON.parse(r.record) as Record<string, unknown>) : (null as unknown as Record<string, unknown>),
      hash: typeof r.hash === 'string' ? r.hash : '',
    }));
    parsed.sort((x, y) => x.seq - y.seq); // numeric, whatever order the rows came in
    const head = parseHead((await conn.query(`SELECT value::text AS value FROM ${t.meta} WHERE key = 'audit_head'`)).rows[0]?.value);
    return { available: true, where, rows: parsed, head, stateAppliedAt: await stateAppliedAt(conn, t.state, t.meta), stateWrites: await stateWrites(conn, t.state, t.meta) };
  },
};
