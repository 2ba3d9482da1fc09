import { spawn } from 'node:child_process';
import { stepText } from '../../../src/plan/step.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { applyLayout } from '../../../src/apply/budget.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { verifyAudit, type VerifyReport } from '../../../src/audit/verify.js';
import { readAudit } from '../../../src/cli/commands/audit.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import { CLI, cli, ensureBuilt, REPO } from '../../support/e2e-cli.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { edit, open, pendingChanges, q, serverUrl } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 8, item 6, end to end: a batched apply dies after batch 1 committed — on a server a real
 * `kill -9` of the CLI while batch 2 waits for a lock; on PGlite (in process: a kill would take the
 * database with it) the executor stops after batch 1 and no record is written, which is what the
 * kill leaves. `audit --verify` reports the missing apply; the next apply records it as a gap
 * before it changes anything, and `--verify` keeps failing on that gap after the next apply
 * succeeded — until `audit --acknowledge` records who looked at it and why.
 */

const BUDGET = 160;

describe.each(ENGINES)('a batched apply that dies after batch 1, on %s', (engine) => {
  let t: E2eTarget;
  let plan: Plan;
  let batch1: Set<string>;
  /** Keys of the batches the killed apply committed. */
  let committed: Set<string>;
  const meshward = (args: string[]) => cli([...args, '--dir', t.dir, '--target', t.target], { env: t.env });
  const verify = async (): Promise<VerifyReport> => {
    const { snapshot, journal } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    return verifyAudit(snapshot, journal);
  };

  beforeAll(async () => {
    const built = ensureBuilt();
    t = await makeTarget(engine);
    const session = await open(t);
    let units: readonly (readonly number[])[] = [];
    try {
      plan = (await planFor(session)).plan;
      const layout = await applyLayout(session, plan, { lockBudget: BUDGET });
      expect(layout.mode).toBe('batches');
      expect(layout.units.length).toBeGreaterThan(1);
      batch1 = new Set(layout.units[0]!.map((i) => plan.changes[i]!.key));
      units = layout.units;
      if (engine === 'pglite') {
        // Batch 1 commits; the first statement of batch 2 fails; no record is written: what kill -9 after batch 1 leaves.
        const sentBefore = layout.units[0]!.reduce((n, i) => n + plan.changes[i]!.steps.map(stepText).length, 0);
        const report = await applyPlan({ ...session, conn: faultyConnection(session.conn, { at: { statement: sentBefore + 1 }, fault: 'object-missing' }) }, plan, { lockBudget: BUDGET });
        expect(report.batches.map((b) => b.outcome).slice(0, 2)).toEqual(['applied', 'rolled_back']);
      }
    } finally {
      await session.close();
    }
    await built;
    committed = batch1;
    if (engine === 'server') {
      const locked = layoutTables(plan, batch1);
      // The apply waits at the first view of a locked table (a GRANT takes no lock on its table):
      // every batch before that one commits.
      const stall = units.findIndex((u, n) => n > 0 && u.some((i) => plan.changes[i]!.kind === 'view' && locked.includes(plan.changes[i]!.table!.split('.').slice(1).join('.'))));
      expect(stall).toBeGreaterThan(0);
      committed = new Set(units.slice(0, stall).flatMap((u) => u.map((i) => plan.changes[i]!.key)));
      await killAfterFirstBatch(t, plan, locked);
    }
  }, 300_000);
  afterAll(async () => t?.cleanup());

  it('--verify reports the apply that left no record', async () => {
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/state was written at .* holds no record of any apply .* the next apply records it as a gap/);
    // the batch-1 changes are applied: the next plan is exactly the rest
    const session = await open(t);
    try {
      const pending = await pendingChanges(session);
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.length).toBeLessThan(plan.changes.length);
    } finally {
      await session.close();
    }
  });

  it('the next apply records the gap first; after it succeeded, --verify still fails on the gap, naming it', async () => {
    const next = await meshward(['apply', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/left no audit record.*Recorded as gap seq 1/s);
    const { snapshot } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    expect(snapshot.rows.map((r) => [r.seq, r.record.kind, r.record.outcome ?? null])).toEqual([
      [1, 'gap', null],
      [2, 'apply', 'applied'],
    ]);
    const gap = snapshot.rows[0]!.record as { unrecorded: { rows: number; writes: { keys: string[] }[] }; after_seq: number };
    expect(gap.after_seq).toBe(0);
    // the gap names what the killed apply committed: batch 1's changes, as recorded state rows
    const keys = gap.unrecorded.writes.flatMap((w) => w.keys);
    expect(gap.unrecorded.rows).toBeGreaterThan(0);
    for (const k of keys) expect(committed.has(k), k).toBe(true);

    const r = await meshward(['audit', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ the audit trail is broken at seq 1: \[target table\] seq 1 records a gap — an apply before the first record wrote the target's recorded state/);
    expect(r.stdout).toMatch(/1 apply left no audit record \(recorded as gap at seq 1\)/);
    const json = JSON.parse((await meshward(['audit', '--verify', '--json'])).stdout);
    expect(json).toMatchObject({ ok: false, broken_at: 1, gaps: [{ seq: 1, acknowledged: null }] });
    const list = await meshward(['audit']);
    expect(list.stdout).toMatch(/#1 .* GAP .*found by/);
    // a further apply (nothing to do, or something) does not heal it
    const again = await meshward(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect((await meshward(['audit', '--verify'])).code).toBe(1);
  });

  it('`audit --acknowledge SEQ --reason` records who looked at it; --verify then passes, the gap still listed', async () => {
    const wrong = await meshward(['audit', '--acknowledge', '2', '--reason', 'x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/seq 2 .* is not a gap record \(gap records: seq 1\)/);
    const noReason = await meshward(['audit', '--acknowledge', '1']);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/needs --reason/);
    const ack = await meshward(['audit', '--acknowledge', '1', '--reason', 'the deploy of run 77 was OOM-killed after batch 1']);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toMatch(/gap seq 1 acknowledged at seq \d+/);
    const r = await meshward(['audit', '--verify']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/warning: seq 1 records a gap .*acknowledged at seq \d+ by .*OOM-killed/);
    expect(r.stdout).toMatch(/✓ intact.*1 recorded gap, acknowledged/);
  });
});

/**
 * Audit 8: a --no-transaction apply whose committed changes only removed recorded-state rows (a
 * group taken out of a grant: REVOKEs), killed before the change that would have written a row.
 * max(applied_at) of the state does not move; the state-write marker every state write leaves
 * does, so `--verify` reports the gap, and keeps reporting it after the next apply until it is
 * acknowledged. The kill is simulated as above (in process, the next change fails, no record).
 */
describe.each(ENGINES)('a --no-transaction apply killed after removal-only changes committed, on %s', (engine) => {
  let t: E2eTarget;
  let removed: string[];
  const run = (args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  beforeAll(async () => {
    t = await makeTarget(engine);
    const first = await run(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect((await run(['audit', '--verify'])).code).toBe(0);
    edit(t, 'domains/sales.yaml', ['sales_analysts_apac, data_scientists]', 'sales_analysts_apac]'], ["allow: \"channel IN ('store', 'web', 'app')\"", "allow: \"channel IN ('store', 'web', 'app', 'phone')\""]);
    const session = await open(t);
    try {
      const { plan } = await planFor(session);
      const firstWrite = plan.changes.findIndex((c) => c.action !== 'remove');
      expect(firstWrite).toBeGreaterThan(0);
      removed = plan.changes.slice(0, firstWrite).map((c) => c.key);
      // the removals commit one by one; the first statement of the next change fails; no record is written
      const before = plan.changes.slice(0, firstWrite).reduce((n, c) => n + c.steps.map(stepText).length, 0);
      const report = await applyPlan({ ...session, conn: faultyConnection(session.conn, { at: { statement: before + 1 }, fault: 'object-missing' }) }, plan, { transaction: false });
      expect(report.mode).toBe('no-transaction');
      expect(report.outcome).toBe('failed');
      const { rows } = await session.conn.query(`SELECT count(*)::int AS n FROM ${q(`${t.prefix}meta`)}."state" WHERE key = ANY ($1::text[])`, [removed]);
      expect(rows[0]!.n).toBe(0); // the removals committed with their state
    } finally {
      await session.close();
    }
  }, 300_000);
  afterAll(async () => t?.cleanup());

  it('--verify reports the gap, the next apply records it naming the removals, and --verify fails until it is acknowledged', async () => {
    const r = await run(['audit', '--verify']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/the newest record \(seq 1\) saw it written at .*: an apply after seq 1 is not in .* the next apply records it as a gap/);

    const next = await run(['apply', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/left no audit record.*Recorded as gap seq 2/s);
    const { snapshot } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    expect(snapshot.rows.map((x) => [x.seq, x.record.kind])).toEqual([
      [1, 'apply'],
      [2, 'gap'],
      [3, 'apply'],
    ]);
    const gap = snapshot.rows[1]!.record as { message: string; unrecorded: { writes: { rows: number; removed?: string[] }[] } };
    expect(gap.message).toMatch(/a transaction removed recorded-state rows: grant:/);
    const removedInGap = gap.unrecorded.writes.flatMap((w) => w.removed ?? []);
    expect(removedInGap.length).toBeGreaterThan(0);
    for (const k of removedInGap) expect(removed).toContain(k);

    const after = await run(['audit', '--verify']);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/seq 2 records a gap/);
    const again = await run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect((await run(['audit', '--verify'])).code).toBe(1);

    const ack = await run(['audit', '--acknowledge', '2', '--reason', 'the removal-only deploy was killed']);
    expect(ack.code, ack.stderr).toBe(0);
    const ok = await run(['audit', '--verify']);
    expect(ok.code, ok.stdout).toBe(0);
  });
});

/** Base tables (schema.table, native) of the changes outside batch 1. */
function layoutTables(plan: Plan, batch1: Set<string>): string[] {
  const inFirst = new Set(plan.changes.filter((c) => batch1.has(c.key)).map((c) => c.table));
  return [...new Set(plan.changes.filter((c) => !batch1.has(c.key) && c.table && !inFirst.has(c.table)).map((c) => c.table!.split('.').slice(1).join('.')))];
}

/**
 * Starts `meshward apply --yes --lock-budget N` with a later batch's base table locked by another
 * session, waits until batch 1 committed (state rows exist) and the apply waits for that lock,
 * then kills the CLI with SIGKILL and ends its server session.
 */
async function killAfterFirstBatch(t: E2eTarget, plan: Plan, laterTables: string[]): Promise<void> {
  expect(laterTables.length).toBeGreaterThan(0);
  const url = serverUrl(t);
  const blocker = new pg.Client({ connectionString: url });
  const watch = new pg.Client({ connectionString: url });
  await blocker.connect();
  await watch.connect();
  try {
    await blocker.query('BEGIN');
    for (const table of laterTables) await blocker.query(`LOCK TABLE ${table.split('.').map(q).join('.')} IN ACCESS EXCLUSIVE MODE`);
    const child = spawn(process.execPath, [CLI, 'apply', '--yes', '--lock-budget', String(BUDGET), '--dir', t.dir, '--target', t.target], { cwd: REPO, env: { ...t.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.end();
    const gone = new Promise<number | null>((done) => child.on('exit', (code, signal) => done(signal === 'SIGKILL' ? -9 : code)));
    const gov = q(`${t.prefix}meta`);
    let waitingPid: number | null = null;
    const until = Date.now() + 60_000;
    while (waitingPid === null && Date.now() < until) {
      const { rows } = await watch.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'meshward %' AND wait_event_type = 'Lock'`,
      );
      if (rows.length) {
        const state = await watch.query(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'state'`, [`${t.prefix}meta`]);
        const n = state.rows[0].n ? (await watch.query(`SELECT count(*)::int AS n FROM ${gov}."state"`)).rows[0].n : 0;
        if (n > 0) waitingPid = Number(rows[0].pid);
      }
      if (waitingPid === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(waitingPid, `the apply never waited in a later batch:\n${out}`).not.toBeNull();
    child.kill('SIGKILL');
    expect(await gone).toBe(-9);
    // the server notices the dead client when it next reads from it; end the session now (its transaction rolls back)
    await watch.query('SELECT pg_terminate_backend($1)', [waitingPid]);
    for (let i = 0; i < 100; i++) {
      const { rows } = await watch.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [waitingPid]);
      if (!rows.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).not.toMatch(/applied \d+ of/); // it never finished
    void plan;
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
    await watch.end();
  }
}
