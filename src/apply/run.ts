import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import { applyPlan, type ApplyOptions, type ApplyReport } from './apply.js';
import { recordApply, recordGaps } from './audit.js';
import { withApplyLock } from './lock.js';

/**
 * One apply, end to end: take the target's apply lock, check the plan is still current (the
 * caller's `check`, run under the lock so nothing can change in between), record in the audit
 * trail any earlier apply that left no record (a gap), execute, and append the outcome to the
 * audit trail — failures included.
 */
export async function runApply(session: TargetSession, plan: Plan, options: ApplyOptions & { check?: () => Promise<void> } = {}): Promise<ApplyReport> {
  return withApplyLock(session, async (guard) => {
    await options.check?.();
    await recordGaps(session); // an earlier apply that left no record goes into the trail first (issue 8)
    const report = await applyPlan(session, plan, { ...options, beforeStep: () => guard.check() });
    await recordApply(session, plan, report);
    return report;
  });
}
