import type { Resolved } from '../resolve/resolve.js';
import { namesForResolved } from './postgres/native-names.js';
import { qualified } from './postgres/objects.js';
import type { Target } from './target.js';
import { postgresTarget } from './postgres/index.js';

/**
 * The registry of targets, keyed by `type`. The core asks targets through here only; nothing
 * outside `targets/<type>/` knows a dialect.
 */
export const TARGET_TYPES = ['postgres', 'snowflake', 'databricks', 'bigquery'] as const;

const registry: Readonly<Record<string, Target>> = { postgres: postgresTarget };

/** The implementation for a target type, or undefined when this version has none yet. */
export function targetFor(type: string): Target | undefined {
  return registry[type];
}

/** What consumers query for a governed table on a target type, for `explain`. */
export function consumerObjectName(type: string, resolved: Resolved, settings: Readonly<Record<string, unknown>>, parts: readonly [string, string, string]): string | null {
  switch (type) {
    case 'postgres':
      return qualified(namesForResolved(resolved, settings).schema(parts[1]), parts[2]);
    default:
      return null; // the other targets govern the table itself; they arrive in later issues
  }
}
