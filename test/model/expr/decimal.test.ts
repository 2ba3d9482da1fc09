import { describe, expect, it } from 'vitest';
import { canonicalDecimal, compareDecimal, decimalFromNumber, parseDecimal, parseDecimalLoose } from '../../../src/model/expr/decimal.js';
import { parseTimestampText, timestampOfJs } from '../../../src/model/expr/temporal.js';

describe('decimal', () => {
  it('canonicalises text', () => {
    expect(['100.10', '-0.0', '000.5', '-12.50', '7.', '.25', '+3'].map(canonicalDecimal)).toEqual(['100.1', '0', '0.5', '-12.5', '7', '0.25', '3']);
    expect(canonicalDecimal('1e5')).toBeUndefined();
    expect(canonicalDecimal('.')).toBeUndefined();
    expect(canonicalDecimal('abc')).toBeUndefined();
  });

  it('compares exactly across scales', () => {
    const cmp = (a: string, b: string) => compareDecimal(parseDecimal(a)!, parseDecimal(b)!);
    expect(cmp('100.10', '100.1')).toBe(0);
    expect(cmp('0.1', '0.10000000000000000001')).toBe(-1);
    expect(cmp('-1', '-0.5')).toBe(-1);
    expect(cmp('99999999999999999999', '99999999999999999998')).toBe(1);
  });

  it('reads JS numbers by their shortest decimal form, exponents included', () => {
    expect(compareDecimal(decimalFromNumber(0.1 + 0.2)!, parseDecimal('0.30000000000000004')!)).toBe(0);
    expect(compareDecimal(decimalFromNumber(1e21)!, parseDecimal('1000000000000000000000')!)).toBe(0);
    expect(compareDecimal(decimalFromNumber(5e-7)!, parseDecimal('0.0000005')!)).toBe(0);
    expect(decimalFromNumber(Number.NaN)).toBeUndefined();
    expect(compareDecimal(parseDecimalLoose('1.5E+2')!, parseDecimal('150')!)).toBe(0);
  });
});

describe('timestamps', () => {
  it('normalise offsets to UTC and pad to microseconds', () => {
    expect(parseTimestampText('2024-03-01 01:30:00+05:30', false)).toEqual({ ok: true, value: '2024-02-29T20:00:00.000000Z' });
    expect(parseTimestampText('2024-01-01', false)).toEqual({ ok: true, value: '2024-01-01T00:00:00.000000Z' });
    expect(parseTimestampText('2024-01-01 00:00:00.1234567', false)).toEqual({ ok: true, value: '2024-01-01T00:00:00.123456Z' });
    expect(parseTimestampText('2024-01-01 24:00:00', false)).toMatchObject({ ok: false });
    expect(timestampOfJs(new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 7)))).toBe('2024-01-01T00:00:00.007000Z');
  });
});
