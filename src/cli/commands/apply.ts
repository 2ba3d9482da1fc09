import { createInterface } from 'node:readline/promises';
import type { ApplyReport } from '../../apply/apply.js';
import { runApply } from '../../apply/run.js';
import { canonicalJson, sha256 } from '../../plan/canonical.js';
import { blockingHazards, loadPlan, type Plan } from '../../plan/plan.js';
import type { TargetSession } from '../../session/open-target.js';
import { ExitError, paint, useColour, type Paint } from '../output.js';
import { renderPlan } from '../views/plan.js';
import { planFor } from './plan.js';
import { withSession } from './session.js';

export interface ApplyCommandOptions {
  dir: string;
  target?: string;
  yes?: boolean;
  allowHazard?: string[];
  json?: boolean;
  lockTimeout?: string;
}

export async function applyCommand(planFile: string | undefined, options: ApplyCommandOptions): Promise<void> {
  const p = paint(useColour());
  const saved = planFile ? loadPlan(planFile) : undefined;
  const report = await withSession({ dir: options.dir, target: options.target ?? saved?.target }, async (session) => {
    const { plan } = await planFor(session);
    let toApply: Plan = plan;
    if (saved) {
      refuseStale(saved, plan, session, planFile!);
      toApply = saved;
    } else {
      if (!options.json) process.stdout.write(renderPlan(plan, p));
      if (plan.changes.length === 0) return undefined;
      if (!options.yes) await confirm(p);
    }
    const blocked = blockingHazards(toApply, options.allowHazard ?? []);
    if (blocked.length) {
      for (const b of blocked) process.stderr.write(`${b.hazard} blocks apply: ${b.change.object} (${b.change.reason}); pass --allow-hazard ${b.hazard} to accept it\n`);
      throw new ExitError(1);
    }
    if (toApply.changes.length === 0) return undefined;
    const progress = process.stderr.isTTY && !options.json;
    const result = await runApply(session, toApply, {
      // Under the apply lock: the state the plan was made from must still be the live state.
      check: async () => {
        const { plan: now } = await planFor(session);
        if (now.state_hash !== toApply.state_hash) throw new ExitError(1, `target '${toApply.target}' changed while the plan was being confirmed (state ${toApply.state_hash.slice(0, 8)} → ${now.state_hash.slice(0, 8)}); nothing was applied — run meshward plan again`);
      },
      lockTimeoutMs: options.lockTimeout ? Number(options.lockTimeout) : undefined,
      onProgress: progress ? (done, total) => process.stderr.write(`\rapplying ${done}/${total}`) : undefined,
    });
    if (progress) process.stderr.write('\r\u001b[K');
    return { result, plan: toApply };
  });
  if (!report) {
    if (options.json) process.stdout.write(JSON.stringify({ format: 1, ok: true, applied: 0 }, null, 2) + '\n');
    else process.stdout.write(p.green('Nothing to apply.') + '\n');
    return;
  }
  printReport(report.result, report.plan, p, options.json);
  if (!report.result.ok) throw new ExitError(1);
}

/** A saved plan applies only to the state and the model it was made from (Terraform's rule). */
function refuseStale(saved: Plan, fresh: Plan, session: TargetSession, file: string): void {
  if (saved.target !== session.decl.name) throw new ExitError(1, `${file} was made for target '${saved.target}', not '${session.decl.name}'`);
  if (saved.state_hash !== fresh.state_hash) {
    throw new ExitError(1, `${file} is stale: target '${saved.target}' changed since the plan was made (state ${saved.state_hash.slice(0, 8)} → ${fresh.state_hash.slice(0, 8)}); run meshward plan again`);
  }
  const desiredHash = sha256(canonicalJson(session.desired.map((o) => [o.key, o.spec])));
  if (saved.desired_hash !== desiredHash) throw new ExitError(1, `${file} was made from another version of the policy repository; run meshward plan again`);
}

async function confirm(p: Paint): Promise<void> {
  if (!process.stdin.isTTY) throw new ExitError(1, 'refusing to apply without confirmation: no TTY to ask on; pass --yes, or save a plan with --out and apply that file');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(p.bold('Apply these changes? Only "yes" is accepted: '));
  rl.close();
  if (answer.trim() !== 'yes') throw new ExitError(1, 'Apply cancelled.');
}

function printReport(r: ApplyReport, plan: Plan, p: Paint, json?: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ format: 1, ok: r.ok, target: plan.target, rolled_back: r.rolledBack, error: r.error ?? null, lock_problem: r.lockProblem ?? null, ms: Math.round(r.ms), statements: r.statements.map((s) => ({ sql: s.sql, ok: s.ok, ms: Math.round(s.ms), error: s.error ?? null })), not_run: r.notRun }, null, 2) + '\n');
    return;
  }
  if (r.ok) {
    process.stdout.write(p.green(`Applied ${r.statements.length} statements to '${plan.target}' in ${Math.round(r.ms)} ms (one transaction).`) + '\n');
    return;
  }
  const failed = r.statements[r.statements.length - 1];
  process.stderr.write(p.red(`Apply failed at statement ${r.statements.length} of ${r.statements.length + r.notRun.length}: ${r.error}`) + '\n');
  if (failed) process.stderr.write(p.dim(failed.sql) + '\n');
  if (r.lockProblem) process.stderr.write(p.yellow(r.lockProblem) + '\n');
  process.stderr.write(`The transaction was rolled back: nothing of this plan was applied. Fix the cause and run meshward plan again.\n`);
}
