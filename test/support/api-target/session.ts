import { applyPlan, type ApplyReport } from '../../../src/apply/apply.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import { openTarget, type TargetSession } from '../../../src/session/open-target.js';
import type { Connection } from '../../../src/targets/target.js';

/** Direct sessions on a repository's one target, for the tests that drive plan and apply without the CLI. */
export async function inSession<T>(dir: string, fn: (s: TargetSession) => Promise<T>): Promise<T> {
  const s = await openTarget({ dir, env: process.env });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** A fresh plan (a new session: it reads the live state, as `meshward plan` would). */
export const planNow = (dir: string): Promise<Plan> => inSession(dir, async (s) => (await planFor(s)).plan);

/** Plans and executes in one session, the connection wrapped (e.g. by faultyCalls) for the execution only. */
export async function planAndApply(dir: string, wrap: (c: Connection) => Connection = (c) => c): Promise<{ plan: Plan; report: ApplyReport; conn: Connection }> {
  return inSession(dir, async (s) => {
    const { plan } = await planFor(s);
    const conn = wrap(s.conn);
    const report = await applyPlan({ ...s, conn }, plan);
    return { plan, report, conn };
  });
}
