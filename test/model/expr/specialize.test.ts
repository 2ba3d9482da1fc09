import { describe, expect, it } from 'vitest';
import { isAlwaysFalse, printExpr, specialize, type ExprPrincipal } from '../../../src/model/expr/index.js';
import type { AttributeType } from '../../../src/model/neutral-types.js';
import { parse, strip } from './helpers.js';

const principal = (attributes: Record<string, (string | number | boolean)[]> = {}, groups: string[] = []): ExprPrincipal => ({
  attributes: new Map(Object.entries(attributes)),
  groups: new Set(groups),
});

const sp = (source: string, p: ExprPrincipal, types?: ReadonlyMap<string, AttributeType>) => printExpr(specialize(parse(source), p, types));

describe('specialize', () => {
  it('replaces user.<a> by the literal set of the principal', () => {
    expect(sp('region IN user.region', principal({ region: ['EMEA', 'AMER'] }))).toBe("region IN ('EMEA', 'AMER')");
    expect(sp('region NOT IN user.region', principal({ region: ['EMEA', 'EMEA'] }))).toBe("region NOT IN ('EMEA')");
    expect(sp('level IN user.level', principal({ level: [1, 2.5, true] }))).toBe('level IN (1, 2.5, TRUE)');
  });

  it('types substituted values by the declared attribute type when given', () => {
    const types = new Map<string, AttributeType>([['since', 'date'], ['level', 'number']]);
    expect(sp('d IN user.since', principal({ since: ['2024-01-31'] }), types)).toBe("d IN (DATE '2024-01-31')");
    expect(sp('n IN user.level', principal({ level: ['2.50'] }), types)).toBe('n IN (2.5)');
    expect(sp('d IN user.since', principal({ since: ['2024-01-31'] }))).toBe("d IN ('2024-01-31')");
  });

  it('an empty set is FALSE (NOT IN: TRUE), and makes the filter never true', () => {
    const e = specialize(parse('region IN user.region AND amount > 5'), principal({ region: [] }));
    expect(printExpr(e)).toBe('FALSE');
    expect(isAlwaysFalse(e)).toBe(true);
    expect(sp('region NOT IN user.region AND amount > 5', principal())).toBe('amount > 5');
  });

  it('folds user.a = literal to a constant', () => {
    expect(sp("user.clearance = 'high'", principal({ clearance: ['high'] }))).toBe('TRUE');
    expect(sp("user.clearance = 'high'", principal({ clearance: ['standard'] }))).toBe('FALSE');
    expect(sp("'high' NOT IN user.clearance", principal({ clearance: ['standard'] }))).toBe('TRUE');
  });

  it('replaces in_group by TRUE/FALSE and folds AND/OR/NOT', () => {
    expect(sp("in_group('admins') OR region IN user.region", principal({ region: ['EMEA'] }, ['admins']))).toBe('TRUE');
    expect(sp("in_group('admins') OR region IN user.region", principal({ region: ['EMEA'] }, []))).toBe("region IN ('EMEA')");
    expect(sp("in_group('admins') AND amount > 5", principal())).toBe('FALSE');
    expect(sp('TRUE AND amount > 5', principal())).toBe('amount > 5');
    expect(sp('FALSE OR amount > 5', principal())).toBe('amount > 5');
    expect(sp('NOT TRUE', principal())).toBe('FALSE');
    expect(sp("NOT in_group('x') AND NOT NOT flag", principal())).toBe('flag');
    expect(sp("a AND (b AND in_group('x') OR c)", principal({}, ['x']))).toBe('a AND (b OR c)');
  });

  it('folds comparisons of literals', () => {
    expect(sp("'a' = 'a' AND 1 < 2.5 AND DATE '2024-01-01' < DATE '2024-01-02'", principal())).toBe('TRUE');
    expect(sp("'a' = 'b' OR x", principal())).toBe('x');
    expect(sp('1 IN (2, NULL)', principal())).toBe('NULL');
    expect(sp('NULL IS NULL', principal())).toBe('TRUE');
  });

  it('keeps NULL where it changes the outcome', () => {
    const nullish = specialize(parse('x = NULL'), principal());
    expect(printExpr(nullish)).toBe('NULL');
    expect(isAlwaysFalse(nullish)).toBe(true);
    expect(sp('x = NULL OR y = 1', principal())).toBe('y = 1 OR NULL');
    expect(sp('x = NULL AND y = 1', principal())).toBe('y = 1 AND NULL');
    expect(sp('NOT (x = NULL)', principal())).toBe('NULL');
    expect(sp('x = NULL OR TRUE', principal())).toBe('TRUE');
    expect(sp('x = NULL AND FALSE', principal())).toBe('FALSE');
    expect(sp("x IN ('a', NULL)", principal())).toBe("x IN ('a', NULL)");
  });

  it('does not fold what reads a column', () => {
    expect(sp('x = x', principal())).toBe('x = x');
    expect(sp('x IS NULL OR x IS NOT NULL', principal())).toBe('x IS NULL OR x IS NOT NULL');
  });

  it('leaves the input tree untouched', () => {
    const e = parse("in_group('a') AND region IN user.region");
    const before = strip(e);
    specialize(e, principal({ region: ['EMEA'] }, ['a']));
    expect(strip(e)).toEqual(before);
  });
});

describe('isAlwaysFalse', () => {
  it('is true only for FALSE and NULL constants', () => {
    expect(isAlwaysFalse(parse('FALSE'))).toBe(true);
    expect(isAlwaysFalse(parse('NULL'))).toBe(true);
    expect(isAlwaysFalse(parse('TRUE'))).toBe(false);
    expect(isAlwaysFalse(parse('x = 1'))).toBe(false);
  });
});
