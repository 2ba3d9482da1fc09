import { describe, expect, it } from 'vitest';
import { parseExpr } from '../../../src/model/expr/index.js';
import { readViewFilters } from '../../../src/targets/postgres/import-view.js';

/**
 * Reading a compiled view's WHERE clause back against its recorded filters (import): each part goes
 * to the filter whose shape AND columns and literals it names — two comparisons of one shape are
 * never swapped (found by the import round-trip property: `amount > 10` was read as the place of
 * `region = 'EMEA'`, which reordered the filters of the imported model).
 */
const f = (text: string) => ({ expr: parseExpr(text).expr!, exempt: [] as string[] });
const select = (...parts: string[]) => `SELECT\n  "id"\nFROM "s0"."t0"\nWHERE ${parts.join('\n  AND ')}`;

describe('reading a view’s filters back', () => {
  it('places each compare by the columns and literals it names, not by its shape alone', () => {
    const r = readViewFilters(select(`("amount" > 10)`, `("region" = 'EMEA')`), [f("region = 'EMEA'"), f('amount > 10')], () => undefined, () => undefined);
    expect(r.order).toEqual([1, 0]);
    expect(r.complete).toBe(true);
  });

  it('still reads columns written in another case, negative numbers, dates and IN lists', () => {
    const r = readViewFilters(select(`("n" >= -12.5)`, `("d" < DATE '2025-01-01')`, `("s" IN ('a', NULL))`), [f("S IN ('a', NULL)"), f('N >= -12.50'), f("d < DATE '2025-01-01'")], () => undefined, () => undefined);
    expect(r.order).toEqual([1, 2, 0]);
    expect(r.complete).toBe(true);
  });
});
