import { describe, expect, it } from 'vitest';
import { typeCheck, type ColumnInfo, type TypeCheckContext } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { parse } from './helpers.js';

const columns = new Map<string, ColumnInfo>(
  (
    [
      ['region', 'string'],
      ['amount', 'number'],
      ['active', 'boolean'],
      ['created', 'date'],
      ['ts', 'timestamp'],
      ['payload', 'json'],
      ['avatar', 'binary'],
      ['Status', 'string'],
    ] as const
  ).map(([name, type]) => [name.toLowerCase(), { name, type: type as NeutralType }]),
);

const ctx: TypeCheckContext = {
  columns,
  attributes: new Map([
    ['region', { type: 'string' as const, values: ['EMEA', 'AMER', 'APAC'] }],
    ['clearance', { type: 'string' as const }],
    ['level', { type: 'number' as const, values: [1, 2, 3] }],
  ]),
  groups: new Set(['admins', 'sales_analysts']),
  tableName: 'analytics.sales.customers',
};

const check = (source: string, c: TypeCheckContext = ctx) => typeCheck(parse(source), c);
const only = (source: string, c: TypeCheckContext = ctx) => {
  const errors = check(source, c);
  expect(errors).toHaveLength(1);
  return errors[0]!;
};

describe('typeCheck: accepted filters', () => {
  it('accepts well-typed filters of every form', () => {
    expect(
      check(
        "region IN user.region AND amount >= 100.5 AND active AND created >= DATE '2024-01-01' AND ts < TIMESTAMP '2024-01-01 00:00:00' " +
          "AND payload IS NOT NULL AND avatar IS NULL AND (in_group('admins') OR NOT region IN ('EMEA', NULL)) AND user.clearance = 'high' AND amount IN user.level AND active = TRUE AND region <> 'x'",
      ),
    ).toEqual([]);
  });

  it('matches column names case-insensitively', () => {
    expect(check("REGION = 'EMEA' AND status = 'open' AND \"STATUS\" IS NULL")).toEqual([]);
  });

  it('skips column checks without an inventory, but still checks attributes and groups', () => {
    const noInventory = { ...ctx, columns: undefined };
    expect(check("whatever = 1 AND anything > 5 AND other = 'x'", noInventory)).toEqual([]);
    // The literal alone fixes the comparison type: ordering on a string is refused either way.
    expect(check("anything < 'x'", noInventory)).toMatchObject([{ offset: 0, message: "'<' cannot compare strings (strings have no portable collation)" }]);
    expect(check("x IN user.regoin OR in_group('nobody')", noInventory)).toHaveLength(2);
  });
});

describe('typeCheck: errors, with offsets and messages', () => {
  it('unknown column, with a suggestion or the column list', () => {
    expect(only("regoin = 'EMEA'")).toEqual({ offset: 0, length: 6, message: "unknown column 'regoin' in analytics.sales.customers", hint: "did you mean 'region'?" });
    expect(only('zzz IS NULL', { ...ctx, tableName: undefined })).toEqual({
      offset: 0,
      length: 3,
      message: "unknown column 'zzz'",
      hint: 'columns: region, amount, active, created, ts, payload, avatar, Status',
    });
  });

  it('unknown attribute, with a suggestion', () => {
    expect(only('region IN user.regoin')).toEqual({ offset: 10, length: 11, message: "unknown attribute 'user.regoin'", hint: "did you mean 'user.region'?" });
    expect(only("user.colour = 'x'")).toEqual({ offset: 0, length: 11, message: "unknown attribute 'user.colour'", hint: 'declare it under attributes: in a Principals document' });
  });

  it('unknown group, with a suggestion', () => {
    expect(only("in_group('admin')")).toEqual({ offset: 0, length: 17, message: "unknown group 'admin' in in_group('admin')", hint: "did you mean 'admins'?" });
    expect(only("in_group('zz')")).toMatchObject({ hint: 'declare it under groups: in a Principals document' });
  });

  it('incompatible types, pointing at the literal to retype', () => {
    expect(only("amount = 'abc'")).toEqual({ offset: 9, length: 5, message: "cannot compare column 'amount' (number) with 'abc' (string)", hint: 'write a number without quotes, e.g. 100.5' });
    expect(only("created >= '2024-01-01'")).toEqual({ offset: 11, length: 12, message: "cannot compare column 'created' (date) with '2024-01-01' (string)", hint: "write DATE '2024-01-01'" });
    expect(only("region = 5")).toMatchObject({ offset: 9, length: 1, hint: "write a string in single quotes, e.g. '5'" });
    expect(only("ts = DATE '2024-01-01'")).toMatchObject({ offset: 5, message: "cannot compare column 'ts' (timestamp) with DATE '2024-01-01' (date)" });
    expect(only('amount = region')).toEqual({ offset: 0, length: 15, message: "cannot compare column 'amount' (number) with column 'region' (string)", hint: 'compare columns of the same type' });
    expect(only("amount IN (1, 'two', NULL)")).toMatchObject({ offset: 14, length: 5, message: "cannot compare column 'amount' (number) with 'two' (string)" });
  });

  it('comparison with NULL says to write IS [NOT] NULL', () => {
    expect(only('region = NULL')).toEqual({ offset: 9, length: 4, message: "'= NULL' is never true; write IS NULL", hint: 'region IS NULL' });
    expect(only('NULL <> region')).toEqual({ offset: 0, length: 4, message: "'<> NULL' is never true; write IS NOT NULL", hint: 'region IS NOT NULL' });
    expect(only('amount > NULL')).toEqual({ offset: 9, length: 4, message: "'> NULL' is never true; write IS NULL or IS NOT NULL" });
  });

  it('ordering is refused on strings and booleans', () => {
    expect(only("region < 'M'")).toEqual({ offset: 0, length: 12, message: "'<' cannot compare strings (strings have no portable collation)", hint: 'use =, <> or IN (…)' });
    expect(only('active >= FALSE')).toEqual({ offset: 0, length: 15, message: "'>=' cannot compare booleans (booleans are not ordered)", hint: 'use = or <>' });
  });

  it('user.<a> used other than as a set', () => {
    const message = 'user.region is a set of values, not a single value';
    expect(only("user.region < 'x'")).toMatchObject({ offset: 0, length: 11, message });
    expect(only("user.region <> 'EMEA'")).toMatchObject({ offset: 0, length: 11, message });
    expect(only('region = user.region')).toMatchObject({ offset: 9, length: 11, message, hint: "write <column> IN user.region, or user.region = '<value>' to test one value" });
    expect(only('user.region')).toMatchObject({ offset: 0, length: 11, message });
    expect(only('user.region IN user.region')).toMatchObject({ offset: 0, length: 11, message });
    expect(only("user.region IN ('EMEA')")).toMatchObject({ offset: 0, length: 11, message });
    expect(only('user.region IS NULL')).toMatchObject({ offset: 0, length: 11, message: 'user.region is a set of values and is never NULL' });
  });

  it('a literal the attribute can never hold', () => {
    expect(only("user.region = 'EMAE'")).toEqual({ offset: 14, length: 6, message: "'EMAE' is not a declared value of attribute 'region'", hint: "did you mean 'EMEA'?" });
    expect(only("'Mars' NOT IN user.region")).toEqual({ offset: 0, length: 6, message: "'Mars' is not a declared value of attribute 'region'", hint: 'declared values: EMEA, AMER, APAC' });
    expect(only('user.level = 4')).toMatchObject({ offset: 13, message: "4 is not a declared value of attribute 'level'" });
    expect(check('user.level = 2.0')).toEqual([]);
    expect(check("user.clearance = 'anything'")).toEqual([]); // no declared values: nothing to compare with
  });

  it('an operand whose type differs from the attribute', () => {
    expect(only('amount IN user.region')).toEqual({ offset: 0, length: 21, message: "cannot test column 'amount' (number) against user.region (string)", hint: 'user.region holds string values; compare a string column' });
    expect(only("user.level = '2'")).toMatchObject({ offset: 13, length: 3, message: "cannot test '2' (string) against user.level (number)" });
  });

  it('a non-boolean column used as a condition', () => {
    expect(only("region AND active")).toEqual({ offset: 0, length: 6, message: "column 'region' is a string, not a condition", hint: "compare it, e.g. region = '…'" });
    expect(only('NOT amount')).toMatchObject({ offset: 4, length: 6, message: "column 'amount' is a number, not a condition" });
  });

  it('binary, json and other columns only in IS NULL', () => {
    const other = new Map(columns).set('geom', { name: 'geom', type: 'other' });
    expect(only("payload = 'x'")).toEqual({ offset: 0, length: 7, message: "column 'payload' is json; it can only be tested with IS NULL or IS NOT NULL", hint: 'write payload IS NOT NULL, or filter on another column' });
    expect(only('avatar')).toMatchObject({ offset: 0, message: "column 'avatar' is binary; it can only be tested with IS NULL or IS NOT NULL" });
    expect(only("geom IN ('x')", { ...ctx, columns: other })).toMatchObject({ message: "column 'geom' is other; it can only be tested with IS NULL or IS NOT NULL" });
  });

  it('reports every error, in source order', () => {
    expect(check("regoin = 'x' OR in_group('admin') OR amount = 'y'").map((e) => [e.offset, e.message])).toEqual([
      [0, "unknown column 'regoin' in analytics.sales.customers"],
      [16, "unknown group 'admin' in in_group('admin')"],
      [46, "cannot compare column 'amount' (number) with 'y' (string)"],
    ]);
  });
});
