import { canonicalJson } from '../../src/plan/canonical.js';
import { prng } from '../../bench/generate.js';
import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import { stepText } from '../../src/plan/step.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import { openTarget, type TargetSession } from '../../src/session/open-target.js';
import { planFor } from '../../src/session/plan-for.js';
import type { Connection, DriftItem } from '../../src/targets/target.js';

/**
 * What the conformance suite (conformance.test.ts) needs from a target, and nothing else: each
 * registered target supplies a harness, and every scenario is written once against it. A harness
 * knows its engine's fixtures, its out-of-band edits and its fault injection; the scenarios know
 * only the public entry points (openTarget, planFor, applyPlan) and the Target seam.
 */

/** A repository bound to a live target of its own. */
export interface Fixture {
  readonly dir: string;
  readonly target: string;
  readonly env: NodeJS.ProcessEnv;
  /** A new session, as a command opens one (the caller closes it). */
  open(): Promise<TargetSession>;
  cleanup(): Promise<void>;
}

/** A change made behind meshward's back on an applied fixture, and what drift must call it. */
export interface OutOfBandEdit {
  readonly name: string;
  /** Makes the edit; `session` is open on the fixture (an embedded engine takes one connection at a time). */
  apply(f: Fixture, session: TargetSession): Promise<void>;
  /** Drift must report an item of this kind with this status. */
  readonly expect: { readonly status: DriftItem['status']; readonly kind: string };
}

/** A foreign object: something meshward did not make and must never change. */
export interface Foreign {
  add(f: Fixture, session: TargetSession): Promise<void>;
  present(f: Fixture, session: TargetSession): Promise<boolean>;
}

/** A connection that fails the k-th plan step, and what of the plan reached the driver. */
export interface Faulty {
  readonly conn: Connection;
  /** Texts (stepText) of the plan steps sent to the driver, the failing one included, in order. */
  sent(): readonly string[];
}

/** Only for targets with an engine that can show what a principal sees. */
export interface EngineChecks {
  /** Plans from what is live to `session`'s model and checks every committed prefix; violations, one line each. */
  exposure(session: TargetSession, old: Resolved | null): Promise<{ plan: Plan; problems: readonly string[]; prefixes: number; checks: number }>;
  /** `session` re-pointed at an edited model (same connection): the exposure scenario's model edit. */
  edited(session: TargetSession): TargetSession;
  /** explain vs what the engine enforces, every principal × table × column; differences in words. */
  enforcement(session: TargetSession): Promise<{ problems: readonly string[]; cells: number }>;
}

export interface Harness {
  readonly name: string;
  /** Set when the target has an engine: scenarios 7 and 8 run only then. */
  readonly engine?: EngineChecks;
  /** Why scenarios 7 and 8 are skipped, for the test names. */
  readonly noEngine?: string;
  /** Called at the top of the harness's describe, to register its hooks (a test target, a shared template). */
  register?(): void;
  /** The target's sample model on a fresh, empty target. */
  fresh(): Promise<Fixture>;
  /** A model whose names are as hostile as the target allows, on a fresh target. */
  hostile(): Promise<Fixture>;
  /** Every kind of out-of-band edit the target can suffer. */
  readonly edits: readonly OutOfBandEdit[];
  readonly foreign: Foreign;
  /** Wraps `conn` to fail the k-th (1-based) plan step. */
  faulty(conn: Connection, k: number): Faulty;
  /** The k to try for this plan, each with why it was chosen. */
  faultSteps(plan: Plan): readonly { readonly k: number; readonly why: string }[];
}

// ---- helpers the scenarios share ----

/** A plan from a full read of the live state: a convergence stamp must never stand in for what the suite checks. */
export async function fullPlan(session: TargetSession, options: { revokeUnmanaged?: boolean } = {}): Promise<Plan> {
  return (await planFor(session, { ...options, stamp: { use: false, write: false } })).plan;
}

/** The target's drift report (the one call the suite makes to the seam beyond open, plan and apply). */
export async function driftOf(session: TargetSession): Promise<readonly DriftItem[]> {
  return (await session.target.drift(session.conn, session.ctx)).items;
}

/** Runs `fn` on a new session of the fixture, closed afterwards. */
export async function inSession<T>(f: Fixture, fn: (s: TargetSession) => Promise<T>): Promise<T> {
  const s = await f.open();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function openFixture(f: Pick<Fixture, 'dir' | 'target' | 'env'>): Promise<TargetSession> {
  return openTarget({ dir: f.dir, target: f.target, env: f.env });
}

export const stepsOf = (plan: Plan) => plan.changes.flatMap((c) => c.steps);
export const textsOf = (plan: Plan) => stepsOf(plan).map(stepText);

/** A plan's changes as `action key` and their whole steps: what "the same plan" means. */
export const changesOf = (changes: readonly PlannedChange[]) => changes.map((c) => `${c.action} ${c.key}${c.served_by !== undefined ? ` (served by ${c.served_by})` : ''}\n${c.steps.map((s) => canonicalJson(s)).join('\n')}`);

/** A plan as JSON without the one field that differs between two equal plans (when it was made). */
export function planJson(plan: Plan): string {
  const { created_at: _, ...rest } = plan;
  return canonicalJson(rest);
}

/** 0-based change holding 1-based plan step `k`, and the 1-based position of that change's first step. */
export function changeAtStep(plan: Plan, k: number): { change: number; first: number } {
  let first = 1;
  for (const [i, c] of plan.changes.entries()) {
    if (k < first + c.steps.length) return { change: i, first };
    first += c.steps.length;
  }
  throw new Error(`the plan has no step ${k}`);
}

/**
 * What the next plan must be after a failure at step k. A transaction rolled back: the whole
 * plan. Auto-commit: the changes from the one holding k, that one with only its steps from k on
 * and re-planned as a change when part of it is live.
 */
export function remainderAfter(plan: Plan, k: number, transactional: boolean): readonly PlannedChange[] {
  if (transactional) return plan.changes;
  const { change, first } = changeAtStep(plan, k);
  // a change whose steps another serves (a joined statement) names it by index: renumbered from the new first change
  const renumber = (c: PlannedChange): PlannedChange => (c.served_by === undefined ? c : { ...c, served_by: c.served_by - change });
  const [head, ...tail] = plan.changes.slice(change).map(renumber);
  return [k > first ? { ...head!, action: 'change', steps: head!.steps.slice(k - first) } : head!, ...tail];
}

/** A small seeded generator (bench's mulberry32): fault positions are random but the same on every run. */
export const seeded = prng;
