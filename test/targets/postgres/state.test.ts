import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import { canonicalJson, sha256 } from '../../../src/plan/canonical.js';
import { ABOUT_KEY, stateRowOf } from '../../../src/targets/postgres/queries.js';
import { withTransaction } from '../../../src/targets/postgres/connect.js';
import { pgliteConnection } from '../../../src/targets/postgres/embedded.js';
import { keys, objects } from '../../../src/targets/postgres/objects.js';
import { fingerprintLive, recordState } from '../../../src/targets/postgres/state.js';
import type { Connection, NativeObject, TargetContext } from '../../../src/targets/target.js';

interface Estate {
  sql: string[];
  desired: { kind: keyof typeof objects; spec: Record<string, unknown>; table?: string }[];
}
const estate = JSON.parse(readFileSync(new URL('./recorded/estate.json', import.meta.url), 'utf8')) as Estate;
const build = (d: Estate['desired'][number]): NativeObject => (objects[d.kind] as (s: unknown, e?: unknown) => NativeObject)(d.spec, d.table ? { table: d.table } : {});
const desired = estate.desired.map(build);

function ctxFor(settings: Record<string, unknown> = { type: 'postgres', database: 'analytics' }): TargetContext {
  const model = { project: { name: 'acme', managedPrefix: 'mw_' }, domains: [] } as unknown as Model;
  const at = { file: 'meshward.yaml', line: 1, col: 1 };
  return { model, target: { name: 'local', type: 'postgres', settings, settingAt: {}, at }, settings, root: '/nonexistent', diagnostics: new Diagnostics() } as TargetContext;
}

const RESET = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND left(nspname, 3) <> 'pg_' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN SELECT rolname FROM pg_roles WHERE left(rolname, 3) <> 'pg_' AND rolname <> current_user LOOP
    EXECUTE format('DROP OWNED BY %I CASCADE', r.rolname);
    EXECUTE format('DROP ROLE %I', r.rolname);
  END LOOP;
END $$`;

const VIEW = keys.view('mw_sales', 'customers');
const ROLE = keys.role('mw_sales_leads');
const OWNER_GRANT = keys.grant({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_owner' });
const allKeys = desired.map((o) => o.key);

describe('recorded state (PGlite)', () => {
  let conn: Connection;
  const ctx = ctxFor();
  const stateRows = async () =>
    (await conn.query('SELECT key, kind, spec, fingerprint, applied_at IS NOT NULL AS stamped FROM mw_meta.state ORDER BY key')).rows as {
      key: string;
      kind: string;
      spec: Record<string, unknown>;
      fingerprint: string | null;
      stamped: boolean;
    }[];
  beforeAll(async () => {
    conn = pgliteConnection(await freshPGlite());
  });
  afterAll(async () => conn.close());
  beforeEach(async () => {
    await conn.exec(RESET);
    for (const s of estate.sql) await conn.exec(s);
  });

  it('records one row per desired object: its spec and the live fingerprint', async () => {
    await withTransaction(conn, (c) => recordState(c, desired, ctx));
    const rows = await stateRows();
    expect(rows.map((r) => r.key)).toEqual([...allKeys].sort());
    for (const o of desired) {
      const row = rows.find((r) => r.key === o.key)!;
      expect(row.kind).toBe(o.kind);
      // the spec as stored: the object's own, and what it served (domain, table, …) under ABOUT_KEY
      const { [ABOUT_KEY]: about, ...spec } = row.spec;
      expect(canonicalJson(spec)).toBe(canonicalJson(o.spec));
      expect(about).toEqual(o.table ? { table: o.table } : undefined);
      expect(stateRowOf(row.key, row.kind, row.spec, row.fingerprint)).toEqual({ key: o.key, kind: o.kind, spec: o.spec, fingerprint: row.fingerprint, ...(o.table ? { about: { table: o.table } } : {}) });
      // a view: v2:<attributes>:<rule>:<definition> (view-print.ts), all known right after it was made
      expect(row.fingerprint, o.key).toMatch(o.kind === 'view' ? /^v2:[0-9a-f]{64}:[0-9a-f]{64}:[0-9a-f]{64}$/ : /^[0-9a-f]{64}$/);
      expect(row.stamped).toBe(true);
    }
    const { fingerprints, queryCount } = await fingerprintLive(conn, ctx, allKeys);
    expect(queryCount).toBe(6);
    // read back without deparsing: a view's attributes and rule, the rest whole
    const confirmed = (fp: string | null | undefined, kind: string) => (kind === 'view' ? fp?.split(':').slice(0, 3).join(':') : fp);
    for (const r of rows) expect(confirmed(fingerprints.get(r.key), r.kind), r.key).toBe(confirmed(r.fingerprint, r.kind));
    // non-view objects are fingerprinted by their live spec, which equals the desired one here
    expect(rows.find((r) => r.key === ROLE)!.fingerprint).toBe(sha256(canonicalJson(desired.find((o) => o.key === ROLE)!.spec)));
  });

  it('changes a view fingerprint for each part: definition, options, owner, comment, columns', async () => {
    const base = (await fingerprintLive(conn, ctx, [VIEW])).fingerprints.get(VIEW)!;
    const seen = new Set([base]);
    const steps = [
      "CREATE OR REPLACE VIEW mw_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM sales.customers WHERE region = 'EMEA'",
      'ALTER VIEW mw_sales.customers SET (security_barrier = false)',
      'ALTER VIEW mw_sales.customers OWNER TO mw_sales_leads',
      "COMMENT ON VIEW mw_sales.customers IS 'meshward:acme:view:renamed'",
      "CREATE OR REPLACE VIEW mw_sales.customers AS SELECT id, email, region, 1 AS extra FROM sales.customers WHERE region = 'EMEA'",
    ];
    for (const step of steps) {
      await conn.exec(step);
      const fp = (await fingerprintLive(conn, ctx, [VIEW])).fingerprints.get(VIEW)!;
      expect(seen.has(fp), step).toBe(false);
      seen.add(fp);
    }
  });

  it('finds grants on base tables known only from the recorded state', async () => {
    await withTransaction(conn, (c) => recordState(c, desired, ctx));
    const { fingerprints } = await fingerprintLive(conn, ctx);
    expect(fingerprints.has(OWNER_GRANT)).toBe(true);
    expect([...fingerprints.keys()].sort()).toEqual([...allKeys].sort());
  });

  it('replaces the previous rows, and a rolled-back apply keeps them', async () => {
    await withTransaction(conn, (c) => recordState(c, desired, ctx));
    const fewer = desired.filter((o) => o.kind !== 'tag');
    await withTransaction(conn, (c) => recordState(c, fewer, ctx));
    expect((await stateRows()).map((r) => r.key)).toEqual(fewer.map((o) => o.key).sort());
    await expect(
      withTransaction(conn, async (c) => {
        await recordState(c, desired.slice(0, 2), ctx);
        throw new Error('apply failed after recording');
      }),
    ).rejects.toThrow('apply failed');
    expect((await stateRows()).map((r) => r.key)).toEqual(fewer.map((o) => o.key).sort());
  });

  it('records a desired object that is not live without a fingerprint', async () => {
    const ghost = objects.role({ name: 'mw_ghost', comment: 'meshward:acme:role:ghost' });
    await withTransaction(conn, (c) => recordState(c, [...desired, ghost], ctx));
    expect((await stateRows()).find((r) => r.key === ghost.key)!.fingerprint).toBeNull();
  });

  it('refuses to record without the governance tables, naming the target', async () => {
    await conn.exec('DROP TABLE mw_meta.state');
    await expect(recordState(conn, desired, ctx)).rejects.toThrow(/^target 'local': cannot record the applied state: "mw_meta"."state" does not exist/);
  });
});
