import type { Account, Database, Grant, Role, Securable } from './state.js';

/**
 * A new account as Snowflake creates one (https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles):
 * system roles ACCOUNTADMIN ⊃ SECURITYADMIN ⊃ USERADMIN, ACCOUNTADMIN ⊃ SYSADMIN, and PUBLIC
 * (granted to every user and role implicitly); ORGADMIN is not modelled. Account-level
 * privileges: SECURITYADMIN holds MANAGE GRANTS, USERADMIN CREATE USER and CREATE ROLE, SYSADMIN
 * CREATE DATABASE and CREATE WAREHOUSE, ACCOUNTADMIN the APPLY privileges for policies and tags
 * (https://docs.snowflake.com/en/user-guide/security-column-intro#privileges-and-dependencies).
 * The SNOWFLAKE database is shared with the account; it is not stored here (see info-schema.ts).
 */
export function createAccount(name: string): Account {
  const a: Account = {
    name, locator: name.toUpperCase(), seq: 1, clockOffsetMs: 0, accountUsageLatencyMs: 0, snowflakeImported: [], accountObject: { kind: 'ACCOUNT' },
    databases: new Map(), roles: new Map(), users: new Map(), warehouses: new Map(),
    grants: [], roleGrants: [], futureGrants: [], queryHistory: [], accessHistory: [], results: new Map(), dropped: [],
  };
  const t = now(a);
  const role = (n: string, owner: string, comment: string): Role => ({ kind: 'ROLE', id: nextId(a), name: n, owner, comment, createdOn: t });
  a.roles.set('ACCOUNTADMIN', role('ACCOUNTADMIN', '', 'Account administrator can manage all aspects of the account.'));
  a.roles.set('SECURITYADMIN', role('SECURITYADMIN', 'ACCOUNTADMIN', 'Security administrator can manage security aspects of the account.'));
  a.roles.set('USERADMIN', role('USERADMIN', 'ACCOUNTADMIN', 'User administrator can create and manage users and roles'));
  a.roles.set('SYSADMIN', role('SYSADMIN', 'ACCOUNTADMIN', 'System administrator can create and manage databases and warehouses.'));
  a.roles.set('PUBLIC', role('PUBLIC', '', 'Pseudo-role that is automatically granted to every user and every role in the account.'));
  for (const [child, parent] of [['SECURITYADMIN', 'ACCOUNTADMIN'], ['SYSADMIN', 'ACCOUNTADMIN'], ['USERADMIN', 'SECURITYADMIN']] as const) a.roleGrants.push({ role: child, granteeType: 'ROLE', grantee: parent, grantedBy: '', createdOn: t });
  const acct = a.accountObject;
  const g = (privilege: string, grantee: string): Grant => ({ privilege, on: acct, granteeType: 'ROLE', grantee, grantOption: true, grantedBy: '', createdOn: t });
  a.grants.push(g('MANAGE GRANTS', 'SECURITYADMIN'), g('CREATE USER', 'USERADMIN'), g('CREATE ROLE', 'USERADMIN'), g('CREATE DATABASE', 'SYSADMIN'), g('CREATE WAREHOUSE', 'SYSADMIN'));
  for (const p of ['APPLY MASKING POLICY', 'APPLY ROW ACCESS POLICY', 'APPLY TAG', 'CREATE DATABASE', 'CREATE WAREHOUSE', 'CREATE ROLE', 'CREATE USER', 'MANAGE GRANTS', 'EXECUTE TASK']) a.grants.push(g(p, 'ACCOUNTADMIN'));
  return a;
}

export function nextId(a: Account): number {
  return a.seq++;
}

export function now(a: Account): Date {
  return new Date(Date.now() + a.clockOffsetMs);
}

export function findDatabase(a: Account, name: string): Database | undefined {
  return a.databases.get(name);
}

/** The kind word used in messages and SHOW GRANTS `granted_on`. */
export function kindOf(o: Securable): string {
  return o.kind === 'TABLE' ? 'TABLE' : o.kind;
}
