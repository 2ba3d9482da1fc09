import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/config/load.js';
import type { Inventory } from '../../src/model/inventory.js';
import type { Model } from '../../src/model/types.js';
import { heldStamp, inputHash, planFromStamp, type CompileInput } from '../../src/plan/stamp.js';
import type { StampContent, StampProbe } from '../../src/targets/target.js';
import { MESHWARD_VERSION } from '../../src/version.js';

/**
 * The compile input hash decides whether a stamped plan may skip compiling the model (plan/stamp.ts):
 * it must change with anything compile reads, never carry a connection secret, and fail closed
 * (null) on a value JSON would not write faithfully.
 */
const example = loadRepository(join(import.meta.dirname, '..', '..', 'policies'));
const model = example.model!;
const decl = model.project.targets[0]!;
const inventory: Inventory = { format: 1, tables: [{ name: 'analytics.sales.customers', native: '"sales"."customers"', columns: [{ name: 'id', type: 'number', native_type: 'integer' }] }] };
const base: CompileInput = { model, inventory, decl, settings: { database: 'analytics' } };

describe('the compile input hash', () => {
  it('is stable for the same input, and changes with the model, a Map inside it, the inventory and the settings', () => {
    const h = inputHash(base)!;
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(inputHash({ ...base })).toBe(h);
    expect(inputHash({ ...loadInput() })).toBe(h); // loaded again: the loader is deterministic
    const renamed = { ...model, project: { ...model.project, managedPrefix: 'zz_' } } as Model;
    expect(inputHash({ ...base, model: renamed })).not.toBe(h);
    // a Map's entries count (JSON alone would write {} for every Map)
    const groups = new Map(model.groups);
    const [first] = groups.keys();
    groups.delete(first!);
    expect(inputHash({ ...base, model: { ...model, groups } as Model })).not.toBe(h);
    const column = inventory.tables[0]!.columns[0]!;
    expect(inputHash({ ...base, inventory: { ...inventory, tables: [{ ...inventory.tables[0]!, columns: [{ ...column, type: 'string' }] }] } })).not.toBe(h);
    expect(inputHash({ ...base, settings: { database: 'other' } })).not.toBe(h);
  });

  it('never depends on a target block’s written settings (a URL may carry a password)', () => {
    const h = inputHash(base);
    const targets = model.project.targets.map((t) => ({ ...t, settings: { ...t.settings, url: 'postgres://u:hunter2@db/x' } }));
    expect(inputHash({ ...base, model: { ...model, project: { ...model.project, targets } } as Model })).toBe(h);
  });

  it('is null for a value JSON would not write faithfully: a class instance, a RegExp, a function, a bigint', () => {
    class Odd {
      readonly x = 1;
    }
    for (const odd of [new Odd(), /re/, () => 1, 10n]) {
      expect(inputHash({ ...base, settings: { odd } as Record<string, unknown> }), String(odd)).toBeNull();
    }
    // a Date is written as its ISO time by its own toJSON: two dates differ
    expect(inputHash({ ...base, settings: { at: new Date(0) } })).not.toBe(inputHash({ ...base, settings: { at: new Date(1) } }));
  });
});

describe('a plan from a held stamp', () => {
  const content: StampContent = {
    meshward: MESHWARD_VERSION,
    plan: { input_hash: 'in', desired_hash: 'des', options: { revoke_unmanaged: false }, state_hash: 'st', findings: [], summary: { add: 0, change: 0, remove: 0, hazards: 0, widening: 0, statements: 0, floor: 0 }, new_target: false },
    drift: [],
    at: '2026-12-03T00:00:00.000Z',
  };
  const probe = (c: StampContent | null): StampProbe => ({ holds: c, why: c ? 'holds' : 'no stamp', token: undefined });
  const at = { target: 'local', project: 'p', input: 'in', desiredHash: () => 'des', request: { revoke_unmanaged: false } };

  it('is the stamped plan for the same compile input, else for the same desired hash, and null otherwise', () => {
    const p = planFromStamp(probe(content), at)!;
    expect(p).toMatchObject({ state_hash: 'st', desired_hash: 'des', changes: [], live_read: { from: 'stamp', stamped_at: content.at } });
    let compiled = 0;
    expect(planFromStamp(probe(content), { ...at, input: 'other', desiredHash: () => (compiled++, 'des') })).not.toBeNull();
    expect(compiled).toBe(1);
    expect(planFromStamp(probe(content), { ...at, input: null, desiredHash: () => 'other' })).toBeNull();
    expect(planFromStamp(probe(content), { ...at, request: { revoke_unmanaged: true } })).toBeNull();
    expect(planFromStamp(probe(null), at)).toBeNull();
  });

  it('never holds for another meshward version', () => {
    expect(heldStamp(probe({ ...content, meshward: '0.0.0-other' }))).toBeNull();
    expect(planFromStamp(probe({ ...content, meshward: '0.0.0-other' }), at)).toBeNull();
  });
});

function loadInput(): CompileInput {
  const again = loadRepository(join(import.meta.dirname, '..', '..', 'policies')).model!;
  return { model: again, inventory, decl: again.project.targets[0]!, settings: { database: 'analytics' } };
}
