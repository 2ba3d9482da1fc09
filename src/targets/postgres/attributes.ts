import type { Model } from '../../model/types.js';
import { attributeValueText } from './expr.js';
import type { AttributeValueSpec } from './objects.js';

/**
 * The rows of `<governance>.attributes`: every value a group declares itself, in the canonical
 * text of the attribute's type (a value that cannot be read as that type matches nothing, as in
 * the oracle, and is left out), once each. The closure is the views' pg_has_role(…, 'MEMBER')
 * over the member_of memberships, never copied into rows.
 */
export function groupAttributeValues(model: Pick<Model, 'groups' | 'attributes'>, roles: ReadonlyMap<string, string>): AttributeValueSpec[] {
  const out = new Map<string, AttributeValueSpec>();
  for (const [group, role] of roles) {
    const own = model.groups.get(group)?.attributes ?? new Map();
    for (const [attribute, { values }] of [...own].sort((a, b) => compare(a[0], b[0]))) {
      const type = model.attributes.get(attribute)?.type;
      if (type === undefined) continue; // validation reports an undeclared attribute
      for (const v of values) {
        const value = attributeValueText(v, type);
        if (value !== undefined) out.set(JSON.stringify([role, attribute, value]), { role, attribute, type, value });
      }
    }
  }
  return [...out.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
