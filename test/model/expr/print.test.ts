import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, parseExpr, printExpr, specialize, type Expr, type ExprPrincipal, type LiteralNode, type Operand } from '../../../src/model/expr/index.js';
import { canonicalDecimal } from '../../../src/model/expr/decimal.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { parse, strip } from './helpers.js';

const canon = (source: string) => printExpr(parse(source));

describe('printExpr', () => {
  it('prints canonical neutral syntax', () => {
    expect(canon("region in ( 'EMEA','AMER' )")).toBe("region IN ('EMEA', 'AMER')");
    expect(canon("amount>=100.50 and not status='void'")).toBe("amount >= 100.5 AND NOT (status = 'void')");
    expect(canon('a != -0.50')).toBe('a <> -0.5');
    expect(canon("x NOT IN (1, NULL) OR y IS NOT NULL")).toBe('x NOT IN (1, NULL) OR y IS NOT NULL');
    expect(canon("in_group( 'it''s' )")).toBe("in_group('it''s')");
  });

  it('quotes identifiers only when needed', () => {
    expect(canon('"region" = 1')).toBe('region = 1');
    expect(canon('"my col" = 1 AND "date" = 2 AND "User" = 3 AND "a""b" = 4 AND "Ünï" = 5 AND "1x" = 6')).toBe('"my col" = 1 AND "date" = 2 AND "User" = 3 AND "a""b" = 4 AND "Ünï" = 5 AND "1x" = 6');
    expect(canon('user."odd name" = 1 AND x IN user.region AND y IN user."date"')).toBe('user."odd name" = 1 AND x IN user.region AND y IN user.date');
  });

  it('escapes strings and prints typed literals', () => {
    expect(canon("s = 'O''Brien'")).toBe("s = 'O''Brien'");
    expect(canon("d = date '2024-01-31'")).toBe("d = DATE '2024-01-31'");
    expect(canon("t = TIMESTAMP '2024-01-31T12:00:00Z'")).toBe("t = TIMESTAMP '2024-01-31 12:00:00'");
    expect(canon("t = TIMESTAMP '2024-01-31 12:00:00.120000'")).toBe("t = TIMESTAMP '2024-01-31 12:00:00.12'");
    expect(canon('b = true AND NULL')).toBe('b = TRUE AND NULL');
  });

  it('prints user.a = literal the way people write it', () => {
    expect(canon("'high' IN user.clearance")).toBe("user.clearance = 'high'");
    expect(canon("'high' NOT IN user.clearance")).toBe("'high' NOT IN user.clearance");
  });

  it('uses parentheses only where precedence needs them', () => {
    expect(canon('(a = 1 OR b = 2) AND c')).toBe('(a = 1 OR b = 2) AND c');
    expect(canon('a = 1 OR (b = 2 AND c)')).toBe('a = 1 OR b = 2 AND c');
    expect(canon('((a))')).toBe('a');
    expect(canon('NOT (a) AND NOT (NOT b)')).toBe('NOT a AND NOT (NOT b)');
    expect(canon('NOT (a OR b)')).toBe('NOT (a OR b)');
    expect(canon('a OR (b OR c)')).toBe('a OR (b OR c)');
  });
});

// ---- generated trees -------------------------------------------------------------------------

const S = { start: 0, end: 0 };
/** Names with a control character or an unpaired surrogate are refused (parser.test.ts), strings with NUL too. */
const nameable = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s);
const storable = (s: string) => !/[\u0000\p{Cs}]/u.test(s);
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/),
  fc.constantFrom('date', 'user', 'AND', 'in_group', 'null', 'my col', 'a"b', 'Zoë', '1st'),
  fc.string({ minLength: 1, maxLength: 5, unit: 'binary' }).filter(nameable),
);
const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.stringMatching(/^[0-9]{0,8}$/))
  .map(([neg, int, frac]) => canonicalDecimal(`${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`)!);
const day = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
const literal: fc.Arbitrary<LiteralNode> = fc.oneof(
  fc.string({ maxLength: 8, unit: 'binary' }).filter(storable).map((value) => ({ kind: 'literal' as const, type: 'string' as const, value, span: S })),
  decimalText.map((value) => ({ kind: 'literal' as const, type: 'number' as const, value, span: S })),
  fc.boolean().map((value) => ({ kind: 'literal' as const, type: 'boolean' as const, value, span: S })),
  fc.constant({ kind: 'literal' as const, type: 'null' as const, value: null, span: S }),
  day.map((d) => ({ kind: 'literal' as const, type: 'date' as const, value: d.toISOString().slice(0, 10), span: S })),
  fc.tuple(day, fc.integer({ min: 0, max: 999 })).map(([d, micro]) => ({ kind: 'literal' as const, type: 'timestamp' as const, value: `${d.toISOString().slice(0, 23)}${String(micro).padStart(3, '0')}Z`, span: S })),
);
const column = name.map((n) => ({ kind: 'column' as const, name: n, span: S }));
const userAttr = name.map((attribute) => ({ kind: 'user_attr' as const, attribute, span: S }));
const operand: fc.Arbitrary<Operand> = fc.oneof(column, literal, userAttr);
const op = fc.constantFrom('=', '<>', '<', '<=', '>', '>=' as const);

/** `user.a = 'lit'` is read as IN (sugar), so a compare node of that shape cannot come back. */
const isSugar = (o: string, l: Operand, r: Operand) =>
  o === '=' && ((l.kind === 'user_attr' && r.kind === 'literal' && r.type !== 'null') || (r.kind === 'user_attr' && l.kind === 'literal' && l.type !== 'null'));

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.tuple(op, operand, operand).filter(([o, l, r]) => !isSugar(o, l, r)).map(([o, left, right]) => ({ kind: 'compare' as const, op: o, left, right, span: S })),
      fc.record({ operand, values: fc.array(literal, { minLength: 1, maxLength: 3 }), negated: fc.boolean() }).map((r) => ({ kind: 'in_list' as const, ...r, span: S })),
      fc.record({ operand: fc.oneof(column, literal, userAttr), attribute: name, negated: fc.boolean() }).map((r) => ({ kind: 'in_user' as const, ...r, attributeSpan: S, span: S })),
      fc.record({ operand, negated: fc.boolean() }).map((r) => ({ kind: 'is_null' as const, ...r, span: S })),
      fc.string({ maxLength: 6, unit: 'binary' }).filter(storable).map((group) => ({ kind: 'in_group' as const, group, span: S })),
      fc.boolean().map((value) => ({ kind: 'bool' as const, value, span: S })),
      column,
      userAttr,
      fc.constant({ kind: 'literal' as const, type: 'null' as const, value: null, span: S }),
    ),
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'and' as const, items, span: S })),
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'or' as const, items, span: S })),
    tie('expr').map((operand) => ({ kind: 'not' as const, operand, span: S })),
  ),
}));

describe('printExpr / parseExpr round trip', () => {
  it('parseExpr(printExpr(e)) gives e back, for generated trees', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const text = printExpr(e);
        const { expr: back, errors } = parseExpr(text);
        expect(errors, text).toEqual([]);
        expect(strip(back)).toEqual(strip(e));
        expect(printExpr(back!)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- specialisation preserves meaning ---------------------------------------------------------

const types = new Map<string, NeutralType>([['n', 'number'], ['s', 'string'], ['b', 'boolean']]);
const typedExpr = fc.letrec<{ e: Expr }>((tie) => {
  const numLit = fc.oneof(fc.constantFrom('1', '2', '2.5'), fc.constant(null)).map((v) => (v === null ? { kind: 'literal' as const, type: 'null' as const, value: null, span: S } : { kind: 'literal' as const, type: 'number' as const, value: v, span: S }));
  const strLit = fc.oneof(fc.constantFrom('a', 'b'), fc.constant(null)).map((v) => (v === null ? { kind: 'literal' as const, type: 'null' as const, value: null, span: S } : { kind: 'literal' as const, type: 'string' as const, value: v, span: S }));
  const n = { kind: 'column' as const, name: 'n', span: S };
  const s = { kind: 'column' as const, name: 's', span: S };
  const b = { kind: 'column' as const, name: 'b', span: S };
  return {
    e: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(
        fc.tuple(op, fc.oneof(fc.constant(n), numLit), fc.oneof(fc.constant(n), numLit)).map(([o, left, right]) => ({ kind: 'compare' as const, op: o, left, right, span: S })),
        fc.tuple(fc.array(strLit, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([values, negated]) => ({ kind: 'in_list' as const, operand: s, values, negated, span: S })),
        fc.tuple(fc.oneof(fc.constant(s), strLit), fc.boolean()).map(([operand, negated]) => ({ kind: 'in_user' as const, operand, attribute: 'r', attributeSpan: S, negated, span: S })),
        fc.tuple(fc.constantFrom(n, s, b), fc.boolean()).map(([operand, negated]) => ({ kind: 'is_null' as const, operand, negated, span: S })),
        fc.constantFrom('g1', 'g2').map((group) => ({ kind: 'in_group' as const, group, span: S })),
        fc.boolean().map((value) => ({ kind: 'bool' as const, value, span: S })),
        fc.constant(b),
        fc.constant({ kind: 'literal' as const, type: 'null' as const, value: null, span: S }),
      ),
      fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'and' as const, items, span: S })),
      fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'or' as const, items, span: S })),
      tie('e').map((operand) => ({ kind: 'not' as const, operand, span: S })),
    ),
  };
}).e;
const row = fc.record({ n: fc.constantFrom(null, 1, '2.50', 3), s: fc.constantFrom(null, 'a', 'b', 'c'), b: fc.constantFrom(null, true, false) });
const who = fc.record({ r: fc.subarray(['a', 'b', 'c']), groups: fc.subarray(['g1', 'g2']) }).map(({ r, groups }): ExprPrincipal => ({ attributes: new Map([['r', r]]), groups: new Set(groups) }));

describe('specialize', () => {
  it('evaluates to the same truth value as the original, for every row', () => {
    fc.assert(
      fc.property(typedExpr, who, row, (e, p, r) => {
        const special = specialize(e, p);
        expect(evaluate(special, r, p, types), printExpr(special)).toBe(evaluate(e, r, p, types));
        // Once specialised, the filter no longer depends on the principal.
        expect(evaluate(special, r, { attributes: new Map(), groups: new Set() }, types)).toBe(evaluate(e, r, p, types));
      }),
      { numRuns: 2000 },
    );
  });
});
