import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { planFor } from '../../../src/session/plan-for.js';
import { openTarget, type TargetSession } from '../../../src/session/open-target.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Differential enforcement: after applying the example, every group × every governed table is
 * queried AS that group and compared cell by cell with the resolver (the oracle).
 */
describe.each(ENGINES)('enforcement on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;

  beforeAll(async () => {
    t = await makeTarget(engine);
    session = await openTarget({ dir: t.dir, target: t.target, env: t.env });
    const { plan } = await planFor(session);
    const report = await applyPlan(session, plan);
    expect(report.error ?? null).toBeNull();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('a plan right after apply has no changes', async () => {
    const { plan } = await planFor(session);
    expect(plan.changes.map((c) => `${c.action} ${c.object}: ${c.reason}`)).toEqual([]);
  });

  it('every group sees every governed table exactly as the resolver says', async () => {
    const { cells } = await assertEnforced(session);
    expect(cells).toBeGreaterThan(1000);
  }, 300_000);

  it('every pair of groups (a person in both) sees exactly the union semantics of the resolver', async () => {
    const groups = [...session.model.groups.keys()].sort();
    const pairs = groups.flatMap((a, i) => groups.slice(i + 1).map((b) => [a, b]));
    const { cells } = await assertEnforced(session, { principals: pairs });
    expect(cells).toBeGreaterThan(10_000);
  }, 300_000);
});
