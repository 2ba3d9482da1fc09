import type { EngineErrors } from '../targets/capabilities.js';
import type { ApplyReport } from './apply.js';

/**
 * What the user should do after an apply, from its report and the executor that ran it: a
 * transaction that rolled back, batches of which some committed, or auto-commit steps of which
 * some are live. The engine's error dialect says whether the connection was lost and what a code
 * suggests. Never a reason to retry — meshward does not retry on its own.
 */
export function nextStep(r: Omit<ApplyReport, 'next'>, errors: EngineErrors, lockBudgetRefused = false): string {
  const total = r.changes.length;
  const applied = r.changes.filter((c) => c.outcome === 'applied').length;
  if (r.outcome === 'applied') return 'Done: a new meshward plan shows no changes.';
  const failure = r.failure!;
  if (r.outcome === 'unknown') {
    if (r.mode === 'auto-commit') {
      return (
        `The connection was lost while step ${failure.index} was sent: it may or may not have taken effect. ` +
        `meshward never retries. Run meshward plan: it reads what is live and shows exactly what is still to apply.`
      );
    }
    const which = r.mode === 'transaction' ? 'the transaction' : `transaction ${failure.batch} of ${r.batches.length}`;
    return (
      `The connection was lost during the COMMIT of ${which}: it may or may not have committed. ` +
      `meshward never retries. Run meshward plan: it reads what is live and shows exactly what is still to apply.`
    );
  }
  if (failure.phase === 'prepare') {
    return lockBudgetRefused
      ? 'Nothing was run. Raise max_locks_per_transaction on the server (it needs a restart), or apply with a larger --lock-budget if the server has the room.'
      : 'Nothing was run. Fix the cause and apply again.';
  }
  const lost = failure.phase !== 'commit' && errors.lost({ code: failure.code, message: failure.error });
  const hint = lost ? (r.mode === 'auto-commit' ? ' The connection was lost.' : ' The connection was lost; the server rolled back the transaction that was open.') : errors.hint(failure.code);
  if (r.mode === 'auto-commit') {
    const unit = r.batches[(failure.batch ?? 1) - 1];
    const partly = unit?.outcome === 'partial' ? ' The steps of the failed change before the failing one are live; the plan accounts for them.' : '';
    return (
      `${applied} of ${total} changes were applied and recorded; ${total - applied} were not.${partly}${hint} ` +
      `Fix the cause, then run meshward plan: it reads what is live and shows exactly what is left; meshward apply applies it.`
    );
  }
  if (applied === 0) {
    return `Nothing of this plan was applied (rolled back).${hint} Fix the cause and apply again: meshward plan shows the same ${total} changes.`;
  }
  return (
    `${applied} of ${total} changes were applied and recorded; ${total - applied} were not.${hint} ` +
    `Fix the cause, then run meshward plan: it shows exactly the ${total - applied} changes left; meshward apply applies them.`
  );
}
