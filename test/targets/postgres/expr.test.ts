import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { at, ATTRIBUTES, attributes, filterArbitrary, GROUPS, groups, LITERALS, principalOf } from '../../support/filter-arbitraries.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, parseExpr, typeCheck } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { groupAttributeValues } from '../../../src/targets/postgres/attributes.js';
import { exprSql, type ExprSqlContext } from '../../../src/targets/postgres/expr.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';

/** Row-filter AST -> PostgreSQL, checked against the oracle `evaluate()` on PGlite. */

const COLUMNS: readonly { name: string; type: NeutralType; native: string }[] = [
  { name: 's', type: 'string', native: 'text' },
  { name: 'we"ird col', type: 'string', native: 'character varying(20)' },
  { name: 'n', type: 'number', native: 'numeric(10,2)' },
  { name: 'i', type: 'number', native: 'integer' },
  { name: 'b', type: 'boolean', native: 'boolean' },
  { name: 'd', type: 'date', native: 'date' },
  { name: 'ts', type: 'timestamp', native: 'timestamp with time zone' },
  { name: 'tp', type: 'timestamp', native: 'timestamp without time zone' },
];

const roleOf = (g: string) => `mwx_${g}`;

const ctx: ExprSqlContext = { columns: COLUMNS.map((c) => ({ name: c.name, type: c.type, nativeType: c.native })), roleOf, attributes, attributesTable: '"mwx_meta"."attributes"' };
/** The rows compile writes for these groups (what the views read). */
const attributeRows = groupAttributeValues({ groups, attributes }, new Map(GROUPS.map((g) => [g.name, roleOf(g.name)])));
const columnTypes = new Map(COLUMNS.map((c) => [c.name.toLowerCase(), c.type]));

const exprArb = filterArbitrary(COLUMNS);

/** Rows over the literals' values, NULLs included, as SQL literals per column. */
function sampleRows(): Record<string, string>[] {
  const pick = <T,>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
  const rows: Record<string, string>[] = [];
  for (let r = 0; r < 36; r++) {
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const nullIf = (k: number, v: string) => ((r * 7 + k * 3) % 9 === 0 ? 'NULL' : v);
    rows.push({
      s: nullIf(1, q(pick(LITERALS.string as string[], r))),
      'we"ird col': nullIf(2, q(pick(LITERALS.string as string[], r * 5 + 1))),
      n: nullIf(3, pick(LITERALS.number as string[], r * 3)),
      i: nullIf(4, pick(['0', '1', '-3', '100', '7'], r)),
      b: nullIf(5, pick(['TRUE', 'FALSE'], r)),
      d: nullIf(6, q(pick(['2024-01-01', '2023-06-15', '2025-03-01'], r * 2))),
      ts: nullIf(7, q(pick(['2024-01-01 00:00:00+00', '2023-06-15 12:30:00.5+00', '2024-01-01 01:00:00+01'], r))),
      tp: nullIf(8, q(pick(['2024-01-01 00:00:00', '2023-06-15 12:30:00.5', '1999-01-01 00:00:00'], r * 5))),
    });
  }
  return rows;
}

describe('filter AST -> SQL text', () => {
  const sql = (text: string) => {
    const parsed = parseExpr(text);
    if (!parsed.expr) throw new Error(parsed.errors.map((e) => e.message).join('; '));
    return exprSql(parsed.expr, ctx);
  };

  it('quotes columns by their stored name, resolved case-insensitively', () => {
    expect(sql("S = 'x'")).toBe(`("s" = 'x')`);
    expect(sql(`"we""ird col" <> 'it''s'`)).toBe(`("we""ird col" <> 'it''s')`);
  });

  it('writes typed literals, never E-strings', () => {
    expect(sql("s = 'a\\b'")).toBe(`("s" = 'a\\b')`);
    expect(sql('n >= -12.50')).toBe('("n" >= -12.5)');
    expect(sql("d < DATE '2025-01-01'")).toBe(`("d" < DATE '2025-01-01')`);
    expect(sql("ts >= TIMESTAMP '2024-01-31 12:00:00.5'")).toBe(`("ts" >= TIMESTAMPTZ '2024-01-31 12:00:00.5+00')`);
    expect(sql("tp >= TIMESTAMP '2024-01-31 12:00:00'")).toBe(`("tp" >= TIMESTAMP '2024-01-31 12:00:00')`);
    expect(sql('b = TRUE AND NOT b IS NULL')).toBe('(("b" = TRUE) AND (NOT ("b" IS NULL)))');
  });

  it('compiles IN user.a to a subquery over the attributes table, typed by the declared type', () => {
    const rows = (attr: string, cast = 'a."value"') => `SELECT ${cast} FROM "mwx_meta"."attributes" AS a WHERE a."attribute" = '${attr}' AND pg_has_role(current_user, a."role", 'MEMBER')`;
    expect(sql('s IN user.region')).toBe(`("s" IN (${rows('region')}))`);
    expect(sql('n NOT IN user.level')).toBe(`(NOT ("n" IN (${rows('level', 'CAST(a."value" AS numeric)')})))`);
    expect(sql('NULL IN user.level')).toBe(`(NULL IN (${rows('level', 'CAST(a."value" AS numeric)')}))`);
    expect(sql('d IN user.day')).toBe(`("d" IN (${rows('day', 'CAST(a."value" AS date)')}))`);
    expect(sql('b IN user.flag')).toBe(`("b" IN (${rows('flag', 'CAST(a."value" AS boolean)')}))`);
    expect(sql('ts IN user.since')).toBe(`("ts" IN (${rows('since', 'CAST(a."value" AS timestamp with time zone)')}))`);
    expect(sql('tp IN user.since')).toBe(`("tp" IN (${rows('since', `(CAST(a."value" AS timestamp with time zone) AT TIME ZONE 'UTC')`)}))`);
  });

  it("compiles 'lit' IN user.a and user.a = 'lit' to EXISTS over the attributes table", () => {
    const exists = (attr: string, test: string) => `EXISTS (SELECT 1 FROM "mwx_meta"."attributes" AS a WHERE a."attribute" = '${attr}' AND pg_has_role(current_user, a."role", 'MEMBER') AND ${test})`;
    expect(sql("user.region = 'EMEA'")).toBe(exists('region', `a."value" = 'EMEA'`));
    expect(sql("'it''s' IN user.region")).toBe(exists('region', `a."value" = 'it''s'`));
    expect(sql('2.50 IN user.level')).toBe(exists('level', 'CAST(a."value" AS numeric) = 2.5'));
    expect(sql("NOT (TIMESTAMP '2024-01-01 00:00:00' IN user.since)")).toBe(`(NOT ${exists('since', `CAST(a."value" AS timestamp with time zone) = TIMESTAMPTZ '2024-01-01 00:00:00+00'`)})`);
  });

  it('writes each group its own values in the canonical text of the type, leaving out what cannot be read as it', () => {
    expect(attributeRows).toEqual([
      { role: 'mwx_g0', attribute: 'level', type: 'number', value: '1' },
      { role: 'mwx_g0', attribute: 'level', type: 'number', value: '2.5' },
      { role: 'mwx_g0', attribute: 'region', type: 'string', value: 'EMEA' },
      { role: 'mwx_g1', attribute: 'day', type: 'date', value: '2024-01-01' },
      { role: 'mwx_g1', attribute: 'flag', type: 'boolean', value: 'false' },
      { role: 'mwx_g1', attribute: 'region', type: 'string', value: 'AMER' },
      { role: 'mwx_g1', attribute: 'region', type: 'string', value: 'APAC' },
      { role: 'mwx_g2', attribute: 'since', type: 'timestamp', value: '2024-01-01 00:00:00+00' },
      { role: 'mwx_g3', attribute: 'flag', type: 'boolean', value: 'true' },
      { role: 'mwx_g3', attribute: 'level', type: 'number', value: '100' },
    ]);
    const odd = new Map([['g', { ...groups.get('g0')!, name: 'g', attributes: new Map([['level', { values: ['x', 3, '3.0', true], at }], ['flag', { values: ['T', 'yes', 0], at }]]) }]]);
    expect(groupAttributeValues({ groups: odd as typeof groups, attributes }, new Map([['g', 'mwx_g']])).map((r) => `${r.attribute}=${r.value}`)).toEqual(['flag=true', 'level=3']);
  });

  it('compiles in_group to a role membership test', () => {
    expect(sql("in_group('g2') OR s IN ('a', NULL)")).toBe(`(pg_has_role(current_user, 'mwx_g2', 'MEMBER') OR ("s" IN ('a', NULL)))`);
  });
});

describe('filter SQL on PGlite agrees with evaluate()', () => {
  let db: PGlite;
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    db = await freshPGlite();
    const roles = GROUPS.map((g) => `CREATE ROLE ${quoteIdent(roleOf(g.name))} NOLOGIN;`);
    const memberships = GROUPS.flatMap((g) => g.memberOf.map((p) => `GRANT ${quoteIdent(roleOf(p))} TO ${quoteIdent(roleOf(g.name))};`));
    const data = sampleRows();
    await db.exec(
      [
        ...roles,
        ...memberships,
        'CREATE SCHEMA mwx_meta;',
        'CREATE TABLE mwx_meta.attributes (role text, attribute text, type text NOT NULL, value text, PRIMARY KEY (role, attribute, value));',
        `INSERT INTO mwx_meta.attributes VALUES ${attributeRows.map((r) => `(${[r.role, r.attribute, r.type, r.value].map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`).join(', ')};`,
        'GRANT USAGE ON SCHEMA mwx_meta TO PUBLIC;',
        'GRANT SELECT ON mwx_meta.attributes TO PUBLIC;',
        `CREATE TABLE t (id int PRIMARY KEY, ${COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.native}`).join(', ')});`,
        `INSERT INTO t VALUES ${data.map((r, i) => `(${i}, ${COLUMNS.map((c) => r[c.name]).join(', ')})`).join(', ')};`,
        'GRANT SELECT ON t TO PUBLIC;',
      ].join('\n'),
    );
    rows = (await db.query<Record<string, unknown>>('SELECT * FROM t ORDER BY id')).rows;
  });
  afterAll(async () => db.close());

  it('for random filters, rows and role memberships (three-valued, not just visibility)', async () => {
    const checkCtx = { columns: new Map(COLUMNS.map((c) => [c.name.toLowerCase(), { name: c.name, type: c.type }])), attributes: new Map(ATTRIBUTES.map((a) => [a.name, { type: a.type }])), groups: new Set(GROUPS.map((g) => g.name)) };
    await fc.assert(
      fc.asyncProperty(exprArb, fc.subarray(GROUPS.map((g) => g.name)), async (expr, member) => {
        expect(typeCheck(expr, checkCtx)).toEqual([]);
        const sql = exprSql(expr, ctx);
        const principal = principalOf(member);
        const expected = rows.map((row) => evaluate(expr, row, principal, columnTypes));
        await db.exec('BEGIN');
        try {
          await db.exec(`CREATE ROLE mwx_probe NOLOGIN${member.length ? ` IN ROLE ${member.map((g) => quoteIdent(roleOf(g))).join(', ')}` : ''}; SET LOCAL ROLE mwx_probe;`);
          const { rows: got } = await db.query<{ v: boolean | null }>(`SELECT (${sql}) AS v FROM t ORDER BY id`);
          expect(got.map((r) => r.v), sql).toEqual(expected);
        } finally {
          await db.exec('ROLLBACK');
        }
      }),
      { numRuns: 400 },
    );
  });
});
