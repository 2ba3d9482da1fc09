import { chooseTarget, SessionError } from '../../session/open-target.js';
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
  const unlock = target.state.unlock;
  if (!unlock) throw new ExitError(1, `meshward: target '${ctx.target.name}' (type ${target.type}) has no lock meshward can break`);
  let result;
  try {
    result = await unlock(ctx, { force: Boolean(options.force) });
  } catch (e) {
    throw new ExitError(1, `meshward: ${(e as Error).message}`);
  }
  const p = paint(useColour());
  if (result.status === 'refused') throw new ExitError(1, result.message);
  process.stdout.write((result.status === 'broken' ? p.yellow(result.message) : p.green(result.message)) + '\n');
}

/** The target's context from the repository, without connecting: for commands that must not open it. */
export function targetContext(options: { dir: string; target?: string; env?: NodeJS.ProcessEnv }): { target: Target; ctx: TargetContext } {
  try {
    // Only the target block's own checks: unlocking must work while the model is being fixed.
    const { target, ctx } = chooseTarget({ ...options, modelCheck: 'settings' });
    return { target, ctx };
  } catch (e) {
    if (!(e instanceof SessionError)) throw e;
    printDiagnostics(e.diagnostics.sorted().filter((d) => d.severity === 'error'), e.root);
    throw new ExitError(1, `meshward: ${e.message}`);
  }
}
