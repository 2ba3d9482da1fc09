import { strictnessRank, type MaskMethod } from './mask-methods.js';
import type { Policy } from '../model/types.js';

/** A mask that reaches a column, before exemptions are applied for a principal. */
export interface MaskCandidate {
  readonly policy: Policy;
  readonly method: MaskMethod;
  readonly keepLast?: number;
  /** Exempt group names as written in the policy. */
  readonly exempt: readonly string[];
}

export interface MaskOutcome {
  readonly method: MaskMethod;
  readonly keepLast?: number;
  /** Policies giving the winning result, winner first (global before domain, then by name). */
  readonly winners: readonly MaskCandidate[];
  /** Other policies that also reach the column for this principal. */
  readonly others: readonly MaskCandidate[];
  /** Set when two different middle-tier methods met and resolved to hash. */
  readonly conflict?: readonly MaskMethod[];
}

/** Global before domain, then by name: the order `explain` lists policies in. */
export function policyOrder(a: { policy: Policy }, b: { policy: Policy }): number {
  if (a.policy.scope !== b.policy.scope) return a.policy.scope === 'global' ? -1 : 1;
  return a.policy.name < b.policy.name ? -1 : a.policy.name > b.policy.name ? 1 : 0;
}

/**
 * Strictest wins: nullify > redact > hash > {partial, email_domain, year_only} > clear.
 * Two different middle methods resolve to hash; the same method with different parameters takes
 * the stricter parameter (smallest keep_last).
 */
export function strictest(candidates: readonly MaskCandidate[]): MaskOutcome | undefined {
  if (candidates.length === 0) return undefined;
  const sorted = [...candidates].sort(policyOrder);
  const top = Math.max(...sorted.map((c) => strictnessRank(c.method)));
  const atTop = sorted.filter((c) => strictnessRank(c.method) === top);
  const methods = [...new Set(atTop.map((c) => c.method))].sort();
  if (methods.length > 1) {
    return { method: 'hash', winners: atTop, others: sorted.filter((c) => !atTop.includes(c)), conflict: methods };
  }
  const method = methods[0]!;
  let keepLast: number | undefined;
  let winners = atTop;
  if (method === 'partial') {
    keepLast = Math.min(...atTop.map((c) => c.keepLast ?? 4));
    winners = atTop.filter((c) => (c.keepLast ?? 4) === keepLast);
  }
  return { method, keepLast, winners, others: sorted.filter((c) => !winners.includes(c)) };
}
