import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPos } from '../../../src/config/diagnostics.js';
import { evaluate, parseExpr, printExpr, specialize, typeCheck, walk } from '../../../src/model/expr/index.js';
import { MAX_EXPR_DEPTH } from '../../../src/model/expr/parser.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { BASE, replace, seen, validateFixture } from '../../support/repo-fixture.js';

/**
 * Issue 8, item 11: 10 000 nested parentheses in `allow` gave "RangeError: Maximum call stack
 * size exceeded". Nesting is bounded in the parser, with a diagnostic at the parenthesis (or
 * NOT) that goes one level too deep, so no later walk over the tree can overflow either.
 */

const HINT = 'simplify the condition: remove redundant parentheses, or combine terms with AND / OR';
const tooDeep = (offset: number) => `parentheses and NOT nest deeper than ${MAX_EXPR_DEPTH} levels at offset ${offset}`;

describe('nesting depth', () => {
  it(`${MAX_EXPR_DEPTH} levels parse; one more is an error at the parenthesis that exceeds it`, () => {
    const ok = parseExpr(`${'('.repeat(MAX_EXPR_DEPTH)}a = 1${')'.repeat(MAX_EXPR_DEPTH)}`);
    expect(ok.errors).toEqual([]);
    const deep = parseExpr(`${'('.repeat(MAX_EXPR_DEPTH + 1)}a = 1${')'.repeat(MAX_EXPR_DEPTH + 1)}`);
    expect(deep).toEqual({ expr: undefined, errors: [{ offset: MAX_EXPR_DEPTH, length: 1, message: tooDeep(MAX_EXPR_DEPTH), hint: HINT }] });
  });

  it.each([10_000, 100_000])('%i parentheses: one error, no RangeError', (n) => {
    const r = parseExpr(`${'('.repeat(n)}TRUE${')'.repeat(n)}`);
    expect(r.errors.map((e) => e.offset)).toEqual([MAX_EXPR_DEPTH]);
  });

  it('a chain of NOT counts too', () => {
    expect(parseExpr(`${'NOT '.repeat(MAX_EXPR_DEPTH)}flag`).errors).toEqual([]);
    const r = parseExpr(`${'NOT '.repeat(50_000)}flag`);
    expect(r.errors).toEqual([{ offset: 4 * MAX_EXPR_DEPTH, length: 3, message: tooDeep(4 * MAX_EXPR_DEPTH), hint: HINT }]);
  });

  it('NOT and parentheses mixed: the level is their sum, and NOT ( is one level', () => {
    const half = MAX_EXPR_DEPTH / 2;
    expect(parseExpr(`${'NOT ( ('.repeat(half)}a${') )'.repeat(half)}`).errors).toEqual([]);
    expect(parseExpr(`${'NOT ( ('.repeat(half)}NOT a${') )'.repeat(half)}`).errors.map((e) => e.offset)).toEqual([7 * half]);
    expect(parseExpr(`${'NOT ('.repeat(MAX_EXPR_DEPTH)}a${')'.repeat(MAX_EXPR_DEPTH)}`).errors).toEqual([]);
  });

  it('the canonical text of an accepted filter parses again (printExpr writes NOT (…))', () => {
    const text = `${'NOT '.repeat(MAX_EXPR_DEPTH - 1)}a = 1`;
    const printed = printExpr(parseExpr(text).expr!);
    expect(printed.startsWith('NOT (NOT (')).toBe(true);
    expect(parseExpr(printed).errors).toEqual([]);
  });

  it('sequential groups do not add up: depth is nesting, not count', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => `(a = ${i})`).join(' OR ');
    const r = parseExpr(many);
    expect(r.errors).toEqual([]);
    expect(r.expr!.kind).toBe('or');
  });

  it('long flat expressions go through every walk without recursion trouble', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `a = ${i}`);
    const { expr } = parseExpr(items.join(' OR '));
    const principal = { attributes: new Map(), groups: new Set<string>() };
    expect(evaluate(expr!, { a: 19_999 }, principal, new Map([['a', 'number']]))).toBe(true);
    expect(typeCheck(expr!, { attributes: new Map(), groups: new Set() })).toEqual([]);
    expect(printExpr(specialize(expr!, principal)).length).toBeGreaterThan(0);
    expect([...walk(expr!)].length).toBe(1 + 20_000 * 3);
  });

  it('through validate: file:line:col of the parenthesis, exit-1 diagnostics, no stack trace', () => {
    const deep = `${'('.repeat(10_000)}TRUE${')'.repeat(10_000)}`;
    const fixture = replace(BASE, 'domains/finance.yaml', `allow: "status = 'paid'"`, `allow: "${deep}"`);
    const result = validateFixture(fixture);
    // allow text starts at line 17, column 15 (after the opening quote).
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'filter-syntax', at: `domains/finance.yaml:17:${15 + MAX_EXPR_DEPTH}`, message: `policy 'paid-only': ${tooDeep(MAX_EXPR_DEPTH)}`, hint: HINT },
    ]);
  });
});

describe('generated expressions never throw', () => {
  const atom = fc.constantFrom('a = 1', 'b IS NULL', "c IN ('x', 'y')", 'flag', 'TRUE', "region IN user.region", "in_group('g')", 'x <> y', "user.r = 'EMEA'");
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'large', maxDepth: 200 },
      atom,
      tie('node').map((n) => `(${n})`),
      tie('node').map((n) => `NOT ${n}`),
      fc.tuple(tie('node'), tie('node')).map(([l, r]) => `${l} AND ${r}`),
      fc.tuple(tie('node'), tie('node')).map(([l, r]) => `${l} OR ${r}`),
    ),
  }));
  const deepWrap = fc.tuple(node, fc.integer({ min: 0, max: 3_000 }), fc.constantFrom('(', 'NOT (', 'NOT ')).map(([n, k, w]) => `${w.repeat(k)}${n}${w.endsWith('(') ? ')'.repeat(k) : ''}`);
  const noise = fc.array(fc.constantFrom('(', ')', 'NOT', 'AND', 'OR', 'a', '=', '1', "'s'", '"q"', ',', 'IN', 'user.', '.', '\u0000', '"\u0001"', "'\u0000'", ' '), { maxLength: 200 }).map((t) => t.join(' '));

  it('parseExpr: a tree or errors with offsets inside the text, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(node, deepWrap, noise), (text) => {
        const r = parseExpr(text);
        expect((r.expr === undefined) !== (r.errors.length === 0)).toBe(true);
        for (const e of r.errors) {
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(text.length);
        }
        if (r.expr) {
          // Every walk over an accepted tree is safe: print, re-parse, specialise, type-check, evaluate.
          expect(parseExpr(printExpr(r.expr)).errors).toEqual([]);
          const principal = { attributes: new Map([['r', ['EMEA']], ['region', ['EMEA']]]), groups: new Set(['g']) };
          printExpr(specialize(r.expr, principal));
          const types = new Map<string, NeutralType>([['a', 'number'], ['b', 'string'], ['c', 'string'], ['flag', 'boolean'], ['x', 'number'], ['y', 'number'], ['region', 'string']]);
          const columns = new Map([...types].map(([name, type]) => [name, { name, type }]));
          const errors = typeCheck(r.expr, { columns, attributes: new Map([['r', { type: 'string' as const }], ['region', { type: 'string' as const }]]), groups: new Set(['g']) });
          if (errors.length === 0) evaluate(r.expr, { a: 1, b: null, c: 'x', flag: true, x: 1, y: 2, region: 'EMEA' }, principal, types);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('through validate: every outcome is a model or positioned diagnostics', () => {
    fc.assert(
      fc.property(fc.oneof(node, deepWrap), (text) => {
        const fixture = replace(BASE, 'domains/finance.yaml', `allow: "status = 'paid'"`, `allow: ${JSON.stringify(text)}`);
        const result = validateFixture(fixture);
        for (const d of result.diagnostics.errors) expect(formatPos(d.at)).toMatch(/^[\w/]+\.yaml:\d+:\d+$/);
        expect(result.resolved !== undefined || result.diagnostics.hasErrors).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('characters no target can hold', () => {
  it.each<[string, string]>([
    ['"a\u0000b" = 1', 'a column name cannot contain the control character U+0000'],
    ['"a\u0007" = 1', 'a column name cannot contain the control character U+0007'],
    ["a = 'x\u0000'", 'a string cannot contain the character U+0000: no warehouse stores it in text'],
    ["in_group('g\u0000')", 'a string cannot contain the character U+0000: no warehouse stores it in text'],
    ['a IN user."r\u0000"', 'a column name cannot contain the control character U+0000'],
    ["a = '\ud800'", 'a string cannot contain the character U+D800: no warehouse stores it in text'],
  ])('%j is a lexical error', (text, message) => {
    expect(parseExpr(text).errors.map((e) => e.message)).toEqual([message]);
  });

  it('a NUL outside quotes is named by its code point', () => {
    expect(parseExpr('a = 1 \u0000').errors.map((e) => e.message)).toEqual(['unexpected character U+0000 at offset 6']);
  });

  it('a tab or newline inside a string literal is still fine', () => {
    expect(parseExpr("a = 'x\ty\nz'").errors).toEqual([]);
  });
});
