import type { Account, Securable } from './state.js';

/**
 * Role hierarchy and privilege checks
 * (https://docs.snowflake.com/en/user-guide/security-access-control-overview#role-hierarchy-and-privilege-inheritance):
 * a role inherits every role granted to it; PUBLIC is granted to every role and user; a role
 * that owns an object holds every privilege on it.
 */
export function closure(a: Account, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const r = queue.shift()!;
    if (out.has(r) || !a.roles.has(r)) continue;
    out.add(r);
    for (const g of a.roleGrants) if (g.granteeType === 'ROLE' && g.grantee === r) queue.push(g.role);
  }
  if (a.roles.has('PUBLIC')) out.add('PUBLIC');
  return out;
}

/** Roles granted directly to a user (PUBLIC included). */
export function userRoles(a: Account, user: string): string[] {
  const direct = a.roleGrants.filter((g) => g.granteeType === 'USER' && g.grantee === user).map((g) => g.role);
  return [...new Set([...direct, 'PUBLIC'])];
}

/** CURRENT_AVAILABLE_ROLES: roles granted to the user plus everything below them (https://docs.snowflake.com/en/sql-reference/functions/current_available_roles). */
export function availableRoles(a: Account, user: string): string[] {
  return [...closure(a, userRoles(a, user))].sort();
}

/** Would granting `child` to `parent` create a cycle? (https://docs.snowflake.com/en/sql-reference/sql/grant-role) */
export function wouldCycle(a: Account, child: string, parent: string): boolean {
  return child === parent || closure(a, [child]).has(parent);
}

export function owns(roles: ReadonlySet<string>, o: Securable): boolean {
  return 'owner' in o && roles.has(o.owner);
}

export function hasPriv(a: Account, roles: ReadonlySet<string>, o: Securable, privilege: string): boolean {
  if (owns(roles, o)) return true;
  return a.grants.some((g) => g.on === o && g.granteeType === 'ROLE' && roles.has(g.grantee) && g.privilege === privilege);
}

export function hasAnyPriv(a: Account, roles: ReadonlySet<string>, o: Securable): boolean {
  if (owns(roles, o)) return true;
  return a.grants.some((g) => g.on === o && g.granteeType === 'ROLE' && roles.has(g.grantee));
}

export function hasGlobal(a: Account, roles: ReadonlySet<string>, privilege: string): boolean {
  return a.grants.some((g) => g.on === a.accountObject && g.granteeType === 'ROLE' && roles.has(g.grantee) && g.privilege === privilege);
}
