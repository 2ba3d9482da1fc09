import { describe, expect, it } from 'vitest';
import { sqlSteps, stepText } from '../../src/plan/step.js';
import { applyPlan } from '../../src/apply/apply.js';
import { faultyConnection, type FaultKind } from '../../src/targets/postgres/faults.js';
import { change, fakeEngine, fakeLocks, fakeSession, planOf } from './fake.js';

/**
 * The executor against an in-memory engine: what committed is exactly what the report calls
 * applied, in every mode, for every fault class at the first, a middle and the last statement;
 * a COMMIT that loses its connection is `unknown` and nothing is ever sent twice.
 */

// 4 changes, 7 statements: a = 1-2, b = 3, v = 4-6, g = 7
const plan = planOf([change('role:a', ['A1', 'A2']), change('role:b', ['B1']), change('view:v', ['V1', 'V2', 'V3'], { table: 't1' }), change('grant:g', ['G1'], { table: 't1' })]);
const ALL = plan.changes.flatMap((c) => c.steps);
const TEXTS = ALL.map(stepText);
const changeOfStatement = (n: number) => plan.changes.findIndex((_, i) => plan.changes.slice(0, i + 1).reduce((k, c) => k + c.steps.map(stepText).length, 0) >= n);
const KINDS: [FaultKind, string][] = [
  ['permission-denied', '42501'],
  ['object-missing', '42P01'],
  ['connection-lost', '57P01'],
];
const POSITIONS: [string, number][] = [
  ['first', 1],
  ['middle', 5],
  ['last', 7],
];

/** Plan statements among the calls: each may appear at most once (no retry). */
function sentOnce(calls: readonly string[]): void {
  const sent = calls.filter((c) => TEXTS.includes(c));
  expect(new Set(sent).size, `a statement was sent twice: ${sent.join(' ')}`).toBe(sent.length);
}

describe('one transaction (default)', () => {
  it('commits every statement and the recorded state together', async () => {
    const e = fakeEngine();
    const r = await applyPlan(fakeSession(e.conn), plan);
    expect(r).toMatchObject({ ok: true, outcome: 'applied', mode: 'transaction', rolledBack: false, notRun: [], failure: null, applied: ALL, notApplied: [], unknown: [] });
    expect(e.committed).toEqual([...TEXTS, 'record(pending=)']);
    expect(e.calls.filter((c) => c === 'BEGIN' || c === 'COMMIT')).toEqual(['BEGIN', 'COMMIT']);
    expect(r.outcomes.map((s) => [s.index, s.change, s.batch, s.outcome])).toEqual(ALL.map((_, i) => [i + 1, plan.changes[changeOfStatement(i + 1)]!.key, 1, 'applied']));
    expect(r.changes.every((c) => c.outcome === 'applied')).toBe(true);
    expect(r.batches).toEqual([{ index: 1, changes: 4, statements: 7, lockEstimate: null, outcome: 'applied' }]);
    expect(r.next).toMatch(/no changes/);
  });

  describe.each(KINDS)('%s', (kind, code) => {
    it.each(POSITIONS)('at the %s statement: stops, rolls back everything, lists the failing statement and the rest', async (_, n) => {
      const e = fakeEngine();
      const conn = faultyConnection(e.conn, { at: { statement: n }, fault: kind });
      const r = await applyPlan(fakeSession(conn), plan);
      expect(e.committed).toEqual([]);
      expect(r).toMatchObject({ ok: false, outcome: 'failed', mode: 'transaction', rolledBack: true, applied: [], unknown: [] });
      expect(r.notApplied).toEqual(ALL);
      expect(r.failure).toMatchObject({ phase: 'statement', index: n, step: ALL[n - 1], change: plan.changes[changeOfStatement(n)]!.key, batch: 1, code });
      expect(r.error).toContain(`SQLSTATE ${code}`);
      expect(r.statements.map((s) => [s.step, s.ok])).toEqual(ALL.slice(0, n).map((sql, i) => [sql, i < n - 1]));
      expect(r.notRun).toEqual(ALL.slice(n));
      expect(r.outcomes.map((s) => s.outcome)).toEqual(ALL.map((_, i) => (i < n - 1 ? 'rolled_back' : i === n - 1 ? 'failed' : 'not_run')));
      expect(r.changes.map((c) => c.outcome)).toEqual(plan.changes.map((_, i) => (i === changeOfStatement(n) ? 'failed' : 'not_applied')));
      expect(r.next).toMatch(/^Nothing of this plan was applied \(rolled back\)\..*meshward plan shows the same 4 changes/);
      if (kind === 'connection-lost') expect(r.next).toMatch(/connection was lost/);
      if (kind === 'permission-denied') expect(r.next).toMatch(/Apply identity/);
      sentOnce(conn.calls);
      expect(conn.calls.filter((c) => c === 'COMMIT')).toEqual([]);
    });
  });
});

describe('--no-transaction: one transaction per change, each with its recorded state', () => {
  it('commits change by change, each recording its own rows; the last records everything', async () => {
    const e = fakeEngine();
    const r = await applyPlan(fakeSession(e.conn), plan, { transaction: false });
    expect(r).toMatchObject({ ok: true, outcome: 'applied', mode: 'no-transaction' });
    expect(e.committed).toEqual(['A1', 'A2', 'record(only=role:a)', 'B1', 'record(only=role:b)', 'V1', 'V2', 'V3', 'record(only=view:v)', 'G1', 'record(pending=)']);
    expect(r.batches.map((b) => [b.index, b.changes, b.statements, b.outcome])).toEqual([
      [1, 1, 2, 'applied'],
      [2, 1, 1, 'applied'],
      [3, 1, 3, 'applied'],
      [4, 1, 1, 'applied'],
    ]);
  });

  describe.each(KINDS)('%s', (kind, code) => {
    it.each([...POSITIONS, ['inside a change', 5] as [string, number]])('at the %s statement: the changes before it stay applied and recorded, the rest is listed', async (_, n) => {
      const e = fakeEngine();
      const conn = faultyConnection(e.conn, { at: { statement: n }, fault: kind });
      const r = await applyPlan(fakeSession(conn), plan, { transaction: false });
      const failedChange = changeOfStatement(n);
      const before = plan.changes.slice(0, failedChange);
      const appliedSql = before.flatMap((c) => c.steps);
      expect(e.committed).toEqual(before.flatMap((c) => [...c.steps.map(stepText), `record(only=${c.key})`]));
      expect(r).toMatchObject({ ok: false, outcome: 'failed', mode: 'no-transaction', rolledBack: failedChange === 0, applied: appliedSql, unknown: [] });
      expect(r.notApplied).toEqual(ALL.slice(appliedSql.length));
      expect(r.failure).toMatchObject({ phase: 'statement', index: n, step: ALL[n - 1], batch: failedChange + 1, code });
      expect(r.changes.map((c) => c.outcome)).toEqual(plan.changes.map((_, i) => (i < failedChange ? 'applied' : i === failedChange ? 'failed' : 'not_applied')));
      // the failing change's own earlier statements were rolled back with it
      expect(r.outcomes.filter((s) => s.outcome === 'rolled_back').map((s) => s.step)).toEqual(ALL.slice(appliedSql.length, n - 1));
      expect(r.notRun).toEqual(ALL.slice(n));
      if (failedChange > 0) expect(r.next).toMatch(new RegExp(`^${failedChange} of 4 changes were applied and recorded; ${4 - failedChange} were not\\..*shows exactly the ${4 - failedChange} changes left`));
      sentOnce(conn.calls);
    });
  });
});

describe('a COMMIT that loses its connection', () => {
  it.each([true, false])('is reported as unknown (server committed: %s), never retried, and says to run plan', async (committedOnServer) => {
    const e = fakeEngine();
    const conn = faultyConnection(e.conn, { at: { commit: 1 }, fault: 'connection-lost', committed: committedOnServer });
    const r = await applyPlan(fakeSession(conn), plan);
    expect(e.committed).toEqual(committedOnServer ? [...TEXTS, 'record(pending=)'] : []);
    expect(r).toMatchObject({ ok: false, outcome: 'unknown', mode: 'transaction', rolledBack: false, applied: [], notApplied: [], unknown: ALL, notRun: [] });
    expect(r.failure).toMatchObject({ phase: 'commit', index: null, batch: 1, code: 'ECONNRESET' });
    expect(r.changes.every((c) => c.outcome === 'unknown')).toBe(true);
    expect(r.batches[0]!.outcome).toBe('unknown');
    expect(r.next).toMatch(/may or may not have committed.*never retries.*Run meshward plan/);
    sentOnce(conn.calls);
    expect(conn.calls.filter((c) => c === 'COMMIT' || c === 'BEGIN')).toEqual(['BEGIN', 'COMMIT']);
    expect(conn.calls.at(-1)).toBe('COMMIT'); // nothing at all after it (not even a ROLLBACK)
  });

  it('in --no-transaction mode: the changes before are applied, that change is unknown, the rest not applied', async () => {
    const e = fakeEngine();
    const conn = faultyConnection(e.conn, { at: { commit: 3 }, fault: 'connection-lost', committed: false });
    const r = await applyPlan(fakeSession(conn), plan, { transaction: false });
    expect(r.outcome).toBe('unknown');
    expect(r.changes.map((c) => c.outcome)).toEqual(['applied', 'applied', 'unknown', 'not_applied']);
    expect(r).toMatchObject({ applied: sqlSteps(['A1', 'A2', 'B1']), unknown: sqlSteps(['V1', 'V2', 'V3']), notApplied: sqlSteps(['G1']), notRun: sqlSteps(['G1']) });
    expect(r.failure).toMatchObject({ phase: 'commit', batch: 3 });
    expect(r.next).toMatch(/COMMIT of transaction 3 of 4/);
    sentOnce(conn.calls);
    expect(conn.calls.filter((c) => c === 'COMMIT')).toHaveLength(3);
  });

  it('a COMMIT answered with an error (40001) rolled back: failed, not unknown', async () => {
    const e = fakeEngine();
    const conn = faultyConnection(e.conn, { at: { commit: 1 }, fault: 'serialization' });
    const r = await applyPlan(fakeSession(conn), plan);
    expect(r).toMatchObject({ outcome: 'failed', rolledBack: true, applied: [], notApplied: ALL, unknown: [] });
    expect(r.failure).toMatchObject({ phase: 'commit', code: '40001' });
    expect(e.committed).toEqual([]);
    expect(r.next).toMatch(/An object changed underneath the apply/);
  });
});

describe('other failures', () => {
  it('a dropped connection makes every later call fail; the report is still exact', async () => {
    const e = fakeEngine();
    const conn = faultyConnection(e.conn, { at: { statement: 4 }, fault: 'connection-lost' });
    const r = await applyPlan(fakeSession(conn), plan, { transaction: false });
    expect(conn.lost).toBe(true);
    await expect(conn.exec('SELECT 1')).rejects.toMatchObject({ code: '08006' });
    expect(r.changes.map((c) => c.outcome)).toEqual(['applied', 'applied', 'failed', 'not_applied']);
    expect(r.next).toMatch(/connection was lost/);
  });

  it('recording the state fails: the transaction rolls back and the report says so', async () => {
    const e = fakeEngine();
    const r = await applyPlan(fakeSession(e.conn, { recordFails: true }), plan);
    expect(e.committed).toEqual([]);
    expect(r).toMatchObject({ outcome: 'failed', rolledBack: true, applied: [], notApplied: ALL, notRun: [] });
    expect(r.failure).toMatchObject({ phase: 'record', index: null, code: '42501' });
    expect(r.error).toMatch(/^recording the applied state failed: permission denied/);
  });

  it('a change alone over the lock budget is refused before anything runs', async () => {
    const e = fakeEngine();
    const r = await applyPlan(fakeSession(e.conn, { locks: fakeLocks() }), plan, { lockBudget: 11 });
    expect(e.calls.filter((c) => c !== 'BEGIN')).toEqual([]);
    expect(e.calls).toEqual([]);
    expect(r).toMatchObject({ outcome: 'failed', rolledBack: false, applied: [], notApplied: ALL, statements: [] });
    expect(r.failure).toMatchObject({ phase: 'prepare', batch: null });
    expect(r.error).toMatch(/alone needs about 12 lock entries, more than the budget of 11/);
    expect(r.next).toMatch(/^Nothing was run\. Raise max_locks_per_transaction/);
  });

  it('over the lock budget: says so before starting, then batches, each recorded with the later keys kept', async () => {
    const e = fakeEngine();
    const notices: string[] = [];
    const r = await applyPlan(fakeSession(e.conn, { locks: fakeLocks() }), plan, {
      lockBudget: 13,
      onNotice: (m) => notices.push(`${m} [calls so far: ${e.calls.length}]`),
    });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/about 15 lock entries in one transaction, more than the budget of 13 \(the configured lock budget\); it is applied in 2 batches.*\[calls so far: 0\]$/);
    expect(r).toMatchObject({ ok: true, mode: 'batches', lock: { estimate: 15, budget: 13 } });
    // role:a + role:b = 10 + 2; view:v and grant:g serve one table, so they stay together: 10 + 3
    expect(r.batches.map((b) => [b.changes, b.lockEstimate])).toEqual([
      [2, 12],
      [2, 13],
    ]);
    expect(e.committed).toEqual(['A1', 'A2', 'B1', 'record(pending=view:v,grant:g)', 'V1', 'V2', 'V3', 'G1', 'record(pending=)']);
  });

  it('the lock table is read from the target: half of it is the budget', async () => {
    const e = fakeEngine();
    expect(await applyPlan(fakeSession(fakeEngine().conn, { locks: fakeLocks(30) }), plan)).toMatchObject({ ok: true, mode: 'transaction', lock: { estimate: 15, budget: 15, source: 'half of the server\'s lock table, fake lock table 30' } });
    const r = await applyPlan(fakeSession(e.conn, { locks: fakeLocks(29) }), plan);
    expect(r).toMatchObject({ ok: true, mode: 'batches', lock: { estimate: 15, budget: 14 } });
  });
});

describe('the engine batch limit (capabilities.batchLimit)', () => {
  it('cuts one transaction into batches of at most that many steps, each committed with its recorded state', async () => {
    const e = fakeEngine();
    const notices: string[] = [];
    const r = await applyPlan(fakeSession(e.conn, { batchLimit: 3 }), plan, { onNotice: (m) => notices.push(m) });
    expect(r).toMatchObject({ ok: true, mode: 'batches' });
    // 2 + 1 steps, then the 3-step view, then the grant: no batch over 3 steps, changes never split
    expect(r.batches.map((b) => [b.changes, b.statements])).toEqual([
      [2, 3],
      [1, 3],
      [1, 1],
    ]);
    expect(e.committed.filter((c) => !c.startsWith('record('))).toEqual(TEXTS);
    expect(notices[0]).toMatch(/runs at most 3 steps in one transaction: this plan is applied in 3 batches/);
  });

  it('a plan within the limit stays one transaction', async () => {
    const r = await applyPlan(fakeSession(fakeEngine().conn, { batchLimit: 7 }), plan);
    expect(r.mode).toBe('transaction');
  });
});
