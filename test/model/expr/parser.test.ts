import { describe, expect, it } from 'vitest';
import { attributesOf, columnsOf, groupsOf, parseExpr } from '../../../src/model/expr/index.js';
import { parse, tree } from './helpers.js';

const col = (name: string) => ({ kind: 'column', name });
const str = (value: string) => ({ kind: 'literal', type: 'string', value });
const num = (value: string) => ({ kind: 'literal', type: 'number', value });
const NULL = { kind: 'literal', type: 'null', value: null };

describe('parseExpr: structure', () => {
  it('gives OR lower precedence than AND, and AND lower than NOT', () => {
    expect(tree('a = 1 OR b = 2 AND NOT c')).toEqual({
      kind: 'or',
      items: [
        { kind: 'compare', op: '=', left: col('a'), right: num('1') },
        { kind: 'and', items: [{ kind: 'compare', op: '=', left: col('b'), right: num('2') }, { kind: 'not', operand: col('c') }] },
      ],
    });
  });

  it('flattens chains into n-ary nodes and keeps parenthesised groups', () => {
    expect(tree('a AND b AND c')).toEqual({ kind: 'and', items: [col('a'), col('b'), col('c')] });
    expect(tree('(a OR b) AND c')).toEqual({ kind: 'and', items: [{ kind: 'or', items: [col('a'), col('b')] }, col('c')] });
    expect(tree('a OR (b OR c)')).toEqual({ kind: 'or', items: [col('a'), { kind: 'or', items: [col('b'), col('c')] }] });
  });

  it('reads keywords case-insensitively and != as <>', () => {
    expect(tree("region in ('EMEA') and not flag Or x != 1")).toEqual({
      kind: 'or',
      items: [
        { kind: 'and', items: [{ kind: 'in_list', operand: col('region'), values: [str('EMEA')], negated: false }, { kind: 'not', operand: col('flag') }] },
        { kind: 'compare', op: '<>', left: col('x'), right: num('1') },
      ],
    });
  });

  it('parses every comparison operator', () => {
    for (const op of ['=', '<>', '<', '<=', '>', '>=']) {
      expect(tree(`a ${op} 1`)).toEqual({ kind: 'compare', op, left: col('a'), right: num('1') });
    }
  });

  it('keeps numbers as canonical exact decimal text', () => {
    const value = (src: string) => (tree(`a = ${src}`) as { right: { value: string } }).right.value;
    expect(value('-12.50')).toBe('-12.5');
    expect(value('007')).toBe('7');
    expect(value('.5')).toBe('0.5');
    expect(value('5.')).toBe('5');
    expect(value('-0.0')).toBe('0');
    expect(value('+3')).toBe('3');
    expect(value('123456789012345678901234567890.000000000000000000001')).toBe('123456789012345678901234567890.000000000000000000001');
  });

  it("reads SQL strings with '' escapes and double-quoted identifiers with \"\" escapes", () => {
    expect(tree("\"any \"\"name\"\"\" = 'O''Brien'")).toEqual({ kind: 'compare', op: '=', left: col('any "name"'), right: str("O'Brien") });
    expect(tree('"date" = 1')).toEqual({ kind: 'compare', op: '=', left: col('date'), right: num('1') });
    expect(tree("s = ''")).toEqual({ kind: 'compare', op: '=', left: col('s'), right: str('') });
  });

  it('reads DATE and TIMESTAMP literals into canonical UTC text', () => {
    const right = (src: string) => (tree(`t = ${src}`) as { right: unknown }).right;
    expect(right("DATE '2024-02-29'")).toEqual({ kind: 'literal', type: 'date', value: '2024-02-29' });
    expect(right("TIMESTAMP '2024-01-31 12:00:00'")).toEqual({ kind: 'literal', type: 'timestamp', value: '2024-01-31T12:00:00.000000Z' });
    expect(right("timestamp '2024-01-31T12:00:00.5Z'")).toEqual({ kind: 'literal', type: 'timestamp', value: '2024-01-31T12:00:00.500000Z' });
    expect(right("TIMESTAMP '2024-01-31 12:00:00.123456+00:00'")).toEqual({ kind: 'literal', type: 'timestamp', value: '2024-01-31T12:00:00.123456Z' });
  });

  it('reads IN lists, NOT IN, IS [NOT] NULL, in_group and boolean literals', () => {
    expect(tree("a NOT IN ('x', NULL)")).toEqual({ kind: 'in_list', operand: col('a'), values: [str('x'), NULL], negated: true });
    expect(tree('a IS NULL')).toEqual({ kind: 'is_null', operand: col('a'), negated: false });
    expect(tree('a is not null')).toEqual({ kind: 'is_null', operand: col('a'), negated: true });
    expect(tree("IN_GROUP('admins')")).toEqual({ kind: 'in_group', group: 'admins' });
    expect(tree('TRUE')).toEqual({ kind: 'bool', value: true });
    expect(tree('flag = FALSE')).toEqual({ kind: 'compare', op: '=', left: col('flag'), right: { kind: 'literal', type: 'boolean', value: false } });
    expect(tree('NULL')).toEqual(NULL);
  });

  it('reads user.<attribute> as a set, and user.a = literal (either side) as sugar for IN', () => {
    expect(tree('region IN user.region')).toEqual({ kind: 'in_user', operand: col('region'), attribute: 'region', negated: false });
    expect(tree('region NOT IN user.region')).toEqual({ kind: 'in_user', operand: col('region'), attribute: 'region', negated: true });
    const sugar = { kind: 'in_user', operand: str('high'), attribute: 'clearance', negated: false };
    expect(tree("user.clearance = 'high'")).toEqual(sugar);
    expect(tree("'high' = user.clearance")).toEqual(sugar);
    expect(tree("'high' IN user.clearance")).toEqual(sugar);
    // Other uses stay as written so that the type checker can explain them.
    expect(tree("user.clearance <> 'high'")).toEqual({ kind: 'compare', op: '<>', left: { kind: 'user_attr', attribute: 'clearance' }, right: str('high') });
    expect(tree('user.clearance = NULL')).toEqual({ kind: 'compare', op: '=', left: { kind: 'user_attr', attribute: 'clearance' }, right: NULL });
    expect(tree('user."odd name" IS NULL')).toEqual({ kind: 'is_null', operand: { kind: 'user_attr', attribute: 'odd name' }, negated: false });
  });

  it('records spans as source offsets', () => {
    const e = parse('region IN user.region');
    expect(e).toMatchObject({ span: { start: 0, end: 21 }, attributeSpan: { start: 10, end: 21 }, operand: { span: { start: 0, end: 6 } } });
    const c = parse("a = 1 AND d >= DATE '2024-01-01'");
    expect(c).toMatchObject({ span: { start: 0, end: 32 }, items: [{ span: { start: 0, end: 5 } }, { span: { start: 10, end: 32 }, right: { span: { start: 15, end: 32 } } }] });
    // AND/OR/NOT cover their parentheses; the parenthesised node itself does not.
    expect(parse('NOT (a = 1) AND (b OR c)')).toMatchObject({ span: { start: 0, end: 24 }, items: [{ span: { start: 0, end: 11 }, operand: { span: { start: 5, end: 10 } } }, { span: { start: 17, end: 23 } }] });
    expect(parse("user.r = 'x'")).toMatchObject({ span: { start: 0, end: 12 }, attributeSpan: { start: 0, end: 6 }, operand: { span: { start: 9, end: 12 } } });
  });
});

describe('references', () => {
  it('lists columns, attributes and groups once each, in order of appearance', () => {
    const e = parse("b = 1 AND \"A\" IN user.x OR user.y = 'v' AND b IS NULL AND in_group('g2') AND NOT in_group('g1') AND in_group('g2')");
    expect(columnsOf(e)).toEqual(['b', 'A']);
    expect(attributesOf(e)).toEqual(['x', 'y']);
    expect(groupsOf(e)).toEqual(['g2', 'g1']);
  });
});

describe('parseExpr: errors', () => {
  const error = (source: string) => {
    const { expr, errors } = parseExpr(source);
    expect(expr).toBeUndefined();
    expect(errors).toHaveLength(1);
    return errors[0]!;
  };

  it('names the unexpected token and what was expected', () => {
    expect(error('amount >= )')).toEqual({ offset: 10, length: 1, message: "unexpected ')' at offset 10; expected a column, a literal or user.<attribute>" });
    expect(error('a = 1 b')).toEqual({ offset: 6, length: 1, message: "unexpected 'b' at offset 6; expected AND, OR or the end of the expression" });
    expect(error('a = ')).toEqual({ offset: 4, length: 0, message: 'unexpected end of expression; expected a column, a literal or user.<attribute>' });
    expect(error("a = 'x' AND")).toMatchObject({ offset: 11, message: 'unexpected end of expression; expected a column, a literal or user.<attribute>' });
    expect(error('(a = 1')).toMatchObject({ offset: 6, message: "unexpected end of expression; expected AND, OR or ')' to close the '(' at offset 0" });
    expect(error('a = 1 = 2')).toMatchObject({ offset: 6, message: "unexpected '=' at offset 6; expected AND, OR or the end of the expression" });
    expect(error('a = AND')).toMatchObject({ offset: 4, message: 'unexpected AND at offset 4; expected a column, a literal or user.<attribute>' });
  });

  it('rejects operators from other languages with the one to write', () => {
    expect(error('a == 1')).toEqual({ offset: 2, length: 2, message: "'==' is not an operator; write '='" });
    expect(error('a = 1 && b = 2')).toEqual({ offset: 6, length: 2, message: "'&&' is not an operator; write AND" });
    expect(error('a = 1 || b = 2')).toMatchObject({ offset: 6, message: "'||' is not an operator; write OR" });
    expect(error('a => 2')).toMatchObject({ offset: 2, length: 2, message: "'=>' is not an operator; write '>='" });
    expect(error('!a')).toMatchObject({ offset: 0, message: "unexpected character '!' at offset 0", hint: "write NOT, or '<>' for not-equal" });
  });

  it('reports unterminated strings and identifiers at the opening quote', () => {
    expect(error("name = 'abc")).toMatchObject({ offset: 7, length: 4, message: "unterminated string literal; close it with '" });
    expect(error('"abc = 1')).toMatchObject({ offset: 0, length: 8, message: 'unterminated quoted identifier; close it with "' });
    expect(error('"" = 1')).toMatchObject({ offset: 0, length: 2, message: 'empty quoted identifier' });
  });

  it('collects every lexical error', () => {
    const { errors } = parseExpr("a == 1 && b = 'x");
    expect(errors.map((e) => e.offset)).toEqual([2, 7, 14]);
  });

  it('refuses functions, raw SQL and qualified names', () => {
    expect(error("lower(a) = 'x'")).toMatchObject({ offset: 0, length: 5, message: "unknown function 'lower'; only in_group('<group>') may be called" });
    expect(error('in_group(admins)')).toMatchObject({ offset: 9, message: 'in_group takes one group name in single quotes', hint: "write in_group('admins')" });
    expect(error('a = 1; DROP TABLE t')).toMatchObject({ offset: 5, message: "unexpected character ';' at offset 5" });
    expect(error('t.col = 1')).toMatchObject({ offset: 1, message: 'qualified names are not supported at offset 1' });
    expect(error("région = 'x'")).toMatchObject({ offset: 1, message: "unexpected character 'é' at offset 1" });
  });

  it('explains keywords, IN lists and IS', () => {
    expect(error('date = 1')).toMatchObject({ offset: 0, length: 4, message: "DATE must be followed by a quoted date, e.g. DATE '2024-01-31'", hint: 'to name a column called date, write "date"' });
    expect(error("user = 'x'")).toMatchObject({ offset: 0, message: "'user' alone is not a value; write user.<attribute>" });
    expect(error('a IN ()')).toMatchObject({ offset: 6, message: 'an IN list needs at least one value' });
    expect(error('a IN (b)')).toMatchObject({ offset: 6, length: 1, message: "IN (…) takes literals only, but 'b' is a column" });
    expect(error("a IN ('x', user.r)")).toMatchObject({ offset: 11, length: 6, message: 'user.r is a set and cannot be an element of an IN list' });
    expect(error('a IN b')).toMatchObject({ offset: 5, message: "unexpected 'b' at offset 5; expected '(' or user.<attribute> after IN" });
    expect(error('a IS TRUE')).toMatchObject({ offset: 5, message: 'unexpected TRUE at offset 5; expected NULL after IS', hint: 'write a = TRUE' });
    expect(error('a NOT = 1')).toMatchObject({ offset: 2, message: 'expected IN after NOT at offset 2' });
    expect(error("'abc'")).toMatchObject({ offset: 0, length: 5, message: 'a string literal alone is not a condition' });
    expect(error('')).toMatchObject({ offset: 0, length: 0, message: 'empty expression' });
  });

  it('validates date and timestamp literals', () => {
    expect(error("d = DATE '2024-02-30'")).toMatchObject({ offset: 9, length: 12, message: "invalid date '2024-02-30'" });
    expect(error("t = TIMESTAMP '2024-01-01 10:00:00+02:00'")).toMatchObject({ message: "invalid timestamp '2024-01-01 10:00:00+02:00': timestamps in a filter are UTC; write Z or +00:00" });
    expect(error("t = TIMESTAMP '2024-01-01 10:00:00.1234567'")).toMatchObject({ message: "invalid timestamp '2024-01-01 10:00:00.1234567': at most six fraction digits (microseconds)" });
    expect(error("t = TIMESTAMP '2024-01-01'")).toMatchObject({ message: "invalid timestamp '2024-01-01': expected YYYY-MM-DD HH:MM:SS[.ffffff][Z]" });
  });

  it('rejects exponent notation, since numbers are exact decimals', () => {
    expect(error('a = 1e5')).toEqual({ offset: 4, length: 3, message: "exponent notation '1e5' is not supported", hint: 'write the number in full, e.g. 100000' });
  });
});
