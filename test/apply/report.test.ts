import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import { faultyConnection } from '../../src/targets/postgres/faults.js';
import { paint } from '../../src/cli/output.js';
import { applyReportJson, renderApplyReport } from '../../src/cli/commands/apply.js';
import { change, fakeEngine, fakeLocks, fakeSession, planOf } from './fake.js';

/**
 * What `apply` prints: `--json` (format 1, the shape README documents under Safety) and the human
 * view rendered from it — what was applied, what was not, and what to do next.
 */

const plan = planOf([change('role:a', ['A1', 'A2'], { object: 'role mw_a' }), change('role:b', ['B1'], { object: 'role mw_b' }), change('view:v', ['V1', 'V2', 'V3'], { table: 't1', object: 'view v' }), change('grant:g', ['G1'], { table: 't1', object: 'SELECT on v → g' })]);
const plain = paint(false);

const JSON_KEYS = ['format', 'ok', 'outcome', 'mode', 'target', 'ms', 'rolled_back', 'error', 'lock_problem', 'failure', 'lock_budget', 'batches', 'changes', 'steps', 'applied', 'not_applied', 'unknown', 'not_run', 'next'];

describe('apply --json', () => {
  it('has the documented keys, every statement with its outcome, and index lists', async () => {
    const e = fakeEngine();
    const r = await applyPlan(fakeSession(faultyConnection(e.conn, { at: { statement: 5 }, fault: 'permission-denied' })), plan, { transaction: false });
    const j = applyReportJson(r, 'local');
    expect(Object.keys(j)).toEqual(JSON_KEYS);
    expect(j).toMatchObject({ format: 2, ok: false, outcome: 'failed', mode: 'no-transaction', target: 'local', rolled_back: false, lock_problem: null, lock_budget: null, applied: [1, 2, 3], not_applied: [4, 5, 6, 7], unknown: [], not_run: [{ kind: 'sql', text: 'V3' }, { kind: 'sql', text: 'G1' }] });
    expect(j.failure).toEqual({ phase: 'statement', index: 5, change: 'view:v', step: { kind: 'sql', text: 'V2' }, batch: 3, error: 'permission denied (injected at statement 5) (SQLSTATE 42501)', code: '42501' });
    expect(j.steps.map((s) => [s.index, s.change, s.batch, s.outcome, s.ok])).toEqual([
      [1, 'role:a', 1, 'applied', true],
      [2, 'role:a', 1, 'applied', true],
      [3, 'role:b', 2, 'applied', true],
      [4, 'view:v', 3, 'rolled_back', true],
      [5, 'view:v', 3, 'failed', false],
      [6, 'view:v', 3, 'not_run', false],
      [7, 'grant:g', 4, 'not_run', false],
    ]);
    expect(j.steps[5]!.ms).toBeNull();
    expect(j.changes.map((c) => [c.key, c.batch, c.outcome])).toEqual([
      ['role:a', 1, 'applied'],
      ['role:b', 2, 'applied'],
      ['view:v', 3, 'failed'],
      ['grant:g', 4, 'not_applied'],
    ]);
    expect(j.batches.map((b) => b.outcome)).toEqual(['applied', 'applied', 'rolled_back', 'not_run']);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('batches carry their lock estimate, and the budget is reported', async () => {
    const r = await applyPlan(fakeSession(fakeEngine().conn, { locks: fakeLocks() }), plan, { lockBudget: 13 });
    const j = applyReportJson(r, 'local');
    expect(j.lock_budget).toEqual({ estimate: 15, budget: 13, source: 'the configured lock budget' });
    expect(j.batches).toEqual([
      { index: 1, changes: 2, steps: 3, lock_estimate: 12, outcome: 'applied' },
      { index: 2, changes: 2, steps: 4, lock_estimate: 13, outcome: 'applied' },
    ]);
  });
});

describe('the human view', () => {
  it('a success names the mode', async () => {
    const ok = applyReportJson(await applyPlan(fakeSession(fakeEngine().conn), plan), 'local');
    expect(renderApplyReport(ok, plain)).toEqual({ stdout: expect.stringMatching(/^Applied 7 statements to 'local' in \d+ ms \(one transaction\)\.\n$/), stderr: '' });
    const each = applyReportJson(await applyPlan(fakeSession(fakeEngine().conn), plan, { transaction: false }), 'local');
    expect(renderApplyReport(each, plain).stdout).toMatch(/\(one transaction per change\)\.\n$/);
    const batched = applyReportJson(await applyPlan(fakeSession(fakeEngine().conn, { locks: fakeLocks() }), plan, { lockBudget: 13 }), 'local');
    expect(renderApplyReport(batched, plain).stdout).toMatch(/\(2 batches, each one transaction\)\.\n$/);
  });

  it('a failure says where, what was applied, what was not, and what to do next', async () => {
    const r = await applyPlan(fakeSession(faultyConnection(fakeEngine().conn, { at: { statement: 5 }, fault: 'permission-denied' })), plan, { transaction: false });
    const { stdout, stderr } = renderApplyReport(applyReportJson(r, 'local'), plain);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        'Apply failed at statement 5 of 7 (change 3 of 4): permission denied (injected at statement 5) (SQLSTATE 42501)',
        '  in view v:',
        '    V2',
        'Applied and recorded: 2 of 4 changes (3 statements).',
        '  + role mw_a',
        '  + role mw_b',
        'Not applied: 2 changes (4 statements).',
        '  + view v   ← failed',
        '  + SELECT on v → g',
        'Next: 2 of 4 changes were applied and recorded; 2 were not. The apply identity lacks a privilege (see README, "Apply identity"). Fix the cause, then run meshward plan: it shows exactly the 2 changes left; meshward apply applies them.',
        '',
      ].join('\n'),
    );
  });

  it('one transaction rolled back: nothing applied', async () => {
    const r = await applyPlan(fakeSession(faultyConnection(fakeEngine().conn, { at: { statement: 1 }, fault: 'connection-lost' })), plan);
    const { stderr } = renderApplyReport(applyReportJson(r, 'local'), plain);
    expect(stderr).toMatch(/^Apply failed at statement 1 of 7: terminating connection/);
    expect(stderr).toMatch(/\nApplied and recorded: 0 of 4 changes \(0 statements\)\.\nNot applied: 4 changes \(7 statements, rolled back\)\./);
    expect(stderr).toMatch(/\nNext: Nothing of this plan was applied \(rolled back\)\. The connection was lost; the server rolled back the transaction that was open\./);
  });

  it('a lost COMMIT: the outcome is unknown, run plan', async () => {
    const r = await applyPlan(fakeSession(faultyConnection(fakeEngine().conn, { at: { commit: 1 }, fault: 'connection-lost' })), plan);
    const { stderr } = renderApplyReport(applyReportJson(r, 'local'), plain);
    expect(stderr).toMatch(/^Apply outcome unknown: the connection was lost during COMMIT: read ECONNRESET/);
    expect(stderr).toMatch(/\nUnknown — committed or not, a new plan tells: 4 changes \(7 statements\)\./);
    expect(stderr).toMatch(/\nNext: The connection was lost during the COMMIT of the transaction: it may or may not have committed\. meshward never retries\. Run meshward plan/);
  });

  it('long lists are cut, pointing at --json', async () => {
    const many = planOf(Array.from({ length: 40 }, (_, i) => change(`role:r${i}`, [`R${i}`], { object: `role r${i}` })));
    const r = await applyPlan(fakeSession(faultyConnection(fakeEngine().conn, { at: { statement: 1 }, fault: 'object-missing' })), many);
    const { stderr } = renderApplyReport(applyReportJson(r, 'local'), plain);
    expect(stderr).toContain('  … and 25 more (--json lists every change and step)');
  });
});
