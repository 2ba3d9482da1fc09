import { strictnessRank, type MaskMethod, MASK_METHODS } from '../../resolve/mask-methods.js';
import type { Change, Hazard, NativeObject } from '../target.js';
import { ROLE_DEFAULTS, ROLE_FLAGS } from './objects.js';

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
    case 'attribute': // a value a view's `x IN user.a` reads: an added one shows more rows
      if (change.action === 'add') found.add('AUTHZ_WIDEN');
      if (change.action === 'remove') found.add('AUTHZ_NARROW');
      if (change.action === 'change' && change.current?.spec.grantable === true) found.add('AUTHZ_NARROW');
      if (change.action === 'change' && change.current?.spec.dependent === true) found.add('AUTHZ_WIDEN');
      break;
    case 'role_admin':
    case 'default_acl':
      found.add('AUTHZ_NARROW');
      break;
    case 'view':
      if (change.action === 'change' && change.current && change.desired) for (const h of viewChangeHazards(change.current, change.desired)) found.add(h);
      if (change.action === 'remove') {
        found.add('DROPS_MANAGED');
        found.add('AUTHZ_NARROW');
      }
      break;
    case 'role':
      if (change.action === 'remove') found.add('DROPS_MANAGED');
      if (change.action === 'change' && change.current && change.desired) for (const h of roleChangeHazards(change.current.spec, change.desired.spec)) found.add(h);
      break;
    case 'schema':
      if (change.action === 'remove') found.add('DROPS_MANAGED');
      break;
    case 'unmanaged_grant':
      // --revoke-unmanaged: a grant meshward did not make; blocking unless allowed
      found.add('AUTHZ_NARROW');
      found.add('UNMANAGED_REVOKE');
      break;
  }
  const order: Hazard[] = ['AUTHZ_WIDEN', 'AUTHZ_NARROW', 'DROPS_MANAGED', 'UNMANAGED_REVOKE', 'REPLACE_GAP'];
  return order.filter((h) => found.has(h));
}

/**
 * A role's attributes put back to the model's: taking away SUPERUSER, LOGIN, BYPASSRLS, … or
 * per-role settings narrows; giving back INHERIT (members inherit its grants again) widens.
 */
export function roleChangeHazards(current: Readonly<Record<string, unknown>>, desired: Readonly<Record<string, unknown>>): Hazard[] {
  const out = new Set<Hazard>();
  const have = { ...ROLE_DEFAULTS, ...current } as Record<string, unknown>;
  const want = { ...ROLE_DEFAULTS, ...desired } as Record<string, unknown>;
  for (const [attr] of ROLE_FLAGS) {
    // every flag gives more when true (INHERIT: members inherit the role's grants)
    if (have[attr] !== want[attr]) out.add(want[attr] === true ? 'AUTHZ_WIDEN' : 'AUTHZ_NARROW');
  }
  // a connection limit only bounds sessions logged in as the role, and a managed role is NOLOGIN: no hazard of its own
  if (JSON.stringify(have.settings ?? []) !== JSON.stringify(want.settings ?? [])) out.add('AUTHZ_NARROW');
  return [...out];
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
 * The apply order (architecture.md rule 6): declared dependencies, then "narrow the principals,
 * change the views, widen the principals" — revoke grants, remove memberships, change every view,
 * add memberships, grant. A principal only the old model lets read loses its grant before anything
 * else changes; one only the new model lets read is granted after everything else is in place;
 * one both let read sees each view change while it holds only grants and memberships both models
 * give it. Access grows with memberships, grants and exemptions, so every step is within the old
 * model (before its view changes) or the new one (after), cell by cell — what the exposure-window
 * harness (src/safety/exposure.ts) checks after every statement. The earlier order (tighten, grant,
 * revoke, loosen) leaked: a new member of a group read through a grant still being revoked, and a
 * view change that both narrows and widens ran after the grants, showing its old rows to new
 * readers. Not covered by any order: a row filter that negates user.<attribute> or in_group() —
 * fewer memberships show MORE rows — for a principal both models let read whose memberships change;
 * apply's single transaction covers that.
 * The first rule that matches gives the rank; lower runs first.
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
/** The kind in an object's marker `meshward:<project>:<kind>:<name>` (project names hold no `:`). */
const markerKind = (c: AnyChange): string | undefined => {
  const comment = (c.desired ?? c.current)?.spec.comment;
  return typeof comment === 'string' && comment.startsWith('meshward:') ? comment.split(':')[2] : undefined;
};

export const RANK_RULES: readonly RankRule[] = [
  {
    rank: 5,
    name: 'default-privileges-remove',
    why: 'a default privilege of a managed role or in a managed schema is given to every schema and view created after it: revoked before anything is created (it exists only for a live role and schema)',
    matches: is('default_acl', 'remove'),
  },
  {
    rank: 10,
    name: 'owner-role',
    why: 'the governance schema and tables are owned by it; first, so that with --no-transaction the state table exists before any other object is made (an object the state does not record is never meshward\'s)',
    matches: (c) => is('role', 'add', 'change')(c) && markerKind(c) === 'owner',
  },
  { rank: 11, name: 'governance-schema', why: 'holds the recorded state; right after its owner', matches: (c) => is('schema', 'add', 'change')(c) && markerKind(c) === 'governance' },
  { rank: 12, name: 'governance', why: 'the tags, state and audit tables, in the governance schema: every later change is recorded in its own transaction', matches: is('governance', 'add', 'change') },
  { rank: 15, name: 'roles-add', why: 'every other object names a role: owners, grantees, members; a changed role loses the attributes meshward did not give it first', matches: is('role', 'add', 'change') },
  { rank: 20, name: 'schemas-add', why: 'views live in schemas; AUTHORIZATION needs the owner role', matches: is('schema', 'add', 'change') },
  { rank: 40, name: 'owner-base-grants-add', why: 'the owner role must read a base table before its view serves rows; exposes nothing by itself', matches: (c) => is('grant', 'add')(c) && grantOn(c) === 'table' },
  { rank: 50, name: 'views-add', why: 'a new view exposes nothing until it is granted', matches: is('view', 'add') },
  {
    rank: 55,
    name: 'grants-remove',
    why: 'revoke before anything is granted: a grant being revoked must never meet a membership being added (its new member would read what neither model lets it), and no reader only the old model has may see a view already changed; with --revoke-unmanaged, the unmanaged SELECT on governed base tables too',
    matches: (c) => is('grant', 'remove')(c) || is('unmanaged_grant', 'remove')(c) || is('role_admin', 'remove')(c) || (is('grant', 'change')(c) && c.current?.spec.grantable === true),
  },
  {
    rank: 56,
    name: 'memberships-remove',
    why: 'a membership passes on grants, attributes and exemptions: removing it before any is added means a principal only ever holds memberships both models give it (never the union, which can waive more than either)',
    matches: is('membership', 'remove'),
  },
  {
    rank: 57,
    name: 'attribute-values-remove',
    why: 'a group attribute value is read by every view using user.<attribute>: removed before any view changes, so that a view still in its old form and one already in its new form both read only values both models give (a positive user.<attribute> then shows a subset of what its model shows)',
    matches: is('attribute', 'remove'),
  },
  {
    rank: 58,
    name: 'views-change',
    why: 'every view change — narrowing, widening, both, or neither by its summaries — runs after the revokes and before the grants, when only principals both models let read remain, holding only memberships both give: each sees the old view within the old model, then the new view within the new one',
    matches: is('view', 'change'),
  },
  {
    rank: 58.5,
    name: 'attribute-values-add',
    why: 'a group attribute value widens every view using user.<attribute>: added once every view is in its new form (an old view never reads a new value), and before memberships and grants let anyone new read',
    matches: is('attribute', 'add'),
  },
  {
    rank: 59,
    name: 'memberships-add',
    why: 'a membership passes on grants, attributes and exemptions: added after the view changes, and before any grant, so that a new reader is let in only once its memberships are complete (a negated user.<attribute> or in_group() would otherwise show it rows no model does)',
    matches: is('membership', 'add'),
  },
  { rank: 60, name: 'grants-add', why: 'last, grant: view SELECT and schema USAGE, once every view they reach is in its new form and every membership is in place', matches: (c) => is('grant', 'add', 'change')(c) },
  { rank: 70, name: 'tags', why: 'bookkeeping rows in the governance schema; no access depends on them', matches: (c) => c.kind === 'tag' },
  { rank: 100, name: 'views-remove', why: 'after their grants are revoked', matches: is('view', 'remove') },
  { rank: 110, name: 'schemas-remove', why: 'DROP SCHEMA without CASCADE needs its views gone', matches: is('schema', 'remove') },
  { rank: 120, name: 'roles-remove', why: 'DROP ROLE needs its grants, memberships and owned objects gone', matches: is('role', 'remove') },
  { rank: 130, name: 'governance-remove', why: 'never drops anything (audit and state are kept); last', matches: is('governance', 'remove') },
];

/** Ordering rank of a change: lower runs first. */
export function rank(change: AnyChange | Change): number {
  // a planned change carries its hazards (this target's, from hazards()): not derived again
  const h = 'hazards' in change && Array.isArray(change.hazards) ? change.hazards : hazards(change);
  const rule = RANK_RULES.find((r) => r.matches(change, h));
  if (!rule) throw new Error(`no rank rule for ${change.kind} ${change.action}`);
  return rule.rank;
}
