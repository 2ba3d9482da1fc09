import { createInterface } from 'node:readline/promises';
import type { ApplyReport } from '../../apply/apply.js';
import { applyLayout, parseLockBudget } from '../../apply/budget.js';
import { runApply } from '../../apply/run.js';
import { blockingHazards, desiredHash, type Plan } from '../../plan/plan.js';
import { compareSavedPlan, loadSavedPlan, SavedPlanError } from '../../plan/saved.js';
import { stepText, type Step } from '../../plan/step.js';
import type { TargetSession } from '../../session/open-target.js';
import { step } from '../../progress.js';
import { commandHint, ExitError, paint, plural, useColour, type Paint } from '../output.js';
import { renderPlan } from '../views/plan.js';
import { convergedAfter, planFor, underLock } from '../../session/plan-for.js';
import { withSession } from './session.js';

export interface ApplyCommandOptions {
  dir: string;
  target?: string;
  yes?: boolean;
  allowHazard?: string[];
  json?: boolean;
  lockTimeout?: string;
  /** `--revoke-unmanaged`: also revoke unmanaged SELECT grants on governed base tables (UNMANAGED_REVOKE, blocking). */
  revokeUnmanaged?: boolean;
  /** commander's `--no-transaction` sets transaction: false (each change commits on its own). */
  transaction?: boolean;
  /** `--lock-budget <n>`: lock entries one transaction may use (default: MESHWARD_LOCK_BUDGET, else half the server's lock table). */
  lockBudget?: string;
  /** commander's `--no-stamp` sets stamp: false: no convergence stamp is trusted or written. */
  stamp?: boolean;
}

export async function applyCommand(planFile: string | undefined, options: ApplyCommandOptions): Promise<void> {
  const p = paint(useColour());
  // Every option is checked before anything is read or locked (a bad value never reaches BEGIN or the audit trail).
  let lockBudget: number | undefined;
  try {
    lockBudget = parseLockBudget(options.lockBudget, '--lock-budget') ?? parseLockBudget(process.env.MESHWARD_LOCK_BUDGET, 'MESHWARD_LOCK_BUDGET');
  } catch (e) {
    throw new ExitError(1, `meshward: ${(e as Error).message}`);
  }
  const lockTimeoutMs = parseLockTimeout(options.lockTimeout);
  const saved = planFile ? savedPlan(planFile) : undefined;
  const layoutOptions = { transaction: options.transaction !== false, lockBudget };
  let noticed = false;
  const notice = (message: string) => {
    if (noticed) return;
    noticed = true;
    process.stderr.write(p.yellow(message) + '\n');
  };
  const report = await withSession({ dir: options.dir, target: options.target ?? saved?.target, stamp: options.stamp !== false }, async (session) => {
    // A saved plan is re-derived as it was asked for (its options); else from this command's flags.
    const revokeUnmanaged = saved ? saved.options.revoke_unmanaged : options.revokeUnmanaged === true;
    const stampOn = options.stamp !== false;
    const { plan, probe } = await planFor(session, { revokeUnmanaged, stamp: { use: stampOn, write: stampOn } });
    const toApply: Plan = plan;
    if (saved) {
      refuseStale(saved, plan, session, planFile!);
      // The file is never executed as written: its steps must be exactly the re-derived ones,
      // and the re-derived ones are what runs.
      try {
        compareSavedPlan(saved, plan, planFile!);
      } catch (e) {
        if (e instanceof SavedPlanError) throw new ExitError(1, `meshward: ${e.message}`);
        throw e;
      }
    } else {
      if (!options.json) process.stdout.write(renderPlan(plan, p, { hint: (words) => commandHint(words, { dir: options.dir, target: plan.target }) }));
      if (plan.changes.length === 0) return undefined;
      if (!options.yes) {
        // Say how it will run before asking (a refusal is reported by the apply itself).
        const layout = await applyLayout(session, plan, layoutOptions).catch(() => undefined);
        if (layout?.notice) notice(layout.notice);
        await confirm(p);
      }
    }
    const blocked = blockingHazards(toApply, options.allowHazard ?? []);
    if (blocked.length) {
      for (const b of blocked) process.stderr.write(`${b.hazard} blocks apply: ${b.change.object} (${b.change.reason}); pass --allow-hazard ${b.hazard} to accept it\n`);
      throw new ExitError(1);
    }
    if (toApply.changes.length === 0) return undefined;
    const progress = step(`applying ${toApply.summary.api_calls ? plural(toApply.summary.steps, 'step') : plural(toApply.summary.statements, 'statement')} to target '${toApply.target}'`);
    const result = await runApply(session, toApply, {
      // Under the apply lock: the state the plan was made from must still be the live state.
      // Only the live state is read again, not planned again: a plan is a function of the model,
      // the options and what introspection read, and the state hash covers all that was read
      // (objects, findings, view fingerprints) — an equal hash re-derives the same plan. At
      // 10,000 tables the diff and render skipped here are seconds of the apply.
      check: underLock(session, toApply, probe),
      lockTimeoutMs,
      ...layoutOptions,
      onNotice: notice,
      onProgress: (done, total) => progress.update(`${done}/${total}`),
    }).finally(() => progress.done());
    // Read back in full once it committed: a plan of nothing then stamps the target, so that the
    // next plan and drift are proven by counters (README, Performance); anything else is said.
    const converged = result.ok && stampOn ? await convergedAfter(session, revokeUnmanaged) : null;
    return { result, plan: toApply, converged };
  });
  if (!report) {
    if (options.json) process.stdout.write(JSON.stringify(nothingToApplyJson(options.target ?? saved?.target ?? null), null, 2) + '\n');
    else process.stdout.write(p.green('Nothing to apply.') + '\n');
    return;
  }
  if (report.converged && report.converged.remaining > 0) {
    process.stderr.write(p.yellow(`After this apply a new plan still has ${plural(report.converged.remaining, 'change')}; run ${commandHint('plan', { dir: options.dir, target: report.plan.target })} to see them`) + '\n');
  }
  const json = { ...applyReportJson(report.result, report.plan.target), stamped: report.converged?.stamped ?? false };
  if (options.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else {
    const view = renderApplyReport(json, p);
    if (view.stdout) process.stdout.write(view.stdout);
    if (view.stderr) process.stderr.write(view.stderr);
  }
  if (!report.result.ok) throw new ExitError(1);
}


/** `--lock-timeout <ms>`: a whole number of milliseconds, 0 (wait forever, PostgreSQL's meaning) up to a day. */
function parseLockTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > 86_400_000) throw new ExitError(1, `meshward: --lock-timeout must be a whole number of milliseconds from 0 to 86400000, not ${JSON.stringify(text)}; e.g. --lock-timeout 10000`);
  return n;
}

function savedPlan(file: string): Plan {
  try {
    return loadSavedPlan(file);
  } catch (e) {
    if (e instanceof SavedPlanError) throw new ExitError(1, `meshward: ${e.message}`);
    throw e;
  }
}

/** A saved plan applies only to the state and the model it was made from (Terraform's rule). */
function refuseStale(saved: Plan, fresh: Plan, session: TargetSession, file: string): void {
  if (saved.target !== session.decl.name) throw new ExitError(1, `${file} was made for target '${saved.target}', not '${session.decl.name}'`);
  if (saved.state_hash !== fresh.state_hash) {
    throw new ExitError(1, `${file} is stale: target '${saved.target}' changed since the plan was made (state ${saved.state_hash.slice(0, 8)} → ${fresh.state_hash.slice(0, 8)}); run meshward plan again`);
  }
  // the same text as canonicalJson of [[key, spec], …], hashed in pieces (not one string of every view)
  if (saved.desired_hash !== desiredHash(session.desired)) throw new ExitError(1, `${file} is stale: it was made from another version of the policy repository; run meshward plan again`);
}

async function confirm(p: Paint): Promise<void> {
  if (!process.stdin.isTTY) throw new ExitError(1, 'refusing to apply without confirmation: no TTY to ask on; pass --yes, or save a plan with --out and apply that file');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(p.bold('Apply these changes? Only "yes" is accepted: '));
  rl.close();
  if (answer.trim() !== 'yes') throw new ExitError(1, 'Apply cancelled.');
}

/** `apply --json` (format 1; README, Safety). */
export interface ApplyJson {
  readonly format: 2;
  readonly ok: boolean;
  /** `nothing`: the target already matched the model; no transaction was opened. */
  readonly outcome: ApplyReport['outcome'] | 'nothing';
  /** null when nothing ran. */
  readonly mode: ApplyReport['mode'] | null;
  readonly target: string | null;
  /** null when nothing ran. */
  readonly ms: number | null;
  readonly rolled_back: boolean;
  readonly error: string | null;
  readonly lock_problem: string | null;
  readonly failure: { phase: string; index: number | null; change: string | null; step: Step | null; batch: number | null; error: string; code: string | null } | null;
  readonly lock_budget: { estimate: number; budget: number; source: string } | null;
  readonly batches: readonly { index: number; changes: number; steps: number; lock_estimate: number | null; outcome: string }[];
  readonly changes: readonly { key: string; action: string; object: string; batch: number; outcome: string }[];
  readonly steps: readonly { index: number; change: string; batch: number; step: Step; outcome: string; ok: boolean; ms: number | null; error: string | null }[];
  readonly applied: readonly number[];
  readonly not_applied: readonly number[];
  readonly unknown: readonly number[];
  readonly not_run: readonly Step[];
  readonly next: string;
  /** After a successful apply: whether the full read after it planned nothing and stamped the target (README, Performance). */
  readonly stamped?: boolean;
}

const ms = (v: number) => Math.round(v * 10) / 10;

export function applyReportJson(r: ApplyReport, target: string): ApplyJson {
  const indexes = (...outcomes: string[]) => r.outcomes.filter((s) => outcomes.includes(s.outcome)).map((s) => s.index);
  return {
    format: 2,
    ok: r.ok,
    outcome: r.outcome,
    mode: r.mode,
    target,
    ms: Math.round(r.ms),
    rolled_back: r.rolledBack,
    error: r.error ?? null,
    lock_problem: r.lockProblem ?? null,
    failure: r.failure ? { ...r.failure } : null,
    lock_budget: r.lock ? { ...r.lock } : null,
    batches: r.batches.map((b) => ({ index: b.index, changes: b.changes, steps: b.statements, lock_estimate: b.lockEstimate, outcome: b.outcome })),
    changes: r.changes.map((c) => ({ ...c })),
    steps: r.outcomes.map((s) => ({
      index: s.index,
      change: s.change,
      batch: s.batch,
      step: s.step,
      outcome: s.outcome,
      ok: s.outcome === 'applied' || s.outcome === 'rolled_back' || s.outcome === 'unknown',
      ms: s.ms === null ? null : ms(s.ms),
      error: s.error ?? null,
    })),
    applied: indexes('applied'),
    not_applied: indexes('rolled_back', 'failed', 'not_run'),
    unknown: indexes('unknown'),
    not_run: r.notRun,
    next: r.next,
  };
}

function nothingToApplyJson(target: string | null): ApplyJson {
  return {
    format: 2, ok: true, outcome: 'nothing', mode: null, target, ms: null, rolled_back: false, error: null, lock_problem: null, failure: null, lock_budget: null,
    batches: [], changes: [], steps: [], applied: [], not_applied: [], unknown: [], not_run: [], next: 'Nothing to apply.',
  };
}

const MODE_TEXT: Record<NonNullable<ApplyJson['mode']>, (j: ApplyJson) => string> = {
  transaction: () => 'one transaction',
  batches: (j) => `${j.batches.length} batches, each one transaction`,
  'no-transaction': () => 'one transaction per change',
  'auto-commit': () => 'each step committed on its own, the state recorded per change',
};

const SYMBOL: Record<string, string> = { add: '+', change: '~', remove: '-' };

/** Up to `max` changes as `  + object`, then how many more. */
function changeList(changes: ApplyJson['changes'], p: Paint, max = 15, mark?: (c: ApplyJson['changes'][number]) => string): string {
  const lines = changes.slice(0, max).map((c) => `  ${SYMBOL[c.action] ?? '?'} ${c.object}${mark ? mark(c) : ''}`);
  if (changes.length > max) lines.push(p.dim(`  … and ${changes.length - max} more (--json lists every change and step)`));
  return lines.join('\n') + '\n';
}

/** The human view of an apply, rendered from its JSON: what was applied, what was not, and what to do next. */
export function renderApplyReport(j: ApplyJson, p: Paint): { stdout: string; stderr: string } {
  // SQL steps are statements; a plan with API calls counts steps
  const word = j.steps.every((s) => s.step.kind === 'sql') ? 'statement' : 'step';
  const statements = (n: number) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (j.ok) {
    if (j.mode === null) return { stdout: p.green('Nothing to apply.') + '\n', stderr: '' };
    return { stdout: p.green(`Applied ${statements(j.applied.length)} to '${j.target}' in ${j.ms} ms (${MODE_TEXT[j.mode](j)}).`) + '\n', stderr: '' };
  }
  const f = j.failure!;
  const total = j.steps.length;
  const where = j.mode === 'transaction' || j.mode === null || f.batch === null ? '' : ` (${j.mode === 'batches' ? 'batch' : 'change'} ${f.batch} of ${j.batches.length})`;
  let out = '';
  if (j.outcome === 'unknown') out += p.red(`Apply outcome unknown: the connection was lost during COMMIT${where}: ${f.error}`) + '\n';
  else if (f.phase === 'statement') out += p.red(`Apply failed at ${word} ${f.index} of ${total}${where}: ${f.error}`) + '\n';
  else if (f.phase === 'prepare') out += p.red(`Apply refused before starting: ${f.error}`) + '\n';
  else out += p.red(`Apply failed ${f.phase === 'record' ? 'while recording the applied state' : f.phase === 'commit' ? 'at COMMIT' : 'opening a transaction'}${where}: ${f.error}`) + '\n';
  if (f.step) out += p.dim(`  in ${j.changes.find((c) => c.key === f.change)?.object ?? f.change}:`) + '\n' + p.dim(stepText(f.step).replace(/^/gm, '    ')) + '\n';
  if (j.lock_problem) out += p.yellow(j.lock_problem) + '\n';
  const applied = j.changes.filter((c) => c.outcome === 'applied');
  const unknown = j.changes.filter((c) => c.outcome === 'unknown');
  const notApplied = j.changes.filter((c) => c.outcome === 'failed' || c.outcome === 'not_applied');
  out += p.bold(`Applied and recorded: ${applied.length} of ${j.changes.length} changes (${statements(j.applied.length)}).`) + '\n';
  if (applied.length) out += changeList(applied, p);
  if (unknown.length) out += p.bold(`Unknown — committed or not, a new plan tells: ${unknown.length} changes (${statements(j.unknown.length)}).`) + '\n' + changeList(unknown, p);
  out += p.bold(`Not applied: ${notApplied.length} changes (${statements(j.not_applied.length)}${j.rolled_back ? ', rolled back' : ''}).`) + '\n';
  if (notApplied.length) out += changeList(notApplied, p, 15, (c) => (c.outcome === 'failed' ? p.red('   ← failed') : ''));
  out += p.yellow(`Next: ${j.next}`) + '\n';
  return { stdout: '', stderr: out };
}
