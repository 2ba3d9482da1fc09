import type { Resolved } from '../../../src/resolve/resolve.js';
import { strictest } from '../../../src/resolve/strictest.js';
import { classifyHazards, type AccessDialect } from '../../../src/plan/hazards.js';
import { rankOf } from '../../../src/plan/order.js';
import type { ApiStep, JsonValue } from '../../../src/plan/step.js';
import type { Change, Hazard, NativeObject, TargetContext } from '../../../src/targets/target.js';
import { enc, SERVICE } from './service.js';

/**
 * The api-test target's objects — compile, hazards, rank and render. Three kinds:
 *   group:<g>                  spec {name, attributes}           a group the grants or masks name
 *   grant:<table>:<g>          spec {table, group}               read access to a governed table
 *   mask:<table>:<column>      spec {table, column, method, [keep_last], exempt}
 * Introspection (target.ts) builds the same shapes from the live resources.
 */

type Spec = Readonly<Record<string, JsonValue>>;
type AnyChange = Omit<Change, 'hazards'>;

export const groupObject = (name: string, attributes: JsonValue, domain?: string): NativeObject => ({ key: `group:${name}`, kind: 'group', label: `group ${name}`, ...(domain ? { domain } : {}), spec: { name, attributes } });
export const grantObject = (table: string, group: string, domain?: string): NativeObject => ({ key: `grant:${table}:${group}`, kind: 'grant', label: `grant ${table} → ${group}`, table, ...(domain ? { domain } : {}), spec: { table, group } });
export function maskObject(spec: { table: string; column: string; method: string; keep_last?: number; exempt: readonly string[] }, domain?: string): NativeObject {
  return { key: `mask:${spec.table}:${spec.column}`, kind: 'mask', label: `mask ${spec.table}.${spec.column}`, table: spec.table, ...(domain ? { domain } : {}), spec: { ...spec, exempt: [...spec.exempt].sort() } };
}

/**
 * Desired objects. A column several masks reach gets ONE mask: the strictest method (resolve's
 * rule) waived only for the groups exempt from every candidate — a single mask can never be
 * looser than any policy behind it. Groups are inherited nowhere here (no memberships).
 */
export function compile(resolved: Resolved, ctx: TargetContext): NativeObject[] {
  const out = new Map<string, NativeObject>();
  const used = new Set<string>();
  for (const rt of resolved.tables) {
    const { name: table, domain } = rt.table;
    for (const g of rt.grants) {
      used.add(g.group);
      const o = grantObject(table, g.group, domain);
      out.set(o.key, o);
    }
    const columnName = new Map(rt.columns.map((c) => [c.key, c.name]));
    for (const [key, candidates] of rt.masks) {
      const win = strictest(candidates);
      if (!win) continue;
      const exempt = candidates.map((c) => new Set(c.exempt)).reduce((a, b) => new Set([...a].filter((g) => b.has(g))));
      exempt.forEach((g) => used.add(g));
      const o = maskObject({ table, column: columnName.get(key) ?? key, method: win.method, ...(win.method === 'partial' ? { keep_last: win.keepLast ?? 4 } : {}), exempt: [...exempt] }, domain);
      out.set(o.key, o);
    }
  }
  for (const g of used) {
    const attributes = Object.fromEntries([...(ctx.model.groups.get(g)?.attributes ?? new Map())].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v.values].sort()]));
    const o = groupObject(g, attributes);
    out.set(o.key, o);
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const spec = (o: NativeObject | undefined): Spec => (o?.spec ?? {}) as Spec;
const values = (v: JsonValue | undefined): Set<string> => new Set(Array.isArray(v) ? v.map((x) => JSON.stringify(x)) : []);
const gained = (from: Set<string>, to: Set<string>) => [...to].some((x) => !from.has(x));

/** A mask change that the service cannot make in place: its method (or keep_last) differs. */
export const replacesMask = (c: AnyChange): boolean => c.kind === 'mask' && c.action === 'change' && (spec(c.current).method !== spec(c.desired).method || spec(c.current).keep_last !== spec(c.desired).keep_last);

/**
 * What the api-test objects are to access; the core classifies their hazards and orders them
 * (src/plan/hazards.ts, src/plan/order.ts). A mask is a policy on the table itself, judged from
 * its access summary; a group carries attribute values (a gained value can only show more); a
 * mask whose method changes is a DELETE then a POST, between which the column is in clear.
 */
export const apiTestAccess: AccessDialect = {
  roleOf: (o) => {
    if (o.kind === 'group') return 'principal';
    if (o.kind === 'grant') return 'grant';
    if (o.kind === 'mask') return 'policy';
    throw new Error(`api-test: no access role for kind ${o.kind}`);
  },
  accessOf: (o) => {
    if (o.kind !== 'mask') return o.access;
    const s = spec(o);
    const column = String(s.column);
    return { table: String(s.table), columns: [column], masks: { [column]: [{ policy: 'mask', method: String(s.method), ...(s.keep_last !== undefined ? { keep_last: Number(s.keep_last) } : {}), exempt: [...values(s.exempt)].map((x) => JSON.parse(x) as string) }] }, filters: [] };
  },
  changeHazards(c) {
    const found: Hazard[] = [];
    if (c.kind === 'group' && c.action === 'change') {
      const have = (spec(c.current).attributes ?? {}) as Record<string, JsonValue>;
      const next = (spec(c.desired).attributes ?? {}) as Record<string, JsonValue>;
      for (const k of new Set([...Object.keys(have), ...Object.keys(next)])) {
        if (gained(values(have[k]), values(next[k]))) found.push('AUTHZ_WIDEN');
        if (gained(values(next[k]), values(have[k]))) found.push('AUTHZ_NARROW');
      }
    }
    if (replacesMask(c)) found.push('REPLACE_GAP'); // DELETE then POST: between the two calls the column is in clear for every reader
    return found;
  },
};

export function hazards(c: AnyChange): Hazard[] {
  return classifyHazards(c, apiTestAccess);
}

/** The core's order (narrow first, change the controls, widen last) over these roles. */
export function rank(c: Change): number {
  return rankOf(c, c.hazards, apiTestAccess);
}

const api = (method: ApiStep['method'], path: string, body?: JsonValue, etag?: string): ApiStep => ({
  kind: 'api',
  service: SERVICE,
  method,
  path,
  ...(body !== undefined ? { body } : {}),
  idempotency: etag !== undefined ? { etag } : {},
});

const maskBody = (s: Spec): JsonValue => ({ column: s.column!, method: s.method!, ...(s.keep_last !== undefined ? { keep_last: s.keep_last } : {}), exempt: s.exempt! });

/** The calls of one change, in the order they run. */
export function render(c: Change): ApiStep[] {
  const s = spec(c.desired ?? c.current);
  const etag = c.current?.version;
  switch (c.kind) {
    case 'group': {
      const path = `v1/groups/${enc(String(s.name))}`;
      if (c.action === 'remove') return [api('DELETE', path)];
      const attrs = api('PUT', `${path}/attributes`, { attributes: s.attributes! });
      // two calls: a fault between them leaves a group without attributes, which the next plan finishes
      return c.action === 'add' ? [api('POST', 'v1/groups', { name: s.name! }), attrs] : [attrs];
    }
    case 'grant': {
      const base = `v1/tables/${enc(String(s.table))}/grants`;
      return c.action === 'remove' ? [api('DELETE', `${base}/${enc(String(s.group))}`)] : [api('POST', base, { group: s.group! })];
    }
    case 'mask': {
      const base = `v1/tables/${enc(String(s.table))}/masks`;
      const path = `${base}/${enc(String(s.column))}`;
      if (c.action === 'add') return [api('POST', base, maskBody(s))];
      if (c.action === 'remove') return [api('DELETE', path, undefined, etag)];
      if (replacesMask(c)) return [api('DELETE', path, undefined, etag), api('POST', base, maskBody(s))];
      return [api('PATCH', path, { exempt: s.exempt! }, etag)];
    }
  }
  throw new Error(`api-test: no render for kind ${c.kind}`);
}
