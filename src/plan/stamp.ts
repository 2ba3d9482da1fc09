import { createHash } from 'node:crypto';
import type { PolicyFile } from '../config/files.js';
import type { TargetDecl } from '../model/types.js';
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

/** What compile reads besides the live inventory: the policy files' bytes, the target block and the settings compile uses. */
export interface CompileInput {
  readonly files: readonly PolicyFile[];
  readonly decl: { readonly name: string; readonly type: string };
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * Hash of the policy files as read (path and text, in the loader's order), the target's name
 * and type, the settings compile reads and meshward's version. Equal hashes load to the same
 * model (the loader is a pure function of the files), and with an unchanged inventory compile to
 * the same desired objects — so a stamped plan needs neither parsing nor compiling: at 10,000
 * tables those are most of a no-change plan. The inventory is not hashed: the target's stamp
 * counters cover every catalog row it is read from (Stamps.probe), so a held stamp proves it
 * unchanged. A comment edited in a file misses the stamp; the plan then compares desired hashes.
 * Null when a setting is a value JSON would not write faithfully (no shortcut).
 */
export function inputHash(input: CompileInput): string | null {
  let faithful = true;
  const settings = JSON.stringify(input.settings, (_k, v: unknown) => {
    if (typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') {
      faithful = false;
      return null; // JSON.stringify would throw on a bigint
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) faithful = false; // a Date, a RegExp, a Map, a class instance
    }
    return v;
  });
  if (!faithful) return null;
  const hash = createHash('sha256').update(JSON.stringify([MESHWARD_VERSION, { name: input.decl.name, type: input.decl.type }, settings, input.files.length]));
  // each file as its path, its length and its text: no two file sets write the same bytes
  for (const f of input.files) hash.update(`\u0000${f.path}\u0000${Buffer.byteLength(f.text)}\u0000`).update(f.text);
  return hash.digest('hex');
}

/** The compile input hash of a session's files and target, with the settings the target says compile reads. */
export function sessionInputHash(stamps: Stamps, s: { readonly files: readonly PolicyFile[]; readonly decl: TargetDecl; readonly ctx: TargetContext }): string | null {
  return inputHash({ files: s.files, decl: s.decl, settings: stamps.compileSettings(s.ctx) });
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
