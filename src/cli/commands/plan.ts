import { buildPlan, savePlan, type Plan } from '../../plan/plan.js';
import type { TargetSession } from '../../session/open-target.js';
import type { Change } from '../../targets/target.js';
import { ExitError, paint, useColour } from '../output.js';
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
}

/** Introspects and diffs: the plan for a session. Refuses to plan over objects it does not own. */
export async function planFor(session: TargetSession): Promise<{ plan: Plan; changes: Change[] }> {
  const current = await session.target.introspect(session.conn, session.ctx, session.desired);
  const desiredKeys = new Set(session.desired.map((o) => o.key));
  const collisions = current.findings.filter((f) => f.code === 'FOREIGN_OBJECT' && f.key && desiredKeys.has(f.key));
  if (collisions.length) {
    for (const f of collisions) process.stderr.write(`${f.message}: meshward would create it, but it is not managed by project '${session.model.project.name}'; rename or drop it, or choose another managed_prefix\n`);
    throw new ExitError(1);
  }
  return buildPlan({
    target: session.target,
    targetName: session.decl.name,
    project: session.model.project.name,
    desired: session.desired,
    current: current.objects,
    findings: current.findings,
    stateHash: current.stateHash,
    render: (c) => session.target.render(c, { ...session.ctx, desired: session.desired }),
  });
}

export async function planCommand(options: PlanOptions): Promise<void> {
  const plan = await withSession({ dir: options.dir, target: options.target }, async (s) => (await planFor(s)).plan);
  if (options.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
  else process.stdout.write(renderPlan(plan, paint(useColour()), { showSql: options.sql !== false }));
  if (options.out) {
    savePlan(options.out, plan);
    if (!options.json) process.stdout.write(`Saved to ${options.out} — apply it with: meshward apply --target ${plan.target} ${options.out}\n`);
  }
  if (options.detailedExitcode && plan.changes.length > 0) throw new ExitError(2);
}
