import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { savePlan } from '../../plan/plan.js';
import { contradictsModel } from '../../plan/findings.js';
import { planFor } from '../../session/plan-for.js';
import { quickProbe } from '../../session/quick-probe.js';
import { planFromStamp } from '../../plan/stamp.js';
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

export async function planCommand(options: PlanOptions): Promise<void> {
  if (options.out) checkWritable(options.out); // before connecting: a plan that cannot be saved is not worth making
  const request = { revoke_unmanaged: options.revokeUnmanaged === true };
  // a stamp that holds for these very files is the plan: nothing parsed, read in full or compiled (quick-probe.ts)
  const stamped = options.stamp !== false ? await quickProbe(options, (q) => planFromStamp(q.probe, { target: q.decl.name, project: q.project, input: q.input, desiredHash: () => '', request })) : null;
  const plan = stamped ?? (await withSession({ dir: options.dir, target: options.target, stamp: options.stamp !== false }, async (s) => (await planFor(s, { revokeUnmanaged: options.revokeUnmanaged, stamp: { use: options.stamp !== false, write: false } })).plan));
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
