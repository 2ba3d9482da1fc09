import { SessionError, openTarget, type OpenOptions, type TargetSession } from '../../session/open-target.js';
import { ExitError, printDiagnostics } from '../output.js';
import { TargetReadError } from '../../targets/target.js';
import { PlanRefusedError, StalePlanError } from '../../session/plan-for.js';
import { ApplyLockError } from '../../apply/lock.js';

/** Opens the target, runs `fn`, always closes; session errors print their diagnostics, exit 1. */
export async function withSession<T>(options: OpenOptions, fn: (s: TargetSession) => Promise<T>): Promise<T> {
  let session: TargetSession;
  try {
    session = await openTarget(options);
  } catch (e) {
    if (e instanceof SessionError) {
      printDiagnostics(e.diagnostics.sorted(), e.root);
      throw new ExitError(1, `meshward: ${e.message}`);
    }
    throw new ExitError(1, `meshward: ${(e as Error).message}`);
  }
  try {
    printDiagnostics(session.ctx.diagnostics.sorted().filter((d) => d.severity === 'error'), session.root);
    return await fn(session);
  } catch (e) {
    if (e instanceof TargetReadError) throw new ExitError(1, `meshward: target '${session.decl.name}': ${e.message}`);
    if (e instanceof PlanRefusedError || e instanceof StalePlanError || e instanceof ApplyLockError) throw new ExitError(1, e.message);
    if (e instanceof SessionError) {
      // the check against the inventory, deferred by a convergence stamp (OpenOptions.stamp), made when first needed
      printDiagnostics(e.diagnostics.sorted(), e.root);
      throw new ExitError(1, `meshward: ${e.message}`);
    }
    throw e;
  } finally {
    await session.close();
  }
}
