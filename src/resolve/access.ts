import type { SourcePos } from '../model/neutral-types.js';
import { isAlwaysFalse, printExpr, specialize, type Expr } from '../model/expr/index.js';
import type { MaskMethod } from './mask-methods.js';
import type { Principal } from './principals.js';
import type { FilterCandidate, Resolved, ResolvedTable, TableGrant } from './resolve.js';
import { strictest, type MaskCandidate } from './strictest.js';

/** How one column reaches a principal. */
export interface ColumnAccess {
  readonly name: string;
  readonly access: MaskMethod | 'clear';
  readonly keepLast?: number;
  /** Winning policies, winner first; empty when clear. */
  readonly winners: readonly MaskCandidate[];
  /** Other non-waived policies that also reach the column. */
  readonly others: readonly MaskCandidate[];
  /** Policies that would reach it but are waived for this principal. */
  readonly waived: readonly MaskCandidate[];
  readonly conflict?: readonly MaskMethod[];
}

export interface AppliedFilter {
  readonly candidate: FilterCandidate;
  /** The filter with the principal's attributes and groups substituted, constant-folded. */
  readonly specialized: Expr;
}

/** The effective access of one principal to one governed table: the oracle's answer. */
export interface TableAccess {
  readonly table: ResolvedTable;
  readonly principal: Principal;
  readonly readable: boolean;
  /** Grants that give it, first is the one shown. */
  readonly grants: readonly TableGrant[];
  readonly columns: readonly ColumnAccess[];
  readonly filters: readonly AppliedFilter[];
  readonly waivedFilters: readonly FilterCandidate[];
  /** AND of the applied filters; undefined when no filter applies. */
  readonly predicate?: Expr;
  /** The predicate can never be TRUE for this principal. */
  readonly neverTrue: boolean;
}

/** True when the policy's exempt list meets the principal's closure. */
export function isWaived(exempt: readonly string[], principal: Principal): boolean {
  return exempt.some((g) => principal.closure.has(g));
}

/** Column access for a principal: strictest of the non-waived masks. */
export function columnAccess(table: ResolvedTable, columnKey: string, name: string, principal: Principal): ColumnAccess {
  const all = table.masks.get(columnKey) ?? [];
  const active = all.filter((m) => !isWaived(m.exempt, principal));
  const waived = all.filter((m) => isWaived(m.exempt, principal));
  const outcome = strictest(active);
  if (!outcome) return { name, access: 'clear', winners: [], others: [], waived };
  return { name, access: outcome.method, keepLast: outcome.keepLast, winners: outcome.winners, others: outcome.others, waived, conflict: outcome.conflict };
}

/** The principal's effective access to a table. */
export function tableAccess(table: ResolvedTable, principal: Principal): TableAccess {
  const grants = table.grants.filter((g) => principal.closure.has(g.group));
  const active = table.filters.filter((f) => !isWaived(f.exempt, principal));
  const filters = active.map((candidate) => ({
    candidate,
    specialized: specialize(candidate.expr, { attributes: principal.attributes, groups: principal.closure }, principal.attributeTypes),
  }));
  const predicate = filters.length === 0 ? undefined : conjunction(filters.map((f) => f.specialized));
  return {
    table,
    principal,
    readable: grants.length > 0,
    grants,
    columns: table.columns.map((c) => columnAccess(table, c.key, c.name, principal)),
    filters,
    waivedFilters: table.filters.filter((f) => isWaived(f.exempt, principal)),
    predicate,
    neverTrue: predicate !== undefined && isAlwaysFalse(predicate),
  };
}

/** AND of specialised filters, folded again so that one FALSE makes the whole FALSE. */
function conjunction(items: readonly Expr[]): Expr {
  if (items.length === 1) return items[0]!;
  return specialize({ kind: 'and', items: [...items], span: { start: 0, end: 0 } } as Expr, { attributes: new Map(), groups: new Set() });
}

/** Convenience: access for a list of groups to a table by name. */
export function accessFor(resolved: Resolved, tableName: string, groups: readonly string[]): TableAccess | undefined {
  const table = resolved.table(tableName);
  return table ? tableAccess(table, resolved.principals.principal(groups)) : undefined;
}

/** Neutral text of the effective predicate (`TRUE` when nothing filters). */
export function predicateText(access: TableAccess): string {
  return access.predicate ? printExpr(access.predicate) : 'TRUE';
}

export type { SourcePos };
