import { strictnessRank, type MaskMethod, MASK_METHODS } from '../../resolve/mask-methods.js';
import type { Change, Hazard, NativeObject } from '../target.js';

/**
 * Hazards of a PostgreSQL change (product.md, Hazards) and its rank in the apply order.
 * Hazards are born here because only the target knows what its objects mean: a view change is
 * judged from the `masks`/`filters` summaries of the two specs, never by parsing SQL.
 */

type AnyChange = Omit<Change, 'hazards'>;

/** The hazards of one change, in HAZARDS order without repeats. */
export function hazards(change: AnyChange): Hazard[] {
  const found = new Set<Hazard>();
  switch (change.kind) {
    case 'grant':
    case 'membership':
      if (change.action === 'add') found.add('AUTHZ_WIDEN');
      if (change.action === 'remove') found.add('AUTHZ_NARROW');
      break;
    case 'view':
      if (change.action === 'change' && change.current && change.desired) for (const h of viewChangeHazards(change.current, change.desired)) found.add(h);
      if (change.action === 'remove') {
        found.add('DROPS_MANAGED');
        found.add('AUTHZ_NARROW');
      }
      break;
    case 'schema':
    case 'role':
      if (change.action === 'remove') found.add('DROPS_MANAGED');
      break;
  }
  const order: Hazard[] = ['AUTHZ_WIDEN', 'AUTHZ_NARROW', 'DROPS_MANAGED', 'UNMANAGED_REVOKE', 'REPLACE_GAP'];
  return order.filter((h) => found.has(h));
}

/**
 * Widening and narrowing between two views of one table: a column added, a mask or filter
 * removed, a mask made looser or an exempt group added widens; the opposite narrows; a filter
 * whose condition changed does both (which way depends on the data). Masks are compared on the
 * columns both views have.
 */
export function viewChangeHazards(current: NativeObject, desired: NativeObject): Hazard[] {
  const out = new Set<Hazard>();
  const widen = () => out.add('AUTHZ_WIDEN');
  const narrow = () => out.add('AUTHZ_NARROW');
  const curColumns = columnNames(current.spec.columns);
  const desColumns = columnNames(desired.spec.columns);
  for (const c of desColumns) if (!curColumns.has(c)) widen();
  for (const c of curColumns) if (!desColumns.has(c)) narrow();

  const curMasks = record(current.spec.masks);
  const desMasks = record(desired.spec.masks);
  for (const column of desColumns) {
    if (!curColumns.has(column)) continue;
    const cur = byPolicy((curMasks[column] ?? []).map(parseMaskEntry));
    const des = byPolicy((desMasks[column] ?? []).map(parseMaskEntry));
    for (const p of cur.keys()) if (!des.has(p)) widen();
    for (const [p, d] of des) {
      const c = cur.get(p);
      if (!c) {
        narrow();
        continue;
      }
      const rc = strictnessRank(c.method);
      const rd = strictnessRank(d.method);
      if (rd > rc) narrow();
      else if (rd < rc) widen();
      else if (c.method !== d.method) (widen(), narrow());
      else if ((d.keepLast ?? 0) < (c.keepLast ?? 0)) narrow();
      else if ((d.keepLast ?? 0) > (c.keepLast ?? 0)) widen();
      compareExempt(c.exempt, d.exempt, widen, narrow);
    }
  }

  const curFilters = byPolicy(list(current.spec.filters).map(parseFilterEntry));
  const desFilters = byPolicy(list(desired.spec.filters).map(parseFilterEntry));
  for (const p of curFilters.keys()) if (!desFilters.has(p)) widen();
  for (const [p, d] of desFilters) {
    const c = curFilters.get(p);
    if (!c) {
      narrow();
      continue;
    }
    if (c.allow !== d.allow) (widen(), narrow());
    compareExempt(c.exempt, d.exempt, widen, narrow);
  }
  return [...out];
}

function compareExempt(current: readonly string[], desired: readonly string[], widen: () => void, narrow: () => void): void {
  for (const g of desired) if (!current.includes(g)) widen();
  for (const g of current) if (!desired.includes(g)) narrow();
}

interface MaskEntry {
  readonly policy: string;
  readonly method: MaskMethod;
  readonly keepLast?: number;
  readonly exempt: string[];
}

interface FilterEntry {
  readonly policy: string;
  readonly exempt: string[];
  readonly allow: string;
}

/** `policy:method[:keep_last]:exempt1,exempt2` (view.ts maskSummaries). */
export function parseMaskEntry(entry: string): MaskEntry {
  const [policy, rest] = cut(entry, ':');
  const [method, afterMethod] = cut(rest, ':');
  if (!(MASK_METHODS as readonly string[]).includes(method)) throw new Error(`not a mask summary: ${entry}`);
  if (method === 'partial') {
    const [keep, exempt] = cut(afterMethod, ':');
    return { policy, method: 'partial', keepLast: Number(keep), exempt: splitEscaped(exempt, ',') };
  }
  return { policy, method: method as MaskMethod, exempt: splitEscaped(afterMethod, ',') };
}

/** `policy:exempt1,exempt2:<neutral allow text>` (view.ts filterSummaries). */
export function parseFilterEntry(entry: string): FilterEntry {
  const [policy, rest] = cut(entry, ':');
  let i = 0;
  while (i < rest.length && rest[i] !== ':') i += rest[i] === '\\' ? 2 : 1;
  return { policy, exempt: splitEscaped(rest.slice(0, i), ','), allow: rest.slice(i + 1) };
}

/** Splits at unescaped `sep` and removes the `\` escapes. */
function splitEscaped(text: string, sep: string): string[] {
  if (text === '') return [];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) cur += text[++i];
    else if (ch === sep) (out.push(cur), (cur = ''));
    else cur += ch;
  }
  out.push(cur);
  return out;
}

function cut(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

function byPolicy<T extends { policy: string }>(entries: readonly T[]): Map<string, T> {
  return new Map(entries.map((e) => [e.policy, e]));
}

function columnNames(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.map((c) => String((c as { name?: unknown }).name)) : []);
}

function record(value: unknown): Record<string, string[]> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string[]>) : {};
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The apply order (architecture.md rule 6): declared dependencies plus "tighten sooner, grant,
 * revoke, loosen later". The first rule that matches gives the rank; lower runs first.
 */
export interface RankRule {
  readonly rank: number;
  readonly name: string;
  /** Why the rule sits where it does. */
  readonly why: string;
  readonly matches: (change: AnyChange, hazards: readonly Hazard[]) => boolean;
}

const is = (kind: string, ...actions: Change['action'][]) => (c: AnyChange) => c.kind === kind && actions.includes(c.action);
const grantOn = (c: AnyChange): unknown => (c.desired ?? c.current)?.spec.on;

export const RANK_RULES: readonly RankRule[] = [
  { rank: 10, name: 'roles-add', why: 'every other object names a role: owners, grantees, members', matches: is('role', 'add', 'change') },
  { rank: 20, name: 'schemas-add', why: 'views and governance tables live in schemas; AUTHORIZATION needs the owner role', matches: is('schema', 'add', 'change') },
  { rank: 30, name: 'governance', why: 'the tags, state and audit tables, in the governance schema', matches: is('governance', 'add', 'change') },
  { rank: 40, name: 'owner-base-grants-add', why: 'the owner role must read a base table before its view serves rows; exposes nothing by itself', matches: (c) => is('grant', 'add')(c) && grantOn(c) === 'table' },
  { rank: 50, name: 'views-add', why: 'a new view exposes nothing until it is granted', matches: is('view', 'add') },
  { rank: 50, name: 'views-tighten', why: 'tighten sooner: a narrowing (or neutral) view change runs before anything is granted', matches: (c, h) => is('view', 'change')(c) && !h.includes('AUTHZ_WIDEN') },
  { rank: 60, name: 'grants-add', why: 'then grant: view SELECT and schema USAGE, once every view they reach is tightened', matches: (c) => is('grant', 'add')(c) },
  { rank: 60, name: 'memberships-add', why: 'a membership passes on grants and exemptions, so it is a grant: after the tightening view changes', matches: is('membership', 'add') },
  { rank: 70, name: 'tags', why: 'bookkeeping rows in the governance schema; no access depends on them', matches: (c) => c.kind === 'tag' },
  { rank: 80, name: 'grants-remove', why: 'then revoke', matches: is('grant', 'remove') },
  { rank: 85, name: 'memberships-remove', why: 'revoking a membership takes away what it passed on', matches: is('membership', 'remove') },
  { rank: 90, name: 'views-loosen', why: 'loosen later: a widening view change runs after every revoke', matches: (c, h) => is('view', 'change')(c) && h.includes('AUTHZ_WIDEN') },
  { rank: 100, name: 'views-remove', why: 'after their grants are revoked', matches: is('view', 'remove') },
  { rank: 110, name: 'schemas-remove', why: 'DROP SCHEMA without CASCADE needs its views gone', matches: is('schema', 'remove') },
  { rank: 120, name: 'roles-remove', why: 'DROP ROLE needs its grants, memberships and owned objects gone', matches: is('role', 'remove') },
  { rank: 130, name: 'governance-remove', why: 'never drops anything (audit and state are kept); last', matches: is('governance', 'remove') },
];

/** Ordering rank of a change: lower runs first. */
export function rank(change: AnyChange): number {
  const h = hazards(change);
  const rule = RANK_RULES.find((r) => r.matches(change, h));
  if (!rule) throw new Error(`no rank rule for ${change.kind} ${change.action}`);
  return rule.rank;
}
