import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inventorySchema, isInventoryShape } from '../../src/config/inventory.js';

// The loop check is a fast path in front of the zod schema: it must never accept what the
// schema rejects, and it must accept every well-formed inventory (else the fast path is dead).
const column = fc.record({ name: fc.string({ minLength: 1, maxLength: 5 }), type: fc.constantFrom('string', 'number', 'date', 'json', 'other'), native_type: fc.string({ maxLength: 5 }) });
const table = fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), native: fc.string({ maxLength: 8 }), columns: fc.array(column, { maxLength: 4 }) });
// As JSON.parse builds it: plain objects (fast-check's records have no prototype).
const inventory = fc.record({ format: fc.constant(1), tables: fc.array(table, { maxLength: 4 }) }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Breaks one spot of a valid inventory the way a hand-edited file might. */
const broken = fc.tuple(inventory, fc.nat(), fc.constantFrom('drop', 'extra', 'null', 'number', 'empty', 'type', 'array')).map(([inv, pick, how]) => {
  const value = JSON.parse(JSON.stringify(inv)) as Record<string, unknown> & { tables: Record<string, unknown>[] };
  const objects: Record<string, unknown>[] = [value, ...value.tables, ...value.tables.flatMap((t) => t.columns as Record<string, unknown>[])];
  const target = objects[pick % objects.length]!;
  const keys = Object.keys(target);
  const key = keys[pick % keys.length]!;
  if (how === 'drop') delete target[key];
  else if (how === 'extra') target.extra = 1;
  else if (how === 'null') target[key] = null;
  else if (how === 'number') target[key] = 7;
  else if (how === 'empty') target[key] = '';
  else if (how === 'type') target[key] = 'varchar';
  else target[key] = [];
  return value;
});

describe('inventory shape fast path', () => {
  it('accepts every well-formed inventory, as the schema does', () => {
    fc.assert(fc.property(inventory, (inv) => isInventoryShape(inv) && inventorySchema.safeParse(inv).success));
  });

  it('never accepts what the schema rejects', () => {
    fc.assert(
      fc.property(broken, (value) => {
        if (isInventoryShape(value)) expect(inventorySchema.safeParse(value).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects the plain non-shapes', () => {
    for (const v of [null, [], 'x', { format: 1 }, { format: 2, tables: [] }, { format: 1, tables: {} }, { format: 1, tables: [null] }]) {
      expect(isInventoryShape(v)).toBe(false);
      expect(inventorySchema.safeParse(v).success).toBe(false);
    }
  });
});
