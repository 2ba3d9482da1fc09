import { closure, hasAnyPriv, hasGlobal, hasPriv, owns } from './access.js';
import type { Statement } from './ast.js';
import type { Ctx } from './context.js';
import { compileError, insufficient, notExist } from './errors.js';
import { grantObject, grantedOn, securableName } from './exec-grants.js';
import { usableDatabase, usableSchema, visibleObject, tables } from './guard.js';
import { likeMatch, qualified } from './names.js';
import type { ExecResult } from './result.js';
import type { Account, Policy, Schema, Securable, Table, Tag } from './state.js';
import { NUMBER, TIMESTAMP_LTZ, VARCHAR, type SqlType } from './types.js';
import type { Value } from './values.js';

type Col = [string, SqlType];
const T = TIMESTAMP_LTZ;
const S = VARCHAR;
const N = NUMBER;

/** SHOW returns at most 10,000 rows (https://docs.snowflake.com/en/sql-reference/sql/show#general-usage-notes). */
export const SHOW_CAP = 10000;

function result(cols: readonly Col[], rows: Value[][], queryType = 'SHOW'): ExecResult {
  return { cols: cols.map(([name, type]) => ({ name, type })), rows, queryType };
}

/** LIKE (case-insensitive), STARTS WITH (case-sensitive), LIMIT n [FROM 'name'] (rows from the first name ≥ the string), and the 10,000-row cap — over rows sorted by name. */
function page(st: Extract<Statement, { t: 'show' }>, items: { name: string; row: Value[] }[]): Value[][] {
  if (st.limit !== null && st.limit > SHOW_CAP) throw compileError('001008', `LIMIT value ${st.limit} exceeds the maximum of ${SHOW_CAP} allowed for SHOW.`, '22023');
  let list = items.filter((i) => (st.like === null || likeMatch(i.name, st.like, true)) && (st.startsWith === null || i.name.startsWith(st.startsWith)));
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (st.from !== null) list = list.filter((i) => i.name >= st.from!);
  if (st.limit !== null) list = list.slice(0, st.limit);
  return list.slice(0, SHOW_CAP).map((i) => i.row);
}

const roleType = (owner: string): string => (owner ? 'ROLE' : '');

/** Scope of SHOW … [IN ACCOUNT | DATABASE d | SCHEMA s]: without IN, the current database (SHOW TABLES: its schemas). */
function schemasIn(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): Schema[] {
  const a = ctx.account;
  const visibleSchema = (s: Schema): boolean => hasPriv(a, ctx.privRoles, s.database, 'USAGE') && hasAnyPriv(a, ctx.privRoles, s);
  if (st.in?.kind === 'ACCOUNT') return [...a.databases.values()].flatMap((d) => [...d.schemas.values()]).filter(visibleSchema);
  if (st.in?.kind === 'DATABASE') return [...usableDatabase(ctx, st.in.name[0]!).schemas.values()].filter(visibleSchema);
  if (st.in?.kind === 'SCHEMA') return [usableSchema(ctx, st.in.name, 'SHOW')];
  if (!ctx.session.database) throw compileError('090105', "Cannot perform SHOW <object>. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.", '22000');
  const db = ctx.account.databases.get(ctx.session.database);
  return db ? [...db.schemas.values()].filter(visibleSchema) : [];
}

/** Without IN, same-named objects in different schemas of the current database are shown once (https://docs.snowflake.com/en/sql-reference/sql/show-masking-policies). */
function onceByName<T extends { name: string }>(st: Extract<Statement, { t: 'show' }>, list: T[]): T[] {
  if (st.in) return list;
  const seen = new Set<string>();
  return list.filter((o) => (seen.has(o.name) ? false : (seen.add(o.name), true)));
}

export function execShow(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): ExecResult {
  const full = showFull(st, ctx);
  if (!st.terse || !['TABLES', 'OBJECTS', 'SCHEMAS', 'DATABASES', 'VIEWS'].includes(st.what)) return full;
  // SHOW TERSE: created_on, name, kind, database_name, schema_name (https://docs.snowflake.com/en/sql-reference/sql/show-tables#parameters).
  const names = ['created_on', 'name', 'kind', 'database_name', 'schema_name'];
  const idx = names.map((n) => full.cols.findIndex((c) => c.name === n));
  return { cols: names.map((name, i) => ({ name, type: idx[i]! >= 0 ? full.cols[idx[i]!]!.type : VARCHAR })), rows: full.rows.map((r) => idx.map((i) => (i >= 0 ? r[i] ?? null : null))), queryType: full.queryType };
}

function showFull(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  switch (st.what) {
    case 'ROLES': return showRoles(st, ctx);
    case 'GRANTS': return showGrants(st, ctx);
    case 'FUTURE GRANTS': return showFutureGrants(st, ctx);
    case 'DATABASES': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-databases
      const cols: Col[] = [['created_on', T], ['name', S], ['is_default', S], ['is_current', S], ['origin', S], ['owner', S], ['comment', S], ['options', S], ['retention_time', S], ['kind', S], ['budget', S], ['owner_role_type', S]];
      const items = [...a.databases.values()].filter((d) => hasAnyPriv(a, ctx.privRoles, d)).map((d) => ({ name: d.name, row: [d.createdOn, d.name, 'N', ctx.session.database === d.name ? 'Y' : 'N', '', d.owner, d.comment ?? '', d.transient ? 'TRANSIENT' : '', '1', 'STANDARD', null, roleType(d.owner)] as Value[] }));
      return result(cols, page(st, items));
    }
    case 'SCHEMAS': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-schemas
      const cols: Col[] = [['created_on', T], ['name', S], ['is_default', S], ['is_current', S], ['database_name', S], ['owner', S], ['comment', S], ['options', S], ['retention_time', S], ['owner_role_type', S], ['budget', S]];
      const dbs = st.in?.kind === 'ACCOUNT' ? [...a.databases.values()].filter((d) => hasPriv(a, ctx.privRoles, d, 'USAGE')) : [usableDatabase(ctx, st.in ? st.in.name[st.in.name.length - 1]! : (ctx.session.database ?? noDb()))];
      const items: { name: string; row: Value[] }[] = [];
      for (const d of dbs) {
        items.push({ name: 'INFORMATION_SCHEMA', row: [d.createdOn, 'INFORMATION_SCHEMA', 'N', ctx.session.database === d.name && ctx.session.schema === 'INFORMATION_SCHEMA' ? 'Y' : 'N', d.name, '', 'Views describing the contents of schemas in this database', '', '1', '', null] });
        for (const s of d.schemas.values()) if (hasAnyPriv(a, ctx.privRoles, s)) items.push({ name: s.name, row: [s.createdOn, s.name, 'N', ctx.session.database === d.name && ctx.session.schema === s.name ? 'Y' : 'N', d.name, s.owner, s.comment ?? '', [s.transient ? 'TRANSIENT' : '', s.managedAccess ? 'MANAGED ACCESS' : ''].filter(Boolean).join(', '), '1', roleType(s.owner), null] });
      }
      return result(cols, page(st, items));
    }
    case 'TABLES': case 'OBJECTS': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-tables
      const cols: Col[] = [['created_on', T], ['name', S], ['database_name', S], ['schema_name', S], ['kind', S], ['comment', S], ['cluster_by', S], ['rows', N], ['bytes', N], ['owner', S], ['retention_time', S], ['automatic_clustering', S], ['change_tracking', S], ['search_optimization', S], ['search_optimization_progress', S], ['search_optimization_bytes', N], ['is_external', S], ['enable_schema_evolution', S], ['owner_role_type', S], ['is_event', S], ['budget', S], ['is_hybrid', S], ['is_iceberg', S], ['is_dynamic', S], ['is_immutable', S]];
      const items = schemasIn(st, ctx).flatMap((s) => [...s.tables.values()]).filter((t) => hasAnyPriv(a, ctx.privRoles, t)).map((t) => ({ name: t.name, row: tableRow(t) }));
      return result(cols, page(st, items));
    }
    case 'VIEWS': return result([['created_on', T], ['name', S], ['reserved', S], ['database_name', S], ['schema_name', S], ['owner', S], ['comment', S], ['text', S], ['is_secure', S], ['is_materialized', S], ['owner_role_type', S], ['change_tracking', S]], []);
    case 'COLUMNS': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-columns
      const cols: Col[] = [['table_name', S], ['schema_name', S], ['column_name', S], ['data_type', S], ['null?', S], ['default', S], ['kind', S], ['expression', S], ['comment', S], ['database_name', S], ['autoincrement', S], ['schema_evolution_record', S]];
      let list: Table[];
      if (st.in?.kind === 'TABLE' || st.in?.kind === 'VIEW') {
        const t = visibleObject(ctx, st.in.name, tables, 'Object', 'SHOW COLUMNS');
        if (!t) throw notExist('Table', qualified(...st.in.name));
        list = [t];
      } else list = schemasIn(st, ctx).flatMap((s) => [...s.tables.values()]).filter((t) => hasAnyPriv(a, ctx.privRoles, t));
      const items = list.flatMap((t) => t.columns.map((c) => ({ name: c.name, row: [t.name, t.schema.name, c.name, dataTypeJson(c.type, c.nullable), c.nullable ? 'true' : 'false', '', 'COLUMN', '', c.comment ?? '', t.schema.database.name, '', null] as Value[] })));
      const filtered = items.filter((i) => st.like === null || likeMatch(i.name, st.like, true));
      return result(cols, filtered.slice(0, SHOW_CAP).map((i) => i.row));
    }
    case 'TAGS': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-tags — visible to the tag owner, holders of APPLY/READ on it, or global APPLY TAG.
      const cols: Col[] = [['created_on', T], ['name', S], ['database_name', S], ['schema_name', S], ['owner', S], ['comment', S], ['allowed_values', S], ['owner_role_type', S], ['propagate', S], ['on_conflict', S]];
      const global = hasGlobal(a, ctx.privRoles, 'APPLY TAG');
      const list = onceByName(st, schemasIn(st, ctx).flatMap((s) => [...s.tagObjects.values()]).filter((t) => global || hasAnyPriv(a, ctx.privRoles, t)));
      const items = list.map((t: Tag) => ({ name: t.name, row: [t.createdOn, t.name, t.schema.database.name, t.schema.name, t.owner, t.comment ?? '', t.allowedValues === null ? null : JSON.stringify(t.allowedValues), roleType(t.owner), t.propagate ?? 'OFF', null] as Value[] }));
      return result(cols, page(st, items));
    }
    case 'MASKING POLICIES': case 'ROW ACCESS POLICIES': {
      // https://docs.snowflake.com/en/sql-reference/sql/show-masking-policies, …/show-row-access-policies — no body, no signature.
      const masking = st.what === 'MASKING POLICIES';
      const cols: Col[] = [['created_on', T], ['name', S], ['database_name', S], ['schema_name', S], ['kind', S], ['owner', S], ['comment', S], ['options', S], ['owner_role_type', S]];
      const global = hasGlobal(a, ctx.privRoles, masking ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY');
      const list = onceByName(st, schemasIn(st, ctx).flatMap((s) => [...(masking ? s.maskingPolicies : s.rowAccessPolicies).values()]).filter((p) => global || hasAnyPriv(a, ctx.privRoles, p)));
      const items = list.map((p: Policy) => ({ name: p.name, row: [p.createdOn, p.name, p.schema.database.name, p.schema.name, p.kind, p.owner, p.comment, p.exempt ? '{"EXEMPT_OTHER_POLICIES":true}' : '', roleType(p.owner)] as Value[] }));
      return result(cols, page(st, items));
    }
    case 'USERS': {
      const cols: Col[] = [['name', S], ['created_on', T], ['login_name', S], ['display_name', S], ['comment', S], ['disabled', S], ['default_warehouse', S], ['default_namespace', S], ['default_role', S], ['default_secondary_roles', S], ['owner', S], ['type', S]];
      const items = [...a.users.values()].map((u) => ({ name: u.name, row: [u.name, u.createdOn, u.loginName, u.name, u.comment, u.disabled ? 'true' : 'false', u.defaultWarehouse, u.defaultNamespace, u.defaultRole, u.defaultSecondaryRoles.length ? JSON.stringify(u.defaultSecondaryRoles) : '[]', u.owner, 'PERSON'] as Value[] }));
      return result(cols, page(st, items));
    }
    case 'WAREHOUSES': {
      const cols: Col[] = [['name', S], ['state', S], ['type', S], ['size', S], ['created_on', T], ['owner', S], ['comment', S]];
      const items = [...a.warehouses.values()].filter((w) => hasAnyPriv(a, ctx.privRoles, w)).map((w) => ({ name: w.name, row: [w.name, 'STARTED', 'STANDARD', 'X-Small', w.createdOn, w.owner, w.comment ?? ''] as Value[] }));
      return result(cols, page(st, items));
    }
  }
  throw compileError('001003', `syntax error line 1 at position 5 unexpected '${st.what}'.`, '42000');
}

function noDb(): never {
  throw compileError('090105', "Cannot perform SHOW SCHEMAS. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.", '22000');
}

function tableRow(t: Table): Value[] {
  return [t.createdOn, t.name, t.schema.database.name, t.schema.name, t.transient ? 'TRANSIENT' : 'TABLE', t.comment ?? '', '', t.rows.length, t.rows.length * 64, t.owner, '1', 'OFF', t.changeTracking ? 'ON' : 'OFF', 'OFF', null, null, 'N', 'N', roleType(t.owner), 'N', null, 'N', 'N', 'N', 'N'];
}

/** SHOW COLUMNS `data_type` JSON, e.g. {"type":"TEXT","length":16777216,"byteLength":16777216,"nullable":true,"fixed":false}. */
export function dataTypeJson(t: SqlType, nullable: boolean): string {
  switch (t.base) {
    case 'VARCHAR': return JSON.stringify({ type: 'TEXT', length: t.length ?? 16777216, byteLength: Math.min((t.length ?? 16777216) * 4, 16777216), nullable, fixed: false });
    case 'NUMBER': return JSON.stringify({ type: 'FIXED', precision: t.precision ?? 38, scale: t.scale ?? 0, nullable });
    case 'FLOAT': return JSON.stringify({ type: 'REAL', nullable });
    case 'TIMESTAMP_LTZ': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_TZ': case 'TIME': return JSON.stringify({ type: t.base, precision: 0, scale: t.scale ?? 9, nullable });
    default: return JSON.stringify({ type: t.base, nullable });
  }
}

/** SHOW ROLES (https://docs.snowflake.com/en/sql-reference/sql/show-roles). */
function showRoles(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const cols: Col[] = [['created_on', T], ['name', S], ['is_default', S], ['is_current', S], ['is_inherited', S], ['assigned_to_users', N], ['granted_to_roles', N], ['granted_roles', N], ['owner', S], ['comment', S]];
  const user = a.users.get(ctx.session.user);
  const inherited = ctx.session.role ? closure(a, [ctx.session.role]) : new Set<string>();
  const items = [...a.roles.values()].map((r) => ({
    name: r.name,
    row: [r.createdOn, r.name, user?.defaultRole === r.name ? 'Y' : 'N', ctx.session.role === r.name ? 'Y' : 'N', ctx.session.role !== r.name && inherited.has(r.name) ? 'Y' : 'N',
      a.roleGrants.filter((g) => g.role === r.name && g.granteeType === 'USER').length, a.roleGrants.filter((g) => g.role === r.name && g.granteeType === 'ROLE').length,
      a.roleGrants.filter((g) => g.granteeType === 'ROLE' && g.grantee === r.name).length, r.owner, r.comment ?? ''] as Value[],
  }));
  return result(cols, page(st, items));
}

const GRANT_COLS: Col[] = [['created_on', T], ['privilege', S], ['granted_on', S], ['name', S], ['granted_to', S], ['grantee_name', S], ['grant_option', S], ['granted_by', S]];

function ownedBy(a: Account, role: string): Securable[] {
  const out: Securable[] = [];
  for (const db of a.databases.values()) {
    if (db.owner === role) out.push(db);
    for (const s of db.schemas.values()) {
      if (s.owner === role) out.push(s);
      for (const o of [...s.tables.values(), ...s.tagObjects.values(), ...s.maskingPolicies.values(), ...s.rowAccessPolicies.values()]) if (o.owner === role) out.push(o);
    }
  }
  for (const x of [...a.roles.values(), ...a.warehouses.values(), ...a.users.values()]) if (x.owner === role) out.push(x);
  return out;
}

function created(o: Securable): Date {
  return 'createdOn' in o ? o.createdOn : new Date(0);
}

/**
 * SHOW GRANTS TO ROLE r | TO USER u | OF ROLE r | ON <object> | ON ACCOUNT
 * (https://docs.snowflake.com/en/sql-reference/sql/show-grants): OWNERSHIP rows for owned
 * objects, role edges as USAGE on ROLE; grant_option 'true'/'false'; PUBLIC's implicit grants
 * are not listed.
 */
function showGrants(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const manage = hasGlobal(a, ctx.privRoles, 'MANAGE GRANTS');
  if (st.to?.kind === 'ROLE') {
    const r = st.to.name[0]!;
    const role = a.roles.get(r);
    if (!role) throw notExist('Role', qualified(r));
    if (!manage && !ctx.privRoles.has(r) && !owns(ctx.privRoles, role)) throw insufficient('role', qualified(r));
    const rows: Value[][] = [];
    for (const g of a.grants) if (g.granteeType === 'ROLE' && g.grantee === r) rows.push([g.createdOn, g.privilege, grantedOn(g.on), securableName(a, g.on), 'ROLE', r, g.grantOption ? 'true' : 'false', g.grantedBy]);
    for (const o of ownedBy(a, r)) rows.push([created(o), 'OWNERSHIP', grantedOn(o), securableName(a, o), 'ROLE', r, 'true', r]);
    for (const g of a.roleGrants) if (g.granteeType === 'ROLE' && g.grantee === r) rows.push([g.createdOn, 'USAGE', 'ROLE', qualified(g.role), 'ROLE', r, 'false', g.grantedBy]);
    return result(GRANT_COLS, rows.slice(0, SHOW_CAP));
  }
  if (st.to?.kind === 'USER' || (!st.to && !st.of && !st.on)) {
    const u = st.to ? st.to.name[0]! : ctx.session.user;
    if (!a.users.has(u)) throw notExist('User', qualified(u));
    if (u !== ctx.session.user && !manage && !owns(ctx.privRoles, a.users.get(u)!)) throw insufficient('user', qualified(u));
    const cols: Col[] = [['created_on', T], ['role', S], ['granted_to', S], ['grantee_name', S], ['granted_by', S]];
    return result(cols, a.roleGrants.filter((g) => g.granteeType === 'USER' && g.grantee === u).map((g) => [g.createdOn, g.role, 'USER', u, g.grantedBy]));
  }
  if (st.of) {
    const r = st.of.name[0]!;
    if (!a.roles.has(r)) throw notExist('Role', qualified(r));
    const cols: Col[] = [['created_on', T], ['role', S], ['granted_to', S], ['grantee_name', S], ['granted_by', S]];
    return result(cols, a.roleGrants.filter((g) => g.role === r).map((g) => [g.createdOn, r, g.granteeType, g.grantee, g.grantedBy]));
  }
  const on = st.on!;
  const o: Securable = on.kind === 'ACCOUNT' ? a.accountObject : grantObject(ctx, on.kind, on.name);
  const rows: Value[][] = [];
  if (o.kind !== 'ACCOUNT' && 'owner' in o && o.owner) rows.push([created(o), 'OWNERSHIP', grantedOn(o), securableName(a, o), 'ROLE', o.owner, 'true', o.owner]);
  for (const g of a.grants) if (g.on === o) rows.push([g.createdOn, g.privilege, grantedOn(o), securableName(a, o), g.granteeType, g.grantee, g.grantOption ? 'true' : 'false', g.grantedBy]);
  return result(GRANT_COLS, rows.slice(0, SHOW_CAP));
}

/** SHOW FUTURE GRANTS IN SCHEMA | IN DATABASE | TO ROLE: `grant_on`, placeholder names like D.S.<TABLE> (…/show-grants). */
function showFutureGrants(st: Extract<Statement, { t: 'show' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const cols: Col[] = [['created_on', T], ['privilege', S], ['grant_on', S], ['name', S], ['grant_to', S], ['grantee_name', S], ['grant_option', S]];
  let list = a.futureGrants;
  if (st.in) {
    const container = st.in.kind === 'SCHEMA' ? usableSchema(ctx, st.in.name, 'SHOW') : usableDatabase(ctx, st.in.name[0]!);
    list = list.filter((g) => g.container === container);
  } else if (st.to) list = list.filter((g) => g.grantee === st.to!.name[0]);
  const rows = list.map((g) => {
    const base = g.container.kind === 'SCHEMA' ? securableName(a, g.container) : qualified(g.container.name);
    return [g.createdOn, g.privilege, g.objectType.replace(/ /g, '_'), `${base}.<${g.objectType.replace(/ /g, '_')}>`, 'ROLE', g.grantee, g.grantOption ? 'true' : 'false'] as Value[];
  });
  return result(cols, rows);
}

