import type { Change, Hazard } from '../targets/target.js';
import { subjectOf, type AccessDialect, type AccessRole } from './hazards.js';

/**
 * The apply order, the same for every target (architecture.md rule 6): declared dependencies
 * (roles and containers before what lives in them, the state store before anything it records),
 * then "narrow the principals, change the controls, widen the principals" — revoke grants, remove
 * memberships, change every view and policy, add memberships, grant. A principal only the old model
 * lets read loses its grant before anything else changes; one only the new model lets read is
 * granted after everything else is in place; one both let read sees each control change while it
 * holds only grants and memberships both models give it. Access grows with memberships, grants and
 * exemptions, so every step is within the old model (before its controls change) or the new one
 * (after), cell by cell — what the exposure-window harness (src/safety/exposure.ts) checks after
 * every step. The earlier order (tighten, grant, revoke, loosen) leaked: a new member of a group
 * read through a grant still being revoked, and a view change that both narrows and widens ran
 * after the grants, showing its old rows to new readers. Not covered by any order: a row filter
 * that negates user.<attribute> or in_group() — fewer memberships show MORE rows — for a principal
 * both models let read whose memberships change; one transaction covers that, and an auto-commit
 * target must refuse it or replace atomically (REPLACE_GAP).
 * The first rule that matches gives the rank; lower runs first; the target's tier orders the
 * governance objects among themselves.
 */
export interface RankRule {
  readonly rank: number;
  readonly name: string;
  /** Why the rule sits where it does. */
  readonly why: string;
  readonly matches: (role: AccessRole, change: AnyChange, hazards: readonly Hazard[]) => boolean;
}

type AnyChange = Omit<Change, 'hazards'>;

const is =
  (role: AccessRole, ...actions: Change['action'][]) =>
  (r: AccessRole, c: AnyChange) =>
    r === role && actions.includes(c.action);

export const RANK_RULES: readonly RankRule[] = [
  {
    rank: 5,
    name: 'default-grants-remove',
    why: 'a default privilege is given to every container and view created after it: revoked before anything is created (it exists only for a live role and schema)',
    matches: is('default-grant', 'remove'),
  },
  {
    rank: 10,
    name: 'governance',
    why: "the state store (its owner, its container, its tables), in the target's tier order: first, so that every later change can be recorded as it is made (an object the state does not record is never meshward's)",
    matches: is('governance', 'add', 'change'),
  },
  { rank: 15, name: 'principals-add', why: 'every other object names a principal: owners, grantees, members; a changed one loses the attributes meshward did not give it first', matches: is('principal', 'add', 'change') },
  { rank: 20, name: 'containers-add', why: 'views live in containers; they are created by the owner', matches: is('container', 'add', 'change') },
  { rank: 40, name: 'internal-grants-add', why: 'the owner must read a base table before its view serves rows; exposes nothing by itself', matches: is('internal-grant', 'add') },
  { rank: 50, name: 'views-add', why: 'a new view exposes nothing until it is granted', matches: is('view', 'add') },
  { rank: 50, name: 'policies-add', why: 'a new mask or row policy only narrows: in place before anything widens', matches: is('policy', 'add') },
  {
    rank: 55,
    name: 'grants-remove',
    why: 'revoke before anything is granted: a grant being revoked must never meet a membership being added (its new member would read what neither model lets it), and no reader only the old model has may see a control already changed; with --revoke-unmanaged, the unmanaged grants too',
    matches: (r, c, h) =>
      ((r === 'grant' || r === 'internal-grant' || r === 'unmanaged-grant') && c.action === 'remove') || ((r === 'grant' || r === 'internal-grant') && c.action === 'change' && h.includes('AUTHZ_NARROW')),
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
    why: 'a group attribute value is read by every control using user.<attribute>: removed before any control changes, so that one still in its old form and one already in its new form both read only values both models give',
    matches: is('attribute', 'remove'),
  },
  {
    rank: 58,
    name: 'controls-change',
    why: 'every view and policy change — narrowing, widening, both, or neither by its summaries — runs after the revokes and before the grants, when only principals both models let read remain, holding only memberships both give: each sees the old control within the old model, then the new one within the new',
    matches: (r, c) => (r === 'view' || r === 'policy') && c.action === 'change',
  },
  {
    rank: 58.5,
    name: 'attribute-values-add',
    why: 'a group attribute value widens every control using user.<attribute>: added once every control is in its new form, and before memberships and grants let anyone new read',
    matches: is('attribute', 'add'),
  },
  {
    rank: 59,
    name: 'memberships-add',
    why: 'added after the control changes and before any grant, so that a new reader is let in only once its memberships are complete (a negated user.<attribute> or in_group() would otherwise show it rows no model does)',
    matches: is('membership', 'add'),
  },
  { rank: 60, name: 'grants-add', why: 'last, grant: once every control they reach is in its new form and every membership is in place', matches: (r, c) => (r === 'grant' || r === 'internal-grant') && (c.action === 'add' || c.action === 'change') },
  { rank: 65, name: 'policies-remove', why: 'a mask or row policy removed widens: after every grant change, the last access change', matches: is('policy', 'remove') },
  { rank: 70, name: 'bookkeeping', why: 'rows no access depends on', matches: (r) => r === 'bookkeeping' },
  { rank: 100, name: 'views-remove', why: 'after their grants are revoked', matches: is('view', 'remove') },
  { rank: 110, name: 'containers-remove', why: 'a container is dropped without CASCADE: its views go first', matches: is('container', 'remove') },
  { rank: 120, name: 'principals-remove', why: 'a principal is dropped once its grants, memberships and owned objects are gone', matches: is('principal', 'remove') },
  { rank: 130, name: 'governance-remove', why: 'never drops anything (audit and state are kept); last', matches: is('governance', 'remove') },
];

/** The rule that ranks a change (its hazards as classified). */
export function rankRule(change: AnyChange, hazards: readonly Hazard[], dialect: AccessDialect): RankRule {
  const role = dialect.roleOf(subjectOf(change));
  const rule = RANK_RULES.find((r) => r.matches(role, change, hazards));
  if (!rule) throw new Error(`no rank rule for ${role} ${change.action} (${change.kind} ${change.key})`);
  return rule;
}

/** Ordering rank of a change: lower runs first. Governance objects are ordered by the target's tier within their rule (made in it, dropped in reverse). */
export function rankOf(change: AnyChange, hazards: readonly Hazard[], dialect: AccessDialect): number {
  const rule = rankRule(change, hazards, dialect);
  if (rule.name !== 'governance' && rule.name !== 'governance-remove') return rule.rank;
  const tier = Math.min(4, Math.max(0, dialect.tier?.(subjectOf(change)) ?? 0));
  return rule.rank + (rule.name === 'governance' ? tier : 4 - tier); // dropped in the reverse order
}
