import type { TagCatalog, TagSelector } from '../model/types.js';
import type { TagMap } from './governed.js';

/**
 * Whether an object's tags match a selector: every key of the selector must match (AND), a key
 * matches when the object's value is one of the listed values (OR), or, for an ordered tag with
 * `at_least`, that value or a later one.
 */
export function matchesTags(tags: TagMap, selector: TagSelector, catalog: TagCatalog): boolean {
  if (selector.length === 0) return false;
  for (const entry of selector) {
    const assigned = tags.get(entry.key);
    if (!assigned) return false;
    if (entry.atLeast !== undefined) {
      const values = catalog.tags.get(entry.key)?.values ?? [];
      const floor = values.indexOf(entry.atLeast);
      const at = values.indexOf(assigned.value);
      if (floor < 0 || at < floor) return false;
    } else if (!entry.values.includes(assigned.value)) return false;
  }
  return true;
}

/** `pii=email` style text of a selector for messages. */
export function describeSelector(selector: TagSelector): string {
  return selector
    .map((e) => (e.atLeast !== undefined ? `${e.key}>=${e.atLeast}` : `${e.key}=${e.values.join('|')}`))
    .join(', ');
}
