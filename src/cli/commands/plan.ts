import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { policyPositions } from '../../plan/describe.js';
import { buildPlan, desiredHash, joinedRenderer, savePlan, setRecordHint, type Plan } from '../../plan/plan.js';
import { planFromStamp, sessionInputHash, stampContentOf } from '../../plan/stamp.js';
import { inStep } from '../../progress.js';
import { contradictsModel } from '../../plan/findings.js';
import type { TargetSession } from '../../session/open-target.js';
import type { Change, Finding, StampProbe } from '../../targets/target.js';
import { ExitError, commandHint, paint, shellWord, useColour } from '../output.js';
import { renderPlan } from '../views/plan.js';
import { withSession } from './session.js';

export interface PlanOptions {
  dir: string;
  target?: string;
  out?: string;
  json?: boolean;
  detailedExitcode?: boolean;
  /** commander's --no-sql sets sql: false. */
  sql?: boolean;
  /** Turn unmanaged SELECT grants on governed base tables into UNMANAGED_REVOKE changes. */
  revokeUnmanaged?: boolean;
  /** `--full-sql`: every statement whole in the human output. */
  fullSql?: boolean;
  /** commander's --no-stamp sets stamp: false: read the live state in full, whatever the stamp says. */
  stamp?: boolean;
}

export interface PlanForOptions {
  /** `--revoke-unmanaged`: revoke the unmanaged grants that contradict the model (BYPASS_GRANT findings). */
  readonly revokeUnmanaged?: boolean;
  /**
   * Convergence stamps (README, Performance): `use` takes a plan the target proves unchanged since
   * its stamp (default true); `write` stamps the target when the full read plans nothing (apply).
   */
  readonly stamp?: { readonly use: boolean; readonly write: boolean };
}

/** Introspects and diffs: the plan for a session. Refuses to plan over objects it does not own. */
export async function planFor(session: TargetSession, options: PlanForOptions = {}): Promise<{ plan: Plan; changes: Change[]; stamped?: boolean; probe?: StampProbe }> {
  const stamps = session.target.stamps;
  const stampUse = options.stamp ?? { use: true, write: false };
  const request = { revoke_unmanaged: options.revokeUnmanaged === true };
  const step = `checking the stamp of target '${session.decl.name}'`;
  const pre = session.stamp; // probed when the session was opened (OpenOptions.stamp)
  const input = pre ? pre.input : stamps && (stampUse.use || stampUse.write) ? sessionInputHash(stamps, session) : null;
  if (stamps && stampUse.use) {
    // the stamp's own scope first: a stamp that holds for this model needs nothing compiled
    const held = pre?.probe ?? (await inStep(step, () => stamps.probe(session.conn, session.ctx)));
    const stamped = planFromStamp(held, { target: session.decl.name, project: session.model.project.name, input, desiredHash: () => desiredHash(session.desired), request });
    if (stamped) return { plan: stamped, changes: [] };
  }
  // to write a stamp, the counters cover this model's reads too, and are read before the catalog:
  // a stamp written from this read then proves only what was there before it
  const probe = stamps && stampUse.write ? await inStep(step, () => stamps.probe(session.conn, session.ctx, session.desired)) : undefined;
  const current = await inStep(`reading the live state of target '${session.decl.name}'`, () => session.target.introspect(session.conn, session.ctx, session.desired));
  const desiredKeys = new Set(session.desired.map((o) => o.key));
  const collisions = current.findings.filter((f) => f.code === 'FOREIGN_OBJECT' && f.key && desiredKeys.has(f.key));
  if (collisions.length) {
    for (const f of collisions) {
      const way = f.remedy ? `to resolve it, ${f.remedy}` : 'rename or drop it, or choose another managed_prefix';
      process.stderr.write(`${f.message}: meshward would create it, but it is not managed by project '${session.model.project.name}'; ${way}\n`);
    }
    throw new ExitError(1);
  }
  const extra = options.revokeUnmanaged ? revokesOf(session, current.findings) : [];
  const rctx = { ...session.ctx, desired: session.desired }; // one render context, not a copy per change
  const built = buildPlan({
    extra,
    request,
    target: session.target,
    targetName: session.decl.name,
    project: session.model.project.name,
    desired: session.desired,
    current: current.objects,
    findings: current.findings,
    stateHash: current.stateHash,
    render: (c) => session.target.render(c, rctx),
    renderJoined: joinedRenderer(session.target, rctx),
    policyAt: policyPositions(session.model),
  });
  setRecordHint(built.plan, current); // what its apply's records rewrite besides its changes (apply.ts), when asked
  if (stampUse.write && probe && built.plan.changes.length === 0) {
    const stamped = await inStep(`stamping target '${session.decl.name}'`, () => stamps!.write(session.conn, session.ctx, probe, current, stampContentOf(built.plan, input)));
    return { ...built, stamped, probe };
  }
  return { ...built, ...(probe ? { probe } : {}) };
}

/** The target's revokes of the unmanaged grants that contradict the model (BYPASS_GRANT findings). */
function revokesOf(session: TargetSession, findings: readonly Finding[]): Omit<Change, 'hazards'>[] {
  const bypasses = findings.filter((f) => f.code === 'BYPASS_GRANT');
  if (bypasses.length === 0) return [];
  const revoke = session.target.revokeFinding;
  if (!revoke) throw new ExitError(1, `target '${session.decl.name}' (${session.target.type}) cannot revoke unmanaged grants; leave out --revoke-unmanaged`);
  return bypasses.map((f) => revoke.call(session.target, f, session.ctx)).filter((c): c is Omit<Change, 'hazards'> => c !== undefined);
}

export async function planCommand(options: PlanOptions): Promise<void> {
  if (options.out) checkWritable(options.out); // before connecting: a plan that cannot be saved is not worth making
  const plan = await withSession({ dir: options.dir, target: options.target, stamp: options.stamp !== false }, async (s) => (await planFor(s, { revokeUnmanaged: options.revokeUnmanaged, stamp: { use: options.stamp !== false, write: false } })).plan);
  // Saved before anything is printed: "Saved to" is only ever said of a file that exists.
  if (options.out) {
    try {
      savePlan(options.out, plan);
    } catch (e) {
      throw new ExitError(1, `meshward: cannot save the plan to ${options.out}: ${(e as Error).message}`);
    }
  }
  if (options.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
  else process.stdout.write(renderPlan(plan, paint(useColour()), { showSql: options.sql !== false, fullSql: options.fullSql === true, hint: (words) => commandHint(words, { dir: options.dir, target: plan.target }) }));
  if (options.out && !options.json) process.stdout.write(`Saved to ${options.out} — apply it with: ${commandHint(`apply ${shellWord(options.out)}`, { dir: options.dir, target: plan.target })}\n`);
  // Not in sync: changes to make, or findings that contradict the model (the same rule as drift).
  if (options.detailedExitcode && (plan.changes.length > 0 || plan.findings.some(contradictsModel))) throw new ExitError(2);
}

/** The directory of `--out` must exist and be a directory; an existing file there must not be a directory. */
function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  let why: string | undefined;
  try {
    if (!statSync(dir).isDirectory()) why = `${dir} is not a directory`;
    else if (existsSync(file) && statSync(file).isDirectory()) why = `${file} is a directory`;
    else accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    why = code === 'ENOENT' ? `the directory ${dir} does not exist` : code === 'EACCES' ? `${dir} is not writable` : (e as Error).message;
  }
  if (why) throw new ExitError(1, `meshward: cannot save the plan to ${file}: ${why}; nothing was read from the target`);
}
