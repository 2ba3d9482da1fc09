import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport, type ImportResult } from '../../../src/import/run.js';
import type { Resolved } from '../../../src/resolve/resolve.js';
import { validateRepository } from '../../../src/validate.js';
import { errorsOf, explainMatrix } from '../../import/support.js';
import { open, pendingChanges, planAndApply } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 5, part 5 (2): the applied example, imported back from the target, is a repository whose
 * `explain` gives — for every group (and pair of groups) × governed table — the same readability,
 * the same access and parameters per column and the same row predicate text as the original.
 * Policy names and file positions may differ. It also re-plans to no change against that target.
 */
describe.each(ENGINES)('import of the applied example on %s', (engine) => {
  let t: E2eTarget;
  let out: string;
  let result: ImportResult;
  let original: Resolved;
  let imported: Resolved;

  beforeAll(async () => {
    t = await makeTarget(engine);
    const session = await open(t);
    try {
      await planAndApply(session);
    } finally {
      await session.close();
    }
    out = mkdtempSync(join(tmpdir(), 'meshward-imported-'));
    rmSync(out, { recursive: true });
    result = await runImport({ dir: t.dir, target: t.target, env: t.env, out });
    const o = validateRepository({ dir: t.dir });
    expect(errorsOf(o)).toEqual([]);
    original = o.resolved!;
  }, 180_000);

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await t?.cleanup();
  });

  it('finds the project by its marker and drafts every group, domain and governed table', () => {
    expect(result.estate.project).toMatchObject({ name: engine === 'pglite' ? 'acme' : expect.stringMatching(/^acme-/), prefix: t.prefix });
    expect(result.draft.summary).toMatchObject({ groups: 14, domains: 4, tables: 18, unrepresentable: [], contradictions: 0 });
    expect(result.draft.summary.notes).toEqual([]);
    // a fixed number of catalog queries: roles, schemas, relations, RLS, functions, governance, inventory
    expect(result.estate.queryCount).toBe(7);
    expect(result.written).toContain('IMPORT-REPORT.md');
  });

  it('validates with no error against the inventory it wrote', () => {
    const v = validateRepository({ dir: out });
    expect(errorsOf(v)).toEqual([]);
    imported = v.resolved!;
    expect([...imported.model.groups.keys()].sort()).toEqual([...original.model.groups.keys()].sort());
    expect(imported.tables.map((x) => x.table.name).sort()).toEqual(original.tables.map((x) => x.table.name).sort());
  });

  it('explains the same for every group × governed table (and every pair of groups)', () => {
    const want = explainMatrix(original, true);
    const got = explainMatrix(imported, true);
    expect(Object.keys(got).length).toBe(18 * (14 + (14 * 13) / 2));
    expect(got).toEqual(want);
  });

  it('in place of the original repository, it plans no change against the target', async () => {
    // The embedded database lives beside the repository's meshward.yaml: the draft manages the
    // same target once it replaces the original files there (a server target works from anywhere).
    const adopted = mkdtempSync(join(tmpdir(), 'meshward-adopted-'));
    try {
      cpSync(t.dir, adopted, { recursive: true });
      for (const f of ['catalog.yaml', 'principals.yaml', 'global.yaml']) rmSync(join(adopted, f));
      rmSync(join(adopted, 'domains'), { recursive: true });
      rmSync(join(adopted, 'tests'), { recursive: true });
      for (const f of result.written) cpSync(join(out, f), join(adopted, f));
      expect(readFileSync(join(adopted, 'meshward.yaml'), 'utf8')).toContain('Drafted by meshward import');
      const session = await open({ ...t, dir: adopted });
      try {
        expect(await pendingChanges(session)).toEqual([]);
      } finally {
        await session.close();
      }
    } finally {
      rmSync(adopted, { recursive: true, force: true });
    }
  }, 120_000);
});
