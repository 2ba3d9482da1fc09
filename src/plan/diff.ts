import type { Change, NativeObject } from '../targets/target.js';
import { sameJson } from './canonical.js';

export type UnhazardedChange = Omit<Change, 'hazards'>;

/**
 * Keyed diff of desired vs current objects (drizzle-kit style: both sides have the same shape,
 * so this is a pure comparison). Returns changes without hazards or order; the target adds both.
 */
export function diffObjects(desired: readonly NativeObject[], current: readonly NativeObject[]): UnhazardedChange[] {
  const currentByKey = new Map(current.map((o) => [o.key, o]));
  const desiredKeys = new Set<string>();
  const changes: UnhazardedChange[] = [];
  for (const d of desired) {
    desiredKeys.add(d.key);
    const c = currentByKey.get(d.key);
    if (!c) {
      changes.push({ action: 'add', key: d.key, kind: d.kind, desired: d, reason: `${d.label} does not exist` });
    } else if (!sameJson(d.spec, c.spec)) {
      changes.push({ action: 'change', key: d.key, kind: d.kind, desired: d, current: c, reason: describeDifference(d, c) });
    }
  }
  for (const c of current) {
    if (!desiredKeys.has(c.key)) changes.push({ action: 'remove', key: c.key, kind: c.kind, current: c, reason: `${c.label} is no longer in the model` });
  }
  return changes;
}

/** Which top-level spec fields differ, for the reviewer; drift is named first. */
function describeDifference(d: NativeObject, c: NativeObject): string {
  if (typeof c.spec.drift === 'string') return `live object differs from the last apply: ${c.spec.drift}`;
  const fields = [...new Set([...Object.keys(d.spec), ...Object.keys(c.spec)])].filter((k) => !sameJson(d.spec[k], c.spec[k]));
  return `${fields.sort().join(', ')} changed`;
}
