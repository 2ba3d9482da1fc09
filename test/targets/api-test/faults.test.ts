import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/cli-inprocess.js';
import type { Plan } from '../../../src/plan/plan.js';
import { inSession } from '../../support/api-target/session.js';
import { stepText, type ApiStep } from '../../../src/plan/step.js';
import {
  effects,
  faultyCalls,
  grantPath,
  planAndApply,
  planNow,
  replay,
  resetAccount,
  sampleDocs,
  tempRepo,
  useApiTestTarget,
  writeRepo,
  type CallFault,
  type SeedTable,
} from '../../support/api-target/index.js';

/**
 * Auto-commit apply against a control plane: a failure at ANY step k of the from-empty plan
 * leaves exactly steps 1..k-1 live, the report says so, and the next plan — from a fresh
 * session reading the account — is exactly the rest; applying it converges. The expected effects
 * come from replaying the plan's own first steps on a fresh account, never from a hand-written list.
 */
useApiTestTarget();

const NAME = 'faults';
const stepsOf = (plan: Plan) => plan.changes.flatMap((c) => c.steps) as ApiStep[];
const texts = (steps: readonly ApiStep[]) => steps.map(stepText);

describe('faults at every step of an auto-commit apply', () => {
  let repo: ReturnType<typeof tempRepo>;
  let tables: SeedTable[];
  let steps: ApiStep[];
  /** Plan position (0-based) → whether it is the second call (PUT attributes) of a group add. */
  let secondOfGroupAdd: boolean[];

  beforeAll(async () => {
    const sample = sampleDocs(NAME);
    tables = sample.tables;
    repo = tempRepo(sample.docs);
    resetAccount(NAME, { tables });
    const plan = await planNow(repo.dir);
    steps = stepsOf(plan);
    secondOfGroupAdd = plan.changes.flatMap((c) => c.steps.map((_, i) => c.kind === 'group' && c.action === 'add' && i === 1));
    expect(secondOfGroupAdd.some(Boolean)).toBe(true); // the plan has two-step changes to fault inside
  });
  afterAll(() => repo.cleanup());

  /** Applies the plan of a fresh account with this fault; returns the report and what the next plan is. */
  async function faultAt(fault: CallFault) {
    const account = resetAccount(NAME, { tables });
    const { plan, report } = await planAndApply(repo.dir, (c) => faultyCalls(c, fault));
    expect(texts(stepsOf(plan))).toEqual(texts(steps)); // the same plan every time
    const left = effects(account);
    const next = await planNow(repo.dir);
    return { report, left, next };
  }

  /** The rest converges: its apply succeeds and the plan after it is empty. */
  async function converges(next: Plan): Promise<void> {
    const { report } = await planAndApply(repo.dir);
    expect(report.ok, report.error).toBe(true);
    expect(texts(report.applied as ApiStep[])).toEqual(texts(stepsOf(next)));
    expect((await planNow(repo.dir)).changes).toEqual([]);
  }

  it('a refused call (503) at step k: steps before k applied, k failed, after not run; the next plan is exactly the rest', async () => {
    for (let k = 1; k <= steps.length; k++) {
      const { report, left, next } = await faultAt({ at: k, kind: '503' });
      expect(report.mode).toBe('auto-commit');
      expect(report.outcome).toBe('failed');
      expect(report.failure).toMatchObject({ phase: 'statement', index: k, code: '503' });
      expect(report.outcomes.map((o) => o.outcome)).toEqual(steps.map((_, i) => (i < k - 1 ? 'applied' : i === k - 1 ? 'failed' : 'not_run')));
      expect(left, `k=${k}`).toEqual(replay(tables, steps.slice(0, k - 1)));

      const rest = stepsOf(next);
      expect(texts(rest), `k=${k}`).toEqual(texts(steps.slice(k - 1)));
      expect((k - 1) + rest.length).toBe(steps.length);
      if (secondOfGroupAdd[k - 1]) {
        // the group exists without its attributes: the rest finishes it with a change (its PUT)
        expect(next.changes[0]).toMatchObject({ action: 'change', kind: 'group' });
        expect(next.changes[0]!.steps).toHaveLength(1);
      } else expect(next.changes[0]!.action).toBe('add');
      await converges(next);
    }
  });

  it('a response lost after the service applied step k: outcome unknown, and the next plan does not send step k again', async () => {
    for (let k = 1; k <= steps.length; k++) {
      const { report, left, next } = await faultAt({ at: k, kind: 'connection-lost', applied: true });
      expect(report.outcome).toBe('unknown');
      expect(report.failure).toMatchObject({ phase: 'statement', index: k });
      expect(report.outcomes[k - 1]!.outcome).toBe('unknown');
      expect(report.outcomes.slice(0, k - 1).every((o) => o.outcome === 'applied')).toBe(true);
      expect(report.outcomes.slice(k).every((o) => o.outcome === 'not_run')).toBe(true);
      expect(report.next).not.toBe('');
      expect(left, `k=${k}`).toEqual(replay(tables, steps.slice(0, k)));
      expect(texts(stepsOf(next)), `k=${k}`).toEqual(texts(steps.slice(k)));
      if (k < steps.length) await converges(next);
      else expect(next.changes).toEqual([]);
    }
  });

  it('a connection lost before the call reached the service: unknown too, and the next plan sends it', async () => {
    const k = Math.ceil(steps.length / 2);
    const { report, left, next } = await faultAt({ at: k, kind: 'connection-lost' });
    expect(report.outcome).toBe('unknown');
    expect(left).toEqual(replay(tables, steps.slice(0, k - 1)));
    expect(texts(stepsOf(next))).toEqual(texts(steps.slice(k - 1)));
    await converges(next);
  });

  // A removal whose DELETE landed but whose response was lost: the auto-commit executor deletes a
  // removal's state row only after its steps, so the row stays. The next plan has a step-less
  // `forget` change for it (recorded, not live, not desired) that drops the row: drift is then clean.
  it('a removal whose response was lost leaves a recorded row that the next apply forgets', async () => {
    const sample = sampleDocs(NAME);
    const account = resetAccount(NAME, { tables });
    await planAndApply(repo.dir);
    sample.docs.domain.grants[1]!.groups = ['analysts']; // marketing no longer reads orders: its grant and group go
    writeRepo(repo.dir, sample.docs);
    try {
      const { plan, report } = await planAndApply(repo.dir, (c) => faultyCalls(c, { at: 1, kind: 'connection-lost', applied: true }));
      expect(plan.changes.map((c) => [c.action, c.key])).toEqual([['remove', 'grant:shop.sales.orders:marketing'], ['remove', 'group:marketing']]);
      expect(report.outcome).toBe('unknown');
      const key = 'grant:shop.sales.orders:marketing';
      expect(account.state.has(key)).toBe(true); // the row outlived its object
      const next = await planNow(repo.dir);
      expect(next.changes.map((c) => [c.action, c.key, c.forget ?? false, c.steps.length])).toEqual([
        ['remove', 'group:marketing', false, 1],
        ['remove', key, true, 0],
      ]);
      const human = await runInProcess(['plan', '--dir', repo.dir]);
      expect(human.stdout).toContain('recorded at the last apply, gone from the target and from the model: only its record is dropped');
      expect((await planAndApply(repo.dir)).report.ok).toBe(true);
      expect(account.state.has(key)).toBe(false);
      expect((await planNow(repo.dir)).changes).toEqual([]);
      expect(account.resources.has(grantPath('shop.sales.orders', 'marketing'))).toBe(false);
      const drift = await inSession(repo.dir, (s) => s.target.drift(s.conn, s.ctx));
      expect(drift.items).toEqual([]);
    } finally {
      writeRepo(repo.dir, sampleDocs(NAME).docs);
    }
  });
});
