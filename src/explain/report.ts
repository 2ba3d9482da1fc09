import type { SourcePos } from '../model/neutral-types.js';
import { attributesOf, isAlwaysFalse, printExpr } from '../model/expr/index.js';
import type { ColumnAccess, TableAccess } from '../resolve/access.js';
import type { Resolved } from '../resolve/resolve.js';
import type { MaskCandidate } from '../resolve/strictest.js';
import { targetFor } from '../targets/index.js';

export interface Pos {
  file: string;
  line: number;
  col: number;
}

export interface ExplainPolicyRef {
  policy: string;
  access: string;
  params: Record<string, number>;
  at: Pos;
}

export interface ExplainColumn {
  name: string;
  type: string | null;
  access: string;
  params: Record<string, number>;
  policy: string | null;
  at: Pos | null;
  also: ExplainPolicyRef[];
  waived: ExplainPolicyRef[];
  /** Set when two middle-tier methods met and the column resolved to hash. */
  conflict: string[] | null;
}

/** `explain --json` (product.md, format 1): one principal × one table. */
export interface ExplainReport {
  format: 1;
  groups: string[];
  table: string;
  domain: string;
  owners: string[];
  native_name: string | null;
  readable: boolean;
  grant: (Pos & { group: string }) | null;
  columns: ExplainColumn[];
  row_predicate: string | null;
  never_true: boolean;
  /** Why no row can match, e.g. `restricted-rows: user.clearance is empty for hr_partners`. */
  never_true_reason: string | null;
  row_policies: { policy: string; allow: string; effective: string; at: Pos }[];
  waived_row_policies: { policy: string; at: Pos }[];
}

const pos = (at: SourcePos): Pos => ({ file: at.file, line: at.line, col: at.col });

function params(m: { method: string; keepLast?: number }): Record<string, number> {
  return m.method === 'partial' && m.keepLast !== undefined ? { keep_last: m.keepLast } : {};
}

function ref(m: MaskCandidate): ExplainPolicyRef {
  return { policy: m.policy.name, access: m.method, params: params(m), at: pos(m.policy.at) };
}

function column(c: ColumnAccess, type: string | undefined): ExplainColumn {
  const winner = c.winners[0];
  return {
    name: c.name,
    type: type ?? null,
    access: c.access,
    params: c.access === 'partial' ? { keep_last: c.keepLast ?? 4 } : {},
    policy: winner?.policy.name ?? null,
    at: winner ? pos(winner.policy.at) : null,
    also: [...c.winners.slice(1), ...c.others].map(ref),
    waived: c.waived.map(ref),
    conflict: c.conflict ? [...c.conflict] : null,
  };
}

/** Builds the stable JSON report from the oracle's answer; the human view renders this value. */
export function explainReport(resolved: Resolved, access: TableAccess, target: { type: string; settings: Readonly<Record<string, unknown>> } | undefined): ExplainReport {
  const t = access.table.table;
  const domain = resolved.model.domains.find((d) => d.name === t.domain);
  const grant = access.grants[0];
  return {
    format: 1,
    groups: [...access.principal.groups],
    table: t.name,
    domain: t.domain,
    owners: (domain?.owners ?? []).map((o) => o.name),
    native_name: (target && targetFor(target.type)?.consumerName?.(resolved, target.settings, t.parts)) ?? null,
    readable: access.readable,
    grant: grant ? { group: grant.group, ...pos(grant.at) } : null,
    columns: access.columns.map((c) => column(c, t.columnByKey.get(c.name.toLowerCase())?.type)),
    row_predicate: access.predicate ? printExpr(access.predicate) : null,
    never_true: access.neverTrue,
    never_true_reason: access.neverTrue ? neverTrueReason(access) : null,
    row_policies: access.filters.map((f) => ({ policy: f.candidate.policy.name, allow: printExpr(f.candidate.expr), effective: printExpr(f.specialized), at: pos(f.candidate.policy.at) })),
    waived_row_policies: access.waivedFilters.map((f) => ({ policy: f.policy.name, at: pos(f.policy.at) })),
  };
}

/** Names the filters that fold to FALSE and the empty attributes that make them so. */
function neverTrueReason(access: TableAccess): string {
  const who = access.principal.groups.join(' + ');
  const reasons = access.filters
    .filter((f) => isAlwaysFalse(f.specialized))
    .map((f) => {
      const empty = attributesOf(f.candidate.expr).filter((a) => (access.principal.attributes.get(a) ?? []).length === 0);
      return `${f.candidate.policy.name}: ${empty.length ? `${empty.map((a) => `user.${a}`).join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty for ${who}` : `${printExpr(f.candidate.expr)} is never true for ${who}`}`;
    });
  return reasons.length ? reasons.join('; ') : `the filters together are never true for ${who}`;
}
