import { hasGlobal, hasPriv, owns } from './access.js';
import { nextId, now } from './account.js';
import type { ColumnDef, Statement } from './ast.js';
import { castValue } from './cast.js';
import { fqn, objectParts, schemaParts } from './catalog.js';
import type { Ctx } from './context.js';
import { EMPTY_SCOPE, evalExpr } from './eval.js';
import { SimError, alreadyExists, compileError, insufficient, notExist } from './errors.js';
import { applyFutureGrants, dropGrantsOn } from './exec-grants.js';
import { columnAction, execDropPolicy, rapAction } from './exec-policies.js';
import { removeTag, setTags, tagHasPolicy, unsetTags } from './exec-tags.js';
import { mustOwn, schemaForCreate, tables, tagsOf, usableDatabase, usableSchema, visibleObject } from './guard.js';
import { nameText, qualified } from './names.js';
import { noteDdl } from './ddl-log.js';
import { runQuery } from './query.js';
import { OK, status, type ExecResult } from './result.js';
import type { Account, Column, Database, Schema, Table } from './state.js';

const SYSTEM_ROLES = new Set(['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'PUBLIC', 'ORGADMIN']);

function needGlobal(ctx: Ctx, privilege: string): void {
  if (!hasGlobal(ctx.account, ctx.primaryRoles, privilege)) throw insufficient('account', ctx.account.locator);
}

function newSchema(a: Account, db: Database, name: string, owner: string, opts: { transient: boolean; managed: boolean; comment: string | null }): Schema {
  return { kind: 'SCHEMA', id: nextId(a), name, owner, comment: opts.comment, createdOn: now(a), database: db, transient: opts.transient, managedAccess: opts.managed, tables: new Map(), tagObjects: new Map(), maskingPolicies: new Map(), rowAccessPolicies: new Map(), tags: new Map() };
}

/** Policies in a container must only protect objects inside it before it can be dropped (https://docs.snowflake.com/en/sql-reference/sql/drop-schema). */
function selfContained(a: Account, inside: (s: Schema) => boolean): void {
  for (const db of a.databases.values()) for (const s of db.schemas.values()) {
    if (inside(s)) continue;
    for (const t of s.tables.values()) {
      for (const c of t.columns) if (c.mask && inside(c.mask.policy.schema)) throw compileError('003531', `Cannot drop: policy ${fqn(c.mask.policy)} is attached to ${fqn(t)}, which is outside the object being dropped.`, '42601');
      if (t.rap && inside(t.rap.policy.schema)) throw compileError('003531', `Cannot drop: policy ${fqn(t.rap.policy)} is attached to ${fqn(t)}, which is outside the object being dropped.`, '42601');
    }
    for (const tag of s.tagObjects.values()) for (const p of tag.maskingPolicies) if (inside(p.schema)) throw compileError('003531', `Cannot drop: policy ${fqn(p)} is set on tag ${fqn(tag)}, which is outside the object being dropped.`, '42601');
  }
}

function dropSchemaContents(a: Account, s: Schema): void {
  for (const t of s.tables.values()) dropGrantsOn(a, t);
  for (const tag of s.tagObjects.values()) removeTag(a, tag);
  for (const p of [...s.maskingPolicies.values(), ...s.rowAccessPolicies.values()]) dropGrantsOn(a, p);
  dropGrantsOn(a, s);
}

/**
 * CREATE DATABASE (https://docs.snowflake.com/en/sql-reference/sql/create-database): global
 * CREATE DATABASE on the primary role; the new database gets PUBLIC and INFORMATION_SCHEMA and
 * becomes the session's current database (schema PUBLIC).
 */
export function execCreateDatabase(st: Extract<Statement, { t: 'createDatabase' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const name = st.name[0]!;
  needGlobal(ctx, 'CREATE DATABASE');
  const existing = a.databases.get(name);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(name)} already exists, statement succeeded.`, 'CREATE');
    if (!st.orReplace) throw alreadyExists('Database', qualified(name));
    mustOwn(ctx, existing, 'database', qualified(name));
    selfContained(a, (s) => s.database === existing);
    for (const s of existing.schemas.values()) dropSchemaContents(a, s);
    dropGrantsOn(a, existing);
    a.databases.delete(name);
  }
  const owner = ctx.session.role ?? '';
  const db: Database = { kind: 'DATABASE', id: nextId(a), name, owner, comment: st.comment, createdOn: now(a), transient: st.transient, schemas: new Map(), tags: new Map() };
  db.schemas.set('PUBLIC', newSchema(a, db, 'PUBLIC', owner, { transient: st.transient, managed: false, comment: null }));
  a.databases.set(name, db);
  if (st.tags.length) setTags(ctx, db, db, qualified(name), st.tags, null);
  ctx.session.database = name;
  ctx.session.schema = 'PUBLIC';
  noteDdl(ctx, db, existing ? 'REPLACE' : 'CREATE');
  return status(`Database ${qualified(name)} successfully created.`, 'CREATE');
}

/** CREATE SCHEMA [WITH MANAGED ACCESS] (https://docs.snowflake.com/en/sql-reference/sql/create-schema): CREATE SCHEMA on the database; becomes the current schema. */
export function execCreateSchema(st: Extract<Statement, { t: 'createSchema' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const [d, s] = schemaParts(ctx, st.name, 'CREATE SCHEMA');
  const db = usableDatabase(ctx, d);
  if (!hasPriv(a, ctx.primaryRoles, db, 'CREATE SCHEMA')) throw insufficient('database', qualified(d));
  if (s === 'INFORMATION_SCHEMA') throw compileError('002002', `Object '${s}' already exists.`, '42710');
  const existing = db.schemas.get(s);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(s)} already exists, statement succeeded.`, 'CREATE');
    if (!st.orReplace) throw alreadyExists('Schema', qualified(s));
    mustOwn(ctx, existing, 'schema', qualified(d, s));
    selfContained(a, (x) => x === existing);
    dropSchemaContents(a, existing);
    db.schemas.delete(s);
  }
  const schema = newSchema(a, db, s, ctx.session.role ?? '', { transient: st.transient || db.transient, managed: st.managed, comment: st.comment });
  db.schemas.set(s, schema);
  applyFutureGrants(a, schema);
  if (st.tags.length) setTags(ctx, schema, schema, qualified(d, s), st.tags, null);
  ctx.session.database = d;
  ctx.session.schema = s;
  noteDdl(ctx, schema, existing ? 'REPLACE' : 'CREATE');
  return status(`Schema ${qualified(s)} successfully created.`, 'CREATE');
}

function buildColumn(a: Account, c: ColumnDef): Column {
  return { id: nextId(a), name: c.name, type: c.type, nullable: c.nullable, default: c.default, comment: c.comment, tags: new Map(), mask: null };
}

/**
 * CREATE [OR REPLACE] [TRANSIENT] TABLE [IF NOT EXISTS] … (cols) [CHANGE_TRACKING] [COMMENT]
 * [WITH ROW ACCESS POLICY] [WITH TAG], column MASKING POLICY … USING and TAG (…), or AS SELECT
 * (https://docs.snowflake.com/en/sql-reference/sql/create-table). Future grants of the schema
 * (else of the database) are applied. OR REPLACE drops the old table and its grants.
 */
export function execCreateTable(st: Extract<Statement, { t: 'createTable' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const { schema, objectName } = schemaForCreate(ctx, st.name, 'CREATE TABLE', 'CREATE TABLE');
  const existing = schema.tables.get(objectName);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(objectName)} already exists, statement succeeded.`, 'CREATE_TABLE');
    if (!st.orReplace) throw alreadyExists('Object', qualified(objectName));
    mustOwn(ctx, existing, 'table', fqn(existing));
  }
  const seen = new Set<string>();
  for (const c of st.columns) {
    if (seen.has(c.name)) throw compileError('002025', `duplicate column name '${c.name}'`, '42601');
    seen.add(c.name);
  }
  let columns = st.columns.map((c) => buildColumn(a, c));
  let rows: Table['rows'] = [];
  if (st.asQuery) {
    const r = runQuery(st.asQuery, ctx);
    if (columns.length === 0) columns = r.cols.map((c) => ({ id: nextId(a), name: c.name, type: c.type, nullable: true, default: null, comment: null, tags: new Map(), mask: null }));
    rows = r.rows.map((row) => row.map((v, i) => castValue(v, columns[i]!.type)));
  }
  const t: Table = { kind: 'TABLE', id: nextId(a), name: objectName, owner: ctx.session.role ?? '', comment: st.comment, createdOn: now(a), schema, transient: st.transient || schema.transient, tableType: 'BASE TABLE', columns, rows, changeTracking: st.changeTracking === true, tags: new Map(), rap: null, lastAltered: now(a) };
  if (existing) {
    dropGrantsOn(a, existing);
    schema.tables.delete(objectName);
  }
  schema.tables.set(objectName, t);
  try {
    applyFutureGrants(a, t);
    if (st.tags.length) setTags(ctx, t, t, fqn(t), st.tags, null);
    st.columns.forEach((c) => {
      if (c.masking) columnAction(ctx, t, { k: 'setMask', column: c.name, policy: c.masking.policy, using: c.masking.using, force: false });
      if (c.tags.length) columnAction(ctx, t, { k: 'setTag', column: c.name, tags: c.tags });
    });
    if (st.rap) rapAction(ctx, t, null, st.rap);
  } catch (e) {
    schema.tables.delete(objectName);
    dropGrantsOn(a, t);
    if (existing) schema.tables.set(objectName, existing);
    throw e;
  }
  noteDdl(ctx, t, existing ? 'REPLACE' : 'CREATE', { columns: t.columns.map((c) => ({ columnName: c.name })) });
  return status(`Table ${qualified(objectName)} successfully created.`, 'CREATE_TABLE');
}

/** CREATE ROLE (https://docs.snowflake.com/en/sql-reference/sql/create-role): global CREATE ROLE; the creating role owns it. */
export function execCreateRole(st: Extract<Statement, { t: 'createRole' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  needGlobal(ctx, 'CREATE ROLE');
  const existing = a.roles.get(st.name);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(st.name)} already exists, statement succeeded.`, 'CREATE_ROLE');
    if (!st.orReplace) throw alreadyExists('Role', qualified(st.name));
    if (SYSTEM_ROLES.has(st.name)) throw insufficient('role', st.name);
    mustOwnRole(ctx, st.name);
    removeRole(ctx, st.name);
  }
  a.roles.set(st.name, { kind: 'ROLE', id: nextId(a), name: st.name, owner: ctx.session.role ?? '', comment: st.comment, createdOn: now(a) });
  return status(`Role ${qualified(st.name)} successfully created.`, 'CREATE_ROLE');
}

function mustOwnRole(ctx: Ctx, name: string): void {
  const r = ctx.account.roles.get(name)!;
  if (!owns(ctx.privRoles, r)) throw insufficient('role', qualified(name));
}

/** Dropping a role: its grants and edges go; objects it owned pass to the role that dropped it (https://docs.snowflake.com/en/sql-reference/sql/drop-role). */
function removeRole(ctx: Ctx, name: string): void {
  const a = ctx.account;
  const heir = ctx.session.role ?? 'ACCOUNTADMIN';
  a.roles.delete(name);
  a.grants = a.grants.filter((g) => !(g.granteeType === 'ROLE' && g.grantee === name) && !(g.on.kind === 'ROLE' && g.on.name === name));
  a.futureGrants = a.futureGrants.filter((g) => g.grantee !== name);
  a.roleGrants = a.roleGrants.filter((g) => g.role !== name && !(g.granteeType === 'ROLE' && g.grantee === name));
  const reown = (o: { owner: string }): void => { if (o.owner === name) o.owner = heir; };
  for (const r of a.roles.values()) reown(r);
  for (const u of a.users.values()) reown(u);
  for (const w of a.warehouses.values()) reown(w);
  for (const db of a.databases.values()) {
    reown(db);
    for (const s of db.schemas.values()) {
      reown(s);
      for (const o of [...s.tables.values(), ...s.tagObjects.values(), ...s.maskingPolicies.values(), ...s.rowAccessPolicies.values()]) reown(o);
    }
  }
  for (const g of a.grants) if (g.grantedBy === name) g.grantedBy = heir;
}

/** CREATE USER … DEFAULT_ROLE, DEFAULT_SECONDARY_ROLES = ('ALL') | () (default ('ALL') — https://docs.snowflake.com/en/sql-reference/sql/create-user). */
export function execCreateUser(st: Extract<Statement, { t: 'createUser' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  needGlobal(ctx, 'CREATE USER');
  if (a.users.has(st.name)) {
    if (st.ifNotExists) return status(`${qualified(st.name)} already exists, statement succeeded.`, 'CREATE_USER');
    if (!st.orReplace) throw alreadyExists('User', qualified(st.name));
  }
  const p = st.props;
  const secondary = p.DEFAULT_SECONDARY_ROLES;
  a.users.set(st.name, {
    kind: 'USER', id: nextId(a), name: st.name, owner: ctx.session.role ?? '', comment: typeof p.COMMENT === 'string' ? p.COMMENT : null, createdOn: now(a),
    loginName: typeof p.LOGIN_NAME === 'string' ? p.LOGIN_NAME.toUpperCase() : st.name.toUpperCase(), defaultRole: typeof p.DEFAULT_ROLE === 'string' ? p.DEFAULT_ROLE : null,
    defaultSecondaryRoles: Array.isArray(secondary) ? (secondary as string[]).map((s) => s.toUpperCase()) : ['ALL'],
    defaultWarehouse: typeof p.DEFAULT_WAREHOUSE === 'string' ? p.DEFAULT_WAREHOUSE : null, defaultNamespace: typeof p.DEFAULT_NAMESPACE === 'string' ? p.DEFAULT_NAMESPACE : null, disabled: p.DISABLED === true,
  });
  return status(`User ${qualified(st.name)} successfully created.`, 'CREATE_USER');
}

export function execAlterUser(st: Extract<Statement, { t: 'alterUser' }>, ctx: Ctx): ExecResult {
  const u = ctx.account.users.get(st.name);
  if (!u) {
    if (st.ifExists) return OK('ALTER_USER');
    throw notExist('User', qualified(st.name));
  }
  const self = u.name === ctx.session.user;
  if (!owns(ctx.privRoles, u) && !(self && Object.keys(st.set).every((k) => ['DEFAULT_ROLE', 'DEFAULT_SECONDARY_ROLES', 'DEFAULT_WAREHOUSE', 'DEFAULT_NAMESPACE'].includes(k)))) throw insufficient('user', qualified(u.name));
  for (const [k, v] of Object.entries(st.set)) {
    if (k === 'DEFAULT_ROLE') u.defaultRole = typeof v === 'string' ? v : null;
    else if (k === 'DEFAULT_SECONDARY_ROLES') u.defaultSecondaryRoles = Array.isArray(v) ? (v as string[]).map((s) => s.toUpperCase()) : [];
    else if (k === 'DEFAULT_WAREHOUSE') u.defaultWarehouse = typeof v === 'string' ? v : null;
    else if (k === 'COMMENT') u.comment = typeof v === 'string' ? v : null;
    else if (k === 'DISABLED') u.disabled = v === true;
  }
  for (const k of st.unset) {
    if (k === 'DEFAULT_ROLE') u.defaultRole = null;
    if (k === 'DEFAULT_SECONDARY_ROLES') u.defaultSecondaryRoles = ['ALL'];
    if (k === 'COMMENT') u.comment = null;
  }
  return OK('ALTER_USER');
}

export function execCreateWarehouse(st: Extract<Statement, { t: 'createWarehouse' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  needGlobal(ctx, 'CREATE WAREHOUSE');
  if (a.warehouses.has(st.name)) {
    if (st.ifNotExists) return status(`${qualified(st.name)} already exists, statement succeeded.`, 'CREATE');
    if (!st.orReplace) throw alreadyExists('Warehouse', qualified(st.name));
  }
  a.warehouses.set(st.name, { kind: 'WAREHOUSE', id: nextId(a), name: st.name, owner: ctx.session.role ?? '', comment: null, createdOn: now(a) });
  ctx.session.warehouse = st.name;
  return status(`Warehouse ${qualified(st.name)} successfully created.`, 'CREATE');
}

/** DROP <object> [IF EXISTS] (https://docs.snowflake.com/en/sql-reference/sql/drop): OWNERSHIP. */
export function execDrop(st: Extract<Statement, { t: 'drop' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const gone = (): ExecResult => status(`Drop statement executed successfully (${nameText(st.name)} already dropped).`, 'DROP');
  const dropped = (n: string): ExecResult => status(`${qualified(n)} successfully dropped.`, 'DROP');
  switch (st.kind) {
    case 'MASKING POLICY': return execDropPolicy(ctx, 'MASKING', st.name, st.ifExists);
    case 'ROW ACCESS POLICY': return execDropPolicy(ctx, 'ROW_ACCESS', st.name, st.ifExists);
    case 'DATABASE': {
      const db = a.databases.get(st.name[0]!);
      if (!db || !hasPriv(a, ctx.privRoles, db, 'USAGE')) { if (st.ifExists) return gone(); throw notExist('Database', nameText(st.name)); }
      mustOwn(ctx, db, 'database', qualified(db.name));
      selfContained(a, (s) => s.database === db);
      for (const s of db.schemas.values()) dropSchemaContents(a, s);
      dropGrantsOn(a, db);
      a.databases.delete(db.name);
      if (ctx.session.database === db.name) { ctx.session.database = null; ctx.session.schema = null; }
      return dropped(db.name);
    }
    case 'SCHEMA': {
      let schema: Schema;
      try { schema = usableSchema(ctx, st.name, 'DROP SCHEMA'); } catch (e) { if (st.ifExists && e instanceof SimError && e.code === '002003') return gone(); throw e; }
      mustOwn(ctx, schema, 'schema', qualified(schema.database.name, schema.name));
      if (st.cascade === false && (schema.tables.size || schema.tagObjects.size || schema.maskingPolicies.size || schema.rowAccessPolicies.size)) throw compileError('002214', `Cannot drop schema ${qualified(schema.database.name, schema.name)} because it is not empty (RESTRICT).`, '2BP01');
      selfContained(a, (s) => s === schema);
      dropSchemaContents(a, schema);
      schema.database.schemas.delete(schema.name);
      if (ctx.session.database === schema.database.name && ctx.session.schema === schema.name) ctx.session.schema = null;
      return dropped(schema.name);
    }
    case 'TABLE': case 'VIEW': {
      const t = visibleObject(ctx, st.name, tables, 'Object', 'DROP TABLE');
      if (!t) { if (st.ifExists) return gone(); throw notExist('Object', nameText(st.name)); }
      mustOwn(ctx, t, 'table', fqn(t));
      t.schema.tables.delete(t.name);
      dropGrantsOn(a, t);
      a.dropped.push({ kind: 'TABLE', name: fqn(t), at: now(a) });
      noteDdl(ctx, t, 'DROP');
      return dropped(t.name);
    }
    case 'TAG': {
      const tag = visibleObject(ctx, st.name, tagsOf, 'Tag', 'DROP TAG');
      if (!tag) { if (st.ifExists) return gone(); throw notExist('Tag', nameText(st.name)); }
      mustOwn(ctx, tag, 'tag', fqn(tag));
      if (tag.maskingPolicies.length) throw tagHasPolicy(tag);
      removeTag(a, tag);
      return dropped(tag.name);
    }
    case 'ROLE': {
      const name = st.name[0]!;
      if (!a.roles.has(name)) { if (st.ifExists) return gone(); throw notExist('Role', qualified(name)); }
      if (SYSTEM_ROLES.has(name)) throw new SimError('003006', '42501', `SQL access control error:\nCannot drop system role ${name}`);
      mustOwnRole(ctx, name);
      removeRole(ctx, name);
      if (ctx.session.role === name) ctx.session.role = null;
      return dropped(name);
    }
    case 'USER': {
      const u = a.users.get(st.name[0]!);
      if (!u) { if (st.ifExists) return gone(); throw notExist('User', nameText(st.name)); }
      if (!owns(ctx.privRoles, u)) throw insufficient('user', qualified(u.name));
      a.users.delete(u.name);
      a.roleGrants = a.roleGrants.filter((g) => !(g.granteeType === 'USER' && g.grantee === u.name));
      a.grants = a.grants.filter((g) => !(g.granteeType === 'USER' && g.grantee === u.name) && g.on !== u);
      return dropped(u.name);
    }
    case 'WAREHOUSE': {
      const w = a.warehouses.get(st.name[0]!);
      if (!w) { if (st.ifExists) return gone(); throw notExist('Warehouse', nameText(st.name)); }
      if (!owns(ctx.privRoles, w)) throw insufficient('warehouse', qualified(w.name));
      a.warehouses.delete(w.name);
      dropGrantsOn(a, w);
      return dropped(w.name);
    }
  }
  throw compileError('001003', `syntax error line 1 at position 5 unexpected '${st.kind}'.`, '42000');
}

export function execAlterRole(st: Extract<Statement, { t: 'alterRole' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const r = a.roles.get(st.name);
  if (!r) { if (st.ifExists) return OK('ALTER_ROLE'); throw notExist('Role', qualified(st.name)); }
  mustOwnRole(ctx, st.name);
  if (st.action.k === 'comment') r.comment = st.action.value;
  else {
    const to = st.action.to;
    if (a.roles.has(to)) throw alreadyExists('Role', qualified(to));
    if (SYSTEM_ROLES.has(r.name)) throw insufficient('role', r.name);
    const from = r.name;
    a.roles.delete(from);
    r.name = to;
    a.roles.set(to, r);
    for (const g of a.grants) { if (g.granteeType === 'ROLE' && g.grantee === from) g.grantee = to; if (g.grantedBy === from) g.grantedBy = to; }
    for (const g of a.futureGrants) if (g.grantee === from) g.grantee = to;
    for (const g of a.roleGrants) { if (g.role === from) g.role = to; if (g.granteeType === 'ROLE' && g.grantee === from) g.grantee = to; if (g.grantedBy === from) g.grantedBy = to; }
    const reown = (o: { owner: string }): void => { if (o.owner === from) o.owner = to; };
    for (const x of a.roles.values()) reown(x);
    for (const db of a.databases.values()) { reown(db); for (const s of db.schemas.values()) { reown(s); for (const o of [...s.tables.values(), ...s.tagObjects.values(), ...s.maskingPolicies.values(), ...s.rowAccessPolicies.values()]) reown(o); } }
    if (ctx.session.role === from) ctx.session.role = to;
  }
  return OK('ALTER_ROLE');
}

export function execAlterSchemaManaged(st: Extract<Statement, { t: 'alterSchemaManaged' }>, ctx: Ctx): ExecResult {
  const s = usableSchema(ctx, st.name, 'ALTER SCHEMA');
  if (!owns(ctx.privRoles, s) && !hasGlobal(ctx.account, ctx.privRoles, 'MANAGE GRANTS')) throw insufficient('schema', qualified(s.database.name, s.name));
  s.managedAccess = st.enable;
  return OK('ALTER');
}

/** Global APPLY privileges let a governance role find any table to attach policies and tags (https://docs.snowflake.com/en/user-guide/security-column-intro#centralized-management). */
const APPLY_REVEALS = ['APPLY MASKING POLICY', 'APPLY ROW ACCESS POLICY', 'APPLY TAG'];

function tableFor(ctx: Ctx, name: readonly string[], ifExists: boolean, revealedBy: readonly string[] = []): Table | null {
  const t = visibleObject(ctx, name, tables, 'Object', 'ALTER TABLE', revealedBy);
  if (!t) {
    if (ifExists) return null;
    throw notExist('Object', nameText(name));
  }
  return t;
}

/** ALTER DATABASE|SCHEMA|TABLE … SET|UNSET TAG / COMMENT. */
export function execAlterObject(st: Extract<Statement, { t: 'alterObjectTags' | 'alterObjectComment' }>, ctx: Ctx): ExecResult {
  let target: Database | Schema | Table | null;
  let display: string;
  if (st.kind === 'DATABASE') { target = usableDatabase(ctx, st.name[0]!); display = qualified(target.name); }
  else if (st.kind === 'SCHEMA') { target = usableSchema(ctx, st.name, 'ALTER SCHEMA'); display = qualified(target.database.name, target.name); }
  else { target = tableFor(ctx, st.name, st.ifExists, st.t === 'alterObjectTags' ? ['APPLY TAG'] : []); if (!target) return OK('ALTER'); display = fqn(target); }
  if (st.t === 'alterObjectComment') {
    mustOwn(ctx, target, st.kind.toLowerCase(), display);
    target.comment = st.comment;
  } else if (st.set) setTags(ctx, target, target, display, st.set, null);
  else unsetTags(ctx, target, target, st.unset ?? []);
  if (target.kind === 'TABLE') target.lastAltered = now(ctx.account);
  return OK('ALTER');
}

/** ALTER TABLE … ADD/DROP COLUMN, RENAME, SET CHANGE_TRACKING, MODIFY COLUMN …, row access policies (https://docs.snowflake.com/en/sql-reference/sql/alter-table). */
export function execAlterTable(st: Extract<Statement, { t: 'alterTableAddColumn' | 'alterTableDropColumn' | 'alterTableRename' | 'alterTableSet' | 'alterTableColumns' | 'alterTableRap' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const t = tableFor(ctx, st.name, st.ifExists, st.t === 'alterTableColumns' || st.t === 'alterTableRap' ? APPLY_REVEALS : []);
  if (!t) return OK('ALTER_TABLE');
  switch (st.t) {
    case 'alterTableAddColumn':
      mustOwn(ctx, t, 'table', fqn(t));
      for (const c of st.columns) {
        if (t.columns.some((x) => x.name === c.name)) {
          if (st.ifNotExists) continue;
          throw compileError('002025', `column '${c.name}' already exists`, '42601');
        }
        const col = buildColumn(a, c);
        const dv = c.default ? evalExpr(c.default, EMPTY_SCOPE, ctx) : null;
        t.columns.push(col);
        for (const r of t.rows) r.push(dv);
        if (c.masking) columnAction(ctx, t, { k: 'setMask', column: c.name, policy: c.masking.policy, using: c.masking.using, force: false });
        if (c.tags.length) columnAction(ctx, t, { k: 'setTag', column: c.name, tags: c.tags });
      }
      break;
    case 'alterTableDropColumn':
      mustOwn(ctx, t, 'table', fqn(t));
      for (const n of st.columns) {
        const i = t.columns.findIndex((c) => c.name === n);
        if (i < 0) throw compileError('000904', `error line 1 at position 0\ninvalid identifier '${qualified(n)}'`, '42000');
        if (t.rap?.on.includes(n) || t.columns.some((c) => c.mask?.using?.includes(n) && c.name !== n)) throw compileError('003545', `Column ${qualified(n)} is referenced by a policy and cannot be dropped.`, '42601');
        if (t.columns.length === 1) throw compileError('002030', 'Cannot drop the only column of a table.', '42601');
        t.columns.splice(i, 1);
        for (const r of t.rows) r.splice(i, 1);
      }
      break;
    case 'alterTableRename': {
      mustOwn(ctx, t, 'table', fqn(t));
      const [d, s, n] = objectParts(ctx, st.to, 'ALTER TABLE');
      const target = a.databases.get(d)?.schemas.get(s);
      if (!target) throw notExist('Schema', qualified(d, s));
      if (target.tables.has(n)) throw alreadyExists('Object', qualified(n));
      t.schema.tables.delete(t.name);
      t.name = n;
      t.schema = target;
      target.tables.set(n, t);
      break;
    }
    case 'alterTableSet':
      mustOwn(ctx, t, 'table', fqn(t));
      if (st.changeTracking !== null) t.changeTracking = st.changeTracking;
      break;
    case 'alterTableColumns':
      for (const act of st.actions) columnAction(ctx, t, act);
      break;
    case 'alterTableRap':
      rapAction(ctx, t, st.drop, st.add);
      break;
  }
  t.lastAltered = now(a);
  noteDdl(ctx, t, 'ALTER', { subOperation: st.t === 'alterTableColumns' ? st.actions.map((x) => ({ columnName: x.column, action: x.k, ...('policy' in x ? { policyName: x.policy.join('.') } : {}) })) : st.t === 'alterTableRap' ? { drop: st.drop === 'ALL' ? 'ALL' : st.drop?.join('.') ?? null, add: st.add?.policy.join('.') ?? null } : st.t });
  return OK('ALTER_TABLE');
}
