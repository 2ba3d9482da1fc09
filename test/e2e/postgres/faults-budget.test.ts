import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepText } from '../../../src/plan/step.js';
import { applyPlan, type ApplyReport } from '../../../src/apply/apply.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { Connection } from '../../../src/targets/target.js';
import { cloneTarget, expectRemainder, openSession, statementsOf, templateTarget } from '../../apply/pglite.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { pendingChanges } from '../../support/e2e-session.js';
import type { E2eTarget } from '../../support/e2e-target.js';

/**
 * The lock budget, for real on PGlite with a forced small budget: the example's first plan is
 * over it, so it is said before anything runs and applied in batches — each within the budget
 * (and the locks each transaction really held, read from pg_locks before its COMMIT, within its
 * estimate), every change exactly once, each table's changes in plan order, the platform changes
 * first — and it converges. A fault in a middle batch leaves the batches before it applied and
 * recorded, and the next plan is exactly the changes of that batch and the later ones.
 */

const BUDGET = 160;

let template: E2eTarget;
beforeAll(async () => {
  template = await templateTarget();
}, 120_000);
afterAll(async () => {
  await template?.cleanup();
});

/**
 * Distinct objects the backend holds a lock on (one lock-table entry each, whatever the modes),
 * fast-path ones included (they move to the shared table once the fast path is full).
 */
const HELD = `SELECT count(DISTINCT concat_ws('|', locktype, database, relation, page, tuple, transactionid::text, classid, objid, objsubid))::int AS n
  FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid() AND locktype <> 'virtualxid'`;

/** A connection that reads how many locks its transaction holds just before each COMMIT. */
function countingLocks(conn: Connection): { conn: Connection; held: number[] } {
  const held: number[] = [];
  return {
    held,
    conn: {
      ...conn,
      driver: conn.driver,
      query: (sql, params) => conn.query(sql, params),
      async exec(sql) {
        if (sql === 'COMMIT') held.push(Number((await conn.query(HELD)).rows[0]!.n));
        return conn.exec(sql);
      },
    },
  };
}

/** The batching properties, on the report of a batched apply. */
function expectBatched(report: ApplyReport, plan: Plan): void {
  expect(report.mode).toBe('batches');
  expect(report.lock).toMatchObject({ budget: BUDGET, source: 'the configured lock budget' });
  expect(report.lock!.estimate).toBeGreaterThan(BUDGET);
  expect(report.batches.length).toBeGreaterThan(2);
  for (const b of report.batches) expect(b.lockEstimate!).toBeLessThanOrEqual(BUDGET);
  // every change exactly once, and each table's changes in plan order
  expect(report.changes.map((c) => c.key)).toEqual(plan.changes.map((c) => c.key));
  const runOrder = [...plan.changes.keys()].sort((a, b) => report.changes[a]!.batch - report.changes[b]!.batch || a - b);
  const byTable = new Map<string, number[]>();
  for (const i of runOrder) {
    const t = plan.changes[i]!.table;
    if (t) byTable.set(t, [...(byTable.get(t) ?? []), i]);
  }
  for (const list of byTable.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  // the platform changes that open the plan (roles, schemas, governance) are in the first batch
  const firstTabled = plan.changes.findIndex((c) => c.table !== null);
  expect(firstTabled).toBeGreaterThan(10);
  for (const c of report.changes.slice(0, firstTabled)) expect(c.batch, c.key).toBe(1);
}

describe('a plan over the lock budget on PGlite', () => {
  it('is announced before anything runs, applied in batches within the budget, and converges', async () => {
    const t = cloneTarget(template);
    const session = await openSession(t);
    try {
      const { plan } = await planFor(session);
      const counting = countingLocks(session.conn);
      const notices: string[] = [];
      const sentBeforeNotice: number[] = [];
      const calls: string[] = [];
      const conn = { ...counting.conn, exec: (sql: string) => (calls.push(sql), counting.conn.exec(sql)) };
      const report = await applyPlan({ ...session, conn }, plan, { lockBudget: BUDGET, onNotice: (m) => (notices.push(m), sentBeforeNotice.push(calls.length)) });
      expect(report.error ?? null).toBeNull();
      expect(notices).toHaveLength(1);
      expect(sentBeforeNotice).toEqual([0]);
      expect(notices[0]).toMatch(new RegExp(`more than the budget of ${BUDGET}.*applied in ${report.batches.length} batches, each one transaction`));
      expectBatched(report, plan);
      expect(report.applied).toHaveLength(statementsOf(plan).length);
      // the locks each transaction really held stayed within its estimate
      expect(counting.held).toHaveLength(report.batches.length);
      counting.held.forEach((n, i) => expect(n, `batch ${i + 1}`).toBeLessThanOrEqual(report.batches[i]!.lockEstimate!));

      expect(await pendingChanges(session)).toEqual([]);
      expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
      await assertEnforced(session);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 180_000);

  it('one transaction holds no more locks than estimated (the estimate is an upper bound)', async () => {
    const t = cloneTarget(template);
    const session = await openSession(t);
    try {
      const { plan } = await planFor(session);
      const counting = countingLocks(session.conn);
      const report = await applyPlan({ ...session, conn: counting.conn }, plan);
      expect(report.mode).toBe('transaction');
      expect(report.lock!.budget).toBe(1024 * 100 / 2); // meshward's embedded databases: max_locks_per_transaction 1024
      expect(counting.held[0]!).toBeLessThanOrEqual(report.lock!.estimate);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 120_000);

  it('a fault in a middle batch: the batches before it applied and recorded, the next plan is exactly the rest, re-applying converges', async () => {
    const t = cloneTarget(template);
    const session = await openSession(t);
    try {
      const { plan } = await planFor(session);
      // a first apply that fails at once shows the layout (nothing of it is applied)
      const dry = await applyPlan({ ...session, conn: faultyConnection(session.conn, { at: { statement: 1 }, fault: 'permission-denied' }) }, plan, { lockBudget: BUDGET });
      expect(dry.applied).toEqual([]);
      const middle = Math.ceil(dry.batches.length / 2);
      expect(middle).toBeGreaterThan(1);
      // the first statement the middle batch sends: the batches run one after the other
      const sentBefore = dry.outcomes.filter((s) => s.batch < middle).length;
      const report = await applyPlan({ ...session, conn: faultyConnection(session.conn, { at: { statement: sentBefore + 1 }, fault: 'object-missing' }) }, plan, { lockBudget: BUDGET });
      expect(report.failure).toMatchObject({ phase: 'statement', batch: middle, code: '42P01' });
      expect(report.outcomes[report.failure!.index! - 1]).toMatchObject({ batch: middle, outcome: 'failed' });
      expect(report.statements).toHaveLength(sentBefore + 1);
      expect(report.batches.map((b) => b.outcome)).toEqual(report.batches.map((b) => (b.index < middle ? 'applied' : b.index === middle ? 'rolled_back' : 'not_run')));
      const appliedKeys = new Set(report.changes.filter((c) => c.batch < middle).map((c) => c.key));
      expect(report.changes.filter((c) => c.outcome === 'applied').map((c) => c.key)).toEqual([...appliedKeys]);
      expect(report.applied.map(stepText)).toEqual(plan.changes.flatMap((c) => (appliedKeys.has(c.key) ? c.steps.map(stepText) : [])));
      expect(report.notApplied.map(stepText)).toEqual(plan.changes.flatMap((c) => (appliedKeys.has(c.key) ? [] : c.steps.map(stepText))));
      expect(report.next).toMatch(new RegExp(`^${appliedKeys.size} of ${plan.changes.length} changes were applied and recorded`));

      await expectRemainder(session, plan.changes.filter((c) => !appliedKeys.has(c.key)));
      const { plan: next } = await planFor(session);
      expect((await applyPlan(session, next, { lockBudget: BUDGET })).ok).toBe(true);
      expect(await pendingChanges(session)).toEqual([]);
      expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
      await assertEnforced(session);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 180_000);
});
