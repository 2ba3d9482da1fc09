import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/plan/canonical.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { ApiStep } from '../../../src/plan/step.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { effects, maskPath, outOfBand, planCalls, resetAccount, sampleDocs, SERVICE, tempRepo, useApiTestTarget, type Account } from '../../support/api-target/index.js';

/**
 * The API step kind through the real CLI: the human plan, plan --json, a plan saved with --out
 * and applied from the file (auto-commit), and a saved file whose step was edited.
 */
useApiTestTarget();

describe('api-test target through the CLI', () => {
  let repo: ReturnType<typeof tempRepo>;
  let account: Account;
  const run = (...args: string[]) => runInProcess([...args, '--dir', repo.dir], { env: process.env });
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await run(...args)).stdout) as T;

  beforeEach(() => {
    const { docs, tables } = sampleDocs('cli');
    account = resetAccount('cli', { tables });
    repo = tempRepo(docs);
  });
  afterEach(() => repo.cleanup());

  it('plan prints each API call as METHOD service/path with its body folded on the next line, and totals in API calls', async () => {
    const human = await run('plan');
    expect(human.code).toBe(0);
    const plan = await json<Plan>('plan', '--json');
    expect(plan.format).toBe(2);
    expect(plan.new_target).toBe(true);
    const steps = plan.changes.flatMap((c) => c.steps) as ApiStep[];
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(s).toMatchObject({ kind: 'api', service: SERVICE });
    expect(steps[0]).toMatchObject({ method: 'POST', path: 'v1/groups' });

    const lines = human.stdout.split('\n');
    let at = 0; // every call in plan order, its body on the very next line
    for (const s of steps) {
      at = lines.findIndex((l, i) => i >= at && l.trim() === `${s.method} ${SERVICE}/${s.path}`);
      expect(at, `${s.method} ${s.path}`).toBeGreaterThanOrEqual(0);
      if (s.body !== undefined) expect(lines[at + 1]!.trim()).toBe(canonicalJson(s.body));
      at++;
    }
    expect(human.stdout).toContain(`POST ${SERVICE}/v1/groups`);
    expect(plan.summary).toMatchObject({ statements: 0, api_calls: steps.length, steps: steps.length });
    expect(human.stdout).toMatch(new RegExp(`· ${steps.length} API calls ·`));
    // planning reads, never writes
    expect(account.log.every((l) => l.step.method === 'GET')).toBe(true);
    expect(effects(account)).toEqual({});
  });

  it('plan --out then apply FILE runs every step on its own (auto-commit), and the next plan is empty', async () => {
    const file = join(repo.dir, 'plan.json');
    expect((await run('plan', '--out', file)).code).toBe(0);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Plan;
    const r = await run('apply', file, '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { mode: string; outcome: string; steps: { outcome: string }[] };
    expect(report.mode).toBe('auto-commit');
    expect(report.outcome).toBe('applied');
    expect(report.steps.map((s) => s.outcome)).toEqual(saved.changes.flatMap((c) => c.steps).map(() => 'applied'));
    // the service received exactly the file's steps, in order, and nothing else of the plan
    expect(planCalls(account)).toEqual(saved.changes.flatMap((c) => c.steps));
    expect(account.lease).toBeNull(); // the lease was released

    const again = await run('plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect((await run('drift')).code).toBe(0);
  });

  it('refuses a saved plan whose step body was edited, and applies nothing', async () => {
    const file = join(repo.dir, 'plan.json');
    await run('plan', '--out', file);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { changes: { steps: { body?: unknown }[] }[] };
    const grant = saved.changes.find((c) => JSON.stringify(c.steps[0]?.body).includes('"group"'))!;
    grant.steps[0]!.body = { group: 'officers' };
    writeFileSync(file, JSON.stringify(saved, null, 2));
    const r = await run('apply', file, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match the plan .* differs/);
    expect(effects(account)).toEqual({});
    expect(account.state.size).toBe(0);
  });

  it('refuses a saved plan whose etag was edited; the unedited file repairs with the live etag', async () => {
    expect((await run('apply', '--yes')).code).toBe(0);
    outOfBand.setMaskExempt(account, 'shop.sales.customers', 'email', ['marketing', 'officers']);
    const live = account.resources.get(maskPath('shop.sales.customers', 'email'))!;
    const file = join(repo.dir, 'plan.json');
    await run('plan', '--out', file);
    const text = readFileSync(file, 'utf8');
    const saved = JSON.parse(text) as Plan;
    const patch = saved.changes.flatMap((c) => c.steps).find((s) => s.kind === 'api' && s.method === 'PATCH') as ApiStep;
    expect(patch.idempotency.etag).toBe(live.etag);

    writeFileSync(file, text.replace(`"etag": "${live.etag}"`, '"etag": "e1"'));
    const refused = await run('apply', file, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/does not match/);
    expect(account.resources.get(maskPath('shop.sales.customers', 'email'))).toEqual(live);

    writeFileSync(file, text);
    expect((await run('apply', file, '--yes')).code).toBe(0);
    expect(account.resources.get(maskPath('shop.sales.customers', 'email'))!.body.exempt).toEqual(['officers']);
  });
});
