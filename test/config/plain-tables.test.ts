import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainDoc } from '../../src/config/schema/documents.js';
import { plainTables } from '../../src/config/schema/plain-tables.js';

/**
 * Issue 10: the hand check of a Domain's `tables` accepts only what zod accepts and gives what zod
 * gives, key order included; anything else goes to zod, which names the problem.
 */
describe('Domain tables: hand check ≡ zod', () => {
  const name = fc.constantFrom('a', 'b', 'wh.s.t', 'pii', 'email', '', 'x\u0000y', 'tab\there', '__proto__', 'description', 'tags', 'columns');
  const leaf = fc.oneof(name, fc.constant(null), fc.integer({ max: 2, min: 0 }), fc.boolean(), fc.constant([]), fc.constant(['a']));
  const record = <T>(v: fc.Arbitrary<T>) =>
    fc.array(fc.tuple(name, v), { maxLength: 3 }).map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [k, x] of entries) Object.defineProperty(out, k, { value: x, enumerable: true, configurable: true, writable: true });
      return out;
    });
  const assignments = fc.oneof({ weight: 4, arbitrary: record(fc.oneof({ weight: 5, arbitrary: name }, leaf)) }, leaf);
  const table = fc.oneof(
    { weight: 6, arbitrary: fc.record({ description: fc.oneof(name, leaf), tags: assignments, columns: fc.oneof({ weight: 4, arbitrary: record(fc.oneof(assignments, fc.constant(null))) }, leaf), extra: leaf }, { requiredKeys: [] }) },
    leaf,
  );
  const tables = fc.oneof({ weight: 6, arbitrary: record(table) }, leaf, fc.constant(undefined));

  it('accepts what zod accepts, with the same value', () => {
    let accepted = 0;
    fc.assert(
      fc.property(tables, (v) => {
        const zod = domainDoc.shape.tables.safeParse(v);
        const hand = plainTables(v);
        if (!hand) return;
        accepted++;
        expect(zod.success).toBe(true);
        expect(hand).toStrictEqual(zod.data);
        expect(JSON.stringify(hand)).toBe(JSON.stringify(zod.data));
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });
});
