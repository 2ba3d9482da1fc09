import { hasGlobal, owns, wouldCycle } from './access.js';
import { now } from './account.js';
import type { GrantTarget, Statement } from './ast.js';
import type { Ctx } from './context.js';
import { SimError, compileError, insufficient, notExist } from './errors.js';
import { mustSee, maskingOf, rapsOf, tables, tagsOf, usableDatabase, usableSchema } from './guard.js';
import { qualified } from './names.js';
import { OK, status, type ExecResult } from './result.js';
import type { Account, Database, Grant, Schema, Securable, Table } from './state.js';

/**
 * Privileges by object type (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege);
 * ALL [PRIVILEGES] expands to these (OWNERSHIP is granted with GRANT OWNERSHIP only).
 */
export const PRIVILEGES: Record<string, readonly string[]> = {
  ACCOUNT: ['APPLY MASKING POLICY', 'APPLY ROW ACCESS POLICY', 'APPLY TAG', 'APPLY AGGREGATION POLICY', 'APPLY PROJECTION POLICY', 'MANAGE GRANTS', 'CREATE ROLE', 'CREATE USER', 'CREATE DATABASE', 'CREATE WAREHOUSE', 'EXECUTE TASK', 'MONITOR USAGE', 'MONITOR EXECUTION', 'IMPORT SHARE', 'CREATE SHARE', 'AUDIT'],
  DATABASE: ['USAGE', 'MONITOR', 'CREATE SCHEMA', 'MODIFY', 'CREATE DATABASE ROLE', 'APPLYBUDGET', 'IMPORTED PRIVILEGES'],
  SCHEMA: ['USAGE', 'MONITOR', 'MODIFY', 'CREATE TABLE', 'CREATE VIEW', 'CREATE TAG', 'CREATE MASKING POLICY', 'CREATE ROW ACCESS POLICY', 'CREATE FUNCTION', 'CREATE PROCEDURE', 'CREATE SEQUENCE', 'CREATE STAGE', 'CREATE DYNAMIC TABLE', 'CREATE MATERIALIZED VIEW', 'CREATE STREAM', 'CREATE TASK', 'CREATE FILE FORMAT', 'CREATE PIPE', 'ADD SEARCH OPTIMIZATION', 'APPLYBUDGET'],
  TABLE: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'REBUILD', 'EVOLVE SCHEMA', 'APPLYBUDGET'],
  VIEW: ['SELECT', 'REFERENCES'],
  WAREHOUSE: ['USAGE', 'OPERATE', 'MONITOR', 'MODIFY', 'APPLYBUDGET'],
  TAG: ['APPLY', 'READ'],
  'MASKING POLICY': ['APPLY'],
  'ROW ACCESS POLICY': ['APPLY'],
  USER: ['MONITOR'],
  ROLE: [],
};

/** SHOW GRANTS `granted_on` words (underscored) for stored kinds. */
export function grantedOn(o: Securable): string {
  switch (o.kind) {
    case 'MASKING_POLICY': return 'MASKING_POLICY';
    case 'ROW_ACCESS_POLICY': return 'ROW_ACCESS_POLICY';
    default: return o.kind;
  }
}

/** Display name of a securable in SHOW GRANTS `name`: qualified, parts quoted only when needed. */
export function securableName(a: Account, o: Securable): string {
  switch (o.kind) {
    case 'ACCOUNT': return a.locator;
    case 'DATABASE': return qualified(o.name);
    case 'SCHEMA': return qualified(o.database.name, o.name);
    case 'TABLE': case 'TAG': case 'MASKING_POLICY': case 'ROW_ACCESS_POLICY': return qualified(o.schema.database.name, o.schema.name, o.name);
    default: return qualified(o.name);
  }
}

/** The schema containing an object, for the managed-access rule. */
function containingSchema(o: Securable): Schema | null {
  if (o.kind === 'TABLE' || o.kind === 'TAG' || o.kind === 'MASKING_POLICY' || o.kind === 'ROW_ACCESS_POLICY') return o.schema;
  return null;
}

/**
 * May the statement's roles grant (or revoke) privileges on this object? The owner, a holder of
 * the privilege WITH GRANT OPTION, or MANAGE GRANTS; in a managed-access schema only the schema
 * owner or MANAGE GRANTS (https://docs.snowflake.com/en/user-guide/security-access-control-configure#creating-managed-access-schemas).
 */
function mayGrant(ctx: Ctx, o: Securable, privilege: string | null): boolean {
  const a = ctx.account;
  const roles = ctx.privRoles;
  if (hasGlobal(a, roles, 'MANAGE GRANTS')) return true;
  const s = containingSchema(o);
  if (s && s.managedAccess) return owns(roles, s);
  if (o.kind === 'SCHEMA' && o.managedAccess && owns(roles, o)) return true;
  if (owns(roles, o)) return true;
  if (privilege && a.grants.some((g) => g.on === o && roles.has(g.grantee) && g.privilege === privilege && g.grantOption)) return true;
  return false;
}

/** The role recorded as grantor: the owning active role, or with MANAGE GRANTS the object owner (GRANTS_TO_ROLES notes). */
function grantor(ctx: Ctx, o: Securable): string {
  if ('owner' in o && ctx.privRoles.has(o.owner)) return o.owner;
  if ('owner' in o && hasGlobal(ctx.account, ctx.privRoles, 'MANAGE GRANTS')) return o.owner;
  return ctx.session.role ?? '';
}

function kindLabel(type: string): string {
  return type.toLowerCase();
}

/** Resolves one named object for a grant; MANAGE GRANTS sees every object. */
export function grantObject(ctx: Ctx, type: string, name: readonly string[]): Securable {
  const a = ctx.account;
  const manage = hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS');
  const reveal = manage ? ['MANAGE GRANTS'] : [];
  switch (type) {
    case 'DATABASE': return usableDatabase(ctx, name[0]!);
    case 'SCHEMA': return usableSchema(ctx, name, 'GRANT');
    case 'TABLE': case 'VIEW': case 'EXTERNAL TABLE': case 'DYNAMIC TABLE': case 'MATERIALIZED VIEW': return mustSee(ctx, name, tables, 'Object', 'GRANT', reveal);
    case 'TAG': return mustSee(ctx, name, tagsOf, 'Tag', 'GRANT', reveal);
    case 'MASKING POLICY': return mustSee(ctx, name, maskingOf, 'Masking policy', 'GRANT', reveal);
    case 'ROW ACCESS POLICY': return mustSee(ctx, name, rapsOf, 'Row access policy', 'GRANT', reveal);
    case 'WAREHOUSE': { const w = a.warehouses.get(name[0]!); if (!w) throw notExist('Warehouse', qualified(name[0]!)); return w; }
    case 'ROLE': { const r = a.roles.get(name[0]!); if (!r) throw notExist('Role', qualified(name[0]!)); return r; }
    case 'USER': { const u = a.users.get(name[0]!); if (!u) throw notExist('User', qualified(name[0]!)); return u; }
  }
  throw compileError('001003', `syntax error line 1 at position 0 unexpected '${type}'.`, '42000');
}

/** Expands ON ALL <type>S IN SCHEMA|DATABASE — a one-shot expansion over the objects that exist now. */
function allObjects(ctx: Ctx, target: Extract<GrantTarget, { k: 'ALL' | 'FUTURE' }>): Securable[] {
  const schemas: Schema[] = target.inType === 'SCHEMA' ? [usableSchema(ctx, target.name, 'GRANT')] : [...usableDatabase(ctx, target.name[0]!).schemas.values()];
  if (target.type === 'SCHEMA') {
    if (target.inType !== 'DATABASE') throw compileError('001003', "syntax error line 1 at position 0 unexpected 'SCHEMAS'.", '42000');
    return schemas.filter((s) => s.name !== 'INFORMATION_SCHEMA');
  }
  if (target.type === 'TABLE') return schemas.flatMap((s) => [...s.tables.values()]);
  if (target.type === 'VIEW') return [];
  if (target.type === 'TAG') return schemas.flatMap((s) => [...s.tagObjects.values()]);
  if (target.type === 'MASKING POLICY') return schemas.flatMap((s) => [...s.maskingPolicies.values()]);
  if (target.type === 'ROW ACCESS POLICY') return schemas.flatMap((s) => [...s.rowAccessPolicies.values()]);
  return [];
}

function typeOf(o: Securable): string {
  switch (o.kind) {
    case 'MASKING_POLICY': return 'MASKING POLICY';
    case 'ROW_ACCESS_POLICY': return 'ROW ACCESS POLICY';
    default: return o.kind;
  }
}

function expandPrivileges(type: string, privs: readonly string[]): string[] {
  const valid = PRIVILEGES[type] ?? [];
  const out: string[] = [];
  for (const p of privs) {
    if (p === 'ALL') out.push(...valid.filter((x) => x !== 'IMPORTED PRIVILEGES' && x !== 'MANAGE GRANTS'));
    else if (p === 'OWNERSHIP') throw compileError('003011', 'Invalid privilege OWNERSHIP. Use GRANT OWNERSHIP to transfer ownership.', '42601');
    else if (!valid.includes(p)) throw compileError('003011', `Invalid privilege ${p}.`, '42601');
    else out.push(p);
  }
  return [...new Set(out)];
}

/** GRANT / REVOKE <privileges> ON … TO|FROM ROLE r (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege, …/revoke-privilege). */
export function execGrantPriv(st: Extract<Statement, { t: 'grantPriv' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  if (st.grantee.type === 'ROLE' && !a.roles.has(st.grantee.name)) throw notExist('Role', qualified(st.grantee.name));
  if (st.grantee.type === 'USER' && !a.users.has(st.grantee.name)) throw notExist('User', qualified(st.grantee.name));
  if (st.grantee.type === 'DATABASE ROLE' || st.grantee.type === 'SHARE') throw compileError('002003', `${st.grantee.type === 'SHARE' ? 'Share' : 'Database role'} '${st.grantee.name}' does not exist or not authorized.`, '02000');
  const granteeType = st.grantee.type;
  const t = st.target;
  if (t.k === 'FUTURE') return futureGrant(st, t, ctx);
  const objects: Securable[] = t.k === 'ACCOUNT' ? [a.accountObject] : t.k === 'ALL' ? allObjects(ctx, t) : [grantObject(ctx, t.type, t.name)];
  const type = t.k === 'ACCOUNT' ? 'ACCOUNT' : t.type === 'VIEW' ? 'VIEW' : t.type;
  const privs = expandPrivileges(type === 'EXTERNAL TABLE' || type === 'DYNAMIC TABLE' ? 'TABLE' : type, st.privileges);
  const created = now(a);
  for (const o of objects) {
    for (const p of privs) {
      if (o.kind === 'ACCOUNT' ? !hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS') && !a.grants.some((g) => g.on === o && ctx.privRoles.has(g.grantee) && g.privilege === p && g.grantOption) : !mayGrant(ctx, o, p)) {
        throw insufficient(o.kind === 'ACCOUNT' ? 'account' : kindLabel(typeOf(o)), securableName(a, o));
      }
      const existing = a.grants.find((g) => g.on === o && g.privilege === p && g.granteeType === granteeType && g.grantee === st.grantee.name);
      if (st.revoke) {
        if (!existing) continue;
        revokeWithDependents(ctx, existing, st.cascade === true, st.grantOptionFor);
      } else if (existing) {
        if (st.grantOption) existing.grantOption = true;
      } else {
        const g: Grant = { privilege: p, on: o, granteeType, grantee: st.grantee.name, grantOption: st.grantOption, grantedBy: o.kind === 'ACCOUNT' ? (ctx.session.role ?? '') : grantor(ctx, o), createdOn: created };
        a.grants.push(g);
      }
    }
  }
  return OK(st.revoke ? 'REVOKE' : 'GRANT');
}

/**
 * REVOKE … [RESTRICT | CASCADE] (https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege):
 * grants the revokee made of the same privilege on the same object (with its grant option) are
 * dependent; RESTRICT (the default) refuses while any exists, CASCADE revokes them too.
 */
function revokeWithDependents(ctx: Ctx, g: Grant, cascade: boolean, optionOnly: boolean): void {
  const a = ctx.account;
  const dependents = a.grants.filter((x) => x !== g && x.on === g.on && x.privilege === g.privilege && x.grantedBy === g.grantee && !('owner' in g.on && g.on.owner === g.grantee));
  if (dependents.length && !cascade) {
    const d = dependents[0]!;
    throw new SimError('003033', '42501', `SQL access control error:\nDependent grant of privilege '${g.privilege}' on securable '${securableName(a, g.on)}' to role '${d.grantee}' exists. It must be revoked first. More than one dependent grant may exist: use 'SHOW GRANTS' command to view them. To revoke all dependent grants while revoking the specified privilege, use the CASCADE option.`);
  }
  for (const d of dependents) revokeWithDependents(ctx, d, true, false);
  if (optionOnly) g.grantOption = false;
  else a.grants = a.grants.filter((x) => x !== g);
}

/**
 * Future grants (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#future-grants-on-database-or-schema-objects):
 * need MANAGE GRANTS (or, in a managed-access schema, the schema owner); stored on the
 * container; applied when an object of the type is created there; schema-level future grants
 * for a type shadow the database-level ones for that schema.
 */
function futureGrant(st: Extract<Statement, { t: 'grantPriv' }>, t: Extract<GrantTarget, { k: 'FUTURE' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const container: Database | Schema = t.inType === 'SCHEMA' ? usableSchema(ctx, t.name, 'GRANT') : usableDatabase(ctx, t.name[0]!);
  const manage = hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS');
  if (!manage && !(container.kind === 'SCHEMA' && container.managedAccess && owns(ctx.privRoles, container))) {
    throw insufficient(container.kind === 'SCHEMA' ? 'schema' : 'database', securableName(a, container));
  }
  if (['MASKING POLICY', 'ROW ACCESS POLICY'].includes(t.type)) throw compileError('003011', `Future grants are not supported on ${t.type.toLowerCase()} objects.`, '0A000');
  const privs = expandPrivileges(t.type === 'VIEW' ? 'VIEW' : t.type, st.privileges);
  for (const p of privs) {
    const existing = a.futureGrants.find((g) => g.container === container && g.objectType === t.type && g.privilege === p && g.grantee === st.grantee.name);
    if (st.revoke) {
      if (!existing) continue;
      if (st.grantOptionFor) existing.grantOption = false;
      else a.futureGrants = a.futureGrants.filter((g) => g !== existing);
    } else if (existing) {
      if (st.grantOption) existing.grantOption = true;
    } else a.futureGrants.push({ privilege: p, objectType: t.type, container, grantee: st.grantee.name, grantOption: st.grantOption, createdOn: now(a) });
  }
  return OK(st.revoke ? 'REVOKE' : 'GRANT');
}

/** Applies future grants to a newly created object: schema-level ones if any exist for the type, else database-level ones. */
export function applyFutureGrants(a: Account, o: Table | Schema): void {
  const type = o.kind === 'TABLE' ? 'TABLE' : 'SCHEMA';
  let grants = a.futureGrants.filter((g) => g.objectType === type && g.container === (o.kind === 'TABLE' ? o.schema : null));
  if (o.kind === 'SCHEMA') grants = a.futureGrants.filter((g) => g.objectType === 'SCHEMA' && g.container === o.database);
  else if (grants.length === 0) grants = a.futureGrants.filter((g) => g.objectType === type && g.container === o.schema.database);
  for (const g of grants) {
    if (!a.roles.has(g.grantee)) continue;
    a.grants.push({ privilege: g.privilege, on: o, granteeType: 'ROLE', grantee: g.grantee, grantOption: g.grantOption, grantedBy: o.owner, createdOn: now(a) });
  }
}

export function dropGrantsOn(a: Account, o: Securable): void {
  a.grants = a.grants.filter((g) => g.on !== o);
  a.futureGrants = a.futureGrants.filter((g) => g.container !== o);
}

/**
 * GRANT ROLE r TO ROLE p | USER u, REVOKE ROLE (https://docs.snowflake.com/en/sql-reference/sql/grant-role):
 * needs OWNERSHIP of r or MANAGE GRANTS; a grant that would make a cycle is refused.
 */
export function execGrantRole(st: Extract<Statement, { t: 'grantRole' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const role = a.roles.get(st.role);
  if (!role) throw notExist('Role', qualified(st.role));
  if (st.grantee.type === 'ROLE' && !a.roles.has(st.grantee.name)) throw notExist('Role', qualified(st.grantee.name));
  if (st.grantee.type === 'USER' && !a.users.has(st.grantee.name)) throw notExist('User', qualified(st.grantee.name));
  if (!owns(ctx.privRoles, role) && !hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS')) throw insufficient('role', qualified(st.role));
  const existing = a.roleGrants.find((g) => g.role === st.role && g.granteeType === st.grantee.type && g.grantee === st.grantee.name);
  if (st.revoke) {
    if (existing) a.roleGrants = a.roleGrants.filter((g) => g !== existing);
    return OK('REVOKE');
  }
  if (st.grantee.type === 'ROLE' && wouldCycle(a, st.role, st.grantee.name)) {
    throw compileError('003012', `Cannot grant role ${qualified(st.role)} to role ${qualified(st.grantee.name)}, because role ${qualified(st.grantee.name)} is already granted to role ${qualified(st.role)}.`, '42501');
  }
  if (!existing) a.roleGrants.push({ role: st.role, granteeType: st.grantee.type, grantee: st.grantee.name, grantedBy: role.owner === '' ? (ctx.session.role ?? '') : (ctx.privRoles.has(role.owner) ? role.owner : ctx.session.role ?? ''), createdOn: now(a) });
  return OK('GRANT');
}

/**
 * GRANT OWNERSHIP ON … TO ROLE r [COPY | REVOKE CURRENT GRANTS] (https://docs.snowflake.com/en/sql-reference/sql/grant-ownership):
 * without either option, an object with outbound grants cannot change owner.
 */
export function execGrantOwnership(st: Extract<Statement, { t: 'grantOwnership' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  if (!a.roles.has(st.role)) throw notExist('Role', qualified(st.role));
  const t = st.target;
  if (t.k === 'ACCOUNT') throw compileError('001003', "syntax error line 1 at position 19 unexpected 'ACCOUNT'.", '42000');
  if (t.k === 'FUTURE') throw compileError('003011', 'Future ownership grants are not modelled by the simulator.', '0A000');
  const objects = t.k === 'ALL' ? allObjects(ctx, t) : [grantObject(ctx, t.type, t.name)];
  for (const o of objects) {
    if (!('owner' in o)) continue;
    if (!owns(ctx.privRoles, o) && !hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS')) throw insufficient(kindLabel(typeOf(o)), securableName(a, o));
    const outbound = a.grants.filter((g) => g.on === o);
    if (outbound.length && st.currentGrants === null) {
      const g = outbound[0]!;
      throw new SimError('003032', '42501', `SQL access control error:\nDependent grant of privilege '${g.privilege}' on securable '${securableName(a, o)}' to role '${g.grantee}' exists. It must be revoked first. More than one dependent grant may exist: use 'SHOW GRANTS' command to view them. To revoke all dependent grants while transferring object ownership, use convenience command 'GRANT OWNERSHIP ON <target_objects> TO <target_role> REVOKE CURRENT GRANTS'.`);
    }
    if (o.kind === 'ROLE' && wouldCycle(a, o.name, st.role) && o.name !== st.role) { /* owning a role does not grant it */ }
    if (st.currentGrants === 'REVOKE') a.grants = a.grants.filter((g) => g.on !== o);
    else for (const g of outbound) g.grantedBy = st.role;
    o.owner = st.role;
  }
  return status('Statement executed successfully.', 'GRANT');
}

