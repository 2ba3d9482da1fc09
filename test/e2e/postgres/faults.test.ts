import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepText } from '../../../src/plan/step.js';
import { applyPlan } from '../../../src/apply/apply.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { planFor } from '../../../src/session/plan-for.js';
import { KINDS, changeAt, cloneTarget, expectRemainder, expectStopped, openSession, statementAt, statementsOf, templateTarget, type Position } from '../../apply/pglite.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { pendingChanges } from '../../support/e2e-session.js';
import type { E2eTarget } from '../../support/e2e-target.js';

/**
 * Faults at the driver seam on PGlite (in process and superuser: faults can only be injected
 * there), each class at the first, a middle and the last statement of the example's first plan,
 * applied in ONE transaction (the default). Each time: the apply stops; the report says nothing
 * was applied (rolled back), names the failing statement and its error and lists the rest; the
 * next plan is the whole plan again, from an unchanged state hash; applying it converges — the
 * plan after it is empty, drift is in sync and every group sees every governed table as the
 * resolver says. (faults-no-transaction.test.ts: the same in --no-transaction mode.)
 */

let template: E2eTarget;
beforeAll(async () => {
  template = await templateTarget();
}, 120_000);
afterAll(async () => {
  await template?.cleanup();
});

describe.each(KINDS)('one transaction: %s', (kind, code) => {
  it.each(['first', 'middle', 'last'] as Position[])('at the %s statement: nothing applied, the failing statement and the rest reported, the next plan is the whole plan, re-applying converges', async (position) => {
    const t = cloneTarget(template);
    const session = await openSession(t);
    try {
      const { plan } = await planFor(session);
      const n = statementAt(plan, position);
      const conn = faultyConnection(session.conn, { at: { statement: n }, fault: kind });
      const report = await applyPlan({ ...session, conn }, plan);

      expect(report.mode).toBe('transaction');
      expectStopped(report, plan, 0, n, code);
      expect(report.failure?.change).toBe(plan.changes[changeAt(plan, n)]!.key);
      expect(report.next).toMatch(/^Nothing of this plan was applied \(rolled back\)\./);
      // nothing was sent after the failing statement, and nothing twice
      expect(conn.calls.filter((c) => statementsOf(plan).includes(c))).toEqual(statementsOf(plan).slice(0, n));
      expect(conn.calls).not.toContain('COMMIT');
      if (kind === 'connection-lost') expect(conn.lost).toBe(true);

      const next = await expectRemainder(session, plan.changes);
      expect(next.state_hash).toBe(plan.state_hash);

      const again = await applyPlan(session, next);
      expect(again.error ?? null).toBeNull();
      expect(again.applied.map(stepText)).toEqual(statementsOf(next));
      expect(await pendingChanges(session)).toEqual([]);
      expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
      await assertEnforced(session);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 120_000);
});

describe('a COMMIT that loses its connection', () => {
  it.each([
    ['committed', true],
    ['did not commit', false],
  ])('the server %s: the report says unknown and run plan, nothing is retried, and plan tells the truth', async (_, committed) => {
    const t = cloneTarget(template);
    const session = await openSession(t);
    try {
      const { plan } = await planFor(session);
      const conn = faultyConnection(session.conn, { at: { commit: 1 }, fault: 'connection-lost', committed });
      const report = await applyPlan({ ...session, conn }, plan);
      expect(report).toMatchObject({ ok: false, outcome: 'unknown', applied: [], notApplied: [], unknown: plan.changes.flatMap((c) => c.steps), rolledBack: false });
      expect(report.failure).toMatchObject({ phase: 'commit', code: 'ECONNRESET' });
      expect(report.next).toMatch(/may or may not have committed.*never retries.*Run meshward plan/);
      expect(conn.calls.filter((c) => /^(BEGIN|COMMIT|ROLLBACK)$/.test(c))).toEqual(['BEGIN', 'COMMIT']);
      expect(conn.calls.filter((c) => statementsOf(plan).includes(c))).toEqual(statementsOf(plan));
      await expectRemainder(session, committed ? [] : plan.changes);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 120_000);
});
