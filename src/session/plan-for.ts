import { policyPositions } from '../plan/describe.js';
import { buildPlan, desiredHash, joinedRenderer, setRecordHint, type Plan } from '../plan/plan.js';
import { planFromStamp, sessionInputHash, stampContentOf } from '../plan/stamp.js';
import { inStep } from '../progress.js';
import type { Change, Finding, StampProbe } from '../targets/target.js';
import type { TargetSession } from './open-target.js';

/**
 * The plan of a session (out of the CLI: every command and test that plans calls it): the stamp
 * if it proves the live state unchanged, else introspect → diff → hazards → order → steps.
 */

/** The plan cannot be made as asked; the message says why and what to do (exit 1). */
export class PlanRefusedError extends Error {
  override readonly name = 'PlanRefusedError';
}

export interface PlanForOptions {
  /** `--revoke-unmanaged`: revoke the unmanaged grants that contradict the model (BYPASS_GRANT findings). */
  readonly revokeUnmanaged?: boolean;
  /**
   * Convergence stamps (README, Performance): `use` takes a plan the target proves unchanged since
   * its stamp (default true); `write` stamps the target when the full read plans nothing (apply).
   */
  readonly stamp?: { readonly use: boolean; readonly write: boolean };
}

/** Introspects and diffs: the plan for a session. Refuses to plan over objects it does not own. */
export async function planFor(session: TargetSession, options: PlanForOptions = {}): Promise<{ plan: Plan; changes: Change[]; stamped?: boolean; probe?: StampProbe }> {
  const stamps = session.target.state.stamps;
  const stampUse = options.stamp ?? { use: true, write: false };
  const request = { revoke_unmanaged: options.revokeUnmanaged === true };
  const step = `checking the stamp of target '${session.decl.name}'`;
  const pre = session.stamp; // probed when the session was opened (OpenOptions.stamp)
  const input = pre ? pre.input : stamps && (stampUse.use || stampUse.write) ? sessionInputHash(stamps, session) : null;
  if (stamps && stampUse.use) {
    // the stamp's own scope first: a stamp that holds for this model needs nothing compiled
    const held = pre?.probe ?? (await inStep(step, () => stamps.probe(session.conn, session.ctx)));
    const stamped = planFromStamp(held, { target: session.decl.name, project: session.model.project.name, input, desiredHash: () => desiredHash(session.desired), request });
    if (stamped) return { plan: stamped, changes: [] };
  }
  // to write a stamp, the counters cover this model's reads too, and are read before the catalog:
  // a stamp written from this read then proves only what was there before it
  const probe = stamps && stampUse.write ? await inStep(step, () => stamps.probe(session.conn, session.ctx, session.desired)) : undefined;
  const current = await inStep(`reading the live state of target '${session.decl.name}'`, () => session.target.introspect(session.conn, session.ctx, session.desired));
  const desiredKeys = new Set(session.desired.map((o) => o.key));
  const collisions = current.findings.filter((f) => f.code === 'FOREIGN_OBJECT' && f.key && desiredKeys.has(f.key));
  if (collisions.length) {
    const lines = collisions.map((f) => {
      const way = f.remedy ? `to resolve it, ${f.remedy}` : 'rename or drop it, or choose another managed_prefix';
      return `${f.message}: meshward would create it, but it is not managed by project '${session.model.project.name}'; ${way}`;
    });
    throw new PlanRefusedError(lines.join('\n'));
  }
  const extra = options.revokeUnmanaged ? revokesOf(session, current.findings) : [];
  const rctx = { ...session.ctx, desired: session.desired }; // one render context, not a copy per change
  const built = buildPlan({
    extra,
    request,
    target: session.target,
    targetName: session.decl.name,
    project: session.model.project.name,
    desired: session.desired,
    current: current.objects,
    findings: current.findings,
    stateHash: current.stateHash,
    ...(current.forgotten?.length ? { forgotten: current.forgotten } : {}),
    render: (c) => session.target.render(c, rctx),
    renderJoined: joinedRenderer(session.target, rctx),
    policyAt: policyPositions(session.model),
  });
  setRecordHint(built.plan, current); // what its apply's records rewrite besides its changes (apply.ts), when asked
  if (stampUse.write && probe && built.plan.changes.length === 0) {
    const stamped = await inStep(`stamping target '${session.decl.name}'`, async () => (await inventoryUnchanged(session)) && stamps!.write(session.conn, session.ctx, probe, current, stampContentOf(built.plan, input)));
    return { ...built, stamped, probe };
  }
  return { ...built, ...(probe ? { probe } : {}) };
}

/**
 * Whether the inventory the session compiled from is still the live one, read again after the
 * stamp's probe: the stamp's input hash leaves the inventory out (its counters cover it), so a
 * stamp may only be written when the inventory as of its counters is the one compiled from — a
 * table altered between the session's read and the probe would otherwise be stamped as compiled.
 */
async function inventoryUnchanged(session: TargetSession): Promise<boolean> {
  const again = await session.target.readInventory(session.conn, session.ctx);
  return JSON.stringify(again) === JSON.stringify(session.inventory);
}

/** The target's revokes of the unmanaged grants that contradict the model (BYPASS_GRANT findings). */
function revokesOf(session: TargetSession, findings: readonly Finding[]): Omit<Change, 'hazards'>[] {
  const bypasses = findings.filter((f) => f.code === 'BYPASS_GRANT');
  if (bypasses.length === 0) return [];
  const revoke = session.target.revokeFinding;
  if (!revoke) throw new PlanRefusedError(`meshward: target '${session.decl.name}' (${session.target.type}) cannot revoke unmanaged grants; leave out --revoke-unmanaged`);
  return bypasses.map((f) => revoke.call(session.target, f, session.ctx)).filter((c): c is Omit<Change, 'hazards'> => c !== undefined);
}


/** The live state changed between the plan and its apply (checked under the apply lock). */
export class StalePlanError extends Error {
  override readonly name = 'StalePlanError';
}

/**
 * apply's check under the lock: the state the plan was made from must still be the live state.
 * Only the live state is read again, not planned again: a plan is a function of the model, the
 * options and what introspection read, and the state hash covers all that was read (objects,
 * findings, view fingerprints) — an equal hash re-derives the same plan. At 10,000 tables the diff
 * and render skipped here are seconds of the apply. When the plan's probe still proves nothing
 * changed (convergence stamps' counters), not even that read is made.
 */
export function underLock(session: TargetSession, plan: Plan, probe: StampProbe | undefined): () => Promise<void> {
  return async () => {
    const stamps = session.target.state.stamps;
    if (probe && stamps && (await inStep(`checking target '${session.decl.name}' is unchanged, under the apply lock`, () => stamps.unchanged(session.conn, session.ctx, probe)))) return;
    const now = await inStep(`reading the live state of target '${session.decl.name}' again, under the apply lock`, () => session.target.introspect(session.conn, session.ctx, session.desired));
    if (now.stateHash !== plan.state_hash) throw new StalePlanError(`target '${plan.target}' changed while the plan was being confirmed (state ${plan.state_hash.slice(0, 8)} → ${now.stateHash.slice(0, 8)}); nothing was applied — run meshward plan again`);
    setRecordHint(plan, now); // the recorded rows as read under the lock
  };
}

/** The plan right after an apply, read in full: how many changes remain, and whether the target was stamped. */
export async function convergedAfter(session: TargetSession, revokeUnmanaged: boolean): Promise<{ remaining: number; stamped: boolean }> {
  const { plan, stamped } = await planFor(session, { revokeUnmanaged, stamp: { use: false, write: true } });
  return { remaining: plan.changes.length, stamped: stamped === true };
}
