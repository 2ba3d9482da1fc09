import { describe, expect, it } from 'vitest';
import { parseStatement, tokenize } from '../../support/snowflake-sim/index.js';
import { connect, fails, fixture, run } from './helpers.js';

describe('tokenizer (identifiers-syntax, data-types-text)', () => {
  it('folds unquoted identifiers to upper case and keeps quoted ones exact, "" escaping a quote', () => {
    const t = tokenize('select MyCol, "MyCol", "a""b", "ünï.cødé" from x');
    expect(t.filter((x) => x.kind === 'ident' || x.kind === 'qident').map((x) => x.value)).toEqual(['SELECT', 'MYCOL', 'MyCol', 'a"b', 'ünï.cødé', 'FROM', 'X']);
  });
  it("decodes '' and backslash escapes in single-quoted strings; $$ strings are literal", () => {
    const t = tokenize(String.raw`'it''s' 'a\'b' 'tab\tx' '\\d+' '\z' '\x41\u00e9' $$no \n 'escape'$$`);
    expect(t.filter((x) => x.kind === 'string').map((x) => x.value)).toEqual(["it's", "a'b", 'tab\tx', '\\d+', 'z', 'Aé', "no \\n 'escape'"]);
  });
  it('skips -- // and /* */ comments and reads numbers and bind markers', () => {
    const t = tokenize('select 1, 2.5, 1e3 -- c\n// d\n/* e */, ?, :2');
    expect(t.filter((x) => x.kind !== 'op' && x.kind !== 'eof').map((x) => `${x.kind}:${x.value}`)).toEqual(['ident:SELECT', 'number:1', 'number:2.5', 'number:1e3', 'param:', 'param:2']);
  });
  it('reports line and 0-based position in syntax errors', () => {
    expect(() => parseStatement('select 1\nfrom from', [])).toThrow("SQL compilation error:\nsyntax error line 2 at position 5 unexpected 'from'.");
    expect(() => parseStatement('select (1', [])).toThrow("syntax error line 1 at position 9 unexpected '<EOF>'.");
  });
});

describe('parser rejects what it does not understand', () => {
  it.each(['FROBNICATE THE TABLE', 'CREATE STAGE s', 'SELECT 1 FROM t WINDOW w', "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED OR t.x < 1 THEN INSERT VALUES (1)", 'GRANT SELECT ON TABLE', 'CREATE TABLE t', 'ALTER TABLE t EXPLODE'])('%s → 001003', async (sql) => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const e = await fails(c, sql);
    expect(e.code).toBe('001003');
    expect(e.sqlState).toBe('42000');
    expect(e.message).toMatch(/^SQL compilation error:\nsyntax error line \d+ at position \d+ unexpected '.*'\.$/);
  });
  it('refuses two statements in one execute (MULTI_STATEMENT_COUNT = 1)', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const e = await fails(c, 'SELECT 1; SELECT 2');
    expect(e.code).toBe('000008');
    expect(e.message).toBe('Actual statement count 2 did not match the desired statement count 1.');
    expect((await run(c, 'SELECT 1;')).rows).toEqual([{ '1': 1 }]);
  });
  it('binds ? in order and :n by position', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const r = await run(c, 'SELECT ? AS a, ? AS b, :1 AS c', ['x', 2]);
    expect(r.rows).toEqual([{ A: 'x', B: 2, C: 'x' }]);
  });
  it('names unaliased columns by the upper-cased expression text, aliases as written', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const r = await run(c, `SELECT current_role(), 1 + 1, 'x' AS "lower", 2 two`);
    expect(Object.keys(r.rows[0]!)).toEqual(['CURRENT_ROLE()', '1 + 1', 'lower', 'TWO']);
    expect(r.columns.map((x) => x.type)).toEqual(['text', 'fixed', 'text', 'fixed']);
  });
  it('unknown function → 002140 Unknown function', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const e = await fails(c, 'SELECT NO_SUCH_FN(1)');
    expect(e.code).toBe('002140');
    expect(e.message).toBe('SQL compilation error:\nUnknown function NO_SUCH_FN');
  });
});

describe('names resolve before rows are read', () => {
  it('an unknown or ambiguous column fails even on an empty table', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    await run(c, 'CREATE DATABASE d');
    await run(c, 'CREATE TABLE t (a INT)');
    const e = await fails(c, 'SELECT nope FROM t');
    expect(e).toMatchObject({ code: '000904', message: "SQL compilation error: error line 1 at position 7\ninvalid identifier 'NOPE'" });
    expect((await fails(c, 'SELECT a FROM t x, t y')).code).toBe('002028');
    expect((await fails(c, 'UPDATE t SET a = 1 WHERE b = 2')).code).toBe('000904');
    expect((await run(c, 'SELECT x.a FROM t x, t y')).rows).toEqual([]);
  });
});
