import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import type { Resolved } from '../../../src/resolve/resolve.js';
import { hazards, rank } from '../../../src/targets/postgres/hazards.js';
import { compile } from '../../../src/targets/postgres/compile.js';
import { render } from '../../../src/targets/postgres/render.js';
import type { Change, NativeObject, RenderContext } from '../../../src/targets/target.js';
import { validateRepository } from '../../../src/validate.js';

/** A render context for a model's first PostgreSQL target (or none). */
export function contextFor(model: Model, root = '/virtual'): RenderContext {
  const target = model.project.targets.find((t) => t.type === 'postgres') ?? { name: 'local', type: 'postgres', settings: {}, settingAt: {}, at: model.project.at };
  return { model, target, settings: target.settings, root, diagnostics: new Diagnostics(), desired: [] };
}

/** Validates a repository and fails with its errors. */
export function resolvedOrThrow(result: ReturnType<typeof validateRepository>): Resolved {
  if (!result.resolved || result.diagnostics.hasErrors) {
    throw new Error(`repository does not validate:\n${result.diagnostics.errors.map((d) => `${d.code}: ${d.message}`).join('\n')}`);
  }
  return result.resolved;
}

/** An `add` change for a desired object, hazards included. */
export function addChange(o: NativeObject): Change {
  const c = { action: 'add' as const, key: o.key, kind: o.kind, desired: o, reason: 'test' };
  return { ...c, hazards: hazards(c) };
}

/** Compiles, and renders every object as an add, in rank order (stable): [object, statements][]. */
export function compileAndRender(resolved: Resolved, ctx: RenderContext): { desired: NativeObject[]; steps: { object: NativeObject; change: Change; sql: string[] }[] } {
  const desired = compile(resolved, ctx);
  const full = { ...ctx, desired };
  const changes = desired.map(addChange);
  const order = changes.map((c, i) => ({ c, i, r: rank(c) })).sort((a, b) => a.r - b.r || a.i - b.i);
  return { desired, steps: order.map(({ c }) => ({ object: c.desired!, change: c, sql: render(c, full) })) };
}
