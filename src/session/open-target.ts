import { Diagnostics } from '../config/diagnostics.js';
import { expandTargetSettings } from '../config/env.js';
import { loadRepository, type PolicyFile } from '../config/load.js';
import { didYouMean } from '../model/did-you-mean.js';
import type { Inventory } from '../model/inventory.js';
import type { Model, TargetDecl } from '../model/types.js';
import type { Resolved } from '../resolve/resolve.js';
import { DEFAULT_TARGET_EXAMPLE, implementedTypes, targetFor } from '../targets/index.js';
import type { Connection, NativeObject, StampProbe, Target, TargetContext } from '../targets/target.js';
import { checkModel } from '../validate.js';
import { inStep } from '../progress.js';
import { heldStamp, sessionInputHash } from '../plan/stamp.js';
import { recordChecked } from './check-record.js';

/** Everything a command needs to work on one live target. */
export interface TargetSession {
  readonly root: string;
  readonly model: Model;
  /** The policy files the model was loaded from. */
  readonly files: readonly PolicyFile[];
  readonly decl: TargetDecl;
  readonly target: Target;
  readonly ctx: TargetContext;
  readonly conn: Connection;
  readonly inventory: Inventory;
  readonly resolved: Resolved;
  readonly desired: readonly NativeObject[];
  /** With OpenOptions.stamp: the convergence stamp probed right after the inventory was read. */
  readonly stamp?: SessionStamp;
  close(): Promise<void>;
}

/** The stamp a session was opened against (plan/stamp.ts). */
export interface SessionStamp {
  readonly probe: StampProbe;
  /** Hash of what compile reads but the inventory (inputHash), null when it cannot be hashed faithfully. */
  readonly input: string | null;
  /** The stamp holds and was written for this very compile input: the model fits this inventory. */
  readonly fits: boolean;
}

/** A failure before anything was changed, with the diagnostics that explain it. */
export class SessionError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostics,
    readonly root: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  readonly dir: string;
  readonly target?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Open the connection only (drift, inventory, audit): skip inventory, the live validation and compile. */
  readonly connectOnly?: boolean;
  /**
   * `full` (default): the whole model is checked before connecting — a broken model never
   * touches the target. `settings`: only the target block's own checks (names the target must
   * hold), for the commands that must work while the model is being fixed (audit).
   */
  readonly modelCheck?: 'full' | 'settings';
  /**
   * Probe the target's convergence stamp once the inventory is read (plan, apply). When it holds
   * for this exact compile input (the model, this inventory, the target's settings, meshward's
   * version), the check of the model against the inventory passed when the stamp was written and
   * would pass again (it is a function of them): it runs only if `resolved` or `desired` is asked
   * for. The check before connecting always runs.
   */
  readonly stamp?: boolean;
}

/** A target of the repository, its settings expanded and checked, not connected. */
export interface TargetChoice {
  readonly root: string;
  readonly model: Model;
  readonly files: readonly PolicyFile[];
  readonly decl: TargetDecl;
  readonly target: Target;
  readonly ctx: TargetContext;
}

/**
 * Loads the model and picks the target (the one every command names the same way), expands its
 * settings and checks what must hold before connecting; throws SessionError with the diagnostics.
 */
export function chooseTarget(options: OpenOptions): TargetChoice {
  const loaded = loadRepository(options.dir);
  const diags = loaded.diagnostics;
  if (!loaded.model || diags.hasErrors) throw new SessionError('the policy repository has errors', diags, loaded.root);
  const model = loaded.model;
  const decl = pickTarget(model, options.target, diags);
  if (!decl) throw new SessionError('no such target', diags, loaded.root);
  const target = targetFor(decl.type);
  if (!target) {
    diags.error('target-unsupported', `target '${decl.name}' has type ${decl.type}, which this version cannot connect to yet`, decl.at, `use a target of a type this version implements: ${implementedTypes().join(', ')}`);
    throw new SessionError('unsupported target', diags, loaded.root);
  }
  const settings = expandTargetSettings(decl, options.env ?? process.env, diags);
  if (diags.hasErrors) throw new SessionError('target settings are incomplete', diags, loaded.root);
  const ctx: TargetContext = { model, target: decl, settings, root: loaded.root, diagnostics: diags };
  // The model is checked before connecting (without the inventory, which comes from the
  // target): a model error never creates, bootstraps or even opens the target. A configured name
  // the target cannot hold is refused even by the inspecting commands: the engine would read
  // another (truncated) name.
  const before = new Diagnostics();
  if ((options.modelCheck ?? 'full') === 'full') checkModel(loaded.root, model, undefined, before);
  // The target block again with `${env:VAR}` expanded: values from the environment are known only now.
  target.checkSettings?.({ ...decl, settings }, model, before);
  if (before.hasErrors) {
    const seen = new Set<string>(); // a setting checked as written and as expanded is said once
    for (const d of before.errors) {
      const k = `${d.code}|${d.message}|${d.at?.file}:${d.at?.line}:${d.at?.col}`;
      if (!seen.has(k)) diags.items.push(d);
      seen.add(k);
    }
    throw new SessionError('the policy repository has errors', diags, loaded.root);
  }
  const files = loaded.files ?? [];
  // these bytes passed the check before connecting: a stamped plan may probe before parsing them (quick-probe.ts)
  const stamps = target.state.stamps;
  const input = stamps && (options.modelCheck ?? 'full') === 'full' ? sessionInputHash(stamps, { files, decl, ctx }) : null;
  if (input) recordChecked(input, options.env ?? process.env);
  return { root: loaded.root, model, files, decl, target, ctx };
}

/** Loads the model, finds and connects the target, reads its inventory, validates and compiles. */
export async function openTarget(options: OpenOptions): Promise<TargetSession> {
  const { root, model, files, decl, target, ctx } = chooseTarget(options);
  const diags = ctx.diagnostics;
  const conn = await inStep(`opening target '${decl.name}'`, () => target.connect(ctx));
  const session = { root, model, files, decl, target, ctx, conn, close: () => conn.close() };
  if (options.connectOnly) return { ...session, inventory: { format: 1, tables: [] }, resolved: undefined as never, desired: [] };
  try {
    const inventory = await inStep(`reading the tables of target '${decl.name}'`, () => target.readInventory(conn, ctx));
    const check = (): Resolved => {
      const checked = checkModel(root, model, inventory, diags);
      // A declared table missing from the inventory is a warning in validate and an error here.
      for (const d of diags.items.filter((x) => x.code === 'table-not-in-inventory')) {
        diags.error('table-missing', `${d.message.replace(' is not in the inventory', '')} does not exist on target '${decl.name}'`, d.at, d.hint);
      }
      if (diags.hasErrors || !checked.resolved) throw new SessionError('the model does not fit the target', diags, root);
      return checked.resolved;
    };
    const stamps = options.stamp ? target.state.stamps : undefined;
    let stamp: SessionStamp | undefined;
    if (stamps) {
      const input = sessionInputHash(stamps, { files, decl, ctx });
      const probe = await inStep(`checking the stamp of target '${decl.name}'`, () => stamps.probe(conn, ctx));
      stamp = { probe, input, fits: input !== null && heldStamp(probe)?.plan.input_hash === input };
    }
    // checked and compiled when first asked for: a plan a convergence stamp proves needs neither (plan/stamp.ts)
    let resolved = stamp?.fits ? undefined : check();
    let desired: readonly NativeObject[] | undefined;
    return Object.defineProperties({ ...session, inventory, ...(stamp ? { stamp } : {}) }, {
      resolved: { get: () => (resolved ??= check()), enumerable: true },
      desired: { get: () => (desired ??= target.compile((resolved ??= check()), ctx)), enumerable: true },
    }) as TargetSession;
  } catch (e) {
    await conn.close();
    throw e;
  }
}

export function pickTarget(model: Model, name: string | undefined, diags: Diagnostics): TargetDecl | undefined {
  const targets = model.project.targets;
  if (targets.length === 0) {
    diags.error('no-targets', 'meshward.yaml declares no targets', model.project.at, `add targets: { local: ${DEFAULT_TARGET_EXAMPLE} }`);
    return undefined;
  }
  if (name === undefined) {
    if (targets.length === 1) return targets[0];
    diags.error('target-required', `choose a target with --target: ${targets.map((t) => t.name).join(', ')}`, model.project.at);
    return undefined;
  }
  const t = targets.find((x) => x.name === name);
  if (!t) {
    diags.error('unknown-target', `unknown target '${name}'`, model.project.at, unknownTargetHint(name, targets));
  }
  return t;
}

/** The one way every command words an unknown target's hint: a guess when there is one, and the targets. */
export function unknownTargetHint(name: string, targets: readonly { readonly name: string }[]): string {
  const guess = didYouMean(name, targets.map((x) => x.name));
  const list = `targets: ${targets.map((x) => x.name).join(', ') || '(none declared)'}`;
  return guess ? `did you mean '${guess}'? (${list})` : list;
}

/** `unknown target 'x'; <hint>` for commands that do not print diagnostics. */
export function unknownTargetMessage(name: string, targets: readonly { readonly name: string }[]): string {
  return `unknown target '${name}'; ${unknownTargetHint(name, targets)}`;
}
