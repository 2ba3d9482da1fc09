import { describe, expect, it } from 'vitest';
import { evaluate, ExprValueError, type ExprPrincipal } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { parse } from './helpers.js';

const types = new Map<string, NeutralType>([
  ['a', 'boolean'],
  ['b', 'boolean'],
  ['region', 'string'],
  ['amount', 'number'],
  ['level', 'number'],
  ['d', 'date'],
  ['ts', 'timestamp'],
  ['payload', 'json'],
]);

const principal = (attributes: Record<string, (string | number | boolean)[]> = {}, groups: string[] = []): ExprPrincipal => ({
  attributes: new Map(Object.entries(attributes)),
  groups: new Set(groups),
});

const nobody = principal();
const run = (source: string, row: Record<string, unknown>, p: ExprPrincipal = nobody, t: ReadonlyMap<string, NeutralType> = types) => evaluate(parse(source), row, p, t);

describe('evaluate: three-valued logic', () => {
  const T = true;
  const F = false;
  const N = null;
  const values = [T, F, N];
  // SQL truth tables, written out rather than computed, so that they can disagree with the code.
  const AND: Record<string, boolean | null> = { 'T,T': T, 'T,F': F, 'T,N': N, 'F,T': F, 'F,F': F, 'F,N': F, 'N,T': N, 'N,F': F, 'N,N': N };
  const OR: Record<string, boolean | null> = { 'T,T': T, 'T,F': T, 'T,N': T, 'F,T': T, 'F,F': F, 'F,N': N, 'N,T': T, 'N,F': N, 'N,N': N };
  const key = (x: boolean | null) => (x === null ? 'N' : x ? 'T' : 'F');

  for (const a of values) {
    for (const b of values) {
      it(`${key(a)} AND/OR ${key(b)}`, () => {
        expect(run('a AND b', { a, b })).toBe(AND[`${key(a)},${key(b)}`]);
        expect(run('a OR b', { a, b })).toBe(OR[`${key(a)},${key(b)}`]);
      });
    }
    it(`NOT ${key(a)}`, () => {
      expect(run('NOT a', { a })).toBe(a === null ? null : !a);
    });
  }

  it('constant TRUE/FALSE/NULL and a NULL literal in AND/OR', () => {
    expect(run('TRUE', {})).toBe(true);
    expect(run('FALSE', {})).toBe(false);
    expect(run('NULL', {})).toBeNull();
    expect(run('NULL OR TRUE', {})).toBe(true);
    expect(run('NULL AND TRUE', {})).toBeNull();
    expect(run('NULL AND FALSE', {})).toBe(false);
  });

  it('a comparison with a NULL value is NULL, IS [NOT] NULL is never NULL', () => {
    expect(run("region = 'x'", { region: null })).toBeNull();
    expect(run("region <> 'x'", {})).toBeNull(); // a missing key reads as NULL
    expect(run('region IS NULL', { region: null })).toBe(true);
    expect(run('region IS NOT NULL', { region: null })).toBe(false);
    expect(run("region IS NOT NULL", { region: 'EMEA' })).toBe(true);
    expect(run('payload IS NOT NULL', { payload: { any: 'json' } })).toBe(true);
    expect(run('NOT (region = region)', { region: null })).toBeNull();
  });

  it('reads boolean columns, including t/f text', () => {
    expect(run('a', { a: 't' })).toBe(true);
    expect(run('a', { a: 'f' })).toBe(false);
    expect(run('a = TRUE', { a: 'true' })).toBe(true);
    expect(run('a <> FALSE', { a: false })).toBe(false);
  });
});

describe('evaluate: IN', () => {
  it('x IN an empty attribute set is FALSE even for a NULL x; NOT IN is then TRUE', () => {
    const empty = principal({ region: [] });
    expect(run('region IN user.region', { region: 'EMEA' }, empty)).toBe(false);
    expect(run('region IN user.region', { region: null }, empty)).toBe(false);
    expect(run('region NOT IN user.region', { region: null }, empty)).toBe(true);
    expect(run('region IN user.region', { region: null }, nobody)).toBe(false); // attribute absent = empty
  });

  it('NULL IN a non-empty set is NULL', () => {
    const p = principal({ region: ['EMEA'] });
    expect(run('region IN user.region', { region: null }, p)).toBeNull();
    expect(run('region NOT IN user.region', { region: null }, p)).toBeNull();
    expect(run("region IN ('EMEA')", { region: null })).toBeNull();
  });

  it('matches exactly and case-sensitively', () => {
    const p = principal({ region: ['EMEA', 'AMER'] });
    expect(run('region IN user.region', { region: 'AMER' }, p)).toBe(true);
    expect(run('region IN user.region', { region: 'emea' }, p)).toBe(false);
    expect(run('region IN user.region', { region: 'EMEA ' }, p)).toBe(false);
    expect(run("region = 'EMEA'", { region: 'emea' })).toBe(false);
  });

  it('a NULL element makes a miss NULL, so NOT IN with a NULL element never shows a miss', () => {
    expect(run("region IN ('a', NULL)", { region: 'a' })).toBe(true);
    expect(run("region IN ('a', NULL)", { region: 'b' })).toBeNull();
    expect(run("region NOT IN ('a', NULL)", { region: 'b' })).toBeNull();
    expect(run("region NOT IN ('a', NULL)", { region: 'a' })).toBe(false);
    expect(run("region NOT IN ('a', 'c')", { region: 'b' })).toBe(true);
  });

  it("user.a = 'lit' is TRUE iff the principal holds the value", () => {
    expect(run("user.clearance = 'high'", {}, principal({ clearance: ['standard', 'high'] }))).toBe(true);
    expect(run("user.clearance = 'high'", {}, principal({ clearance: ['standard'] }))).toBe(false);
    expect(run("user.clearance = 'high'", {}, nobody)).toBe(false);
  });

  it('compares numeric attribute values exactly', () => {
    const p = principal({ level: [1, 2.5] });
    expect(run('level IN user.level', { level: '2.50' }, p)).toBe(true);
    expect(run('level IN user.level', { level: 3 }, p)).toBe(false);
  });

  it('in_group reads the closure', () => {
    expect(run("in_group('admins')", {}, principal({}, ['admins', 'staff']))).toBe(true);
    expect(run("in_group('admins')", {}, principal({}, ['staff']))).toBe(false);
  });
});

describe('evaluate: exact decimals', () => {
  it('treats equal decimals as equal whatever their spelling or JS type', () => {
    expect(run('amount = 100.1', { amount: '100.10' })).toBe(true);
    expect(run('amount = 100.1', { amount: 100.1 })).toBe(true);
    expect(run('amount = 100', { amount: 100n })).toBe(true);
    expect(run('amount = 0.3', { amount: '0.30' })).toBe(true);
    expect(run('amount = -0', { amount: '0.000' })).toBe(true);
  });

  it('does not round: a float sum is not the decimal it approximates', () => {
    expect(run('amount = 0.3', { amount: 0.1 + 0.2 })).toBe(false);
    expect(run('amount > 0.3', { amount: 0.1 + 0.2 })).toBe(true);
  });

  it('keeps precision beyond a double', () => {
    expect(run('amount = 12345678901234567890.1', { amount: '12345678901234567890.1' })).toBe(true);
    expect(run('amount = 12345678901234567890.2', { amount: '12345678901234567890.1' })).toBe(false);
    expect(run('amount < 100', { amount: '99.999999999999999999999' })).toBe(true);
    expect(run('amount >= 9007199254740993', { amount: 9007199254740993n })).toBe(true);
    expect(run('amount <= -12.5', { amount: '-12.50' })).toBe(true);
  });
});

describe('evaluate: dates and timestamps', () => {
  it('reads dates from Date objects in UTC and from text', () => {
    expect(run("d = DATE '2024-01-31'", { d: new Date(Date.UTC(2024, 0, 31)) })).toBe(true);
    expect(run("d = DATE '2024-01-31'", { d: new Date(Date.UTC(2024, 0, 31, 23, 59)) })).toBe(true);
    expect(run("d = DATE '2024-01-31'", { d: '2024-01-31' })).toBe(true);
    expect(run("d < DATE '2024-02-01'", { d: '2024-01-31' })).toBe(true);
    expect(run("d >= DATE '2024-02-01'", { d: '2024-01-31' })).toBe(false);
  });

  it('compares timestamps at microsecond precision, normalised to UTC', () => {
    expect(run("ts = TIMESTAMP '2024-01-01 00:00:00.123'", { ts: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 123)) })).toBe(true);
    expect(run("ts > TIMESTAMP '2024-01-01 00:00:00'", { ts: '2024-01-01 00:00:00.000001' })).toBe(true);
    expect(run("ts = TIMESTAMP '2024-01-01 00:00:00'", { ts: '2024-01-01T02:00:00+02:00' })).toBe(true);
    expect(run("ts = TIMESTAMP '2024-01-01 00:00:00'", { ts: '2023-12-31 22:00:00-02' })).toBe(true);
    expect(run("ts < TIMESTAMP '2024-01-01 00:00:00.000002'", { ts: '2024-01-01 00:00:00.000001Z' })).toBe(true);
  });
});

describe('evaluate: rows and types', () => {
  it('finds a column case-insensitively when the exact key is missing', () => {
    expect(run("region = 'EMEA'", { Region: 'EMEA' })).toBe(true);
    expect(run("REGION = 'EMEA'", { region: 'EMEA', REGION: 'AMER' })).toBe(false); // exact key wins
  });

  it('without column types, reads values by what they are compared with', () => {
    const none = new Map<string, NeutralType>();
    expect(run('amount > 100', { amount: 150 }, nobody, none)).toBe(true);
    expect(run('amount > 100', { amount: '99.5' }, nobody, none)).toBe(false);
    expect(run("d = DATE '2024-01-31'", { d: '2024-01-31' }, nobody, none)).toBe(true);
    expect(run('region IN user.region', { region: 'EMEA' }, principal({ region: ['EMEA'] }), none)).toBe(true);
    expect(run('x = y', { x: 5, y: '5.0' }, nobody, none)).toBe(true);
  });

  it('throws ExprValueError for a row value that is not of the column type', () => {
    expect(() => run('amount > 1', { amount: 'abc' })).toThrow(ExprValueError);
    expect(() => run('amount > 1', { amount: 'abc' })).toThrow("column 'amount' is a number, but the row gives \"abc\"");
    expect(() => run("d = DATE '2024-01-01'", { d: '01/01/2024' })).toThrow(ExprValueError);
  });

  it('never makes a row visible through an expression that does not type-check', () => {
    expect(run('user.region', {}, principal({ region: ['EMEA'] }))).toBeNull();
    expect(run("region < 'b'", { region: 'a' })).toBeNull();
    expect(run('region', { region: 'x' })).toBeNull();
    expect(run("amount = 'x'", { amount: 1 })).toBeNull();
  });
});
