import type { MaskMethod } from '../resolve/mask-methods.js';
import type { AccessSummary } from '../targets/target.js';
import type { EstateMask } from './estate.js';

/**
 * Import from the recorded state, the neutral half: what meshward recorded a control lets through
 * (its typed access summary) back into the model's words — one mask per column and policy, one
 * filter per policy. Where a target can also read the compiled form back (PostgreSQL's view SQL:
 * the order of the filters, the attribute values of the groups), that is its own.
 */
export function recordedMasks(access: AccessSummary): EstateMask[] {
  const out: EstateMask[] = [];
  for (const [column, masks] of Object.entries(access.masks)) {
    for (const m of masks) out.push({ policy: m.policy, method: m.method as MaskMethod, ...(m.keep_last !== undefined ? { keepLast: m.keep_last } : {}), exempt: m.exempt, table: access.table, column });
  }
  return out;
}

/** The recorded row filters of a control, in the model's words (policy, allow text, exempt groups). */
export function recordedFilters(access: AccessSummary): { policy: string; allow: string; exempt: readonly string[]; table: string }[] {
  return access.filters.map((f) => ({ policy: f.policy, allow: f.allow, exempt: f.exempt, table: access.table }));
}
