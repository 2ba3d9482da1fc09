import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import { applyPlan, type ApplyOptions, type ApplyReport } from './apply.js';
import { recordApply } from './audit.js';
import { withApplyLock } from './lock.js';

/**
 * One apply, end to end: take the target's apply lock, check the plan is still current (the
 * caller's `check`, run under the lock so nothing can change in between), execute, and append
 * the outcome to the audit trail — failures included.
 */
export async function runApply(session: TargetSession, plan: Plan, options: ApplyOptions & { check?: () => Promise<void> } = {}): Promise<ApplyReport> {
  return withApplyLock(session, async () => {
    await options.check?.();
    const report = await applyPlan(session, plan, options);
    await recordApply(session, plan, report);
    return report;
  });
}
