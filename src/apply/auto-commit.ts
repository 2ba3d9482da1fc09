import { setPhase } from '../progress.js';
import type { Step } from '../plan/step.js';
import type { RateLimit } from '../targets/capabilities.js';
import { errorsOf, runStep, type ExecutorRun, type Failure } from './apply.js';

/**
 * The executor for engines whose every step commits on its own (Snowflake, Databricks, BigQuery;
 * Atlas' `RevisionReadWriter` per-statement progress). Each change (with the changes a joined step
 * makes) is one unit:
 *   1. the recorded state is written for the unit's additions and changes BEFORE their steps run,
 *      so an object a step creates is meshward's even when the apply dies right after (ownership
 *      comes from the recorded state, never from a marker on the object);
 *   2. its steps run in order, each live the moment it returns, paced by the target's rate limits;
 *   3. the rows of the unit's removals are deleted once their objects are gone.
 * A failure at step k stops the apply: the steps before k are live, and a new plan — which reads
 * the live state — shows exactly what is left. Nothing is retried.
 */
export async function runAutoCommit(run: ExecutorRun): Promise<Failure | undefined> {
  const { session, plan, layout, slots, sent, firstOf, options } = run;
  const pacing = new Pacing(session.target.capabilities.rateLimits ?? []);
  setPhase('committing'); // every step is live once it returns
  for (const [u, unit] of layout.units.entries()) {
    const changes = unit.map((i) => plan.changes[i]!);
    const made = changes.filter((c) => c.action !== 'remove').map((c) => c.key);
    const removed = changes.filter((c) => c.action === 'remove').map((c) => c.key);
    try {
      if (made.length) await session.target.state.record(session.conn, session.desired, session.ctx, { only: made });
    } catch (e) {
      return { phase: 'record', cause: e };
    }
    for (const i of unit) {
      for (let k = 0; k < plan.changes[i]!.steps.length; k++) {
        const p = firstOf[i]! + k;
        const slot = slots[p]!;
        await pacing.wait(slot.step);
        const t = performance.now();
        sent.push(p);
        try {
          options.beforeStep?.();
          await runStep(session.conn, slot.step);
        } catch (e) {
          Object.assign(slot, { outcome: 'failed', ms: performance.now() - t, error: errorsOf(session).describe(e) });
          return { phase: 'statement', cause: e, statement: p };
        }
        Object.assign(slot, { outcome: 'applied', ms: performance.now() - t });
        options.onProgress?.(sent.length, slots.length, slot.step);
      }
    }
    try {
      if (removed.length) await session.target.state.record(session.conn, session.desired, session.ctx, { only: removed });
    } catch (e) {
      return { phase: 'record', cause: e };
    }
    run.committed = u + 1;
  }
  return undefined;
}

/** Keeps every rate limit: before a step, waits until its resource has room in the limit's window. */
class Pacing {
  private readonly sentAt = new Map<string, number[]>();

  constructor(private readonly limits: readonly RateLimit[]) {}

  async wait(step: Step): Promise<void> {
    for (const limit of this.limits) {
      const resource = limit.resourceOf(step);
      if (resource === null) continue;
      const key = `${limit.name}\u0000${resource}`;
      const recent = (this.sentAt.get(key) ?? []).filter((t) => performance.now() - t < limit.perMs);
      // full: wait until the oldest of the last `steps` sends leaves the window
      if (recent.length >= limit.steps) await new Promise((r) => setTimeout(r, Math.ceil(limit.perMs - (performance.now() - recent[recent.length - limit.steps]!))));
      recent.push(performance.now());
      this.sentAt.set(key, recent);
    }
  }
}
