import { describe, expect, it } from 'vitest';
import { pairWaiverWork } from '../../src/resolve/warnings.js';
import { append, BASE, validateFixture } from '../support/repo-fixture.js';

/**
 * The pair-of-waivers warning (issue 8, item 12) is computed per class of readers waiving the same
 * filters, not per pair of readers: 20k readers of one table cost readers × filters steps and a
 * handful of class comparisons. Operation counts, not timings.
 */
const VIP = append(
  BASE,
  'domains/sales.yaml',
  '  - name: vip-only',
  '    row_filter:',
  '      tables: [analytics.sales.customers]',
  '      allow: "vip = true"',
  '      exempt: [sales_analysts_us]',
);

function withReaders(n: number) {
  const extra: string[] = [];
  for (let i = 0; i < n; i++) extra.push(`  big_${String(i).padStart(5, '0')}: { member_of: [${i % 2 ? 'sales_leads' : 'sales_analysts_us'}] }`);
  return append(VIP, 'principals.yaml', ...extra);
}

const pairWarnings = (n: number) => validateFixture(withReaders(n)).diagnostics.warnings.filter((w) => w.code === 'pair-waives-more').map((w) => w.message);

describe('pair-waives-more over many readers', () => {
  it('one warning per pair of incomparable classes, naming the class members', () => {
    expect(pairWarnings(2)).toEqual([
      "groups 'big_00000' (or any of 'sales_analysts_us' with the same waivers) and 'big_00001' (or any of 'sales_leads' with the same waivers) together waive own-region and vip-only on analytics.sales.customers: a person in both sees rows neither sees alone",
    ]);
  });

  it('20k readers: linear reader steps, constant class comparisons', () => {
    const n = 20_000;
    expect(pairWarnings(n)).toEqual([
      `groups 'big_00000' (or any of 'big_00002', 'big_00004', 'big_00006' and ${n / 2 - 3} more with the same waivers) and 'big_00001' (or any of 'big_00003', 'big_00005', 'big_00007' and ${n / 2 - 3} more with the same waivers) together waive own-region and vip-only on analytics.sales.customers: a person in both sees rows neither sees alone`,
    ]);
    // Readers of the filtered tables: the extra groups plus a few fixture groups, each filter once.
    expect(pairWaiverWork.readerSteps).toBeLessThanOrEqual(3 * (n + 10));
    expect(pairWaiverWork.classComparisons).toBeLessThanOrEqual(10);
  });
});
