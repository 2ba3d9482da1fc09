import { afterEach, describe, expect, it } from 'vitest';
import type { Change, NativeObject } from '../../../src/targets/target.js';
import { apiTestTarget, inSession, planAndApply, planNow, resetAccount, sampleDocs, tempRepo, useApiTestTarget } from '../../support/api-target/index.js';
import { grantObject, groupObject, hazards, maskObject, rank } from '../../support/api-target/objects.js';

/** The api-test target's hazards, its apply order, and what compile makes of several masks on one column. */
useApiTestTarget();

const T = 'shop.sales.customers';
const mask = (method: string, exempt: string[]) => maskObject({ table: T, column: 'email', method, exempt });
const change = (action: Change['action'], current?: NativeObject, desired?: NativeObject): Omit<Change, 'hazards'> => {
  const o = (desired ?? current)!;
  return { action, key: o.key, kind: o.kind, ...(current ? { current } : {}), ...(desired ? { desired } : {}), reason: 'test' };
};
const ranked = (c: Omit<Change, 'hazards'>) => rank({ ...c, hazards: hazards(c) });

describe('api-test hazards and order', () => {
  it('grants widen when added and narrow when removed; masks the other way round', () => {
    expect(hazards(change('add', undefined, grantObject(T, 'g')))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('remove', grantObject(T, 'g')))).toEqual(['AUTHZ_NARROW']);
    expect(hazards(change('add', undefined, mask('hash', [])))).toEqual(['AUTHZ_NARROW']);
    expect(hazards(change('remove', mask('hash', [])))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('remove', groupObject('g', {})))).toEqual(['DROPS_MANAGED']);
  });

  it('a mask whose exemptions change widens by the ones added, narrows by the ones removed', () => {
    expect(hazards(change('change', mask('hash', ['a']), mask('hash', ['a', 'b'])))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('change', mask('hash', ['a', 'b']), mask('hash', ['a'])))).toEqual(['AUTHZ_NARROW']);
    expect(hazards(change('change', mask('hash', ['a']), mask('hash', ['b'])))).toEqual(['AUTHZ_WIDEN', 'AUTHZ_NARROW']);
  });

  it('a mask whose method changes is a REPLACE_GAP (and widens or narrows by strictness)', () => {
    expect(hazards(change('change', mask('hash', []), mask('nullify', [])))).toEqual(['AUTHZ_NARROW', 'REPLACE_GAP']);
    expect(hazards(change('change', mask('nullify', []), mask('hash', [])))).toEqual(['AUTHZ_WIDEN', 'REPLACE_GAP']);
    const c = change('change', mask('hash', []), mask('nullify', []));
    expect(apiTestTarget.render({ ...c, hazards: hazards(c) }, {} as never).map((s) => s.kind === 'api' && s.method)).toEqual(['DELETE', 'POST']);
  });

  it('orders as the core does: groups, mask adds, grant removes, mask changes, grant adds, mask removes, group removes', () => {
    const order = [
      change('add', undefined, groupObject('g', {})),
      change('add', undefined, mask('hash', [])),
      change('remove', grantObject(T, 'g')),
      change('change', mask('hash', ['a', 'b']), mask('hash', ['a'])),
      change('change', mask('hash', []), mask('nullify', [])),
      change('change', mask('hash', ['a']), mask('hash', ['a', 'b'])),
      change('add', undefined, grantObject(T, 'g')),
      change('remove', mask('hash', [])),
      change('remove', groupObject('g', {})),
    ].map(ranked);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // a control never changes while a grant being revoked is still there, and never after a grant being added
    expect(order[2]).toBeLessThan(order[3]!);
    expect(order[5]).toBeLessThan(order[6]!);
    expect(order[6]).toBeLessThan(order[7]!);
  });
});

describe('api-test compile', () => {
  let repo: ReturnType<typeof tempRepo> | undefined;
  afterEach(() => repo?.cleanup());

  it('one mask per column: the strictest method, waived only for groups exempt from every policy behind it', async () => {
    const { docs, tables } = sampleDocs('compile');
    resetAccount('compile', { tables });
    // a second policy on email, stricter, exempting officers and marketing
    docs.domain.policies.push({ name: 'email-null', mask: { columns: [`${T}.email`], method: 'nullify', exempt: ['officers', 'marketing'] } });
    repo = tempRepo(docs);
    const plan = await planNow(repo.dir);
    const email = plan.changes.find((c) => c.key === `mask:${T}:email`)!;
    expect(email.steps[0]).toMatchObject({ method: 'POST', body: { column: 'email', method: 'nullify', exempt: ['officers'] } });
    expect(plan.changes.map((c) => c.key).filter((k) => k.startsWith('group:'))).toEqual(['group:analysts', 'group:marketing', 'group:officers']);
  });
});

describe('api-test recordState', () => {
  it('with `only` writes the desired rows of those keys and deletes the others; without, writes exactly desired but the pending rows', async () => {
    const { docs, tables } = sampleDocs('record');
    const account = resetAccount('record', { tables });
    const repo = tempRepo(docs);
    try {
      await planAndApply(repo.dir);
      await inSession(repo.dir, async (s) => {
        const desired = s.desired;
        const keys = () => [...account.state.keys()].sort();
        expect(keys()).toEqual(desired.map((o) => o.key).sort());
        const [first, second] = desired;
        const stale = { key: 'grant:gone:x', kind: 'grant', label: 'grant gone → x', spec: { table: 'gone', group: 'x' } };
        await apiTestTarget.state.record(s.conn, [...desired, stale], s.ctx, { only: [stale.key] });
        expect(keys()).toContain(stale.key);
        await apiTestTarget.state.record(s.conn, desired, s.ctx, { only: [stale.key, 'never:recorded'] }); // a row never written is no error
        expect(keys()).toEqual(desired.map((o) => o.key).sort());
        // a full record keeps what is pending as it was, and writes the rest from desired
        await apiTestTarget.state.record(s.conn, [...desired, stale], s.ctx, { only: [stale.key] });
        const before = account.state.get(first!.key)!;
        await apiTestTarget.state.record(s.conn, desired.slice(2), s.ctx, { pending: [first!.key, stale.key] });
        expect(account.state.get(first!.key)).toEqual(before); // untouched: same etag
        expect(account.state.has(stale.key)).toBe(true);
        expect(account.state.has(second!.key)).toBe(false);
      });
    } finally {
      repo.cleanup();
    }
  });
});
