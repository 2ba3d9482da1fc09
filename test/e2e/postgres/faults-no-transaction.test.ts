import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { KINDS, changeAt, cloneTarget, expectRemainder, expectStopped, openSession, statementAt, statementsOf, templateTarget, unitsBefore, type Position } from '../../apply/pglite.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { edit, pendingChanges, planAndApply } from '../../support/e2e-session.js';
import type { E2eTarget } from '../../support/e2e-target.js';

/**
 * --no-transaction on PGlite: every change commits on its own with its recorded state. A fault
 * (each class, at the first, a middle, the last statement and inside a multi-statement change)
 * stops the apply; the changes before it stay applied and recorded, the failing change is rolled
 * back whole; the report lists both; the next plan is exactly the changes from the failing one
 * on; applying that converges. Also on an edited model, where a view change still to run must
 * keep its old record (or the next plan would lose it).
 */

let template: E2eTarget;
beforeAll(async () => {
  template = await templateTarget();
}, 120_000);
afterAll(async () => {
  await template?.cleanup();
});

/** The state rows, as recorded. */
async function stateRows(session: TargetSession): Promise<string[]> {
  const { rows } = await session.conn.query(`SELECT key, kind, spec::text AS spec, fingerprint FROM "mw_meta"."state" ORDER BY key`);
  return rows.map((r) => JSON.stringify(r));
}

/** The rows a full record would write now, keeping `pending` (in a transaction rolled back). */
async function fullRecordRows(session: TargetSession, pending: readonly string[]): Promise<string[]> {
  await session.conn.exec('BEGIN');
  try {
    await session.target.state.record(session.conn, session.desired, session.ctx, { pending });
    return await stateRows(session);
  } finally {
    await session.conn.exec('ROLLBACK');
  }
}

describe.each(KINDS)('--no-transaction: %s', (kind, code) => {
  it.each(['first', 'middle', 'inside a change', 'last'] as Position[])(
    'at the %s statement: the changes before it applied and recorded, the rest reported, the next plan is exactly the rest, re-applying converges',
    async (position) => {
      const t = cloneTarget(template);
      const session = await openSession(t);
      try {
        const { plan } = await planFor(session);
        const n = statementAt(plan, position);
        const conn = faultyConnection(session.conn, { at: { statement: n }, fault: kind });
        const report = await applyPlan({ ...session, conn }, plan, { transaction: false });

        const failedChange = changeAt(plan, n);
        expect(report.mode).toBe('no-transaction');
        expectStopped(report, plan, failedChange, n, code);
        expect(report.batches.filter((b) => b.outcome === 'applied')).toHaveLength(unitsBefore(plan, failedChange));
        if (failedChange > 0) expect(report.next).toMatch(new RegExp(`^${failedChange} of ${plan.changes.length} changes were applied and recorded`));
        expect(conn.calls.filter((c) => statementsOf(plan).includes(c))).toEqual(statementsOf(plan).slice(0, n));

        await expectRemainder(session, plan.changes.slice(failedChange));
        // each change's own record wrote exactly what a full record keeping the rest would write
        if (failedChange > 0 && (await session.conn.query(`SELECT to_regclass('"mw_meta"."state"') AS t`)).rows[0]!.t !== null) {
          expect(await stateRows(session)).toEqual(await fullRecordRows(session, plan.changes.slice(failedChange).map((c) => c.key)));
        }

        const { plan: next } = await planFor(session);
        const again = await applyPlan(session, next, { transaction: false });
        expect(again.error ?? null).toBeNull();
        expect(await pendingChanges(session)).toEqual([]);
        expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
        await assertEnforced(session);
      } finally {
        await session.close();
        await t.cleanup();
      }
    },
    120_000,
  );
});

describe('--no-transaction on an edited model', () => {
  it('a view change still to run keeps its old record: the next plan shows it, and re-applying converges', async () => {
    const t = cloneTarget(template);
    rmSync(join(t.dir, 'tests'), { recursive: true, force: true }); // the AccessTests describe the unedited example
    let session = await openSession(t);
    try {
      await planAndApply(session);
      await session.close();
      edit(t, 'domains/sales.yaml', ['method: partial, keep_last: 2', 'method: partial, keep_last: 1']); // narrows customers
      edit(t, 'domains/sales.yaml', ['  - groups: [sales_analysts, sales_analysts_us, sales_analysts_apac, data_scientists]', '  - groups: [sales_analysts, sales_analysts_us, sales_analysts_apac]']); // revokes
      edit(t, 'domains/sales.yaml', [/  - name: real-orders-only\n(    .*\n)+?(?=\n|  - )/, '']); // widens orders
      session = await openSession(t);
      const { plan } = await planFor(session);
      // two view changes (customers narrowed, orders widened) and revokes, in the target's order
      const viewChanges = plan.changes.flatMap((c, i) => (c.kind === 'view' && c.action === 'change' ? [i] : []));
      expect(viewChanges.map((i) => plan.changes[i]!.key).sort()).toEqual(['view:"mw_sales"."customers"', 'view:"mw_sales"."orders"']);
      expect(plan.changes.some((c) => c.action === 'remove' && c.kind === 'grant')).toBe(true);

      // fail at the second view change: the changes before it (the first view change included) applied, it and the rest not
      const failing = viewChanges[1]!;
      const n = statementsOf({ ...plan, changes: plan.changes.slice(0, failing) }).length + 1;
      const report = await applyPlan({ ...session, conn: faultyConnection(session.conn, { at: { statement: n }, fault: 'permission-denied' }) }, plan, { transaction: false });
      expectStopped(report, plan, failing, n, '42501');
      // the view change still to run kept its old record, so the next plan shows it again
      await expectRemainder(session, plan.changes.slice(failing));
      expect(await stateRows(session)).toEqual(await fullRecordRows(session, plan.changes.slice(failing).map((c) => c.key)));

      const { plan: next } = await planFor(session);
      expect((await applyPlan(session, next, { transaction: false })).ok).toBe(true);
      expect(await pendingChanges(session)).toEqual([]);
      expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
      await assertEnforced(session);
    } finally {
      await session.close();
      await t.cleanup();
    }
  }, 180_000);
});
