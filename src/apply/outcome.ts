import type { ApplyReport } from './apply.js';

/**
 * Reading an apply's failure: was the connection lost (then a COMMIT's outcome is unknown), and
 * what should the user do next. Never a reason to retry — meshward does not retry on its own.
 */

const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED']);

/** A dropped connection: admin shutdown/termination (57P0x), class 08, a socket error, or pg's "connection terminated". */
export function isConnectionLost(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (LOST_CODES.has(code) || code.startsWith('08')) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /connection (lost|terminated)|terminating connection|Connection terminated|not queryable|ECONNRESET|EPIPE|socket hang up/i.test(message);
}

/** Why it may have failed, from the SQLSTATE: a hint, or ''. */
function hintFor(code: string | null, lost: boolean): string {
  if (lost) return ' The connection was lost; the server rolled back the transaction that was open.';
  switch (code) {
    case '42501':
    case '01006':
    case '01007':
      return ' The apply identity lacks a privilege (see README, "Apply identity").';
    case '42P01':
    case '42704':
    case '3F000':
    case '40001':
    case '40P01':
      return ' An object changed underneath the apply (another session); the new plan accounts for it.';
    case '55P03':
      return ' Another session held a lock; apply again once it is released, or raise --lock-timeout.';
    case '53200':
      return ' The server ran out of lock-table entries; apply with a smaller --lock-budget.';
    default:
      return '';
  }
}

/** What to do next, from the report. */
export function nextStep(r: Omit<ApplyReport, 'next'>, lockBudgetRefused = false): string {
  const total = r.changes.length;
  const applied = r.changes.filter((c) => c.outcome === 'applied').length;
  if (r.outcome === 'applied') return 'Done: a new meshward plan shows no changes.';
  const failure = r.failure!;
  if (r.outcome === 'unknown') {
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
  const hint = hintFor(failure.code, failure.phase !== 'commit' && isConnectionLost({ code: failure.code, message: failure.error }));
  if (applied === 0) {
    return `Nothing of this plan was applied (rolled back).${hint} Fix the cause and apply again: meshward plan shows the same ${total} changes.`;
  }
  return (
    `${applied} of ${total} changes were applied and recorded; ${total - applied} were not.${hint} ` +
    `Fix the cause, then run meshward plan: it shows exactly the ${total - applied} changes left; meshward apply applies them.`
  );
}
