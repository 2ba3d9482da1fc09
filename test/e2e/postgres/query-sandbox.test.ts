import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRefused, runChecked } from '../../../src/targets/postgres/query-sandbox.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { open, outOfBand } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 8, items 8 and 13, on real engines: `query --as` runs exactly one read-only query as the
 * principal. Escalations (RESET ROLE, set_config('role'), SQL text run by a function, a user
 * function on the search path), writes, COMMIT and GRANT are refused with a message — never a
 * TypeError, never "(0 rows)", never clear data — and no probe role is left behind. Behind the
 * parser, the runtime guard throws the rows away if the role changed anyway.
 */
describe.each(ENGINES)('query --as is a sandbox on %s', (engine) => {
  let t: E2eTarget;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });
  const query = (sql: string, group = 'sales_analysts') => run('query', '--as', group, '--json', sql);
  let emails: string[];

  /** As the superuser, out of band, between two CLI runs. */
  async function dba<T>(fn: (q: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
    const session = await open(t);
    const db = await outOfBand(t, session);
    try {
      return await fn(async (sql) => (await db.query(sql)).rows);
    } finally {
      await db.close();
      await session.close();
    }
  }
  const probesLeft = () => dba((q) => q(`SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE '${t.prefix}probe%'`));

  beforeAll(async () => {
    t = await makeTarget(engine);
    const r = await run('apply', '--yes');
    expect(r.code, r.stderr).toBe(0);
    emails = (await dba((q) => q('SELECT email FROM sales.customers WHERE email IS NOT NULL'))).map((x) => String(x.email));
    expect(emails.length).toBeGreaterThan(5);
  }, 240_000);
  afterAll(async () => t?.cleanup());

  const noClearData = (text: string) => {
    for (const e of emails) expect(text).not.toContain(e);
  };

  it('a plain query runs as the probe, read-only, and sees what the group sees', async () => {
    const r = await query("SELECT current_user AS who, current_setting('transaction_read_only') AS ro, count(*) AS n FROM analytics.sales.customers GROUP BY 1, 2");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { who: string; ro: string; n: unknown }[] };
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]!.who).toMatch(new RegExp(`^${t.prefix}probe_`));
    expect(out.rows[0]!.ro).toBe('on');
    expect(await probesLeft()).toEqual([]);
  });

  it.each([
    ['RESET ROLE; SELECT email FROM sales.customers', /query refused as sales_analysts: the query holds 2 statements \(SET\/RESET; SELECT\)/],
    ["SELECT set_config('role', session_user::text, false) AS r, (SELECT string_agg(email, ',') FROM sales.customers) AS e", /set_config\(\) is not allowed/],
    ["SELECT pg_catalog.set_config('session_authorization', session_user::text, false)", /set_config\(\) is not allowed/],
    ["SELECT query_to_xml('select email from sales.customers', true, false, '')", /query_to_xml\(\) is not allowed/],
    ['WITH d AS (DELETE FROM sales.customers RETURNING email) SELECT * FROM d', /DELETE inside the query/],
    ['SELECT * FROM analytics.sales.customers FOR UPDATE', /FOR UPDATE\/SHARE locks rows/],
    ['SELECT email INTO scratch_copy FROM sales.customers', /SELECT … INTO creates a table/],
    ['COMMIT', /a transaction command .* is not a query/],
    ['GRANT SELECT ON sales.customers TO PUBLIC', /GRANT\/REVOKE is not a query/],
    ['SELEC email FROM sales.customers', /cannot parse the query: syntax error/],
  ])('refuses %j with a message, and leaves nothing behind', async (sql, message) => {
    const r = await query(sql);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/TypeError|internal error|\n\s+at /);
    expect(r.stdout).not.toMatch(/0 rows/);
    noClearData(r.stdout + r.stderr);
    expect(await probesLeft()).toEqual([]);
  });

  it('after COMMIT and GRANT were tried: no grant to PUBLIC, no table, and plan finds no foreign object', async () => {
    await query('COMMIT');
    await query('GRANT SELECT ON sales.customers TO PUBLIC');
    const [row] = await dba((q) => q(`SELECT has_table_privilege('public', 'sales.customers', 'SELECT') AS pub, to_regclass('public.scratch_copy') IS NULL AS no_table`));
    expect(row).toEqual({ pub: false, no_table: true });
    const plan = await run('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).not.toMatch(/FOREIGN_OBJECT|probe_/);
  });

  it('the base table as the group: refused before it runs (only managed views), no clear data', async () => {
    const r = await query('SELECT email FROM sales.customers');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/query refused as sales_analysts: relation "sales"\."customers" is not allowed/);
    noClearData(r.stdout + r.stderr);
  });

  it('a user function on the search path that switches role is not found (search_path is pg_catalog)', async () => {
    await dba((q) => q(`CREATE FUNCTION public.mw_test_escalate() RETURNS text LANGUAGE sql AS $$ SELECT set_config('role', session_user::text, true) $$`));
    try {
      const r = await query('SELECT mw_test_escalate(), (SELECT count(*) FROM analytics.sales.customers) AS n');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/query failed as sales_analysts: function mw_test_escalate\(\) does not exist/);
      const q2 = await query('SELECT public.mw_test_escalate()');
      expect(q2.code).toBe(1);
      expect(q2.stderr).toMatch(/function public\.mw_test_escalate is not PostgreSQL's own/);
    } finally {
      await dba((q) => q('DROP FUNCTION public.mw_test_escalate()'));
    }
  });

  it('behind the parser: a query that switched its role anyway is refused after it ran, its rows thrown away', async () => {
    const session = await open(t);
    try {
      const escalated = "SELECT set_config('role', session_user::text, true) AS r, query_to_xml('select email from sales.customers', true, false, '')::text AS x";
      const err = await runChecked(session.conn, session.ctx, ['sales_analysts'], escalated).then(
        (rows) => rows,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(QueryRefused);
      expect((err as Error).message).toMatch(/the query changed the role it runs as .* its rows are not shown/);
      const [left] = (await session.conn.query(`SELECT count(*)::int AS n FROM pg_catalog.pg_roles WHERE rolname LIKE '${t.prefix}probe%'`)).rows;
      expect(left!.n).toBe(0);
      expect((await session.conn.query('SELECT current_user::text AS u')).rows[0]!.u).not.toMatch(/probe/);
    } finally {
      await session.close();
    }
  });

  /** A plpgsql function that switches back to the connecting identity, reads a base table and switches back (audit 8). */
  const escapeFunction = (schema: string) => `CREATE FUNCTION ${schema}.mw_test_escape() RETURNS text LANGUAGE plpgsql AS $f$
    DECLARE me text := current_user; r text;
    BEGIN
      PERFORM set_config('role', 'none', true);
      SELECT string_agg(email, ',') INTO r FROM sales.customers;
      PERFORM set_config('role', me, true);
      RETURN coalesce(r, '');
    END $f$`;

  it('a view of another schema over a function that switches role and back is refused before it runs: no clear data', async () => {
    await dba(async (q) => {
      await q(escapeFunction('public'));
      await q('CREATE VIEW public.mw_test_escape_v AS SELECT public.mw_test_escape() AS x');
      await q('GRANT SELECT ON public.mw_test_escape_v TO PUBLIC');
    });
    try {
      for (const sql of ['SELECT * FROM public.mw_test_escape_v', 'SELECT (SELECT x FROM "public"."mw_test_escape_v") AS x, count(*) FROM analytics.sales.customers', 'WITH e AS (SELECT * FROM public.mw_test_escape_v) SELECT * FROM e']) {
        const r = await query(sql);
        expect(r.code, sql).toBe(1);
        expect(r.stderr).toMatch(/query refused as sales_analysts: relation "public"\."mw_test_escape_v" is not allowed: query --as reads only meshward's managed views .* and PostgreSQL's catalogs \(pg_catalog, information_schema\)/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        noClearData(r.stdout + r.stderr);
      }
      // and behind the parser's checks, the runner resolves the relations itself
      const session = await open(t);
      try {
        const err = await runChecked(session.conn, session.ctx, ['sales_analysts'], 'SELECT * FROM public.mw_test_escape_v').then(
          (rows) => rows,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(QueryRefused);
        noClearData(JSON.stringify(err) + String(err));
      } finally {
        await session.close();
      }
      expect(await probesLeft()).toEqual([]);
    } finally {
      await dba(async (q) => {
        await q('DROP VIEW public.mw_test_escape_v');
        await q('DROP FUNCTION public.mw_test_escape()');
      });
    }
  });

  it('a view put into a managed schema that meshward did not make is refused too (not by name alone)', async () => {
    const schema = `"${t.prefix}sales"`;
    await dba(async (q) => {
      await q(escapeFunction(schema));
      await q(`CREATE VIEW ${schema}.mw_test_escape_v AS SELECT ${schema}.mw_test_escape() AS x`);
      await q(`GRANT SELECT ON ${schema}.mw_test_escape_v TO PUBLIC`);
    });
    try {
      const r = await query(`SELECT * FROM ${schema}.mw_test_escape_v`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`relation "${t.prefix}sales"\\."mw_test_escape_v" is not allowed`));
      noClearData(r.stdout + r.stderr);
    } finally {
      await dba(async (q) => {
        await q(`DROP VIEW ${schema}.mw_test_escape_v`);
        await q(`DROP FUNCTION ${schema}.mw_test_escape()`);
      });
    }
  });

  it('a managed view no longer owned by meshward\'s owner role is refused (it is not the view apply made)', async () => {
    const view = `"${t.prefix}sales"."stores"`;
    await dba((q) => q(`ALTER VIEW ${view} OWNER TO CURRENT_USER`));
    try {
      const r = await query('SELECT count(*) FROM analytics.sales.stores');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`relation "${t.prefix}sales"\\."stores" is not allowed`));
    } finally {
      await dba((q) => q(`ALTER VIEW ${view} OWNER TO "${t.prefix}owner"`));
    }
    const ok = await query('SELECT count(*) AS n FROM analytics.sales.stores');
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a governed base table and a missing relation are refused by name; catalogs and WITH names are allowed', async () => {
    const base = await query('SELECT count(*) FROM sales.customers');
    expect(base.code).toBe(1);
    expect(base.stderr).toMatch(/relation "sales"\."customers" is not allowed/);
    const missing = await query('SELECT * FROM customers');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/relation "customers" does not exist \(unqualified names resolve in pg_catalog only\)/);
    const ok = await query(
      "WITH customers AS (SELECT 1 AS a), n AS (SELECT count(*) AS n FROM analytics.sales.customers) SELECT (SELECT a FROM customers) AS a, (SELECT n FROM n) > 0 AS n, (SELECT count(*) FROM pg_class) > 0 AS c, (SELECT count(*) FROM information_schema.schemata) > 0 AS s",
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { rows: unknown[] }).rows).toEqual([{ a: 1, n: true, c: true, s: true }]);
  });

  it('neutral names are rewritten exactly, a $& in the query text kept', async () => {
    const r = await query("SELECT '$&' AS a, '$1' AS b, count(*) AS n FROM analytics.sales.customers");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { sql: string; rows: { a: string; b: string }[] };
    expect(out.sql).toBe(`SELECT '$&' AS a, '$1' AS b, count(*) AS n FROM "${t.prefix}sales"."customers"`);
    expect(out.rows[0]).toMatchObject({ a: '$&', b: '$1' });
  });
});
