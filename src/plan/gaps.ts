import { parseExpr, type Expr } from '../model/expr/index.js';
import type { Change, Hazard, NativeObject } from '../targets/target.js';
import type { AccessDialect } from './hazards.js';

/**
 * The one case no order covers (plan/order.ts): a row filter that tests the principal under a
 * negation — `NOT in_group('x')`, `region NOT IN user.region` — shows MORE rows to a principal with
 * FEWER memberships or attribute values. While a reader moves between groups, the memberships and
 * attribute values it holds between two committed steps can be a mix neither model gives it, and
 * such a filter then shows it rows neither model does. One transaction covers it (PostgreSQL); on
 * an engine whose every step commits on its own (auto-commit), every membership and attribute-value
 * change of a plan that has such a filter is a REPLACE_GAP: apply refuses it unless allowed.
 */
export function markAutoCommitGaps(changes: Change[], objects: Iterable<NativeObject>, access: AccessDialect): void {
  if (!hasNegatedPrincipalTest(objects, access)) return;
  for (const [i, c] of changes.entries()) {
    const role = access.roleOf((c.desired ?? c.current)!);
    if ((role === 'membership' || role === 'attribute') && !c.hazards.includes('REPLACE_GAP')) changes[i] = Object.assign(c, { hazards: [...c.hazards, 'REPLACE_GAP' as Hazard] });
  }
}

/** Whether a view's or policy's filter tests the principal under an odd number of negations. */
function hasNegatedPrincipalTest(objects: Iterable<NativeObject>, access: AccessDialect): boolean {
  const seen = new Set<string>(); // one filter text is parsed once, however many tables carry it
  for (const o of objects) {
    const role = access.roleOf(o);
    if (role !== 'view' && role !== 'policy') continue;
    const summary = access.accessOf ? access.accessOf(o) : o.access;
    for (const f of summary?.filters ?? []) {
      if (seen.has(f.allow)) continue;
      seen.add(f.allow);
      const expr = parseExpr(f.allow).expr;
      if (expr && negated(expr, false)) return true;
    }
  }
  return false;
}

function negated(e: Expr, under: boolean): boolean {
  switch (e.kind) {
    case 'not':
      return negated(e.operand, !under);
    case 'and':
    case 'or':
      return e.items.some((x) => negated(x, under));
    case 'in_user':
      return under !== e.negated;
    case 'in_group':
      return under;
    default:
      return false;
  }
}
