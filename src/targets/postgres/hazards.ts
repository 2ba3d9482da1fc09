import { classifyHazards, type AccessDialect, type AccessRole } from '../../plan/hazards.js';
import { rankOf } from '../../plan/order.js';
import { MASK_METHODS, type MaskMethod } from '../../resolve/mask-methods.js';
import type { Change, Hazard, NativeObject } from '../target.js';
import { ROLE_DEFAULTS, ROLE_FLAGS } from './objects.js';
import { accessOfSpec } from './view.js';

/**
 * What PostgreSQL's objects are to access (the core classifies hazards and orders changes from
 * it: src/plan/hazards.ts, src/plan/order.ts), and the hazards only its specs show: a grant that
 * loses its grant option or its dependent flag, a role's attributes, a drop of the state store.
 */

type AnyChange = Omit<Change, 'hazards'>;

/** The kind in an object's marker `meshward:<project>:<kind>:<name>` (project names hold no `:`). */
const markerKind = (o: NativeObject): string | undefined => {
  const comment = o.spec.comment;
  return typeof comment === 'string' && comment.startsWith('meshward:') ? comment.split(':')[2] : undefined;
};

const ROLES: Readonly<Record<string, AccessRole>> = {
  membership: 'membership',
  attribute: 'attribute',
  role_admin: 'grant', // an ADMIN OPTION meshward never grants: only ever revoked
  default_acl: 'default-grant',
  view: 'view',
  tag: 'bookkeeping',
  governance: 'governance',
  unmanaged_grant: 'unmanaged-grant',
};

export const postgresAccess: AccessDialect = {
  roleOf(o) {
    if (o.kind === 'role') return markerKind(o) === 'owner' ? 'governance' : 'principal';
    if (o.kind === 'schema') return markerKind(o) === 'governance' ? 'governance' : 'container';
    if (o.kind === 'grant') return o.spec.on === 'table' ? 'internal-grant' : 'grant';
    const role = ROLES[o.kind];
    if (!role) throw new Error(`no access role for PostgreSQL object kind ${o.kind}`);
    return role;
  },
  // the view's summary read back from its own spec (the live one, not the recorded one: a change
  // goes from what is live to what is desired)
  accessOf: (o) => (o.kind === 'view' ? accessOfSpec(o.spec as never, o.table ?? '') : o.access),
  changeHazards(c) {
    const out: Hazard[] = [];
    if (c.kind === 'grant' && c.action === 'change') {
      if (c.current?.spec.grantable === true) out.push('AUTHZ_NARROW');
      if (c.current?.spec.dependent === true) out.push('AUTHZ_WIDEN');
    }
    if (c.kind === 'role' && c.action === 'change' && c.current && c.desired) out.push(...roleChangeHazards(c.current.spec, c.desired.spec));
    // the owner role and the governance schema are the state store's, but dropping them drops managed objects
    if (c.action === 'remove' && (c.kind === 'role' || c.kind === 'schema') && c.current && markerKind(c.current) !== undefined && postgresAccess.roleOf(c.current) === 'governance') out.push('DROPS_MANAGED');
    return out;
  },
  // the owner role, then the governance schema it owns, then the tables in it
  tier: (o) => (o.kind === 'role' ? 0 : o.kind === 'schema' ? 1 : 2),
};

/** The hazards of one change, in HAZARDS order without repeats. */
export function hazards(change: AnyChange): Hazard[] {
  return classifyHazards(change, postgresAccess);
}

/** Ordering rank of a change: lower runs first (src/plan/order.ts). */
export function rank(change: AnyChange | Change): number {
  // a planned change carries its hazards (this target's, from hazards()): not derived again
  const h = 'hazards' in change && Array.isArray(change.hazards) ? change.hazards : hazards(change);
  return rankOf(change, h, postgresAccess);
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
