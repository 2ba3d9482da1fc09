import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Resolved } from '../../src/resolve/resolve.js';
import { validateRepository } from '../../src/validate.js';
import { modelInventory, randomModelArb, renderModel, type RandomModel } from '../support/random-model.js';
import { desiredOf, errorsOf, explainMatrix, importDraft, snapshotAfterApply, specs, validateDraft } from './support.js';

/**
 * The import contract without a database: a model is compiled (what an apply records in
 * `<gov>.state`), read back by the PostgreSQL import from those rows, drafted as a repository,
 * and the draft must (1) validate, (2) compile to exactly the same desired objects — so a plan of
 * the draft against the applied target is empty — and (3) explain the same access, parameters and
 * row predicate text for every group (and pair of groups) × governed table.
 */

const RUNS = Number(process.env.MESHWARD_PROPERTY_RUNS ?? 60);

function resolveFiles(m: RandomModel, rename: (text: string) => string): Resolved {
  const files = renderModel(m).map((f) => ({ ...f, text: rename(f.text) }));
  const result = validateRepository({ dir: '/virtual', files, inventoryValue: modelInventory(m) });
  if (result.diagnostics.hasErrors) throw new Error(`generated model is invalid: ${errorsOf(result).join('\n')}`);
  return result.resolved!;
}

function roundTrip(original: Resolved, m: RandomModel) {
  const desired = desiredOf(original);
  const { draft, estate } = importDraft(snapshotAfterApply(original, desired, modelInventory(m), 'db'));
  const imported = validateDraft(draft, modelInventory(m));
  const files = [...draft.files].map(([p, t]) => `--- ${p}\n${t}`).join('\n');
  expect(errorsOf(imported), files).toEqual([]);
  return { imported: imported.resolved!, desired, estate, files };
}

describe('import round trip (compile -> recorded state -> import -> draft)', () => {
  it('the draft compiles to the same objects and explains the same, for random models', () => {
    fc.assert(
      fc.property(randomModelArb(), (m) => {
        const original = resolveFiles(m, (t) => t);
        const { imported, desired, files } = roundTrip(original, m);
        expect(specs(desiredOf(imported)), files).toEqual(specs(desired));
        expect(explainMatrix(imported, true)).toEqual(explainMatrix(original, true));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the recorded filter order when global policies sort after domain ones', () => {
    // global-* < local-* by name; z-global-* > local-*: explain ANDs global first, so only the
    // recorded order tells which scope each filter had
    fc.assert(
      fc.property(randomModelArb(), (m) => {
        const original = resolveFiles(m, (t) => t.replace(/name: global-/g, 'name: z-global-'));
        const { imported, desired, files } = roundTrip(original, m);
        expect(specs(desiredOf(imported)), files).toEqual(specs(desired));
        expect(explainMatrix(imported)).toEqual(explainMatrix(original));
      }),
      { numRuns: RUNS },
    );
  });
});
