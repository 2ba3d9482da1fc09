import type { Plan, PlannedChange } from '../../plan/plan.js';
import { contradictsModel, findingRemedy } from '../../plan/findings.js';
import { plural, type Paint } from '../output.js';
import { maxOf } from '../../util/max.js';
import { canonicalJson } from '../../plan/canonical.js';
import { apiLine, type ApiStep } from '../../plan/step.js';

const SYMBOL: Record<PlannedChange['action'], string> = { add: '+', change: '~', remove: '-' };

/**
 * The plan a reviewer reads: grouped by domain and table, markers, hazards, SQL, totals. A change
 * that carries details (a view change described per column and filter) shows them, with its
 * statements folded to their first line under them unless `fullSql`; `showSql: false` shows none.
 */
export function renderPlan(plan: Plan, p: Paint, options: { showSql?: boolean; fullSql?: boolean; hint?: (words: string) => string } = {}): string {
  const out: string[] = [];
  const groups = new Map<string, PlannedChange[]>();
  for (const c of plan.changes) {
    const head = c.table ? `domain ${c.domain ?? '-'} · ${c.table}` : c.domain ? `domain ${c.domain}` : 'platform (roles, schemas, governance)';
    const list = groups.get(head);
    if (list) list.push(c);
    else groups.set(head, [c]);
  }
  const kindWidth = maxOf(plan.changes.map((c) => c.kind.length), 10);
  // On a new target every grant widens access: said once below, not on every line.
  const shown = (h: string) => !(plan.new_target && h === 'AUTHZ_WIDEN');
  for (const [head, changes] of groups) {
    out.push(p.bold(head));
    for (const c of changes) {
      const marker = c.action === 'add' ? p.green(SYMBOL[c.action]) : c.action === 'remove' ? p.red(SYMBOL[c.action]) : p.yellow(SYMBOL[c.action]);
      const policies = c.policy.length ? p.dim(`  ${c.policy.join(', ')}`) : '';
      const lineHazards = c.hazards.filter(shown);
      const hazards = lineHazards.length ? '  ' + lineHazards.map((h) => (h === 'AUTHZ_WIDEN' || h === 'UNMANAGED_REVOKE' || h === 'REPLACE_GAP' ? p.red(h) : p.yellow(h))).join(' ') : '';
      // The label often starts with the kind ("role mw_x"): the kind column says it already.
      const object = c.object.startsWith(`${c.kind} `) ? c.object.slice(c.kind.length + 1) : c.object;
      out.push(`  ${marker} ${c.kind.padEnd(kindWidth)} ${object}${policies}${hazards}`);
      // A described change (a view) says what it does in the model's words; its SQL is folded under that.
      const details = c.details ?? [];
      if (c.action === 'change' && (details.length === 0 || c.reason.startsWith('live object differs'))) out.push(p.dim(`      ${c.reason}`));
      if (c.forget) out.push(p.dim(`      ${c.reason}`)); // no step runs: say why the change is there
      for (const d of details) out.push(`      ${d}`);
      if (options.showSql === false) continue;
      if (c.served_by !== undefined) out.push(p.dim(`      (made by the statement of ${plan.changes[c.served_by]?.object ?? `change ${c.served_by + 1}`})`));
      const fold = details.length > 0 && !options.fullSql;
      for (const st of c.steps) out.push(p.dim(st.kind === 'sql' ? (fold ? folded(st.text, 8) : indent(st.text, 6)) : apiCall(st, fold ? 8 : 6)));
    }
  }
  // Findings that contradict the model are reported apart, each with what removes it (the rule
  // drift follows too: src/plan/findings.ts); the others are only reported.
  const hint = options.hint ?? ((words: string) => `meshward ${words}`);
  const contradicting = plan.findings.filter(contradictsModel);
  const other = plan.findings.filter((f) => !contradictsModel(f));
  if (contradicting.length) {
    const revoked = new Set(plan.changes.filter((c) => c.kind === 'unmanaged_grant').map((c) => c.reason));
    out.push(p.bold('contradicts the model (the target is not in sync until these are gone)'));
    for (const f of contradicting) {
      const inPlan = f.code === 'BYPASS_GRANT' && [...revoked].some((r) => r.includes(f.message));
      out.push(`  ! ${p.red(f.code)} ${f.message}${inPlan ? p.red(' → revoked by this plan (UNMANAGED_REVOKE)') : ''}`);
      if (!inPlan) out.push(p.dim(`      → ${findingRemedy(f, hint)}`));
      if (f.remedy) out.push(p.dim(`        to resolve it, ${f.remedy}`));
    }
  }
  if (other.length) {
    out.push(p.bold('not managed by meshward (reported, never changed)'));
    for (const f of other) out.push(`  ! ${p.yellow(f.code)} ${f.message}`);
  }
  const s = plan.summary;
  if (plan.new_target && s.widening > 0) {
    const byKind = new Map<string, number>();
    for (const c of plan.changes) if (c.hazards.includes('AUTHZ_WIDEN')) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
    const kinds = [...byKind].map(([k, n]) => plural(n, k)).join(', ');
    out.push(p.yellow(`${plural(s.widening, 'change widens', 'changes widen')} access (${kinds}): new target — nothing of project ${plan.project} is applied here yet (AUTHZ_WIDEN, listed per change in --json)`));
  }
  if (plan.changes.length === 0 && contradicting.length === 0) out.push(p.green('No changes. The target matches the model.'));
  else if (plan.changes.length === 0) out.push(p.red(`No changes meshward makes unasked, but the target does not match the model: ${plural(contradicting.length, 'finding contradicts', 'findings contradict')} it (above).`));
  const steps = !s.api_calls ? plural(s.statements, 'statement') : s.statements ? `${plural(s.statements, 'statement')}, ${plural(s.api_calls, 'API call')}` : plural(s.api_calls, 'API call');
  out.push(`Plan: ${s.add} to add, ${s.change} to change, ${s.remove} to remove · ${plural(s.hazards, 'hazard')} (${s.widening} widening) · ${steps} · state ${plan.state_hash.slice(0, 8)}`);
  if (plan.live_read) out.push(p.dim(`Live state proven unchanged since the stamp of ${plan.live_read.stamped_at} (counters, not a full read; --no-stamp reads it in full).`));
  return out.join('\n') + '\n';
}

/** A statement as its first line, and how many more it has (plan --json and --out keep every statement whole). */
function folded(text: string, n: number): string {
  const lines = text.split('\n');
  return ' '.repeat(n) + lines[0] + (lines.length > 1 ? ` … (${lines.length - 1} more lines; plan --json shows the whole statement)` : '');
}

/**
 * An API call as `METHOD service/path`, its body folded to one line of at most 100 characters
 * (plan --json and --out keep it whole), and what makes a retry safe when the call has it.
 */
function apiCall(step: ApiStep, n: number): string {
  const lines = [' '.repeat(n) + apiLine(step)];
  if (step.body !== undefined) {
    const body = canonicalJson(step.body);
    lines.push(' '.repeat(n + 2) + (body.length > 100 ? `${body.slice(0, 99)}… (${body.length} characters; plan --json shows the whole body)` : body));
  }
  const guard = [step.idempotency.etag !== undefined ? `if-match ${step.idempotency.etag}` : '', step.idempotency.request_id !== undefined ? `request id ${step.idempotency.request_id}` : ''].filter(Boolean);
  if (guard.length) lines.push(' '.repeat(n + 2) + `(${guard.join(', ')})`);
  return lines.join('\n');
}

function indent(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}
