import { describe, expect, it } from 'vitest';
import { hazards, parseFilterEntry, parseMaskEntry, postgresAccess, rank } from '../../../src/targets/postgres/hazards.js';
import { RANK_RULES, rankRule } from '../../../src/plan/order.js';
import { objects, type ViewSpec } from '../../../src/targets/postgres/objects.js';
import { exemptText } from '../../../src/targets/postgres/view.js';
import type { Change, NativeObject } from '../../../src/targets/target.js';

const view = (over: Partial<ViewSpec> = {}): NativeObject =>
  objects.view({
    schema: 'mw_s',
    name: 't',
    base: { schema: 's', table: 't' },
    owner: 'mw_owner',
    comment: 'meshward:p:view:db.s.t',
    select: 'SELECT 1',
    columns: [
      { name: 'a', type: 'text' },
      { name: 'b', type: 'text' },
    ],
    masks: { a: ['p1:partial:4:g1'] },
    filters: ['f1:g2:region IN user.region'],
    ...over,
  });

const change = (action: Change['action'], kind: string, current?: NativeObject, desired?: NativeObject): Omit<Change, 'hazards'> => ({
  action,
  kind,
  key: (desired ?? current)!.key,
  current,
  desired,
  reason: 'test',
});
const viewChange = (current: Partial<ViewSpec>, desired: Partial<ViewSpec>) => hazards(change('change', 'view', view(current), view(desired)));

describe('hazards', () => {
  it('grants and memberships widen when added and narrow when removed', () => {
    const g = objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'r' });
    expect(hazards(change('add', 'grant', undefined, g))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('remove', 'grant', g))).toEqual(['AUTHZ_NARROW']);
    const m = objects.membership({ role: 'a', member: 'b' });
    expect(hazards(change('add', 'membership', undefined, m))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('remove', 'membership', m))).toEqual(['AUTHZ_NARROW']);
  });

  it('drops of managed objects are DROPS_MANAGED; a view drop also narrows', () => {
    expect(hazards(change('remove', 'view', view()))).toEqual(['AUTHZ_NARROW', 'DROPS_MANAGED']);
    expect(hazards(change('remove', 'schema', objects.schema({ name: 'mw_s', owner: 'o', comment: 'c' })))).toEqual(['DROPS_MANAGED']);
    expect(hazards(change('remove', 'role', objects.role({ name: 'r', comment: 'c' })))).toEqual(['DROPS_MANAGED']);
    expect(hazards(change('add', 'view', undefined, view()))).toEqual([]);
    expect(hazards(change('remove', 'tag', objects.tag({ object: 'o', tag: 't', value: 'v' })))).toEqual([]);
  });

  it('view changes: masks and filters removed or exemptions added widen; added narrow; both can apply', () => {
    expect(viewChange({}, { select: 'SELECT 2' })).toEqual([]);
    expect(viewChange({}, { masks: {} })).toEqual(['AUTHZ_WIDEN']);
    expect(viewChange({}, { masks: { a: ['p1:partial:4:g1'], b: ['p2:hash:'] } })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { masks: { a: ['p1:partial:4:g1,g3'] } })).toEqual(['AUTHZ_WIDEN']);
    expect(viewChange({}, { masks: { a: ['p1:partial:4:'] } })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { masks: { a: ['p1:partial:2:g1'] } })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { masks: { a: ['p1:partial:6:g1'] } })).toEqual(['AUTHZ_WIDEN']);
    expect(viewChange({}, { masks: { a: ['p1:nullify:g1'] } })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { masks: { a: ['p1:email_domain:g1'] } })).toEqual(['AUTHZ_WIDEN', 'AUTHZ_NARROW']);
    expect(viewChange({}, { filters: [] })).toEqual(['AUTHZ_WIDEN']);
    expect(viewChange({}, { filters: ['f1:g2:region IN user.region', 'f2::x = 1'] })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { filters: ['f1::region IN user.region'] })).toEqual(['AUTHZ_NARROW']);
    expect(viewChange({}, { filters: ['f1:g2:region IN user.other'] })).toEqual(['AUTHZ_WIDEN', 'AUTHZ_NARROW']);
    expect(viewChange({}, { masks: {}, filters: ['f1:g2:region IN user.region', 'f2::x = 1'] })).toEqual(['AUTHZ_WIDEN', 'AUTHZ_NARROW']);
    expect(viewChange({}, { columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'text' }, { name: 'c', type: 'text' }] })).toEqual(['AUTHZ_WIDEN']);
    // A drifted live object is judged by the same summaries, nothing more.
    expect(hazards(change('change', 'view', { ...view(), spec: { ...view().spec, drift: 'definition differs' } }, view()))).toEqual([]);
  });

  it('a role put back to the model narrows (SUPERUSER, LOGIN, BYPASSRLS, settings taken away); INHERIT given back widens', () => {
    const desired = objects.role({ name: 'mw_g', comment: 'c' });
    const live = (attrs: Record<string, unknown>) => objects.role({ name: 'mw_g', comment: 'c', ...attrs });
    for (const attrs of [{ superuser: true }, { login: true }, { bypassrls: true }, { createrole: true }, { createdb: true }, { replication: true }, { settings: [['', 'search_path=evil']] }]) {
      expect(hazards(change('change', 'role', live(attrs), desired)), JSON.stringify(attrs)).toEqual(['AUTHZ_NARROW']);
    }
    expect(hazards(change('change', 'role', live({ inherit: false }), desired))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(change('change', 'role', live({ connection_limit: 5 }), desired))).toEqual([]); // bounds logins only, and the role is NOLOGIN
    expect(hazards(change('change', 'role', live({ comment: 'other' }), desired))).toEqual([]);
  });

  it('privileges meshward did not make: removing them, a grant option or an ADMIN OPTION narrows, and runs with the revokes', () => {
    const g = objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'r' });
    const optioned = objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'r', grantable: true });
    const option = change('change', 'grant', optioned, g);
    expect(hazards(option)).toEqual(['AUTHZ_NARROW']);
    const admin = change('remove', 'role_admin', objects.roleAdmin({ role: 'mw_g', member: 'alice' }));
    expect(hazards(admin)).toEqual(['AUTHZ_NARROW']);
    const update = change('remove', 'grant', objects.grant({ privilege: 'UPDATE', on: 'view', object: '"mw_s"."t"', grantee: 'r' }));
    expect(hazards(update)).toEqual(['AUTHZ_NARROW']);
    const revoke = rank(change('remove', 'grant', g));
    expect([rank(option), rank(admin), rank(update)]).toEqual([revoke, revoke, revoke]);
    // a grant someone else made, made again by the owner, is a grant
    const regrant = change('change', 'grant', objects.grant({ ...g.spec, dependent: true } as never), g);
    expect(hazards(regrant)).toEqual(['AUTHZ_WIDEN']);
    expect(rank(regrant)).toBe(rank(change('add', 'grant', undefined, g)));
  });

  it('reads summaries back even when group names hold separators', () => {
    const groups = ['a,b', 'c:d', 'e\\f'];
    const text = exemptText(groups);
    expect(parseMaskEntry(`p:hash:${text}`)).toEqual({ policy: 'p', method: 'hash', exempt: ['a,b', 'c:d', 'e\\f'] });
    expect(parseMaskEntry(`p:partial:3:${text}`)).toEqual({ policy: 'p', method: 'partial', keepLast: 3, exempt: ['a,b', 'c:d', 'e\\f'] });
    expect(parseFilterEntry(`p:${text}:x = 'a:b'`)).toEqual({ policy: 'p', exempt: ['a,b', 'c:d', 'e\\f'], allow: "x = 'a:b'" });
    expect(parseFilterEntry("p::x = 'a:b'")).toEqual({ policy: 'p', exempt: [], allow: "x = 'a:b'" });
  });
});

describe('rank: revoke, change views, then grant (exposure-window harness)', () => {
  const role = objects.role({ name: 'r', comment: 'c' });
  const schema = objects.schema({ name: 'mw_s', owner: 'o', comment: 'c' });
  const gov = objects.governance({ schema: 'mw_meta', version: 2 });
  const base = objects.grant({ privilege: 'SELECT', on: 'table', object: '"s"."t"', grantee: 'mw_owner' });
  const onView = objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'r' });
  const usage = objects.grant({ privilege: 'USAGE', on: 'schema', object: '"mw_s"', grantee: 'r' });
  const member = objects.membership({ role: 'a', member: 'b' });
  const tag = objects.tag({ object: 'o', tag: 't', value: 'v' });
  const value = objects.attributeValue({ role: 'r', attribute: 'region', type: 'string', value: 'EMEA' });
  const add = (o: NativeObject) => change('add', o.kind, undefined, o);
  const remove = (o: NativeObject) => change('remove', o.kind, o);
  const narrow = change('change', 'view', view(), view({ filters: ['f1:g2:region IN user.region', 'f2::x = 1'] }));
  const widen = change('change', 'view', view(), view({ masks: {} }));

  const owner = objects.role({ name: 'mw_owner', comment: 'meshward:p:owner:views' });
  const govSchema = objects.schema({ name: 'mw_meta', owner: 'mw_owner', comment: 'meshward:p:governance:mw_meta' });
  const defaults = objects.defaultAcl({ role: 'mw_owner', schema: 'mw_s', objtype: 'r', privilege: 'SELECT', grantee: 'someone' });
  const ORDER: [string, Omit<Change, 'hazards'>][] = [
    ['default privilege remove', remove(defaults)],
    ['owner role add', add(owner)],
    ['governance schema add', add(govSchema)],
    ['governance', add(gov)],
    ['role add', add(role)],
    ['schema add', add(schema)],
    ['owner base-table grant add', add(base)],
    ['view add', add(view())],
    ['grant remove', remove(onView)],
    ['membership remove', remove(member)],
    ['attribute value remove', remove(value)],
    ['narrowing view change', narrow],
    ['widening view change', widen],
    ['attribute value add', add(value)],
    ['membership add', add(member)],
    ['view grant add', add(onView)],
    ['schema usage add', add(usage)],
    ['tag add', add(tag)],
    ['view remove', remove(view())],
    ['schema remove', remove(schema)],
    ['role remove', remove(role)],
  ];

  it('ranks a planned change (carrying its hazards) as the same change without them', () => {
    for (const [label, c] of ORDER) expect(rank({ ...c, hazards: hazards(c) }), label).toBe(rank(c));
  });

  it('orders every kind of change as the rule table says', () => {
    const ranks = ORDER.map(([label, c]) => [label, rank(c)] as const);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i]![1], `${ranks[i - 1]![0]} before ${ranks[i]![0]}`).toBeGreaterThanOrEqual(ranks[i - 1]![1]);
    expect(rank(narrow)).toBeLessThan(rank(add(onView)));
    expect(rank(add(member))).toBeGreaterThan(rank(narrow));
    expect(rank(widen)).toBeGreaterThan(rank(remove(onView)));
    // Every revoke before every grant: a membership being added never meets a grant being revoked.
    expect(rank(remove(onView))).toBeLessThan(rank(add(member)));
    expect(rank(remove(member))).toBeLessThan(rank(add(onView)));
    // Memberships are complete before anyone new is granted.
    expect(rank(add(member))).toBeLessThan(rank(add(onView)));
    // A view change that narrows and widens runs between them, like every view change.
    const both = change('change', 'view', view(), view({ filters: ['f1:g2:region IN user.other'] }));
    expect(rank(both)).toBe(rank(narrow));
    expect(rank(both)).toBeGreaterThan(rank(remove(member)));
    expect(rank(both)).toBeLessThan(rank(add(onView)));
    expect(rank(remove(role))).toBeGreaterThan(rank(remove(member)));
    // Attribute values: removed before any view changes, added after every view change; a
    // removed value's role is dropped only after its row is gone (pg_has_role needs the role).
    expect(rank(remove(value))).toBeLessThan(rank(narrow));
    expect(rank(add(value))).toBeGreaterThan(rank(widen));
    expect(rank(add(value))).toBeLessThan(rank(add(member)));
    expect(rank(remove(value))).toBeLessThan(rank(remove(role)));
    expect(rank(add(value))).toBeGreaterThan(rank(add(role)));
  });

  it('an added attribute value widens, a removed one narrows', () => {
    expect(hazards(add(value))).toEqual(['AUTHZ_WIDEN']);
    expect(hazards(remove(value))).toEqual(['AUTHZ_NARROW']);
  });

  it('reaches every rule of the core order but the in-place policies (PostgreSQL has views)', () => {
    const used = new Set<string>();
    for (const [, c] of ORDER) used.add(rankRule(c, hazards(c), postgresAccess).name);
    used.add('governance-remove');
    expect([...used].sort()).toEqual(RANK_RULES.map((r) => r.name).filter((n) => !n.startsWith('policies-')).sort());
    expect(() => rank(change('add', 'mystery', undefined, { ...tag, kind: 'mystery' }))).toThrow(/no access role for PostgreSQL object kind mystery/);
  });
});
