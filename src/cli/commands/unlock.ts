import { expandTargetSettings } from '../../config/env.js';
import { loadRepository } from '../../config/load.js';
import { didYouMean } from '../../model/did-you-mean.js';
import { targetFor } from '../../targets/index.js';
import type { Target, TargetContext } from '../../targets/target.js';
import { ExitError, paint, printDiagnostics, useColour } from '../output.js';

export interface UnlockOptions {
  dir: string;
  target?: string;
  force?: boolean;
}

/**
 * `meshward unlock --target T [--force]`: shows who holds the target's lock and breaks a stale
 * one (its process is gone). A live lock is only broken with --force. Never opens an embedded
 * database (that would need the lock). Exit 0 when the target is (now) unlocked, 1 when refused.
 */
export async function unlockCommand(options: UnlockOptions): Promise<void> {
  const { target, ctx } = targetContext(options);
  if (!target.unlock) throw new ExitError(1, `meshward: target '${ctx.target.name}' (type ${target.type}) has no lock meshward can break`);
  let result;
  try {
    result = await target.unlock(ctx, { force: Boolean(options.force) });
  } catch (e) {
    throw new ExitError(1, `meshward: ${(e as Error).message}`);
  }
  const p = paint(useColour());
  if (result.status === 'refused') throw new ExitError(1, result.message);
  process.stdout.write((result.status === 'broken' ? p.yellow(result.message) : p.green(result.message)) + '\n');
}

/** The target's context from the repository, without connecting: for commands that must not open it. */
export function targetContext(options: { dir: string; target?: string; env?: NodeJS.ProcessEnv }): { target: Target; ctx: TargetContext } {
  const loaded = loadRepository(options.dir);
  const diags = loaded.diagnostics;
  const fail = (message: string): never => {
    printDiagnostics(diags.sorted().filter((d) => d.severity === 'error'), loaded.root);
    throw new ExitError(1, `meshward: ${message}`);
  };
  if (!loaded.model || diags.hasErrors) return fail('the policy repository has errors');
  const model = loaded.model;
  const targets = model.project.targets;
  const decl = options.target === undefined ? (targets.length === 1 ? targets[0] : undefined) : targets.find((t) => t.name === options.target);
  if (!decl) {
    if (options.target === undefined) diags.error('target-required', `choose a target with --target: ${targets.map((t) => t.name).join(', ') || '(none declared)'}`, model.project.at);
    else {
      const guess = didYouMean(options.target, targets.map((t) => t.name));
      diags.error('unknown-target', `unknown target '${options.target}'`, model.project.at, guess ? `did you mean '${guess}'?` : `targets: ${targets.map((t) => t.name).join(', ')}`);
    }
    return fail('no such target');
  }
  const target = targetFor(decl.type);
  if (!target) return fail(`target '${decl.name}' has type ${decl.type}, which this version cannot connect to yet`);
  const settings = expandTargetSettings(decl, options.env ?? process.env, diags);
  if (diags.hasErrors) return fail('target settings are incomplete');
  return { target, ctx: { model, target: decl, settings, root: loaded.root, diagnostics: diags } };
}
