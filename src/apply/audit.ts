import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { ApplyReport } from './apply.js';

/** Appends the apply to the audit trail (issue 5). Placeholder until the journal lands. */
export async function recordApply(session: TargetSession, plan: Plan, report: ApplyReport): Promise<void> {
  void session;
  void plan;
  void report;
}
