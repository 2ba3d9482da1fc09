import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/plan.js';
import type { ApiStep } from '../../../src/plan/step.js';
import type { DriftItem } from '../../../src/targets/target.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { effects, grantPath, maskPath, outOfBand, resetAccount, sampleDocs, tempRepo, useApiTestTarget, type Account } from '../../support/api-target/index.js';

/**
 * Out-of-band edits of an applied account: meshward's own objects that are gone or changed are
 * drift that apply repairs; what meshward did not make is reported and never touched.
 */
useApiTestTarget();

const CUSTOMERS = 'shop.sales.customers';

describe('drift on the api-test target', () => {
  let repo: ReturnType<typeof tempRepo>;
  let account: Account;
  const run = (...args: string[]) => runInProcess([...args, '--dir', repo.dir], { env: process.env });
  const drift = async () => {
    const r = await run('drift', '--format', 'json');
    return { code: r.code, items: (JSON.parse(r.stdout) as { items: DriftItem[] }).items };
  };
  const plan = async () => JSON.parse((await run('plan', '--json')).stdout) as Plan;

  beforeEach(async () => {
    const { docs, tables } = sampleDocs('drift');
    account = resetAccount('drift', { tables });
    repo = tempRepo(docs);
    expect((await run('apply', '--yes')).code).toBe(0);
    expect((await drift()).code).toBe(0);
  });
  afterEach(() => repo.cleanup());

  it('a grant deleted out of band is drift `missing`, and apply puts it back', async () => {
    const before = effects(account);
    outOfBand.delete(account, grantPath(CUSTOMERS, 'analysts'));
    const d = await drift();
    expect(d.code).toBe(2);
    expect(d.items).toEqual([expect.objectContaining({ key: `grant:${CUSTOMERS}:analysts`, status: 'missing', repair: 'apply', table: CUSTOMERS })]);
    const p = await plan();
    expect(p.changes.map((c) => [c.action, c.key])).toEqual([['add', `grant:${CUSTOMERS}:analysts`]]);
    expect((await run('apply', '--yes')).code).toBe(0);
    expect(effects(account)).toEqual(before);
    expect((await drift()).code).toBe(0);
  });

  it('a grant meshward did not make is a FOREIGN_OBJECT finding and drift `extra` (manual); apply leaves it', async () => {
    outOfBand.grant(account, CUSTOMERS, 'marketing');
    const foreign = grantPath(CUSTOMERS, 'marketing');
    const p = await plan();
    expect(p.changes).toEqual([]);
    expect(p.findings).toEqual([expect.objectContaining({ code: 'FOREIGN_OBJECT', key: `grant:${CUSTOMERS}:marketing`, table: CUSTOMERS })]);
    const human = await run('plan', '--detailed-exitcode');
    expect(human.code).toBe(0); // reported, not a contradiction of the model
    expect(human.stdout).toContain('FOREIGN_OBJECT');
    const d = await drift();
    expect(d.code).toBe(2);
    expect(d.items).toEqual([expect.objectContaining({ key: `grant:${CUSTOMERS}:marketing`, status: 'extra', repair: 'manual' })]);
    const applied = await run('apply', '--yes');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Nothing to apply.');
    expect(account.resources.has(foreign)).toBe(true);
    expect(account.state.has(`grant:${CUSTOMERS}:marketing`)).toBe(false);
  });

  it('a mask whose exemptions were changed out of band is drift `altered`, repaired by a PATCH with the live etag', async () => {
    outOfBand.setMaskExempt(account, CUSTOMERS, 'email', ['marketing', 'officers']);
    const live = account.resources.get(maskPath(CUSTOMERS, 'email'))!;
    const d = await drift();
    expect(d.items).toEqual([expect.objectContaining({ key: `mask:${CUSTOMERS}:email`, status: 'altered', repair: 'apply' })]);
    expect(d.items[0]!.detail).toContain('exempt');

    const p = await plan();
    expect(p.changes).toHaveLength(1);
    const change = p.changes[0]!;
    expect(change).toMatchObject({ action: 'change', kind: 'mask', hazards: ['AUTHZ_NARROW'] });
    expect(change.steps).toEqual([{ kind: 'api', service: 'api-test.example', method: 'PATCH', path: maskPath(CUSTOMERS, 'email'), body: { exempt: ['officers'] }, idempotency: { etag: live.etag } } satisfies ApiStep]);

    expect((await run('apply', '--yes')).code).toBe(0);
    const repaired = account.resources.get(maskPath(CUSTOMERS, 'email'))!;
    expect(repaired.body.exempt).toEqual(['officers']);
    expect(repaired.etag).not.toBe(live.etag);
    expect((await drift()).code).toBe(0);
  });

  it('a group whose attributes were deleted out of band is `altered`; apply PUTs them back', async () => {
    outOfBand.delete(account, 'v1/groups/analysts/attributes');
    expect((await drift()).items).toEqual([expect.objectContaining({ key: 'group:analysts', status: 'altered' })]);
    const p = await plan();
    expect(p.changes.map((c) => [c.action, c.key, c.steps.map((s) => s.kind === 'api' && `${s.method} ${s.path}`)])).toEqual([['change', 'group:analysts', ['PUT v1/groups/analysts/attributes']]]);
    expect((await run('apply', '--yes')).code).toBe(0);
    expect(account.resources.get('v1/groups/analysts/attributes')!.body.attributes).toEqual({ region: ['EMEA'] });
  });

  it('a foreign object holding the key of a desired one is a collision: plan and apply refuse, naming it', async () => {
    const fresh = sampleDocs('collide');
    const other = resetAccount('collide', { tables: fresh.tables });
    outOfBand.createGroup(other, 'analysts'); // made by someone else, before meshward ever applied
    const collide = tempRepo(fresh.docs);
    try {
      const runIn = (...args: string[]) => runInProcess([...args, '--dir', collide.dir], { env: process.env });
      for (const args of [['plan'], ['apply', '--yes']]) {
        const r = await runIn(...args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toContain('group analysts exists in account collide but meshward did not record making it');
        expect(r.stderr).toContain('leave it out of the model');
      }
      expect(Object.keys(effects(other))).toEqual(['v1/groups/analysts']);
    } finally {
      collide.cleanup();
    }
  });
});
