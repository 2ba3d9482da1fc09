import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import { connectUrl, withTransaction } from '../../../src/targets/postgres/connect.js';
import { drift } from '../../../src/targets/postgres/drift.js';
import { pgliteConnection } from '../../../src/targets/postgres/embedded.js';
import { keys, objects } from '../../../src/targets/postgres/objects.js';
import { introspect } from '../../../src/targets/postgres/introspect.js';
import { recordState } from '../../../src/targets/postgres/state.js';
import type { Connection, DriftItem, NativeObject, TargetContext } from '../../../src/targets/target.js';

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
const only = (items: DriftItem[]) => items.map((i) => ({ key: i.key, status: i.status, detail: i.detail, table: i.table }));

describe('drift (PGlite)', () => {
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

  it('reports nothing right after the state is recorded, in a fixed number of queries', async () => {
    const result = await drift(conn, ctx);
    expect(result.items).toEqual([]);
    expect(result.queryCount).toBe(6);
  });

  it('reports a target that was never applied', async () => {
    await conn.exec('DELETE FROM mw_meta.state');
    const empty = await drift(conn, ctx);
    expect(empty.items).toEqual([
      {
        key: keys.governance('mw_meta'),
        kind: 'governance',
        object: 'governance tables in "mw_meta"',
        status: 'missing',
        detail: `target 'local' was never applied: no state is recorded in "mw_meta"."state" (run meshward apply --target local)`,
      },
    ]);
    await conn.exec('DROP SCHEMA mw_meta CASCADE');
    const none = await drift(conn, ctx);
    expect(none.items.map((i) => i.status)).toEqual(['missing']);
    expect(none.items[0]!.detail).toMatch(/was never applied/);
  });

  it('does not trust a governance schema whose marker was changed', async () => {
    await conn.exec("COMMENT ON SCHEMA mw_meta IS 'meshward:globex:governance:mw_meta'");
    const items = (await drift(conn, ctx)).items;
    expect(items.map((i) => [i.key, i.status])).toEqual([[keys.governance('mw_meta'), 'altered']]);
    expect(items[0]!.detail).toMatch(/does not carry the marker of project acme/);
  });

  it('an out-of-band GRANT on a managed view or schema is extra', async () => {
    await conn.exec('GRANT SELECT ON mw_sales.customers TO etl_reader');
    await conn.exec('GRANT USAGE ON SCHEMA mw_sales TO PUBLIC');
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.grant({ privilege: 'SELECT', on: 'view', object: '"mw_sales"."customers"', grantee: 'etl_reader' }),
        status: 'extra',
        detail: 'GRANT SELECT ON view "mw_sales"."customers" TO "etl_reader" was made outside meshward (not recorded at the last apply)',
        table: undefined,
      },
      {
        key: keys.grant({ privilege: 'USAGE', on: 'schema', object: '"mw_sales"', grantee: '' }),
        status: 'extra',
        detail: 'GRANT USAGE ON SCHEMA "mw_sales" TO PUBLIC was made outside meshward (not recorded at the last apply)',
        table: undefined,
      },
    ]);
  });

  it('a GRANT on a governed base table to a managed role is extra', async () => {
    await conn.exec('GRANT SELECT ON sales.customers TO mw_sales_analysts');
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.grant({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_sales_analysts' }),
        status: 'extra',
        detail: 'GRANT SELECT ON the base table analytics.sales.customers TO "mw_sales_analysts" bypasses the managed view and was not made by meshward (not recorded at the last apply)',
        table: 'analytics.sales.customers',
      },
    ]);
  });

  it('a GRANT on a governed base table to an unmanaged role or PUBLIC is a bypass; an ungoverned table is not', async () => {
    await conn.exec('GRANT SELECT ON sales.customers TO etl_reader, PUBLIC');
    await conn.exec('GRANT SELECT (email) ON sales.customers TO alice');
    await conn.exec('GRANT SELECT ON sales.orders TO PUBLIC');
    const items = (await drift(conn, ctx)).items;
    expect(items.map((i) => [i.status, i.table, i.detail])).toEqual([
      ['bypass', 'analytics.sales.customers', 'GRANT SELECT (column-level) to "alice" on the base table analytics.sales.customers bypasses the managed view'],
      ['bypass', 'analytics.sales.customers', 'GRANT SELECT to PUBLIC on the base table analytics.sales.customers bypasses the managed view'],
      ['bypass', 'analytics.sales.customers', 'GRANT SELECT to "etl_reader" on the base table analytics.sales.customers bypasses the managed view'],
    ]);
  });

  it('CREATE OR REPLACE VIEW that keeps the marker comment is altered', async () => {
    await conn.exec("CREATE OR REPLACE VIEW mw_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM sales.customers");
    const [item] = (await drift(conn, ctx)).items;
    expect(only([item!])).toEqual([
      { key: VIEW, status: 'altered', detail: 'view definition or options changed since the last apply (its stored rule or reloptions differ)', table: 'analytics.sales.customers' },
    ]);
    expect(item!.object).toBe('view "mw_sales"."customers"');
  });

  it('a changed comment or owner is altered, in words', async () => {
    await conn.exec("COMMENT ON ROLE mw_sales_leads IS 'meshward:acme:role:sales_leads (edited)'");
    await conn.exec('ALTER SCHEMA mw_sales OWNER TO mw_sales_leads');
    await conn.exec("COMMENT ON VIEW mw_sales.customers IS 'hand edited'");
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.role('mw_sales_leads'),
        status: 'altered',
        detail: 'comment changed from "meshward:acme:role:sales_leads" to "meshward:acme:role:sales_leads (edited)" since the last apply',
        table: undefined,
      },
      { key: keys.schema('mw_sales'), status: 'altered', detail: 'owner changed from "mw_owner" to "mw_sales_leads" since the last apply', table: undefined },
      {
        key: VIEW,
        status: 'altered',
        detail: 'comment changed from "meshward:acme:view:analytics.sales.customers" to "hand edited" since the last apply',
        table: 'analytics.sales.customers',
      },
    ]);
  });

  it('a dropped view is missing, and so are the grants that went with it', async () => {
    await conn.exec('DROP VIEW mw_sales.customers');
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.grant({ privilege: 'SELECT', on: 'view', object: '"mw_sales"."customers"', grantee: 'mw_sales_analysts' }),
        status: 'missing',
        detail: 'GRANT SELECT ON view "mw_sales"."customers" TO "mw_sales_analysts" was revoked since the last apply',
        table: undefined,
      },
      { key: VIEW, status: 'missing', detail: 'view "mw_sales"."customers" was dropped since the last apply', table: 'analytics.sales.customers' },
    ]);
  });

  it('a removed membership is missing; one added between managed roles is extra', async () => {
    await conn.exec('REVOKE mw_sales_analysts FROM mw_sales_leads');
    await conn.exec('GRANT mw_sales_leads TO mw_owner');
    await conn.exec('REVOKE mw_sales_analysts FROM alice'); // the administrator's business, never drift
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.membership('mw_sales_analysts', 'mw_sales_leads'),
        status: 'missing',
        detail: '"mw_sales_leads" is no longer a member of "mw_sales_analysts" (membership removed since the last apply)',
        table: undefined,
      },
      { key: keys.membership('mw_sales_leads', 'mw_owner'), status: 'extra', detail: '"mw_owner" was made a member of "mw_sales_leads" outside meshward (not recorded at the last apply)', table: undefined },
    ]);
  });

  it('a managed role made a member of an unmanaged role is extra', async () => {
    await conn.exec('GRANT pg_read_all_data TO mw_sales_analysts');
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.membership('pg_read_all_data', 'mw_sales_analysts'),
        status: 'extra',
        detail: 'the managed role "mw_sales_analysts" is a member of "pg_read_all_data", which meshward does not manage: every member of "mw_sales_analysts" gains its privileges',
        table: undefined,
      },
    ]);
  });

  it('a revoked grant to the owner on the base table is missing; edited tags are altered', async () => {
    await conn.exec('REVOKE SELECT ON sales.customers FROM mw_owner');
    await conn.exec("UPDATE mw_meta.tags SET value = 'restricted' WHERE tag = 'sensitivity'");
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.grant({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_owner' }),
        status: 'missing',
        detail: 'GRANT SELECT ON the base table analytics.sales.customers TO "mw_owner" was revoked since the last apply',
        table: 'analytics.sales.customers',
      },
      { key: keys.tag('analytics.sales.customers', 'sensitivity'), status: 'altered', detail: 'value changed from "confidential" to "restricted" since the last apply', table: undefined },
    ]);
  });

  it('a recorded view whose marker was removed is altered, never silently foreign', async () => {
    await conn.exec('COMMENT ON VIEW mw_sales.customers IS NULL');
    const items = (await drift(conn, ctx)).items;
    expect(items.map((i) => [i.key, i.status])).toEqual([[VIEW, 'altered']]);
    expect(items[0]!.detail).toBe('comment changed from "meshward:acme:view:analytics.sales.customers" to "" since the last apply');
  });

  it('a governance table given another owner makes the recorded state untrusted: drift says so, plan refuses (issue 8)', async () => {
    await conn.exec('ALTER TABLE mw_meta.state OWNER TO etl_reader');
    const items = only((await drift(conn, ctx)).items);
    expect(items).toEqual([{ key: keys.governance('mw_meta'), status: 'altered', detail: expect.stringContaining('the governance schema "mw_meta" is not trusted: "mw_meta"."state" is owned by "etl_reader", not "mw_owner"'), table: undefined }]);
    expect(items[0]!.detail).toContain('ALTER TABLE "mw_meta"."state" OWNER TO "mw_owner";');
    await expect(introspect(conn, ctx, desired)).rejects.toThrow(/^the governance schema "mw_meta" is not trusted/);
    await conn.exec('ALTER TABLE mw_meta.state OWNER TO mw_owner');
    expect((await drift(conn, ctx)).items).toEqual([]);
  });

  it('a managed-looking object that the last apply did not create is extra', async () => {
    await conn.exec("CREATE ROLE mw_sneaky NOLOGIN; COMMENT ON ROLE mw_sneaky IS 'meshward:acme:role:sneaky'");
    await conn.exec("CREATE ROLE mw_unmarked NOLOGIN"); // foreign: reported by plan, not drift
    expect(only((await drift(conn, ctx)).items)).toEqual([
      {
        key: keys.role('mw_sneaky'),
        status: 'extra',
        detail:
          'role "mw_sneaky" carries the marker of project acme, but the state meshward recorded in "mw_meta"."state" does not say meshward made it: a forged or unrecorded marker; meshward will not change or drop it; ' +
          'to resolve it, check who made it (meshward audit shows an apply that was interrupted or whose state was lost; if no apply of this project made it, it is forged) and who is a member of it: ' +
          `SELECT member::regrole FROM pg_catalog.pg_auth_members WHERE roleid = '"mw_sneaky"'::regrole; then drop it: DROP OWNED BY "mw_sneaky"; DROP ROLE "mw_sneaky"; (DROP OWNED in every database it holds privileges in) — ` +
          "meshward apply creates the model's role; grant it again to the members you noted",
        table: undefined,
      },
    ]);
  });
});

const PG_URL = process.env.MESHWARD_TEST_PG_URL;

/** The estate under names no other test uses (`mwci_` prefix, `ci_` base schema and roles). */
function renamed<T>(value: T): T {
  const rename = (s: string) =>
    s
      .replace(/mw_/g, 'mwci_')
      .replace(/"sales"/g, '"ci_sales"')
      .replace(/(?<![\w."])sales(?!\w)/g, 'ci_sales')
      .replace(/\b(alice|etl_reader)\b/g, 'ci_$1');
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'string' ? rename(v) : v)) as T;
}

describe('introspect, record and drift on a real server', () => {
  it.skipIf(!PG_URL)('round-trips the estate inside a transaction that is rolled back', async () => {
    const ci = renamed(estate);
    const ciDesired = ci.desired.map(build);
    const model = { project: { name: 'acme', managedPrefix: 'mwci_' }, domains: [] } as unknown as Model;
    const ciCtx = { ...ctxFor(), model } as TargetContext;
    const conn = await connectUrl(PG_URL!);
    try {
      await conn.exec('BEGIN');
      for (const s of ci.sql) await conn.exec(s);
      await recordState(conn, ciDesired, ciCtx);
      const current = await introspect(conn, ciCtx, ciDesired);
      const sorted = (objs: readonly NativeObject[]) => [...objs].map((o) => [o.key, o.spec]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
      expect(sorted(current.objects)).toEqual(sorted(ciDesired));
      expect(current.findings.map((f) => f.object)).toEqual(['role "mwci_globex_team"', 'role "mwci_handmade"', 'schema "mwci_scratch"', 'view "mwci_sales"."adhoc"']);
      expect((await drift(conn, ciCtx)).items).toEqual([]);
      await conn.exec("CREATE OR REPLACE VIEW mwci_sales.customers WITH (security_barrier = true) AS SELECT id, email, region FROM ci_sales.customers");
      await conn.exec('GRANT SELECT ON ci_sales.customers TO PUBLIC');
      expect((await drift(conn, ciCtx)).items.map((i) => [i.key, i.status])).toEqual([
        [keys.grant({ privilege: 'SELECT', on: 'table', object: '"ci_sales"."customers"', grantee: '' }), 'bypass'],
        [keys.view('mwci_sales', 'customers'), 'altered'],
      ]);
    } finally {
      await conn.exec('ROLLBACK').catch(() => undefined);
      await conn.close();
    }
  });
});
