import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { checkConsumerQuery, QueryRefused, relationsOf, rewriteNames } from '../../../src/targets/postgres/query-sandbox.js';
import { hostileName } from '../../fixtures/hostile-names.js';

/**
 * Issue 8, item 8 (and 13): what `query --as` accepts, parsed with PostgreSQL's own grammar —
 * exactly one SELECT (WITH … SELECT, VALUES, TABLE) — and what it refuses, always with a message;
 * and the neutral-name rewriting, which must insert a hostile view name exactly as it is.
 */

describe('checkConsumerQuery', () => {
  it.each([
    ['SELECT region FROM "mw_sales"."customers"', 'SELECT region FROM "mw_sales"."customers"'],
    ['  SELECT 1 ;  ', 'SELECT 1'],
    ['-- a comment\nSELECT 1 -- trailing\n', 'SELECT 1 -- trailing'],
    ['WITH x AS (SELECT 1 AS a) SELECT a FROM x', 'WITH x AS (SELECT 1 AS a) SELECT a FROM x'],
    ['VALUES (1), (2)', 'VALUES (1), (2)'],
    ['TABLE "mw_sales"."customers"', 'TABLE "mw_sales"."customers"'],
    ['SELECT 1 UNION ALL SELECT 2 ORDER BY 1', 'SELECT 1 UNION ALL SELECT 2 ORDER BY 1'],
    ["SELECT count(*), lower('A'), pg_catalog.upper('b'), now()::date, 1 OPERATOR(pg_catalog.+) 2", "SELECT count(*), lower('A'), pg_catalog.upper('b'), now()::date, 1 OPERATOR(pg_catalog.+) 2"],
    ["SELECT 'RESET ROLE; SELECT 1'", "SELECT 'RESET ROLE; SELECT 1'"],
  ])('accepts %j', async (sql, statement) => {
    expect(await checkConsumerQuery(sql)).toBe(statement);
  });

  it.each([
    ['RESET ROLE; SELECT email FROM sales.customers', /holds 2 statements \(SET\/RESET; SELECT\)/],
    ['SELECT 1; SELECT 2', /holds 2 statements/],
    ['COMMIT', /a transaction command .* is not a query/],
    ['SET ROLE postgres', /SET\/RESET is not a query/],
    ['GRANT SELECT ON sales.customers TO PUBLIC', /GRANT\/REVOKE is not a query/],
    ['DELETE FROM sales.customers', /DELETE is not a query/],
    ['WITH d AS (DELETE FROM sales.customers RETURNING *) SELECT * FROM d', /DELETE inside the query/],
    ['WITH u AS (UPDATE sales.customers SET email = NULL RETURNING 1) SELECT 1', /UPDATE inside the query/],
    ['SELECT 1 INTO scratch', /SELECT … INTO creates a table/],
    ['SELECT 1 INTO scratch UNION SELECT 2', /SELECT … INTO creates a table/],
    ['SELECT * FROM sales.customers FOR UPDATE', /FOR UPDATE\/SHARE locks rows/],
    ['SELECT * FROM (SELECT * FROM sales.customers FOR SHARE) s', /FOR UPDATE\/SHARE locks rows/],
    ["SELECT set_config('role', 'postgres', false)", /set_config\(\) is not allowed/],
    ["SELECT pg_catalog.set_config('session_authorization', 'postgres', false)", /set_config\(\) is not allowed/],
    ["SELECT (SELECT email FROM sales.customers LIMIT 1) WHERE set_config('role','postgres',true) IS NOT NULL", /set_config\(\) is not allowed/],
    ["SELECT query_to_xml('select email from sales.customers', true, false, '')", /query_to_xml\(\) is not allowed/],
    ["SELECT table_to_xml('sales.customers', true, false, '')", /table_to_xml\(\) is not allowed/],
    ["SELECT * FROM ts_stat('select 1')", /ts_stat\(\) is not allowed/],
    ['SELECT pg_advisory_lock(1)', /pg_advisory_lock\(\) is not allowed/],
    ["SELECT public.evil()", /function public\.evil is not PostgreSQL's own/],
    ["SELECT 'x'::public.t", /type public\.t is not PostgreSQL's own/],
    ['SELECT 1 OPERATOR(public.+) 2', /operator public\.\+ is not PostgreSQL's own/],
    ['SELECT 1 WHERE 1 OPERATOR(public.=) ANY (SELECT 1)', /operator public\.= is not PostgreSQL's own/],
    ['SELECT 1 ORDER BY 1 USING OPERATOR(public.<)', /operator public\.< is not PostgreSQL's own/],
    ['SELECT * FROM pg_class TABLESAMPLE public.rows(1)', /sampling method public\.rows is not PostgreSQL's own/],
    ['EXPLAIN ANALYZE SELECT 1', /EXPLAIN is not a query/],
    ['', /the query is empty/],
    ['-- nothing', /the query is empty/],
    ['SELEC 1', /cannot parse the query: syntax error at or near "SELEC" \(at character 1\)/],
  ])('refuses %j', async (sql, message) => {
    const err = await checkConsumerQuery(sql).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QueryRefused);
    expect((err as Error).message).toMatch(message);
  });
});

describe('relationsOf', () => {
  const texts = async (sql: string) => (await relationsOf(sql)).map((r) => r.text);

  it.each([
    ['SELECT * FROM public.v', ['"public"."v"']],
    ['SELECT * FROM analytics.s.t, pg_class, "Odd""Name"', ['"analytics"."s"."t"', '"pg_class"', '"Odd""Name"']],
    ['SELECT (SELECT x FROM public.v) FROM (SELECT 1) s JOIN a.b ON true WHERE EXISTS (SELECT 1 FROM c.d)', ['"public"."v"', '"a"."b"', '"c"."d"']],
    ['TABLE s.t', ['"s"."t"']],
    ['SELECT * FROM s.t TABLESAMPLE system (1)', ['"s"."t"']],
    // WITH names are not relations where they are in scope…
    ['WITH x AS (SELECT 1) SELECT * FROM x', []],
    ['WITH x AS (SELECT 1), y AS (SELECT * FROM x) SELECT * FROM y', []],
    ['WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r', []],
    ['WITH x AS (SELECT 1) SELECT * FROM x UNION SELECT * FROM (SELECT * FROM x) s', []],
    // …and are relations where they are not: a later name in a non-recursive WITH, a name outside its subquery, a qualified name
    ['WITH y AS (SELECT * FROM x), x AS (SELECT 1) SELECT * FROM y', ['"x"']],
    ['SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) s, x', ['"x"']],
    ['WITH v AS (SELECT 1) SELECT * FROM public.v', ['"public"."v"']],
  ])('%j names %j', async (sql, expected) => {
    expect(await texts(sql)).toEqual(expected);
  });
});

describe('rewriteNames', () => {
  // replacement-string patterns on top of the shared hostile names
  const hostile = fc.oneof(hostileName(40), fc.constantFrom("$&", "$'", '$`', '$1', '$$', '$<x>', 'a$&b', "o'$&"));
  const view = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

  it('inserts the view name exactly as it is, for hostile names (no $& / $1 / $` patterns)', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (db, schema, table, managed) => {
        fc.pre(![db, schema, table].some((p) => p.includes('.') || p.includes('"')));
        const parts = [db, schema, table];
        const target = view(`mw_${managed}`, table);
        const sql = `SELECT * FROM ${parts.join('.')} AS t`;
        expect(rewriteNames(sql, [{ parts, view: target }])).toBe(`SELECT * FROM ${target} AS t`);
        const quoted = `SELECT * FROM ${parts.map((p) => quoteIdent(p)).join('.')}`;
        expect(rewriteNames(quoted, [{ parts, view: target }])).toBe(`SELECT * FROM ${target}`);
      }),
      { numRuns: 500 },
    );
  });

  it('a view name holding $& is not replaced by the matched text', () => {
    expect(rewriteNames('SELECT 1 FROM analytics.sales.customers', [{ parts: ['analytics', 'sales', 'customers'], view: '"mw_$&"."c$1$`"' }])).toBe('SELECT 1 FROM "mw_$&"."c$1$`"');
  });
});
