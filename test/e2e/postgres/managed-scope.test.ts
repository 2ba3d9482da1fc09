import { rmSync } from 'node:fs';
import { stepText } from '../../../src/plan/step.js';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { planFor, PlanRefusedError } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { cli, ensureBuilt } from '../../support/e2e-cli.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { edit, open, outOfBand, pendingChanges, q, serverUrl, type SqlClient } from '../../support/e2e-session.js';
import { ENGINES, SERVER_URL, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Managed scope (product.md, Safety rules): meshward changes only what carries its prefix AND
 * this project's marker. Things seeded before the first apply — an ETL role with write access to
 * the base tables, a prefixed role without a marker, a prefixed role of another project, a
 * hand-written view, an RLS policy on an ungoverned table — must survive every apply unchanged,
 * the ETL role must keep working (also while an apply runs), and a model that would need the
 * name of a foreign prefixed role is refused before anything is applied.
 */
describe.each(ENGINES)('managed scope on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;
  let etl: string;
  let legacy: string;
  let other: string;
  let seeded: unknown;
  const BASE_SCHEMAS = ['finance', 'hr', 'marketing', 'sales'];

  /** Everything seeded, as the catalog shows it: compared before and after every apply. */
  async function snapshot(db: SqlClient): Promise<unknown> {
    const roles = [etl, legacy, other];
    const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
    return {
      roles: await rows(
        `SELECT rolname::text AS name, rolcanlogin, rolsuper, rolinherit, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1`,
        [roles],
      ),
      memberships: await rows(
        `SELECT r.rolname::text AS role, m.rolname::text AS member FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
          WHERE r.rolname = ANY ($1) OR m.rolname = ANY ($1) ORDER BY 1, 2`,
        [roles],
      ),
      relationGrants: await rows(
        `SELECT n.nspname::text AS schema, c.relname::text AS rel, pg_get_userbyid(a.grantee)::text AS grantee, a.privilege_type::text AS privilege
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
          WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1)) ORDER BY 1, 2, 3, 4`,
        [roles],
      ),
      schemaGrants: await rows(
        `SELECT n.nspname::text AS schema, pg_get_userbyid(a.grantee)::text AS grantee, a.privilege_type::text AS privilege
           FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1)) ORDER BY 1, 2, 3`,
        [roles],
      ),
      view: await rows(
        `SELECT pg_get_viewdef(c.oid, true) AS def, pg_get_userbyid(c.relowner)::text AS owner, obj_description(c.oid, 'pg_class') AS comment, c.reloptions
           FROM pg_class c WHERE c.oid = to_regclass('sales.store_regions')`,
      ),
      policies: await rows(`SELECT schemaname::text, tablename::text, policyname::text, roles::text, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2, 3`),
      rls: await rows(
        `SELECT n.nspname::text AS schema, c.relname::text AS rel, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text AS owner
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p', 'v') ORDER BY 1, 2`,
        [BASE_SCHEMAS],
      ),
    };
  }

  async function assertSeedUnchanged(): Promise<void> {
    const db = await outOfBand(t, session);
    try {
      expect(await snapshot(db)).toEqual(seeded);
    } finally {
      await db.close();
    }
  }

  const governed = () => session.resolved.tables.map((x) => `${q(x.table.parts[1])}.${q(x.table.parts[2])}`);

  /** As the ETL role: reads every governed table in full (no RLS crept in), and may INSERT and UPDATE them. Rolled back. */
  async function assertEtlWorks(): Promise<void> {
    const db = await outOfBand(t, session);
    try {
      const full = new Map<string, number>();
      for (const rel of governed()) full.set(rel, Number((await db.query(`SELECT count(*) AS n FROM ${rel}`)).rows[0]!.n));
      await db.exec('BEGIN');
      try {
        await db.exec(`SET LOCAL ROLE ${q(etl)}`);
        for (const rel of governed()) {
          expect(Number((await db.query(`SELECT count(*) AS n FROM ${rel}`)).rows[0]!.n), `${etl} reads every row of ${rel}`).toBe(full.get(rel));
          // Privileges are checked when the statement starts, whatever the WHERE clause.
          await db.exec(`INSERT INTO ${rel} SELECT * FROM ${rel} WHERE false`);
          const { rows: cols } = await db.query(`SELECT attname::text AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1`, [rel]);
          await db.exec(`UPDATE ${rel} SET ${q(String(cols[0]!.c))} = ${q(String(cols[0]!.c))} WHERE false`);
        }
        await db.exec(`INSERT INTO finance.fx_rates (rate_date, currency, rate_to_eur) VALUES (DATE '2031-01-01', 'CHF', 1.05)`);
        expect((await db.query(`UPDATE sales.customers SET loyalty_tier = loyalty_tier WHERE customer_id IN (SELECT min(customer_id) FROM sales.customers) RETURNING customer_id`)).rows).toHaveLength(1);
        expect((await db.query('SELECT count(*)::int AS n FROM sales.store_regions')).rows[0]!.n).toBeGreaterThan(0);
        await db.exec(`INSERT INTO sales.tmp_order_import VALUES (999001, 'etl.csv', 'x', now())`);
        expect((await db.query('SELECT count(*)::int AS n FROM sales.tmp_order_import')).rows[0]!.n).toBe(6);
      } finally {
        await db.exec('ROLLBACK');
      }
    } finally {
      await db.close();
    }
  }

  /** Applies; on a server the ETL job runs from a second connection for the whole apply and must never fail. */
  async function applyWhileEtlRuns(plan: Plan): Promise<void> {
    const loop = engine === 'server' ? etlDuring(serverUrl(t), etl) : undefined;
    await loop?.ready;
    const before = loop?.iterations() ?? 0;
    const report = await applyPlan(session, plan);
    const during = (loop?.iterations() ?? 0) - before;
    loop?.stop();
    expect(report.error ?? null).toBeNull();
    if (!loop) return;
    const result = await loop.done;
    expect(result.failures).toEqual([]);
    expect(during).toBeGreaterThan(0);
    console.log(`ETL loop on the server: ${during} iterations during a ${Math.round(report.ms)} ms apply of ${report.statements.length} statements; slowest iteration ${Math.round(result.maxMs)} ms; 0 failures`);
  }

  const mentions = (plan: Plan, role: string) =>
    plan.changes.filter((c) => c.key.split(':').includes(role) || c.key === `role:${role}` || c.steps.map(stepText).some((s) => s.includes(q(role))));

  beforeAll(async () => {
    const built = ensureBuilt();
    t = await makeTarget(engine);
    p = t.prefix;
    etl = engine === 'server' ? `etl_loader_${p.slice(0, -1)}` : 'etl_loader';
    legacy = `${p}legacy`;
    other = `${p}x`;
    rmSync(join(t.dir, 'tests'), { recursive: true, force: true }); // they name a group a later step removes
    session = await open(t); // PGlite: creates and bootstraps the database
    const db = await outOfBand(t, session);
    try {
      await db.exec(`CREATE ROLE ${q(etl)} LOGIN`);
      await db.exec(`COMMENT ON ROLE ${q(etl)} IS 'nightly ETL loader (not meshward)'`);
      for (const s of BASE_SCHEMAS) {
        await db.exec(`GRANT USAGE ON SCHEMA ${s} TO ${q(etl)}`);
        await db.exec(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${s} TO ${q(etl)}`);
      }
      await db.exec(`CREATE ROLE ${q(legacy)} NOLOGIN`);
      await db.exec(`COMMENT ON ROLE ${q(legacy)} IS 'legacy reporting role, hand-made'`);
      await db.exec(`GRANT USAGE ON SCHEMA finance TO ${q(legacy)}`);
      await db.exec(`GRANT SELECT ON finance.fx_rates TO ${q(legacy)}`);
      await db.exec(`CREATE ROLE ${q(other)} NOLOGIN`);
      await db.exec(`COMMENT ON ROLE ${q(other)} IS 'meshward:otherproject:group:x'`);
      await db.exec(`GRANT ${q(other)} TO ${q(legacy)}`);
      await db.exec(`CREATE VIEW sales.store_regions AS SELECT region, count(*) AS stores FROM sales.stores GROUP BY region`);
      await db.exec(`COMMENT ON VIEW sales.store_regions IS 'hand-written report view'`);
      await db.exec(`GRANT SELECT ON sales.store_regions TO ${q(etl)}`);
      // RLS on a table meshward does not govern (on a governed one it would change what the owner role reads)
      await db.exec('ALTER TABLE sales.tmp_order_import ENABLE ROW LEVEL SECURITY');
      await db.exec(`CREATE POLICY etl_rows ON sales.tmp_order_import FOR ALL TO ${q(etl)} USING (true) WITH CHECK (true)`);
      seeded = await snapshot(db);
    } finally {
      await db.close();
    }
    await session.close();
    session = await open(t);
    await built;
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
    if (engine === 'server') {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP ROLE IF EXISTS ${q(etl)}`);
      await c.end();
    }
  });

  it('plan reports foreign prefixed roles and the ETL bypass grants as findings, never as changes', async () => {
    const { plan } = await planFor(session);
    expect(plan.changes.length).toBeGreaterThan(50);
    const foreign = plan.findings.filter((f) => f.code === 'FOREIGN_OBJECT');
    expect(foreign).toContainEqual(expect.objectContaining({ object: `role ${q(legacy)}`, message: expect.stringMatching(/no.* marker of project|not the marker/) }));
    expect(foreign.find((f) => f.object === `role ${q(legacy)}`)!.message).toMatch(/meshward will not change it/);
    expect(foreign).toContainEqual(expect.objectContaining({ object: `role ${q(other)}`, message: expect.stringContaining('meshward:otherproject:group:x') }));
    const bypass = plan.findings.filter((f) => f.code === 'BYPASS_GRANT' && f.message.includes(q(etl)));
    expect(bypass.map((f) => f.table).sort()).toEqual(session.resolved.tables.map((x) => x.table.name).sort());
    expect(plan.findings).toContainEqual(expect.objectContaining({ code: 'BYPASS_GRANT', object: '"finance"."fx_rates"', message: expect.stringContaining(q(legacy)) }));
    for (const role of [etl, legacy, other]) expect(mentions(plan, role), role).toEqual([]);
    expect(plan.changes.filter((c) => c.steps.map(stepText).some((s) => /store_regions|tmp_order_import|ROW LEVEL SECURITY|POLICY/i.test(s)))).toEqual([]);
  });

  it('the first apply leaves every seeded object as it was, and the ETL role keeps reading and writing', async () => {
    await applyWhileEtlRuns((await planFor(session)).plan);
    await assertSeedUnchanged();
    await assertEtlWorks();
    await assertEnforced(session);
    expect(await pendingChanges(session)).toEqual([]);
    const { items } = await session.target.drift(session.conn, session.ctx);
    expect([...new Set(items.map((i) => i.status))]).toEqual(['bypass']); // the ETL and legacy grants on base tables, reported only
  });

  it('a model change (a group removed, a group and a mask added) applies without touching the seeded objects', async () => {
    await session.close();
    edit(t, 'principals.yaml', [/\n  sales_analysts_apac:\n(?: {4}.*\n)+/, '\n'], ['member_of: [sales_leads, sales_analysts_us, sales_analysts_apac]', 'member_of: [sales_leads, sales_analysts_us]'], [
      /\s*$/,
      '\n  store_managers:\n    member_of: [employees]\n    attributes: { region: [EMEA] }\n',
    ]);
    edit(
      t,
      'domains/sales.yaml',
      ['[sales_analysts, sales_analysts_us, sales_analysts_apac, data_scientists]', '[sales_analysts, sales_analysts_us, data_scientists]'],
      ['grants:\n', 'grants:\n  - groups: [store_managers]\n    read: [analytics.sales.stores, analytics.sales.orders]\n'],
      [/\s*$/, '\n  - name: store-city-redact\n    mask: { columns: [analytics.sales.stores.city], method: redact }\n'],
    );
    session = await open(t);
    const { plan } = await planFor(session);
    expect(plan.changes.find((c) => c.key === `role:${p}sales_analysts_apac`)).toMatchObject({ action: 'remove', hazards: ['DROPS_MANAGED'] });
    expect(plan.changes.find((c) => c.key === `role:${p}store_managers`)).toMatchObject({ action: 'add' });
    for (const role of [etl, legacy, other]) expect(mentions(plan, role), role).toEqual([]);

    await applyWhileEtlRuns(plan);
    await assertSeedUnchanged();
    await assertEtlWorks();
    await assertEnforced(session);
    expect(await pendingChanges(session)).toEqual([]);
  });

  describe('a model that needs the name of a foreign prefixed role', () => {
    let stateBefore: string[];

    beforeAll(async () => {
      stateBefore = await recordedKeys();
      await session.close();
      edit(t, 'principals.yaml', [/\s*$/, '\n  legacy:\n    member_of: [employees]\n']);
      edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [legacy]\n    read: [analytics.finance.fx_rates]\n']);
      session = await open(t);
    });

    afterAll(async () => {
      // Taking the group out again leaves nothing to do: the refused runs changed nothing.
      await session.close();
      edit(t, 'principals.yaml', ['\n  legacy:\n    member_of: [employees]\n', '\n']);
      edit(t, 'domains/finance.yaml', ['  - groups: [legacy]\n    read: [analytics.finance.fx_rates]\n', '']);
      session = await open(t);
      expect(await pendingChanges(session)).toEqual([]);
    });

    // FOREIGN_OBJECT findings carry the key a managed object of that name would have.
    it('plan refuses it: the API throws (exit 1) and the CLI exits 1 naming the role', async () => {
      const refused = await planFor(session).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(PlanRefusedError);
      expect((refused as Error).message).toContain(`role ${q(legacy)}`);
      if (engine === 'pglite') await session.close();
      const planCli = await cli(['plan', '--dir', t.dir, '--target', t.target], { env: t.env });
      if (engine === 'pglite') session = await open(t);
      expect(planCli.code, planCli.stdout + planCli.stderr).toBe(1);
      expect(planCli.stderr).toContain(`role ${q(legacy)}`);
      expect(planCli.stderr).toMatch(/not managed by project/);
    });

    it('apply never takes the role over: it exits 1 naming the role, and nothing is applied', async () => {
      if (engine === 'pglite') await session.close();
      const applyCli = await cli(['apply', '--dir', t.dir, '--target', t.target, '--yes'], { env: t.env });
      if (engine === 'pglite') session = await open(t);
      expect(applyCli.code, applyCli.stdout + applyCli.stderr).toBe(1);
      expect(applyCli.stderr).toContain(q(legacy));
      expect(applyCli.stdout).not.toMatch(/^Applied/m);
      expect(await recordedKeys()).toEqual(stateBefore);
      expect(stateBefore).not.toContain(`role:${legacy}`);
      await assertSeedUnchanged();
      await assertEtlWorks();
    });
  });

  async function recordedKeys(): Promise<string[]> {
    const { rows } = await session.conn.query(`SELECT key FROM ${q(`${p}meta`)}.state ORDER BY key`);
    return rows.map((r) => String(r.key));
  }
});

interface EtlLoopResult {
  readonly iterations: number;
  readonly failures: string[];
  readonly maxMs: number;
}

/**
 * The ETL job keeps running while meshward applies: a second connection loops SELECT, INSERT and
 * UPDATE on governed base tables as the ETL role (each iteration rolled back, statement_timeout
 * small), until stopped. Waiting briefly for a lock is fine; an error is not.
 */
function etlDuring(url: string, role: string): { ready: Promise<void>; done: Promise<EtlLoopResult>; iterations: () => number; stop: () => void } {
  let running = true;
  let iterations = 0;
  let markReady = () => undefined as void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = (async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const failures: string[] = [];
    let maxMs = 0;
    try {
      while (running || iterations === 0) {
        const started = performance.now();
        try {
          await c.query('BEGIN');
          await c.query(`SET LOCAL ROLE "${role.replace(/"/g, '""')}"`);
          await c.query(`SET LOCAL statement_timeout = '3s'`);
          await c.query('SELECT count(*) FROM sales.customers');
          await c.query('SELECT count(*) FROM sales.stores');
          await c.query(`INSERT INTO finance.fx_rates (rate_date, currency, rate_to_eur) VALUES (DATE '2032-01-01' + $1::int, 'ETL', 1)`, [iterations]);
          await c.query('UPDATE sales.orders SET status = status WHERE order_id IN (SELECT min(order_id) FROM sales.orders)');
        } catch (e) {
          failures.push((e as Error).message);
        } finally {
          await c.query('ROLLBACK').catch(() => undefined);
        }
        iterations++;
        maxMs = Math.max(maxMs, performance.now() - started);
        markReady();
      }
    } finally {
      await c.end();
    }
    return { iterations, failures, maxMs };
  })();
  done.catch(() => markReady());
  return {
    ready,
    done,
    iterations: () => iterations,
    stop: () => {
      running = false;
    },
  };
}
