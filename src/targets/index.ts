import type { z } from 'zod';
import type { Target } from './target.js';
import { postgresTarget } from './postgres/index.js';
import { snowflakeTarget } from './snowflake/index.js';
import { registerSettings, targetTypes } from './settings.js';

/**
 * The registry of target implementations, keyed by `type`: the one place that names a target.
 * The core asks targets through here only; nothing outside `targets/<type>/` knows a dialect.
 * A new target is its folder and one line here (and its settings line in settings.ts).
 */
const registry = new Map<string, Target>([
  ['postgres', postgresTarget],
  ['snowflake', snowflakeTarget],
]);

/** The target block a repository without targets is told to add: the embedded default. */
export const DEFAULT_TARGET_EXAMPLE = '{ type: postgres, bootstrap: … }';

/** Every type with an implementation. */
export function implementedTypes(): string[] {
  return [...registry.keys()];
}

/** The implementation for a target type, or undefined when this version has none yet. */
export function targetFor(type: string): Target | undefined {
  return registry.get(type);
}

/** Every type meshward.yaml may name (some without an implementation yet). */
export { targetTypes };

/**
 * Registers a target that does not ship with meshward (the conformance suite's test-only API
 * target; a plug-in): its implementation and the settings schema its blocks are checked against.
 * Repositories loaded from then on may name its type. Returns what removes it again (a test file
 * registers its target for its own tests only: test files share modules within a worker).
 */
export function registerTarget(target: Target, settings: z.ZodObject): () => void {
  const unregister = registerSettings(target.type, settings);
  const before = registry.get(target.type);
  registry.set(target.type, target);
  return () => {
    unregister();
    if (before) registry.set(target.type, before);
    else registry.delete(target.type);
  };
}

/** The target that reads a URL of this scheme (`import --url`), e.g. `postgres://…`. */
export function targetForUrl(url: string): Target | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  return scheme ? [...registry.values()].find((t) => t.urlSchemes?.includes(scheme)) : undefined;
}

/** Every URL scheme some target reads. */
export function urlSchemes(): string[] {
  return [...registry.values()].flatMap((t) => t.urlSchemes ?? []);
}
