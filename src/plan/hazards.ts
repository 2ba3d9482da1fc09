import { strictnessRank } from '../resolve/mask-methods.js';
import type { AccessSummary, Change, Hazard, MaskAccess, NativeObject } from '../targets/target.js';
import { HAZARDS } from '../targets/target.js';

/**
 * Hazard classification (product.md, Hazards), the same for every target: a change is judged by
 * what its object is to access — its role, which the target declares — and, for the objects that
 * apply masks and filters, by their typed access summaries. The target adds only what its own
 * specs mean (a PostgreSQL grant losing its grant option, a role's attributes) and the hazards its
 * renderer knows of (REPLACE_GAP).
 */

/** What a native object is to access. */
export type AccessRole =
  /** A role or group: removing it drops a managed object. */
  | 'principal'
  /** A schema or dataset that holds consumer objects. */
  | 'container'
  /** Passes grants, attributes and exemptions on: adding widens, removing narrows. */
  | 'membership'
  /** Lets a principal read (or pass on) something: adding widens, removing narrows. */
  | 'grant'
  /** A grant that exposes nothing by itself (the owner role reading a base table its views serve). */
  | 'internal-grant'
  /** A grant given to objects created later (a default privilege): meshward only ever takes it away. */
  | 'default-grant'
  /** A value row filters read (`x IN user.region`): adding widens, removing narrows. */
  | 'attribute'
  /** A consumer object that applies masks and filters (a view): new, it exposes nothing until granted. */
  | 'view'
  /** A control on the table itself (a masking or row access policy): adding narrows, removing widens. */
  | 'policy'
  /** An unmanaged grant revoked on request (--revoke-unmanaged). */
  | 'unmanaged-grant'
  /** Rows no access depends on (tags). */
  | 'bookkeeping'
  /** The state store's own objects (the owner, the governance schema and tables). */
  | 'governance';

/** What a target tells the core about its objects (targets/<t>/; Target.access). */
export interface AccessDialect {
  roleOf(object: NativeObject): AccessRole;
  /** What the object lets through, where it masks or filters (default: `object.access`). */
  accessOf?(object: NativeObject): AccessSummary | undefined;
  /** Hazards only the target can see in a change: what its own spec fields mean, and REPLACE_GAP where it cannot replace in place. */
  changeHazards?(change: Omit<Change, 'hazards'>): readonly Hazard[];
  /** The order of governance objects among themselves (lower first): the store's owner before the store. */
  tier?(object: NativeObject): number;
}

type AnyChange = Omit<Change, 'hazards'>;

/** The object a change is about: what it makes, or what it removes. */
export const subjectOf = (c: AnyChange): NativeObject => (c.desired ?? c.current)!;

/** The hazards of one change, in HAZARDS order without repeats. */
export function classifyHazards(change: AnyChange, dialect: AccessDialect): Hazard[] {
  const found = new Set<Hazard>();
  const widen = () => found.add('AUTHZ_WIDEN');
  const narrow = () => found.add('AUTHZ_NARROW');
  switch (dialect.roleOf(subjectOf(change))) {
    case 'grant':
    case 'membership':
    case 'attribute':
      if (change.action === 'add') widen();
      if (change.action === 'remove') narrow();
      break;
    case 'internal-grant':
      if (change.action === 'add') widen(); // as any grant: it is one, whatever it serves
      if (change.action === 'remove') narrow();
      break;
    case 'default-grant':
      narrow();
      break;
    case 'view':
      if (change.action === 'change') accessChange(change, dialect, widen, narrow);
      if (change.action === 'remove') (narrow(), found.add('DROPS_MANAGED'));
      break;
    case 'policy':
      if (change.action === 'add') narrow();
      if (change.action === 'remove') widen();
      if (change.action === 'change') accessChange(change, dialect, widen, narrow);
      break;
    case 'principal':
    case 'container':
      if (change.action === 'remove') found.add('DROPS_MANAGED');
      break;
    case 'unmanaged-grant':
      narrow();
      found.add('UNMANAGED_REVOKE');
      break;
    case 'bookkeeping':
    case 'governance':
      break;
  }
  for (const h of dialect.changeHazards?.(change) ?? []) found.add(h);
  return HAZARDS.filter((h) => found.has(h));
}

function accessChange(change: AnyChange, dialect: AccessDialect, widen: () => void, narrow: () => void): void {
  const of = (o: NativeObject | undefined) => (o ? (dialect.accessOf ? dialect.accessOf(o) : o.access) : undefined);
  const before = of(change.current);
  const after = of(change.desired);
  if (before && after) accessChangeHazards(before, after, widen, narrow);
}

/**
 * Widening and narrowing between two access summaries of one table: a column added, a mask or
 * filter removed, a mask made looser or an exempt group added widens; the opposite narrows; a
 * filter whose condition changed does both (which way depends on the data). Masks are compared
 * on the columns both have.
 */
export function accessChangeHazards(before: AccessSummary, after: AccessSummary, widen: () => void, narrow: () => void): void {
  const had = new Set(before.columns);
  const has = new Set(after.columns);
  for (const c of has) if (!had.has(c)) widen();
  for (const c of had) if (!has.has(c)) narrow();
  for (const column of has) {
    if (!had.has(column)) continue;
    byPolicyChange(before.masks[column] ?? [], after.masks[column] ?? [], widen, narrow, (c, d) => maskChange(c, d, widen, narrow));
  }
  byPolicyChange(before.filters, after.filters, widen, narrow, (c, d) => {
    if (c.allow !== d.allow) (widen(), narrow());
  });
}

/**
 * Entries of one policy each (the masks on a column, the filters on a table): one removed widens,
 * one added narrows, one on both sides is compared (`same`) and so are its exemptions.
 */
function byPolicyChange<T extends { readonly policy: string; readonly exempt: readonly string[] }>(before: readonly T[], after: readonly T[], widen: () => void, narrow: () => void, same: (c: T, d: T) => void): void {
  const cur = new Map(before.map((e) => [e.policy, e]));
  const des = new Map(after.map((e) => [e.policy, e]));
  for (const p of cur.keys()) if (!des.has(p)) widen();
  for (const [p, d] of des) {
    const c = cur.get(p);
    if (!c) {
      narrow();
      continue;
    }
    same(c, d);
    compareExempt(c.exempt, d.exempt, widen, narrow);
  }
}

function maskChange(c: MaskAccess, d: MaskAccess, widen: () => void, narrow: () => void): void {
  const rc = strictnessRank(c.method as never);
  const rd = strictnessRank(d.method as never);
  if (rd > rc) narrow();
  else if (rd < rc) widen();
  else if (c.method !== d.method) (widen(), narrow());
  else if ((d.keep_last ?? 0) < (c.keep_last ?? 0)) narrow();
  else if ((d.keep_last ?? 0) > (c.keep_last ?? 0)) widen();
}

function compareExempt(current: readonly string[], desired: readonly string[], widen: () => void, narrow: () => void): void {
  for (const g of desired) if (!current.includes(g)) widen();
  for (const g of current) if (!desired.includes(g)) narrow();
}

