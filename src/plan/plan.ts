import { writeFileSync } from 'node:fs';
import type { Change, Finding, Hazard, JoinedSegment, NativeObject, RecordHint, RenderContext, Target } from '../targets/target.js';
import { BLOCKING_HAZARDS } from '../targets/target.js';
import { canonicalJson, pieceHash } from './canonical.js';
import { describeAccessChange, type PolicyAt } from './describe.js';
import { diffObjects } from './diff.js';
import { markAutoCommitGaps } from './gaps.js';
import { classifyHazards } from './hazards.js';
import { rankOf as rankChange } from './order.js';
import type { Step } from './step.js';

/** One planned change with its rendered steps: what `plan --json` lists. */
export interface PlannedChange {
  readonly action: Change['action'];
  readonly kind: string;
  readonly key: string;
  readonly object: string;
  readonly domain: string | null;
  readonly table: string | null;
  readonly policy: readonly string[];
  readonly reason: string;
  /**
   * What the change does in the model's words (a view: one line per column mask and row filter
   * that differs); buildPlan always sets it, possibly empty (optional for plans built elsewhere).
   */
  readonly details?: readonly string[];
  readonly hazards: readonly Hazard[];
  /** Steps that make this change (with the changes that name it in `served_by`), in the order they run. */
  readonly steps: readonly Step[];
  /**
   * Set when another change's steps make this one too (a joined GRANT, a multi-row tag INSERT):
   * that change's 0-based position in `changes`, before this one. This change then has no steps
   * of its own; the two apply, commit and fail together.
   */
  readonly served_by?: number;
  /** Only the record is dropped (a recorded object gone from the target and from the model); no step runs. */
  readonly forget?: true;
}

/**
 * A plan: a serialisable value bound to the state it was made from (Terraform). `apply plan.json`
 * re-reads the target and refuses the plan when `state_hash` no longer matches.
 */
export interface Plan {
  /** 2: changes carry typed `steps` (format 1 carried `sql` strings; it is refused with a message). */
  readonly format: 2;
  readonly target: string;
  readonly project: string;
  readonly state_hash: string;
  /** Hash of the desired objects, so a plan made from another model revision is recognisable. */
  readonly desired_hash: string;
  readonly changes: readonly PlannedChange[];
  readonly findings: readonly Finding[];
  /**
   * `steps`: to converge (`statements` of them SQL, `api_calls` API calls); `floor`: the fewest
   * the engine allows for these changes (the target's: every step a change needs on its own, and
   * for a run of changes that can share steps, the fewest they could share in any order and size
   * within the run) — set when the target joins steps.
   */
  readonly summary: { add: number; change: number; remove: number; hazards: number; widening: number; steps: number; statements: number; api_calls: number; floor?: number };
  /** Nothing managed is live yet: every change is an addition to a new target (the view summarises its widening). */
  readonly new_target: boolean;
  /** How the plan was asked for, so that `apply plan.json` re-derives it the same way. */
  readonly options: PlanRequest;
  /**
   * Set when the live state was not read in full but proven unchanged since a convergence stamp
   * (README, Performance): the plan is the one the stamped read gave.
   */
  readonly live_read?: { readonly from: 'stamp'; readonly stamped_at: string };
  readonly created_at: string;
}

/** The plan options that change which changes are planned. */
export interface PlanRequest {
  /** `--revoke-unmanaged`: revokes of unmanaged grants that contradict the model are planned too. */
  readonly revoke_unmanaged: boolean;
}

export interface PlanInput {
  readonly target: Target;
  readonly targetName: string;
  readonly project: string;
  readonly desired: readonly NativeObject[];
  readonly current: readonly NativeObject[];
  readonly findings: readonly Finding[];
  readonly stateHash: string;
  /** CurrentState.forgotten: records to drop, one step-less change each. */
  readonly forgotten?: readonly NativeObject[];
  readonly render: (change: Change) => Step[];
  /** The target's steps for a run of joinable changes (Target.renderJoined with the render context); without it, none are joined. */
  readonly renderJoined?: (run: readonly Change[]) => readonly JoinedSegment[];
  /** Changes that do not come from the diff (`--revoke-unmanaged`: revokes of unmanaged grants); hazards are the target's. */
  readonly extra?: readonly Omit<Change, 'hazards'>[];
  readonly request?: PlanRequest;
  /** Where each policy is declared (`file:line:col`), for the details of view changes. */
  readonly policyAt?: PolicyAt;
}

/** A record dropped runs after every change (it runs no step). */
const FORGET_RANK = 1_000;

/** diff -> hazards (core, from the target's access roles) -> order (the core's rank rules, then key) -> render: a reviewable plan. */
const recordHints = new WeakMap<Plan, { readonly record?: RecordHint }>();

/**
 * What the introspection a plan was made from says a record must rewrite besides the plan's own
 * changes (target.ts RecordHint). Kept beside the plan, never in it: a plan saved and read back
 * has none (its apply re-derives the plan, which has), and a plan without one records in full.
 */
export function setRecordHint(plan: Plan, read: { readonly record?: RecordHint } | undefined): void {
  // the read itself is kept, not its hint: the hint is computed when an apply first asks (introspect.ts)
  if (read) recordHints.set(plan, read);
  else recordHints.delete(plan);
}

export function recordHintOf(plan: Plan): RecordHint | undefined {
  return recordHints.get(plan)?.record;
}

export function buildPlan(input: PlanInput): { plan: Plan; changes: Change[] } {
  // the diff's changes are this plan's own objects: their hazards are set on them (a copy of
  // 185,000 changes at 10,000 tables is most of the garbage); the extra ones are the caller's
  const access = input.target.access;
  const changes: Change[] = diffObjects(input.desired, input.current).map((c) => Object.assign(c, { hazards: classifyHazards(c, access) }));
  for (const c of input.extra ?? []) changes.push({ ...c, hazards: classifyHazards(c, access) });
  for (const o of input.forgotten ?? []) {
    changes.push({ action: 'remove', kind: o.kind, key: o.key, current: o, reason: 'recorded at the last apply, gone from the target and from the model: only its record is dropped', hazards: [], forget: true });
  }
  // every step commits on its own: what no order covers is a REPLACE_GAP (plan/gaps.ts)
  if (!input.target.capabilities.transactionalDdl) markAutoCommitGaps(changes, [...input.desired, ...input.current], access);
  // the target's rank once per change: the order and the joined runs both ask for it
  const ranks = new Map<Change, number>();
  for (const c of changes) ranks.set(c, c.forget ? FORGET_RANK : rankChange(c, c.hazards, access));
  const rankOf = (c: Change): number => ranks.get(c) ?? rankChange(c, c.hazards, access);
  const ordered = orderChanges(changes, rankOf);
  const { rendered, floor } = renderStatements(ordered, input, rankOf);
  const caps = input.target.capabilities;
  const planned = ordered.map((c, i) => {
    const p = toPlanned(c, rendered[i]!, c.action === 'change' ? describeAccessChange(c.current?.access, c.desired?.access, input.policyAt) : []);
    // On an engine whose every step commits on its own, a change of a kind it cannot replace in
    // place that takes several steps leaves states in between that neither model describes.
    const gap = !caps.transactionalDdl && c.action === 'change' && p.steps.length > 1 && !caps.atomicReplace.includes(c.kind) && !p.hazards.includes('REPLACE_GAP');
    return gap ? { ...p, hazards: [...p.hazards, 'REPLACE_GAP' as Hazard] } : p;
  });
  const hazards = planned.reduce((n, c) => n + c.hazards.length, 0);
  let statements = 0;
  let apiCalls = 0;
  for (const c of planned) for (const step of c.steps) if (step.kind === 'sql') statements++;
  else apiCalls++;
  return {
    changes: ordered,
    plan: {
      format: 2,
      target: input.targetName,
      project: input.project,
      state_hash: input.stateHash,
      desired_hash: desiredHash(input.desired),
      changes: planned,
      findings: input.findings,
      summary: {
        add: planned.filter((c) => c.action === 'add').length,
        change: planned.filter((c) => c.action === 'change').length,
        remove: planned.filter((c) => c.action === 'remove').length,
        hazards,
        widening: planned.filter((c) => c.hazards.includes('AUTHZ_WIDEN')).length,
        steps: statements + apiCalls,
        statements,
        api_calls: apiCalls,
        ...(floor !== undefined ? { floor } : {}),
      },
      new_target: input.current.length === 0,
      options: input.request ?? { revoke_unmanaged: false },
      created_at: new Date().toISOString(),
    },
  };
}

/** Stable order: the target's rank first (revoke, change views, then grant — proven by src/safety), then the key. */
export function orderChanges(changes: readonly Change[], rank: (c: Change) => number): Change[] {
  // rank and key beside each change, once per change, not per comparison (a stable sort, as before)
  const items = changes.map((change) => ({ change, rank: rank(change), key: change.key }));
  items.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items.map((i) => i.change);
}

/**
 * Hash of the desired objects: the canonical JSON of `[[key, spec], …]`, fed to the hash object
 * in pieces (canonical.ts pieceHash); no spec's text is kept.
 */
export function desiredHash(desired: readonly NativeObject[]): string {
  const known = desiredHashes.get(desired);
  if (known !== undefined) return known;
  const hash = pieceHash();
  hash.add('[');
  desired.forEach((o, i) => hash.add(`${i ? ',' : ''}[${JSON.stringify(o.key)},${canonicalJson(o.spec)}]`));
  hash.add(']');
  const digest = hash.digest();
  desiredHashes.set(desired, digest);
  return digest;
}

/**
 * Each desired array's hash, once: a session's desired objects are compiled once and never
 * changed (a second hash of 185,000 specs at 10,000 tables is over a second).
 */
const desiredHashes = new WeakMap<readonly NativeObject[], string>();

interface Rendered {
  readonly steps: readonly Step[];
  readonly servedBy?: number;
}

/**
 * Each change's steps. Runs of adjacent changes of one join class (the target's), rank,
 * hazards and domain are rendered together: a segment's steps go to its first change, and the others
 * point at it (`served_by`).
 */
function renderStatements(ordered: readonly Change[], input: PlanInput, rankOf: (c: Change) => number): { rendered: Rendered[]; floor?: number } {
  const target = input.target;
  const classes = new Map<Change, string | null>();
  const classOf = (c: Change): string | null => {
    let cls = classes.get(c);
    if (cls === undefined) classes.set(c, (cls = input.renderJoined && target.joinClass && !c.forget ? target.joinClass(c) : null));
    return cls;
  };
  const out: Rendered[] = [];
  let floor = 0;
  for (let i = 0; i < ordered.length; ) {
    const first = ordered[i]!;
    const cls = classOf(first);
    let end = i + 1;
    if (cls !== null) {
      const rank = rankOf(first);
      const hazards = first.hazards.join();
      const domain = domainOf(first);
      const joins = (c: Change) => classOf(c) === cls && rankOf(c) === rank && c.hazards.join() === hazards && domainOf(c) === domain;
      while (end < ordered.length && joins(ordered[end]!)) end++;
    }
    if (end - i === 1) {
      out.push({ steps: first.forget ? [] : input.render(first) });
      floor += out[out.length - 1]!.steps.length;
      i = end;
      continue;
    }
    floor += target.joinFloor ? target.joinFloor(ordered.slice(i, end)) : 0;
    for (const segment of input.renderJoined!(ordered.slice(i, end))) {
      const leader = out.length;
      out.push({ steps: segment.steps });
      for (let k = 1; k < segment.count; k++) out.push({ steps: [], servedBy: leader });
    }
    if (out.length !== end) throw new Error(`the target's joined steps cover ${out.length - i} of ${end - i} changes from ${first.key}`);
    i = end;
  }
  return { rendered: out, ...(input.renderJoined && target.joinFloor ? { floor } : {}) };
}

/** A joined statement never spans two domains: each domain's statements stay its own (compile --domain, the plan by domain). */
const domainOf = (c: Change): string | undefined => (c.desired ?? c.current)?.domain;

const NO_POLICIES: readonly string[] = Object.freeze([]);

/** A removal keeps the domain, table and policies of the object it removes (its current side: what was recorded). */
function toPlanned(c: Change, rendered: Rendered, details: string[]): PlannedChange {
  const o = c.desired ?? c.current!;
  const planned: { -readonly [K in keyof PlannedChange]: PlannedChange[K] } = {
    action: c.action,
    kind: c.kind,
    key: c.key,
    object: o.label,
    domain: o.domain ?? null,
    table: o.table ?? null,
    policy: o.policies ?? NO_POLICIES,
    reason: c.reason,
    details,
    hazards: c.hazards,
    steps: rendered.steps,
  };
  if (c.forget) planned.forget = true;
  if (rendered.servedBy !== undefined) planned.served_by = rendered.servedBy;
  return planned;
}

/** PlanInput.renderJoined for a target and its render context (undefined when the target joins nothing). */
export function joinedRenderer(target: Target, ctx: RenderContext): PlanInput['renderJoined'] {
  const join = target.renderJoined;
  return join ? (run) => join.call(target, run, ctx) : undefined;
}

export function blockingHazards(plan: Plan, allowed: readonly string[]): { change: PlannedChange; hazard: Hazard }[] {
  return plan.changes.flatMap((change) => change.hazards.filter((h) => BLOCKING_HAZARDS.includes(h) && !allowed.includes(h)).map((hazard) => ({ change, hazard })));
}

export function savePlan(file: string, plan: Plan): void {
  writeFileSync(file, JSON.stringify(plan, null, 2) + '\n');
}
