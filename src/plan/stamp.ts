import { createHash } from 'node:crypto';
import type { Inventory } from '../model/inventory.js';
import type { Model, TargetDecl } from '../model/types.js';
import type { StampContent, StampProbe, Stamps, TargetContext } from '../targets/target.js';
import { MESHWARD_VERSION } from '../version.js';
import { canonicalJson } from './canonical.js';
import type { Plan, PlanRequest } from './plan.js';

/**
 * Plans from a convergence stamp (target.ts Stamps; README, Performance). A stamp says: for the
 * model with this desired hash, asked with these options, the full read planned nothing, and the
 * target proves the live state is unchanged since. Then the plan is that plan — not a guess:
 * a plan is a function of the desired objects, the options and what the read saw.
 */

/** What compile reads: the model, the inventory, the target block and the settings compile uses. */
export interface CompileInput {
  readonly model: Model;
  readonly inventory: Inventory;
  readonly decl: TargetDecl;
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * Hash of everything compile reads, and meshward's version: equal hashes compile to equal
 * desired objects (compile is a pure function of them), so a stamped plan needs no compile — at
 * 10,000 tables, compiling and hashing the desired objects is most of a no-change plan. The JSON
 * is written in construction order (the loader is deterministic), Maps and Sets as their
 * entries; anything else that JSON would not write faithfully makes it null (no shortcut).
 */
export function inputHash(input: CompileInput): string | null {
  let faithful = true;
  // target blocks without their settings (a URL may carry a password): this target's come from the target, expanded
  const targets = input.model.project.targets.map((t) => ({ name: t.name, type: t.type }));
  const model = { ...input.model, project: { ...input.model.project, targets } };
  const decl = { name: input.decl.name, type: input.decl.type };
  const hash = createHash('sha256').update(JSON.stringify([MESHWARD_VERSION, decl]));
  hash.update(JSON.stringify(input.inventory)); // plain rows by construction (model/inventory.ts): the fast path, no replacer
  const text = JSON.stringify([model, input.settings], (_k, v: unknown) => {
    if (v instanceof Map) return { '\u0000map': [...v] };
    if (v instanceof Set) return { '\u0000set': [...v] };
    if (typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') {
      faithful = false;
      return null; // JSON.stringify would throw on a bigint
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) faithful = false; // a Date, a RegExp, a class instance
    }
    return v;
  });
  return faithful ? hash.update(text).digest('hex') : null;
}

/** The compile input hash of a session's model and inventory, with the settings the target says compile reads. */
export function sessionInputHash(stamps: Stamps, s: { readonly model: Model; readonly inventory: Inventory; readonly decl: TargetDecl; readonly ctx: TargetContext }): string | null {
  return inputHash({ model: s.model, inventory: s.inventory, decl: s.decl, settings: stamps.compileSettings(s.ctx) });
}

/** What the stamp for an empty plan records of it. */
export function stampContentOf(plan: Plan, input: string | null): Omit<StampContent, 'drift'> {
  return {
    meshward: MESHWARD_VERSION,
    plan: { input_hash: input, desired_hash: plan.desired_hash, options: { ...plan.options }, state_hash: plan.state_hash, findings: plan.findings, summary: { ...plan.summary }, new_target: plan.new_target },
    at: new Date().toISOString(),
  };
}

/** The stamp's content when it still holds for this meshward, else null. */
export function heldStamp(probe: StampProbe | undefined): StampContent | null {
  const held = probe?.holds ?? null;
  return held && held.meshward === MESHWARD_VERSION ? held : null;
}

/**
 * The plan a held stamp gives for this model and these options, or null when it was made for
 * others. The model is the stamped one when its compile input hashes the same, else when its
 * desired objects do (`desiredHash`, called only then: it compiles).
 */
export function planFromStamp(probe: StampProbe | undefined, at: { target: string; project: string; input: string | null; desiredHash: () => string; request: PlanRequest }): Plan | null {
  const held = heldStamp(probe);
  if (!held || canonicalJson(held.plan.options) !== canonicalJson(at.request)) return null;
  const sameModel = (at.input !== null && held.plan.input_hash === at.input) || held.plan.desired_hash === at.desiredHash();
  if (!sameModel) return null;
  return {
    format: 2,
    target: at.target,
    project: at.project,
    state_hash: held.plan.state_hash,
    desired_hash: held.plan.desired_hash,
    changes: [],
    findings: held.plan.findings,
    summary: { add: 0, change: 0, remove: 0, hazards: 0, widening: 0, steps: 0, statements: 0, api_calls: 0, ...held.plan.summary },
    new_target: held.plan.new_target,
    options: at.request,
    live_read: { from: 'stamp', stamped_at: held.at },
    created_at: new Date().toISOString(),
  };
}
