import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein } from '../../src/model/did-you-mean.js';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(levenshtein('', '')).toBe(0);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('regoin', 'region')).toBe(2);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
  });
});

describe('didYouMean', () => {
  const names = ['region', 'clearance', 'sales_analysts', 'sales_leads', 'id'];

  it('suggests close names, ignoring case', () => {
    expect(didYouMean('regoin', names)).toBe('region');
    expect(didYouMean('REGION', names)).toBe('region');
    expect(didYouMean('clearence', names)).toBe('clearance');
  });

  it('suggests by prefix', () => {
    expect(didYouMean('sales_analysts_emea', names)).toBe('sales_analysts');
    expect(didYouMean('clear', names)).toBe('clearance');
  });

  it('does not suggest unrelated or too-short rewrites', () => {
    expect(didYouMean('xy', names)).toBeUndefined();
    expect(didYouMean('payroll', names)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });

  it('breaks ties by distance, then alphabetically', () => {
    expect(didYouMean('sales_lead', names)).toBe('sales_leads');
    expect(didYouMean('ab', ['ay', 'ax'])).toBe('ax');
    expect(didYouMean('abcd', ['abcx', 'abcy'])).toBe('abcx');
  });
});
