import type { AccessDialect, AccessRole } from '../../plan/hazards.js';
import type { NativeObject } from '../target.js';

/**
 * What each Snowflake object is to access (the core's hazard classes and apply order come from
 * it: src/plan/hazards.ts, order.ts; reference 8.2: protect before granting, revoke before
 * unprotecting). Snowflake commits every statement, so within one rank the plan's tie-break — the
 * object key, whose first part is the kind — is also a dependency order, and the kinds are named
 * for it: `mask-policy` before `mask-route` (a tag routes only policies that exist),
 * `row-access-policy` before `row-policy-on` (a table is attached to a policy that exists).
 *
 * - tags (the catalog's, and the managed masking tag) are containers: created before anything is
 *   set on them, dropped after everything set on them is unset; a tag carries no access itself;
 * - a masking policy, its route on the masking tag, a column's mask-class value, a row access
 *   policy and its attachment are controls on the table: adding one narrows, removing widens;
 * - a catalog tag's value on a table or column is bookkeeping (no policy reads it);
 * - USAGE and SELECT grants, memberships and attribute rows widen when added.
 */
export const snowflakeAccess: AccessDialect = {
  roleOf(o: NativeObject): AccessRole {
    switch (o.kind) {
      case 'governance':
        return 'governance';
      case 'role':
        return 'principal';
      case 'tag':
        return 'container';
      case 'membership':
        return 'membership';
      case 'attribute':
        return 'attribute';
      case 'grant':
        return 'grant';
      case 'mask-policy':
      case 'mask-route':
      case 'row-access-policy':
      case 'row-policy-on':
        return 'policy';
      case 'tag-value':
        return o.spec.mask === true ? 'policy' : 'bookkeeping';
      default:
        throw new Error(`the Snowflake target has no access role for a ${o.kind}`);
    }
  },
};
