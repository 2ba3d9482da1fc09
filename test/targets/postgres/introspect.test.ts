import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import { withTransaction } from '../../../src/targets/postgres/connect.js';
import { pgliteConnection } from '../../../src/targets/postgres/embedded.js';
import { introspect, liveFromSnapshot, parseQualified, readLive, scopeOf } from '../../../src/targets/postgres/introspect.js';
import { viewMatches } from '../../../src/targets/postgres/view-print.js';
import { keys, objects } from '../../../src/targets/postgres/objects.js';
import type { CatalogSnapshot } from '../../../src/targets/postgres/queries.js';
import { recordState } from '../../../src/targets/postgres/state.js';
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

/** Drops every schema and role the tests created (PGlite runs as the superuser postgres). */
const RESET = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND left(nspname, 3) <> 'pg_' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN SELECT rolname FROM pg_roles WHERE left(rolname, 3) <> 'pg_' AND rolname <> current_user LOOP
    EXECUTE format('DROP OWNED BY %I CASCADE', r.rolname);
    EXECUTE format('DROP ROLE %I', r.rolname);
  END LOOP;
END $$`;

/** A Connection that counts the statements sent through `query`. */
function counting(conn: Connection): Connection & { count: number } {
  const c = {
    count: 0,
    driver: conn.driver,
    query: (sql: string, params?: readonly unknown[]) => {
      c.count++;
      return conn.query(sql, params);
    },
    exec: (sql: string) => conn.exec(sql),
    close: () => conn.close(),
  };
  return c;
}

const specsByKey = (objs: readonly NativeObject[]) => Object.fromEntries([...objs].sort((a, b) => (a.key < b.key ? -1 : 1)).map((o) => [o.key, o.spec]));

describe('introspect (PGlite)', () => {
  let conn: Connection;
  const ctx = ctxFor();
  beforeAll(async () => {
    conn = pgliteConnection(await freshPGlite());
  });
  afterAll(async () => conn.close());
  beforeEach(async () => {
    await conn.exec(RESET);
    for (const s of estate.sql) await conn.exec(s);
    await withTransaction(conn, (c) => recordState(c, desired, ctx));
  });

  // The replayed rows of recorded/estate-snapshot.json come from here: UPDATE_RECORDED=1 rewrites them.
  it.skipIf(!process.env.UPDATE_RECORDED)('regenerates recorded/estate-snapshot.json from PGlite', async () => {
    const { snapshot } = await readLive(conn, ctx, desired);
    writeFileSync(new URL('./recorded/estate-snapshot.json', import.meta.url), JSON.stringify(snapshot, null, 1) + '\n');
  });

  it('reads the managed estate as compile builds it; foreign objects and bypasses are findings', async () => {
    await conn.exec('GRANT SELECT ON sales.customers TO etl_reader');
    await conn.exec('GRANT SELECT ON sales.customers TO PUBLIC');
    const current = await introspect(conn, ctx, desired);
    expect(specsByKey(current.objects)).toEqual(specsByKey(desired));
    expect(current.objects.find((o) => o.kind === 'view')?.table).toBe('analytics.sales.customers');
    expect(current.findings.map((f) => [f.code, f.object])).toEqual([
      ['BYPASS_GRANT', '"sales"."customers"'],
      ['BYPASS_GRANT', '"sales"."customers"'],
      ['FOREIGN_OBJECT', 'role "mw_globex_team"'],
      ['FOREIGN_OBJECT', 'role "mw_handmade"'],
      ['FOREIGN_OBJECT', 'schema "mw_scratch"'],
      ['FOREIGN_OBJECT', 'view "mw_sales"."adhoc"'],
    ]);
    const messages = current.findings.map((f) => f.message);
    expect(messages).toContain('GRANT SELECT to "etl_reader" on the base table analytics.sales.customers bypasses the managed view');
    expect(messages).toContain('GRANT SELECT to PUBLIC on the base table analytics.sales.customers bypasses the managed view');
    expect(messages.find((m) => m.startsWith('role "mw_globex_team"'))).toMatch(/not the marker of project acme \(its comment reads "meshward:globex:role:team"\)/);
    expect(messages.find((m) => m.startsWith('role "mw_handmade"'))).toMatch(/it has no comment/);
    // the administrator's membership (alice) and the ungoverned table's grant (sales.orders) are not ours to report
    expect(JSON.stringify(current)).not.toMatch(/alice|orders/);
    expect(current.queryCount).toBe(6);
  });

  it('reports grants on managed views and schemas, memberships between managed roles and grants to managed roles on base tables', async () => {
    await conn.exec('GRANT SELECT ON mw_sales.customers TO etl_reader, PUBLIC');
    await conn.exec('GRANT USAGE ON SCHEMA mw_sales TO etl_reader');
    await conn.exec('GRANT mw_sales_leads TO mw_owner');
    await conn.exec('GRANT SELECT ON sales.customers TO mw_sales_analysts');
    await conn.exec('GRANT mw_globex_team TO mw_sales_leads'); // our role in a foreign one: a finding, never an object
    const current = await introspect(conn, ctx, desired);
    expect(current.findings.filter((f) => f.code === 'UNMANAGED_GRANT').map((f) => f.message)).toEqual([
      'the managed role "mw_sales_leads" is a member of "mw_globex_team", which meshward does not manage: every member of "mw_sales_leads" gains its privileges',
    ]);
    const extra = current.objects.map((o) => o.key).filter((k) => !desired.some((d) => d.key === k));
    expect(extra.sort()).toEqual(
      [
        keys.grant({ privilege: 'SELECT', on: 'view', object: '"mw_sales"."customers"', grantee: 'etl_reader' }),
        keys.grant({ privilege: 'SELECT', on: 'view', object: '"mw_sales"."customers"', grantee: '' }),
        keys.grant({ privilege: 'USAGE', on: 'schema', object: '"mw_sales"', grantee: 'etl_reader' }),
        keys.membership('mw_sales_leads', 'mw_owner'),
        keys.grant({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_sales_analysts' }),
      ].sort(),
    );
    expect(current.findings.filter((f) => f.code === 'BYPASS_GRANT')).toEqual([]);
  });

  it('gives a changed view the recorded spec plus what differs; an unrecorded one with our marker is a finding, never ours', async () => {
    await conn.exec(
      "CREATE OR REPLACE VIEW mw_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM sales.customers WHERE true",
    );
    await conn.exec("CREATE VIEW mw_sales.orders AS SELECT id FROM sales.orders");
    await conn.exec("COMMENT ON VIEW mw_sales.orders IS 'meshward:acme:view:analytics.sales.orders'");
    const current = await introspect(conn, ctx, desired);
    const recordedView = desired.find((o) => o.kind === 'view')!;
    const changed = current.objects.find((o) => o.key === recordedView.key)!;
    expect(changed.spec).toEqual({ ...recordedView.spec, drift: 'view definition or options changed since the last apply (its stored rule or reloptions differ)' });
    expect(current.objects.find((o) => o.key === keys.view('mw_sales', 'orders'))).toBeUndefined();
    const forged = current.findings.find((f) => f.key === keys.view('mw_sales', 'orders'))!;
    expect(forged).toMatchObject({ code: 'FOREIGN_OBJECT', object: 'view "mw_sales"."orders"' });
    expect(forged.message).toMatch(/carries the marker of project acme, but the state meshward recorded in "mw_meta"\."state" does not say meshward made it: a forged or unrecorded marker/);

    await conn.exec('ALTER VIEW mw_sales.customers OWNER TO mw_sales_leads');
    const again = await introspect(conn, ctx, desired);
    expect(again.objects.find((o) => o.key === recordedView.key)!.spec.drift).toBe('owner changed from "mw_owner" to "mw_sales_leads" since the last apply');
  });

  it('keeps the state hash across reads and changes it when a grant is added', async () => {
    const a = await introspect(conn, ctx, desired);
    const b = await introspect(conn, ctx, desired);
    expect(b.stateHash).toBe(a.stateHash);
    expect(a.stateHash).toMatch(/^[0-9a-f]{64}$/);
    await conn.exec('GRANT SELECT ON mw_sales.customers TO etl_reader');
    const c = await introspect(conn, ctx, desired);
    expect(c.stateHash).not.toBe(a.stateHash);
    await conn.exec('REVOKE SELECT ON mw_sales.customers FROM etl_reader');
    expect((await introspect(conn, ctx, desired)).stateHash).toBe(a.stateHash);
    // a change the views' specs cannot show (a second CREATE OR REPLACE) still changes the hash
    await conn.exec("CREATE OR REPLACE VIEW mw_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM sales.customers WHERE region = 'X'");
    const d = await introspect(conn, ctx, desired);
    await conn.exec("CREATE OR REPLACE VIEW mw_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM sales.customers WHERE region = 'Y'");
    expect((await introspect(conn, ctx, desired)).stateHash).not.toBe(d.stateHash);
  });

  it('issues the same fixed number of queries for 2 tables and for 300', async () => {
    const probe = counting(conn);
    const small = await introspect(probe, ctx, desired);
    expect(probe.count).toBe(small.queryCount);

    const n = 300;
    const sql: string[] = ['CREATE SCHEMA big', 'CREATE SCHEMA mw_big AUTHORIZATION mw_owner', "COMMENT ON SCHEMA mw_big IS 'meshward:acme:schema:big'"];
    const more: NativeObject[] = [];
    more.push(objects.schema({ name: 'mw_big', owner: 'mw_owner', comment: 'meshward:acme:schema:big' }));
    for (let i = 0; i < n; i++) {
      sql.push(`CREATE TABLE big.t${i} (id int, v text)`, `GRANT SELECT ON big.t${i} TO mw_owner`);
      sql.push(`CREATE VIEW mw_big.t${i} AS SELECT id, v FROM big.t${i}`, `ALTER VIEW mw_big.t${i} OWNER TO mw_owner`);
      sql.push(`COMMENT ON VIEW mw_big.t${i} IS 'meshward:acme:view:analytics.big.t${i}'`, `GRANT SELECT ON mw_big.t${i} TO mw_sales_analysts`);
      more.push(objects.grant({ privilege: 'SELECT', on: 'table', object: `"big"."t${i}"`, grantee: 'mw_owner' }));
      const columns = [{ name: 'id', type: 'integer' }, { name: 'v', type: 'text' }];
      more.push(objects.view({ schema: 'mw_big', name: `t${i}`, base: { schema: 'big', table: `t${i}` }, owner: 'mw_owner', comment: `meshward:acme:view:analytics.big.t${i}`, select: '', columns, masks: {}, filters: [] }));
      more.push(objects.grant({ privilege: 'SELECT', on: 'view', object: `"mw_big"."t${i}"`, grantee: 'mw_sales_analysts' }));
    }
    await conn.exec(sql.join(';\n'));
    await withTransaction(conn, (c) => recordState(c, [...desired, ...more], ctx)); // views are meshward's only once recorded
    probe.count = 0;
    const big = await introspect(probe, ctx, [...desired, ...more]);
    expect(probe.count).toBe(big.queryCount);
    expect(big.queryCount).toBe(small.queryCount);
    expect(big.objects.filter((o) => o.kind === 'view')).toHaveLength(n + 1);
    expect(big.objects.filter((o) => o.kind === 'grant' && o.spec.on === 'table')).toHaveLength(n + 1);
  });

  it('works before the governance tables exist: no governance object, no tags, and nothing with our marker is ours', async () => {
    await conn.exec('DROP SCHEMA mw_meta CASCADE');
    const current = await introspect(conn, ctx, desired);
    expect(current.objects.some((o) => o.kind === 'governance' || o.kind === 'tag')).toBe(false);
    // nothing is recorded: every marked role, schema and view is a finding that blocks a plan needing its name
    expect(current.objects).toEqual([]);
    const forged = current.findings.filter((f) => /forged or unrecorded marker/.test(f.message)).map((f) => f.key);
    expect(forged.sort()).toEqual([keys.role('mw_owner'), keys.role('mw_sales_analysts'), keys.role('mw_sales_leads'), keys.schema('mw_sales')].sort());
    expect(current.queryCount).toBe(5);
  });

  it('adopts a pre-made owner role with exactly the owner marker while nothing is recorded, and nothing else', async () => {
    await conn.exec('DROP SCHEMA mw_meta CASCADE');
    await conn.exec("COMMENT ON ROLE mw_owner IS 'meshward:acme:owner:views'");
    await conn.exec("COMMENT ON ROLE mw_sales_leads IS 'meshward:acme:owner:views'"); // the owner marker on another role adopts nothing
    const current = await introspect(conn, ctx, desired);
    // the owner role, and the owner's SELECT on the base table (a grant to a managed role)
    expect(current.objects.map((o) => o.key)).toEqual([keys.grant({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_owner' }), keys.role('mw_owner')]);
    expect(current.findings.map((f) => f.key)).toContain(keys.role('mw_sales_leads'));
    // once anything is recorded, only the record counts: an unrecorded owner role is a finding
    await conn.exec('CREATE SCHEMA mw_meta AUTHORIZATION mw_owner');
    await conn.exec("COMMENT ON SCHEMA mw_meta IS 'meshward:acme:governance:mw_meta'");
    await conn.exec('CREATE TABLE mw_meta.state (key text PRIMARY KEY, kind text, spec jsonb, fingerprint text, applied_at timestamptz)');
    await conn.exec('ALTER TABLE mw_meta.state OWNER TO mw_owner');
    await conn.exec(`INSERT INTO mw_meta.state VALUES ('role:mw_sales_analysts', 'role', '{"name":"mw_sales_analysts","comment":"meshward:acme:role:sales_analysts"}', NULL, now())`);
    const later = await introspect(conn, ctx, desired);
    expect(later.objects.filter((o) => o.kind === 'role').map((o) => o.key)).toEqual([keys.role('mw_sales_analysts')]);
    expect(later.findings.map((f) => f.key)).toContain(keys.role('mw_owner'));
  });

  it('never reads a governance schema that lacks this project\'s marker', async () => {
    await conn.exec("COMMENT ON SCHEMA mw_meta IS 'meshward:globex:governance:mw_meta'");
    const current = await introspect(conn, ctx, desired);
    expect(current.objects.some((o) => o.kind === 'governance' || o.kind === 'tag')).toBe(false);
    expect(current.findings.map((f) => f.object)).toContain('schema "mw_meta"');
  });

  it('represents the governance schema as a schema object only when compile does', async () => {
    const withSchema = [...desired, objects.schema({ name: 'mw_meta', owner: 'postgres', comment: 'meshward:acme:governance:mw_meta' })];
    expect((await introspect(conn, ctx, desired)).objects.some((o) => o.key === keys.schema('mw_meta'))).toBe(false);
    expect((await introspect(conn, ctx, withSchema)).objects.some((o) => o.key === keys.schema('mw_meta'))).toBe(true);
  });

  it('uses a configured governance schema', async () => {
    await conn.exec('ALTER SCHEMA mw_meta RENAME TO governance');
    await conn.exec("COMMENT ON SCHEMA governance IS 'meshward:acme:governance:governance'");
    const custom = ctxFor({ type: 'postgres', database: 'analytics', governance_schema: 'governance' });
    const current = await introspect(conn, custom, desired);
    expect(current.objects.find((o) => o.kind === 'governance')?.spec).toEqual({ schema: 'governance', version: 1 });
    expect(current.objects.filter((o) => o.kind === 'tag')).toHaveLength(2);
  });
});

describe('introspection replay (recorded catalog rows, no database)', () => {
  const snapshot = JSON.parse(readFileSync(new URL('./recorded/estate-snapshot.json', import.meta.url), 'utf8')) as CatalogSnapshot;
  const scope = scopeOf(ctxFor());

  it('scopes by marker, not by prefix', () => {
    const live = liveFromSnapshot(snapshot, scope);
    const managed = [...live.objects.values()].filter((o) => o.managed).map((o) => o.object.key);
    expect(managed).toContain(keys.role('mw_owner'));
    expect(managed).not.toContain(keys.role('mw_globex_team'));
    expect(managed).not.toContain(keys.role('mw_handmade'));
    expect(managed).not.toContain(keys.view('mw_sales', 'adhoc'));
    expect(live.recorded?.size).toBe(desired.length);
    expect(live.findings.filter((f) => f.code === 'FOREIGN_OBJECT')).toHaveLength(4);
  });

  it('matches recorded fingerprints, so the views read back as recorded', () => {
    const live = liveFromSnapshot(snapshot, scope);
    // these rows were recorded before view fingerprints were v2: a view is compared by its definition
    for (const d of desired) {
      const rec = live.recorded?.get(d.key)?.fingerprint ?? null;
      const lo = live.objects.get(d.key)!;
      if (lo.view) expect(viewMatches(rec, lo.view), d.key).toBe(true);
      else expect(rec, d.key).toBe(lo.fingerprint);
    }
  });

  it('tells a non-superuser identity ahead that only a superuser can take SUPERUSER, REPLICATION or BYPASSRLS away', () => {
    const edited = (readerSuperuser: boolean): CatalogSnapshot => ({
      ...snapshot,
      roles: snapshot.roles.map((r) => (r.name === 'mw_sales_analysts' ? { ...r, superuser: true, bypassrls: true, readerSuperuser } : { ...r, readerSuperuser })),
    });
    const said = liveFromSnapshot(edited(false), scope).findings.filter((f) => f.object === 'role "mw_sales_analysts"');
    expect(said.map((f) => f.message)).toEqual([
      'the managed role "mw_sales_analysts" was given SUPERUSER, BYPASSRLS outside meshward; only a superuser can take them away, so an apply as this identity fails at ALTER ROLE: have a superuser run ALTER ROLE "mw_sales_analysts" NOSUPERUSER NOBYPASSRLS',
    ]);
    expect(liveFromSnapshot(edited(true), scope).findings.filter((f) => f.object === 'role "mw_sales_analysts"')).toEqual([]);
  });

  it('parses quoted qualified names', () => {
    expect(parseQualified('"sales"."customers"')).toEqual(['sales', 'customers']);
    expect(parseQualified('"we""ird"."a.b"')).toEqual(['we"ird', 'a.b']);
    expect(parseQualified('sales.customers')).toBeNull();
  });
});
