import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyJson } from '../../src/cli/commands/apply.js';
import { cli, ensureBuilt } from '../support/e2e-cli.js';
import type { E2eTarget } from '../support/e2e-target.js';
import { cloneTarget, templateTarget } from './pglite.js';

/**
 * `meshward apply` as a user runs it, on copies of the example's embedded database: the
 * --no-transaction and --lock-budget options (and MESHWARD_LOCK_BUDGET), the notice said before
 * the apply starts, and the --json report.
 */

let template: E2eTarget;
beforeAll(async () => {
  await ensureBuilt();
  template = await templateTarget();
}, 240_000);
afterAll(async () => {
  await template?.cleanup();
});

async function applyOn(args: string[], env: NodeJS.ProcessEnv = {}) {
  const t = cloneTarget(template);
  try {
    const r = await cli(['apply', '--yes', '--dir', t.dir, '--target', t.target, ...args], { env: { ...t.env, ...env }, cwd: t.dir });
    const again = await cli(['apply', '--yes', '--json', '--dir', t.dir, '--target', t.target], { env: t.env, cwd: t.dir });
    return { ...r, again };
  } finally {
    await t.cleanup();
  }
}

describe('meshward apply', () => {
  it('--lock-budget: says before starting that it runs in batches, reports them in --json, and converges', async () => {
    const r = await applyOn(['--json', '--lock-budget', '160']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^This plan needs about \d+ lock entries in one transaction, more than the budget of 160 \(the configured lock budget\); it is applied in \d+ batches/);
    const j = JSON.parse(r.stdout) as ApplyJson;
    expect(j).toMatchObject({ format: 2, ok: true, outcome: 'applied', mode: 'batches', lock_budget: { budget: 160 }, not_applied: [], failure: null });
    expect(j.batches.length).toBeGreaterThan(1);
    expect(j.applied).toHaveLength(j.steps.length);
    expect(JSON.parse(r.again.stdout)).toMatchObject({ format: 2, ok: true, outcome: 'nothing', steps: [], next: 'Nothing to apply.' });
  }, 120_000);

  it('MESHWARD_LOCK_BUDGET does the same; the human view names the mode', async () => {
    const r = await applyOn([], { MESHWARD_LOCK_BUDGET: '160' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/more than the budget of 160/);
    expect(r.stdout).toMatch(/^Applied \d+ statements to 'local' in \d+ ms \(\d+ batches, each one transaction\)\.$/m);
  }, 120_000);

  it('--no-transaction: one transaction per change', async () => {
    const r = await applyOn(['--no-transaction']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Applying \d+ changes one by one \(--no-transaction\)/);
    expect(r.stdout).toMatch(/^Applied \d+ statements to 'local' in \d+ ms \(one transaction per change\)\.$/m);
    expect(JSON.parse(r.again.stdout)).toMatchObject({ ok: true, steps: [] });
  }, 120_000);

  it('a lock budget that is not a positive whole number is refused before connecting', async () => {
    const r = await cli(['apply', '--yes', '--lock-budget', 'lots', '--dir', template.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--lock-budget must be a positive whole number of lock entries, not "lots"/);
    const env = await cli(['apply', '--yes', '--dir', template.dir], { env: { ...process.env, MESHWARD_LOCK_BUDGET: '0' } });
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/MESHWARD_LOCK_BUDGET must be a positive whole number of lock entries, not "0"/);
  }, 60_000);
});
