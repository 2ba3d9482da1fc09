import fc from 'fast-check';
import { ATTRIBUTES, attributes, filterArbitrary, GROUPS, LITERALS, principalOf } from '../../support/filter-arbitraries.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, parseExpr, typeCheck } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { attributeValueText, exprSql, type ExprSqlContext } from '../../../src/targets/snowflake/expr.js';
import { qualified, quoteIdent, quoteLiteral } from '../../../src/targets/snowflake/sql-text.js';
import { createSimulator, type SimConnection, type Simulator } from '../../support/snowflake-sim/index.js';

/**
 * Row-filter AST -> Snowflake, checked against the oracle `evaluate()` on the Snowflake simulator
 * (whose IS_ROLE_IN_SESSION, three-valued logic and casts follow Snowflake's documentation): the
 * value of every random filter for every row and every set of groups, and the rows a row access
 * policy with that body lets a user read.
 */

const COLUMNS: readonly { name: string; type: NeutralType; native: string }[] = [
  { name: 's', type: 'string', native: 'VARCHAR' },
  { name: 'we"ird col', type: 'string', native: 'VARCHAR(20)' },
  { name: 'n', type: 'number', native: 'NUMBER(10,2)' },
  { name: 'i', type: 'number', native: 'NUMBER(38,0)' },
  { name: 'b', type: 'boolean', native: 'BOOLEAN' },
  { name: 'd', type: 'date', native: 'DATE' },
  { name: 'tp', type: 'timestamp', native: 'TIMESTAMP_NTZ' },
];

const roleOf = (g: string) => `MWX_${g.toUpperCase()}`;

const ctx: ExprSqlContext = { columns: COLUMNS.map((c) => ({ name: c.name, type: c.type, nativeType: c.native })), roleOf, attributes, attributesTable: '"DB"."GOV"."ATTRIBUTES"' };
/** Each group's own attribute values, as the attributes table holds them. */
const attributeRows = GROUPS.flatMap((g) => Object.entries(g.attributes).flatMap(([a, values]) => values.map((v) => attributeValueText(v, attributes.get(a)!.type)).filter((v): v is string => v !== undefined).map((value) => ({ role: roleOf(g.name), attribute: a, value }))));
const columnTypes = new Map(COLUMNS.map((c) => [c.name.toLowerCase(), c.type]));

const exprArb = filterArbitrary(COLUMNS);

/** Rows over the literals' values, NULLs included, as Snowflake literals per column. */
function sampleRows(): Record<string, string>[] {
  const pick = <T,>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
  const rows: Record<string, string>[] = [];
  for (let r = 0; r < 36; r++) {
    const nullIf = (k: number, v: string) => ((r * 7 + k * 3) % 9 === 0 ? 'NULL' : v);
    rows.push({
      s: nullIf(1, quoteLiteral(pick(LITERALS.string as string[], r))),
      'we"ird col': nullIf(2, quoteLiteral(pick(LITERALS.string as string[], r * 5 + 1))),
      n: nullIf(3, pick(LITERALS.number as string[], r * 3)),
      i: nullIf(4, pick(['0', '1', '-3', '100', '7'], r)),
      b: nullIf(5, pick(['TRUE', 'FALSE'], r)),
      d: nullIf(6, `TO_DATE(${quoteLiteral(pick(['2024-01-01', '2023-06-15', '2025-03-01'], r * 2))})`),
      tp: nullIf(8, `TO_TIMESTAMP_NTZ(${quoteLiteral(pick(['2024-01-01 00:00:00', '2023-06-15 12:30:00.5', '1999-01-01 00:00:00'], r * 5))})`),
    });
  }
  return rows;
}

const run = (conn: SimConnection, sqlText: string): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => conn.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(new Error(`${(err as Error).message}\n${sqlText}`)) : resolve((rows ?? []) as Record<string, unknown>[])) }));

describe('filter AST -> Snowflake SQL text', () => {
  const sql = (text: string) => {
    const parsed = parseExpr(text);
    if (!parsed.expr) throw new Error(parsed.errors.map((e) => e.message).join('; '));
    return exprSql(parsed.expr, ctx);
  };
  it('quotes columns and literals, writes groups as IS_ROLE_IN_SESSION and attributes as a subquery', () => {
    expect(sql(`"we""ird col" <> 'it''s\\'`)).toBe(`("we""ird col" <> 'it''s\\\\')`);
    expect(sql("in_group('g2') OR s IN user.region")).toBe(`(IS_ROLE_IN_SESSION('MWX_G2') OR (CASE WHEN EXISTS (SELECT 1 FROM "DB"."GOV"."ATTRIBUTES" AS A WHERE A."ATTRIBUTE" = 'region' AND IS_ROLE_IN_SESSION(A."ROLE")) THEN "s" IN (SELECT A."VALUE" FROM "DB"."GOV"."ATTRIBUTES" AS A WHERE A."ATTRIBUTE" = 'region' AND IS_ROLE_IN_SESSION(A."ROLE")) ELSE FALSE END))`);
    expect(sql("d < DATE '2025-01-01' AND tp >= TIMESTAMP '2024-01-31 12:00:00.5'")).toBe(`(("d" < TO_DATE('2025-01-01')) AND ("tp" >= TO_TIMESTAMP_NTZ('2024-01-31 12:00:00.5')))`);
  });
  it('refuses a TIMESTAMP_TZ column rather than compare it in the session zone', () => {
    const tz: ExprSqlContext = { ...ctx, columns: [{ name: 'ts', type: 'timestamp', nativeType: 'TIMESTAMP_TZ' }] };
    expect(() => exprSql(parseExpr("ts > TIMESTAMP '2024-01-01 00:00:00'").expr!, tz)).toThrow(/TIMESTAMP_NTZ/);
  });
});

describe('filter SQL on the Snowflake simulator agrees with evaluate()', () => {
  let sim: Simulator;
  let admin: SimConnection;
  let rows: Record<string, unknown>[];
  const users = new Map<string, SimConnection>();
  const T = qualified('DB', 'S', 'T');

  /** A user holding exactly these groups' roles (secondary roles ALL: every granted role counts). */
  async function userFor(member: readonly string[]): Promise<SimConnection> {
    const key = [...member].sort().join(',');
    const known = users.get(key);
    if (known) return known;
    const name = `U${users.size}`;
    sim.createUser(name, { defaultRole: 'PUBLIC', defaultSecondaryRoles: 'ALL', roles: member.map(roleOf), defaultWarehouse: 'WH' });
    const c = sim.createConnection({ account: 'acme', username: name, warehouse: 'WH' });
    await c.connectAsync();
    users.set(key, c);
    return c;
  }

  beforeAll(async () => {
    sim = createSimulator({ account: 'ACME' });
    sim.createWarehouse('WH', { public: true });
    sim.createUser('ADMIN', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
    admin = sim.createConnection({ account: 'acme', username: 'ADMIN', warehouse: 'WH' });
    await admin.connectAsync();
    const data = sampleRows();
    for (const s of [
      'CREATE DATABASE DB',
      'CREATE SCHEMA DB.S',
      'CREATE SCHEMA DB.GOV',
      ...GROUPS.map((g) => `CREATE ROLE ${quoteIdent(roleOf(g.name))}`),
      ...GROUPS.flatMap((g) => g.memberOf.map((p) => `GRANT ROLE ${quoteIdent(roleOf(p))} TO ROLE ${quoteIdent(roleOf(g.name))}`)),
      'CREATE TABLE DB.GOV.ATTRIBUTES (ROLE VARCHAR, ATTRIBUTE VARCHAR, VALUE VARCHAR)',
      `INSERT INTO DB.GOV.ATTRIBUTES VALUES ${attributeRows.map((r) => `(${[r.role, r.attribute, r.value].map(quoteLiteral).join(', ')})`).join(', ')}`,
      `CREATE TABLE ${T} ("ID" NUMBER, ${COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.native}`).join(', ')})`,
      ...data.map((r, i) => `INSERT INTO ${T} SELECT ${i}, ${COLUMNS.map((c) => r[c.name]).join(', ')}`),
      'GRANT USAGE ON DATABASE DB TO ROLE PUBLIC',
      'GRANT USAGE ON SCHEMA DB.S TO ROLE PUBLIC',
      'GRANT USAGE ON SCHEMA DB.GOV TO ROLE PUBLIC',
      `GRANT SELECT ON TABLE ${T} TO ROLE PUBLIC`,
      'GRANT SELECT ON TABLE DB.GOV.ATTRIBUTES TO ROLE PUBLIC',
    ])
      await run(admin, s);
    rows = await run(admin, `SELECT * FROM ${T} ORDER BY "ID"`);
  });

  it('for random filters, rows and role memberships (three-valued, not just visibility)', async () => {
    const checkCtx = { columns: new Map(COLUMNS.map((c) => [c.name.toLowerCase(), { name: c.name, type: c.type }])), attributes: new Map(ATTRIBUTES.map((a) => [a.name, { type: a.type }])), groups: new Set(GROUPS.map((g) => g.name)) };
    await fc.assert(
      fc.asyncProperty(exprArb, fc.subarray(GROUPS.map((g) => g.name)), async (expr, member) => {
        expect(typeCheck(expr, checkCtx)).toEqual([]);
        const sql = exprSql(expr, ctx);
        const principal = principalOf(member);
        const expected = rows.map((row) => evaluate(expr, row, principal, columnTypes));
        const got = await run(await userFor(member), `SELECT (${sql}) AS V FROM ${T} ORDER BY "ID"`);
        expect(got.map((r) => r.V), sql).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('as a row access policy body, a user reads exactly the rows the filter is TRUE for', async () => {
    const args = COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.native.replace(/\(.*\)$/, '')}`).join(', ');
    const on = COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
    await run(admin, `CREATE ROW ACCESS POLICY DB.GOV.P AS (${args}) RETURNS BOOLEAN -> TRUE`);
    await run(admin, `ALTER TABLE ${T} ADD ROW ACCESS POLICY DB.GOV.P ON (${on})`);
    await run(admin, 'REVOKE SELECT ON TABLE DB.GOV.ATTRIBUTES FROM ROLE PUBLIC'); // the body reads it with the owner's rights
    const samples = fc.sample(fc.tuple(exprArb, fc.subarray(GROUPS.map((g) => g.name))), { numRuns: 60, seed: 5 });
    for (const [expr, member] of samples) {
      const sql = exprSql(expr, ctx);
      await run(admin, `ALTER ROW ACCESS POLICY DB.GOV.P SET BODY -> ${sql}`);
      const principal = principalOf(member);
      const expected = rows.filter((row) => evaluate(expr, row, principal, columnTypes) === true).map((r) => r.ID);
      const got = await run(await userFor(member), `SELECT "ID" FROM ${T} ORDER BY "ID"`);
      expect(got.map((r) => r.ID), sql).toEqual(expected);
    }
  });
});
