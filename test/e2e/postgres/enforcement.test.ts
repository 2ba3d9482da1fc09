import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { planFor } from '../../../src/cli/commands/plan.js';
import { openTarget, type TargetSession } from '../../../src/session/open-target.js';
import { compare, expected, observe, primaryKeys, readBase } from '../../../src/targets/postgres/verify.js';
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
    const pks = await primaryKeys(session.conn, session.resolved.tables);
    const groups = [...session.model.groups.keys()].sort();
    const problems: string[] = [];
    let cells = 0;
    for (const table of session.resolved.tables) {
      const pk = pks.get(table.table.key);
      expect(pk, `${table.table.name} has a primary key`).toBeDefined();
      const base = await readBase(session.conn, table, pk!);
      for (const g of groups) {
        const want = expected(session.resolved, base, [g]);
        const got = await observe(session.conn, session.ctx, session.resolved, base, [g]);
        for (const p of compare(got, want)) problems.push(`${g} on ${table.table.name}: ${p}`);
        cells += [...want.rows.values()].reduce((n, r) => n + Object.keys(r).length, 0);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(cells).toBeGreaterThan(1000);
  }, 300_000);
});
