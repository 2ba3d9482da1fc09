import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/plan.js';
import type { ApiStep } from '../../../src/plan/step.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import {
  apiTestTarget,
  effects,
  isPlanStep,
  maskPath,
  outOfBand,
  planAndApply,
  resetAccount,
  sampleDocs,
  SERVICE,
  tableOf,
  tempRepo,
  useApiTestTarget,
  writeRepo,
} from '../../support/api-target/index.js';

/** What stops or paces an apply on the api-test target: REPLACE_GAP, another holder's lease, the per-table rate limit. */
useApiTestTarget();

const CUSTOMERS = 'shop.sales.customers';

describe('guards of the api-test target', () => {
  let repo: ReturnType<typeof tempRepo> | undefined;
  afterEach(() => repo?.cleanup());
  const setup = async (name: string) => {
    const sample = sampleDocs(name);
    const account = resetAccount(name, { tables: sample.tables });
    repo = tempRepo(sample.docs);
    const run = (...args: string[]) => runInProcess([...args, '--dir', repo!.dir], { env: process.env });
    return { ...sample, account, run, dir: repo.dir };
  };

  it('a mask whose method changes is REPLACE_GAP (delete, then create): apply refuses it unless allowed', async () => {
    const { docs, account, run, dir } = await setup('gap');
    expect((await run('apply', '--yes')).code).toBe(0);
    const phone = docs.domain.policies[0]!.mask as { method: string };
    phone.method = 'nullify'; // stricter than redact, but not in place: the service keeps a mask's method
    writeRepo(dir, docs);
    const live = account.resources.get(maskPath(CUSTOMERS, 'phone'))!;

    const plan = JSON.parse((await run('plan', '--json')).stdout) as Plan;
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ action: 'change', kind: 'mask', hazards: ['AUTHZ_NARROW', 'REPLACE_GAP'] });
    expect(plan.changes[0]!.steps.map((s) => (s as ApiStep).method)).toEqual(['DELETE', 'POST']);
    expect((plan.changes[0]!.steps[0] as ApiStep).idempotency.etag).toBe(live.etag);
    expect((await run('plan')).stdout).toContain('REPLACE_GAP');

    const before = effects(account);
    const refused = await run('apply', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('REPLACE_GAP blocks apply');
    expect(effects(account)).toEqual(before);

    const allowed = await run('apply', '--yes', '--allow-hazard', 'REPLACE_GAP');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(account.resources.get(maskPath(CUSTOMERS, 'phone'))!.body).toMatchObject({ method: 'nullify', exempt: [] });
    expect((await run('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('the service refuses a method in a PATCH: the target never sends one', async () => {
    const { account, run } = await setup('patch-method');
    expect((await run('apply', '--yes')).code).toBe(0);
    const path = maskPath(CUSTOMERS, 'phone');
    const etag = account.resources.get(path)!.etag;
    const conn = await apiTestTarget.connect({ settings: { account: 'patch-method' } } as never);
    await expect(conn.call!({ kind: 'api', service: SERVICE, method: 'PATCH', path, body: { method: 'hash', exempt: [] }, idempotency: { etag } })).rejects.toMatchObject({ code: '400' });
    await expect(conn.call!({ kind: 'api', service: SERVICE, method: 'PATCH', path, body: { exempt: [] }, idempotency: { etag: 'stale' } })).rejects.toMatchObject({ code: '412' });
    await expect(conn.query('SELECT 1')).rejects.toThrow('the api-test target takes no SQL');
  });

  it('while another holder has the lease, apply exits 1 naming it and changes nothing; an expired lease is taken', async () => {
    const { account, run } = await setup('lease');
    outOfBand.holdLease(account, 'meshward 4242@ci-runner-7');
    const r = await run('apply', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('meshward 4242@ci-runner-7');
    expect(effects(account)).toEqual({});
    expect(account.lease?.holder).toBe('meshward 4242@ci-runner-7');

    outOfBand.holdLease(account, 'meshward 4242@ci-runner-7', -1000); // expired a second ago
    expect((await run('apply', '--yes')).code).toBe(0);
    expect(account.lease).toBeNull(); // ours, released after the apply
    expect(Object.keys(effects(account)).length).toBeGreaterThan(0);
  });

  it('paces at most 3 steps per table within 300 ms (a lower bound on the wall time)', async () => {
    const { docs, tables, dir } = await setup('paced');
    // five masked columns and a grant on one table: 6 steps there
    const wide = { name: 'shop.sales.wide', columns: ['id', 'a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'string' as const })) };
    const account = resetAccount('paced', { tables: [...tables, wide] });
    docs.domain.tables[wide.name] = { columns: Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((c) => [c, { pii: 'email' }])) };
    docs.domain.grants.push({ groups: ['analysts'], read: [wide.name] });
    writeRepo(dir, docs);

    const { plan, report } = await planAndApply(dir);
    expect(report.ok, report.error).toBe(true);
    expect(plan.changes.flatMap((c) => c.steps).filter((s) => tableOf(s) === wide.name)).toHaveLength(6);
    // the apply's own wall time (applyPlan measures it): the 4th step on the table waits for the window of the 1st
    expect(report.ms).toBeGreaterThanOrEqual(290);

    // as the service saw it: no 4 calls on one table within 300 ms (a timer may fire ~1 ms early)
    const byTable = new Map<string, number[]>();
    for (const l of account.log) {
      const t = l.code === null && isPlanStep(l.step) ? tableOf(l.step) : null;
      if (t) byTable.set(t, [...(byTable.get(t) ?? []), l.at]);
    }
    expect(byTable.get(wide.name)).toHaveLength(6);
    for (const [t, at] of byTable) for (let i = 3; i < at.length; i++) expect(at[i]! - at[i - 3]!, t).toBeGreaterThanOrEqual(295);
    // only table paths count against it
    expect(tableOf({ kind: 'api', service: SERVICE, method: 'POST', path: 'v1/groups', idempotency: {} })).toBeNull();
  });
});
