import { expandTargetSettings } from '../../config/env.js';
import { buildPlan, joinedRenderer } from '../../plan/plan.js';
import { targetFor } from '../../targets/index.js';
import type { TargetContext } from '../../targets/target.js';
import { unknownTargetMessage } from '../../session/open-target.js';
import { ExitError, printDiagnostics } from '../output.js';
import { loadOrExit } from './validate.js';
import { stepText } from '../../plan/step.js';

export interface CompileOptions {
  dir: string;
  inventory?: string;
  target?: string;
  domain?: string;
}

/**
 * The full desired native SQL, no connection: every desired object as if the target were
 * empty, in apply order. `--domain` keeps what one domain causes (a domain owner's preview).
 */
export function compileCommand(options: CompileOptions): void {
  const { resolved, root, model, inventory, diagnostics } = loadOrExit(options, true) as ReturnType<typeof loadOrExit> & { model: NonNullable<ReturnType<typeof loadOrExit>['model']> };
  if (!inventory) throw new ExitError(1, 'compile needs an inventory: pass --inventory FILE or write inventory.json with meshward inventory --target T');
  const decl = options.target ? model.project.targets.find((t) => t.name === options.target) : model.project.targets[0];
  if (!decl) throw new ExitError(1, `meshward: ${unknownTargetMessage(options.target!, model.project.targets)}`);
  const target = targetFor(decl.type);
  if (!target) throw new ExitError(1, `target type ${decl.type} cannot be compiled by this version`);
  if (options.domain && !model.domains.some((d) => d.name === options.domain)) throw new ExitError(1, `unknown domain '${options.domain}'; domains: ${model.domains.map((d) => d.name).join(', ')}`);
  // Settings may reference unset variables (a url); compiling does not connect, so ignore those.
  const settings = expandTargetSettings(decl, new Proxy({}, { get: () => '' }) as NodeJS.ProcessEnv, diagnostics);
  const ctx: TargetContext = { model, target: decl, settings, root, diagnostics };
  const desired = target.compile(resolved, ctx);
  printDiagnostics(diagnostics.sorted().filter((d) => d.severity === 'error'), root);
  const rctx = { ...ctx, desired }; // one render context, not a copy per change
  const { plan } = buildPlan({ target, targetName: decl.name, project: model.project.name, desired, current: [], findings: [], stateHash: 'none', render: (c) => target.render(c, rctx), renderJoined: joinedRenderer(target, rctx) });
  const changes = options.domain ? plan.changes.filter((c) => c.domain === options.domain) : plan.changes;
  const lines = [`-- meshward compile: project ${model.project.name}, target ${decl.name} (${decl.type})${options.domain ? `, domain ${options.domain}` : ''}`];
  if (!options.domain) lines.push(`-- ${plan.summary.statements} statements${plan.summary.api_calls ? `, ${plan.summary.api_calls} API calls` : ''}${plan.summary.floor !== undefined ? ` (the fewest the engine allows for these changes: ${plan.summary.floor})` : ''}`);
  if (options.domain) {
    const d = model.domains.find((x) => x.name === options.domain)!;
    lines.push(`-- owners: ${d.owners.map((o) => o.name).join(', ') || '(none)'} · ${d.file}`);
  }
  // SQL steps as they run; an API call as a comment line, so the output stays a script a SQL client runs
  for (const c of changes) lines.push('', `-- ${c.object}${c.policy.length ? ` (${c.policy.join(', ')})` : ''}`, ...c.steps.map((st) => (st.kind === 'sql' ? st.text : `-- api: ${stepText(st)}`)));
  process.stdout.write(lines.join('\n') + '\n');
  void inventory;
}
