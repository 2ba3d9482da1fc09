import type { Model } from '../model/types.js';
import type { AccessSummary, FilterAccess, MaskAccess } from '../targets/target.js';

/**
 * What a change to a view (or any object with an access summary) does, in the model's words
 * (issue 9, item 3): one line per column whose masks differ and per row filter that differs,
 *   phone: partial last 2 → partial last 3 (phone-last2, domains/sales.yaml:31:5)
 *   rows: + region IN user.region (own-region, domains/sales.yaml:18:5)
 * compared on the targets' neutral summaries (NativeObject.access), never on their SQL.
 */

/** Where a policy is declared, `file:line:col`, by name; undefined when the model no longer has it. */
export type PolicyAt = (policy: string) => string | undefined;

/** Policy positions of a model (global and domain policies), as explain shows them. */
export function policyPositions(model: Model): PolicyAt {
  const at = new Map<string, string>();
  for (const p of [...model.globalPolicies, ...model.domains.flatMap((d) => d.policies)]) {
    if (!at.has(p.name)) at.set(p.name, `${p.at.file}:${p.at.line}:${p.at.col}`);
  }
  return (policy) => at.get(policy);
}

/** The lines describing `before` → `after`; empty when the summaries agree (or one side has none). */
export function describeAccessChange(before: AccessSummary | undefined, after: AccessSummary | undefined, at: PolicyAt = () => undefined): string[] {
  if (!before || !after) return [];
  const out: string[] = [];
  const where = (policy: string) => {
    const pos = at(policy);
    return `(${policy}${pos ? `, ${pos}` : ', no longer in the model'})`;
  };

  const added = after.columns.filter((c) => !before.columns.includes(c));
  const removed = before.columns.filter((c) => !after.columns.includes(c));
  if (added.length || removed.length) out.push(`columns: ${[...added.map((c) => `+ ${c}`), ...removed.map((c) => `- ${c}`)].join(', ')}`);

  for (const column of after.columns) {
    const was = byPolicy(before.masks[column] ?? []);
    const now = byPolicy(after.masks[column] ?? []);
    for (const [policy, m] of was) if (!now.has(policy)) out.push(`${column}: - ${maskText(m)}${exemptText(m.exempt)} ${where(policy)}`);
    for (const [policy, m] of now) {
      const old = was.get(policy);
      if (!old) out.push(`${column}: + ${maskText(m)}${exemptText(m.exempt)} ${where(policy)}`);
      else {
        const changes = [
          ...(maskText(old) !== maskText(m) ? [`${maskText(old)} → ${maskText(m)}`] : []),
          ...exemptChange(old.exempt, m.exempt),
        ];
        if (changes.length) out.push(`${column}: ${maskText(old) === maskText(m) ? `${maskText(m)}, ` : ''}${changes.join(', ')} ${where(policy)}`);
      }
    }
  }

  const was = byPolicy(before.filters);
  const now = byPolicy(after.filters);
  for (const [policy, f] of was) if (!now.has(policy)) out.push(`rows: - ${f.allow}${exemptText(f.exempt)} ${where(policy)}`);
  for (const [policy, f] of now) {
    const old = was.get(policy);
    if (!old) out.push(`rows: + ${f.allow}${exemptText(f.exempt)} ${where(policy)}`);
    else {
      const changes = [...(old.allow !== f.allow ? [`${old.allow} → ${f.allow}`] : []), ...exemptChange(old.exempt, f.exempt)];
      if (changes.length) out.push(`rows: ${old.allow === f.allow ? `${f.allow}, ` : ''}${changes.join(', ')} ${where(policy)}`);
    }
  }
  return out;
}

/** A mask as explain words it: `hash`, `partial last 4`. */
function maskText(m: MaskAccess): string {
  return m.method === 'partial' && m.keep_last !== undefined ? `partial last ${m.keep_last}` : m.method;
}

function exemptText(exempt: readonly string[]): string {
  return exempt.length ? `, exempt: ${exempt.join(', ')}` : '';
}

function exemptChange(before: readonly string[], after: readonly string[]): string[] {
  const plus = after.filter((g) => !before.includes(g));
  const minus = before.filter((g) => !after.includes(g));
  return plus.length || minus.length ? [`exempt ${[...plus.map((g) => `+ ${g}`), ...minus.map((g) => `- ${g}`)].join(', ')}`] : [];
}

function byPolicy<T extends MaskAccess | FilterAccess>(entries: readonly T[]): Map<string, T> {
  return new Map(entries.map((e) => [e.policy, e]));
}
