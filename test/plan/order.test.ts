import { describe, expect, it } from 'vitest';
import { classifyHazards, type AccessDialect, type AccessRole } from '../../src/plan/hazards.js';
import { RANK_RULES, rankOf, rankRule } from '../../src/plan/order.js';
import type { AccessSummary, Change, NativeObject } from '../../src/targets/target.js';

/** The core's hazard classes and order, on a dialect that is nothing but roles (every target's seam). */
const object = (kind: AccessRole, access?: AccessSummary): NativeObject => ({ key: `${kind}:x`, kind, label: kind, spec: {}, ...(access ? { access } : {}) });
const dialect: AccessDialect = { roleOf: (o) => o.kind as AccessRole, tier: (o) => (o.spec.tier as number | undefined) ?? 0 };
const change = (action: Change['action'], o: NativeObject, after?: NativeObject): Omit<Change, 'hazards'> =>
  action === 'add' ? { action, kind: o.kind, key: o.key, desired: o, reason: '' } : action === 'remove' ? { action, kind: o.kind, key: o.key, current: o, reason: '' } : { action, kind: o.kind, key: o.key, current: o, desired: after ?? o, reason: '' };
const summary = (over: Partial<AccessSummary> = {}): AccessSummary => ({ table: 'd.s.t', columns: ['a', 'b'], masks: { a: [{ policy: 'p', method: 'hash', exempt: [] }] }, filters: [{ policy: 'f', allow: "r = 'x'", exempt: [] }], ...over });
const ranked = (c: Omit<Change, 'hazards'>) => rankOf(c, classifyHazards(c, dialect), dialect);

describe('hazard classes by access role', () => {
  it('grants, memberships and attribute values widen when added and narrow when removed', () => {
    for (const role of ['grant', 'membership', 'attribute', 'internal-grant'] as const) {
      expect(classifyHazards(change('add', object(role)), dialect), role).toEqual(['AUTHZ_WIDEN']);
      expect(classifyHazards(change('remove', object(role)), dialect), role).toEqual(['AUTHZ_NARROW']);
    }
  });

  it('a view exposes nothing when new and narrows and drops when removed; a policy on the table narrows when added, widens when removed', () => {
    expect(classifyHazards(change('add', object('view')), dialect)).toEqual([]);
    expect(classifyHazards(change('remove', object('view')), dialect)).toEqual(['AUTHZ_NARROW', 'DROPS_MANAGED']);
    expect(classifyHazards(change('add', object('policy')), dialect)).toEqual(['AUTHZ_NARROW']);
    expect(classifyHazards(change('remove', object('policy')), dialect)).toEqual(['AUTHZ_WIDEN']);
  });

  it('a control change is judged from the typed access summaries', () => {
    const judge = (after: Partial<AccessSummary>) => classifyHazards(change('change', object('policy', summary()), object('policy', summary(after))), dialect);
    expect(judge({})).toEqual([]);
    expect(judge({ masks: {} })).toEqual(['AUTHZ_WIDEN']);
    expect(judge({ masks: { a: [{ policy: 'p', method: 'nullify', exempt: [] }] } })).toEqual(['AUTHZ_NARROW']);
    expect(judge({ masks: { a: [{ policy: 'p', method: 'hash', exempt: ['g'] }] } })).toEqual(['AUTHZ_WIDEN']);
    expect(judge({ filters: [{ policy: 'f', allow: "r = 'y'", exempt: [] }] })).toEqual(['AUTHZ_WIDEN', 'AUTHZ_NARROW']);
    expect(judge({ columns: ['a', 'b', 'c'] })).toEqual(['AUTHZ_WIDEN']);
    expect(judge({ columns: ['a'] })).toEqual(['AUTHZ_NARROW']);
  });

  it('drops of principals and containers, revokes of unmanaged grants, and what the dialect adds', () => {
    expect(classifyHazards(change('remove', object('principal')), dialect)).toEqual(['DROPS_MANAGED']);
    expect(classifyHazards(change('remove', object('container')), dialect)).toEqual(['DROPS_MANAGED']);
    expect(classifyHazards(change('remove', object('unmanaged-grant')), dialect)).toEqual(['AUTHZ_NARROW', 'UNMANAGED_REVOKE']);
    expect(classifyHazards(change('change', object('policy')), { ...dialect, changeHazards: () => ['REPLACE_GAP'] })).toEqual(['REPLACE_GAP']);
    expect(classifyHazards(change('add', object('bookkeeping')), dialect)).toEqual([]);
  });
});

describe('the order: narrow first, change the controls, widen last', () => {
  const add = (r: AccessRole) => ranked(change('add', object(r)));
  const remove = (r: AccessRole) => ranked(change('remove', object(r)));
  const changed = (r: AccessRole) => ranked(change('change', object(r)));

  it('revokes before the controls change, grants after; memberships complete before any grant', () => {
    expect(remove('grant')).toBeLessThan(remove('membership'));
    expect(remove('membership')).toBeLessThan(remove('attribute'));
    expect(remove('attribute')).toBeLessThan(changed('view'));
    expect(changed('view')).toBe(changed('policy'));
    expect(changed('policy')).toBeLessThan(add('attribute'));
    expect(add('attribute')).toBeLessThan(add('membership'));
    expect(add('membership')).toBeLessThan(add('grant'));
    expect(add('policy')).toBeLessThan(remove('grant')); // a new mask narrows: in place early
    expect(remove('policy')).toBeGreaterThan(add('grant')); // a removed one widens: last
  });

  it('the state store first in its tier order, then principals, containers; drops last in reverse', () => {
    const gov = (tier: number, action: 'add' | 'remove') => ranked(change(action, { ...object('governance'), spec: { tier } }));
    expect(gov(0, 'add')).toBeLessThan(gov(1, 'add'));
    expect(gov(2, 'add')).toBeLessThan(add('principal'));
    expect(add('principal')).toBeLessThan(add('container'));
    expect(add('container')).toBeLessThan(add('view'));
    expect(remove('view')).toBeLessThan(remove('container'));
    expect(remove('container')).toBeLessThan(remove('principal'));
    expect(remove('principal')).toBeLessThan(gov(2, 'remove'));
    expect(gov(2, 'remove')).toBeLessThan(gov(0, 'remove')); // the store's owner goes after what it owns
  });

  it('every rule is named, says why, and is reached by some role and action', () => {
    const roles: AccessRole[] = ['principal', 'container', 'membership', 'grant', 'internal-grant', 'default-grant', 'attribute', 'view', 'policy', 'unmanaged-grant', 'bookkeeping', 'governance'];
    const used = new Set<string>();
    for (const r of roles) {
      for (const action of ['add', 'change', 'remove'] as const) {
        const c = change(action, object(r));
        try {
          used.add(rankRule(c, classifyHazards(c, dialect), dialect).name);
        } catch {
          // some roles have no such action (a default grant is only ever removed)
        }
      }
    }
    expect([...used].sort()).toEqual(RANK_RULES.map((r) => r.name).sort());
    for (const r of RANK_RULES) expect(r.why.length, r.name).toBeGreaterThan(20);
    expect(() => rankRule(change('add', object('default-grant')), [], dialect)).toThrow(/no rank rule for default-grant add/);
  });
});
