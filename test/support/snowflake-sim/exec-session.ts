import { availableRoles, hasAnyPriv, hasPriv } from './access.js';
import type { Statement } from './ast.js';
import type { Ctx } from './context.js';
import { SimError, compileError, notExist } from './errors.js';
import { qualified } from './names.js';
import { OK, status, type ExecResult } from './result.js';
import { toText } from './values.js';

/**
 * USE ROLE (https://docs.snowflake.com/en/sql-reference/sql/use-role): the role must be granted
 * to the user, directly or through the hierarchy ("Requested role 'X' is not assigned to the
 * executing user…"). USE SECONDARY ROLES ALL|NONE|r1, r2 (…/use-secondary-roles).
 */
export function execUseRole(st: Extract<Statement, { t: 'useRole' }>, ctx: Ctx): ExecResult {
  if (!availableRoles(ctx.account, ctx.session.user).includes(st.role)) {
    throw new SimError('003013', '42501', `SQL access control error:\nRequested role '${st.role}' is not assigned to the executing user. Specify another role to activate.`);
  }
  ctx.session.role = st.role;
  return OK('USE');
}

export function execUseSecondary(st: Extract<Statement, { t: 'useSecondary' }>, ctx: Ctx): ExecResult {
  if (st.all) ctx.session.secondary = 'ALL';
  else {
    const avail = availableRoles(ctx.account, ctx.session.user);
    for (const r of st.roles) if (!avail.includes(r)) throw new SimError('003013', '42501', `SQL access control error:\nRequested role '${r}' is not assigned to the executing user. Specify another role to activate.`);
    ctx.session.secondary = [...st.roles];
  }
  return OK('USE');
}

const USE_FAILED = (): SimError => new SimError('002043', '02000', 'SQL compilation error:\nObject does not exist, or operation cannot be performed.');

/** USE DATABASE sets the schema to PUBLIC when it exists; USE SCHEMA d.s sets both (https://docs.snowflake.com/en/sql-reference/sql/use-database, …/use-schema). */
export function execUse(st: Extract<Statement, { t: 'use' }>, ctx: Ctx): ExecResult {
  const a = ctx.account;
  const roles = ctx.privRoles;
  if (st.kind === 'WAREHOUSE') {
    const w = a.warehouses.get(st.name[0]!);
    if (!w || !hasAnyPriv(a, roles, w)) throw USE_FAILED();
    ctx.session.warehouse = w.name;
    return OK('USE');
  }
  if (st.kind === 'DATABASE') {
    const db = a.databases.get(st.name[0]!);
    if (!db || !hasPriv(a, roles, db, 'USAGE')) throw USE_FAILED();
    ctx.session.database = db.name;
    ctx.session.schema = db.schemas.has('PUBLIC') ? 'PUBLIC' : null;
    return OK('USE');
  }
  const [d, s] = st.name.length === 2 ? [st.name[0]!, st.name[1]!] : [ctx.session.database, st.name[0]!];
  if (!d) throw new SimError('090105', '22000', "Cannot perform USE SCHEMA. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
  const db = a.databases.get(d);
  const schema = db?.schemas.get(s);
  if (!db || !schema || !hasPriv(a, roles, db, 'USAGE') || !hasPriv(a, roles, schema, 'USAGE')) throw USE_FAILED();
  ctx.session.database = db.name;
  ctx.session.schema = schema.name;
  return OK('USE');
}

/** Session parameters accepted by ALTER SESSION (https://docs.snowflake.com/en/sql-reference/parameters). */
const SESSION_PARAMS = new Set(['QUERY_TAG', 'QUOTED_IDENTIFIERS_IGNORE_CASE', 'TIMEZONE', 'TIMESTAMP_TYPE_MAPPING', 'AUTOCOMMIT', 'MULTI_STATEMENT_COUNT', 'STATEMENT_TIMEOUT_IN_SECONDS', 'LOCK_TIMEOUT', 'USE_CACHED_RESULT', 'ROWS_PER_RESULTSET', 'DATE_OUTPUT_FORMAT', 'TIMESTAMP_OUTPUT_FORMAT', 'TIMESTAMP_LTZ_OUTPUT_FORMAT', 'TIMESTAMP_NTZ_OUTPUT_FORMAT', 'JSON_INDENT', 'ABORT_DETACHED_QUERY', 'TRANSACTION_DEFAULT_ISOLATION_LEVEL', 'CLIENT_SESSION_KEEP_ALIVE', 'WEEK_START', 'ERROR_ON_NONDETERMINISTIC_MERGE', 'ERROR_ON_NONDETERMINISTIC_UPDATE', 'BINARY_OUTPUT_FORMAT', 'CLIENT_TIMESTAMP_TYPE_MAPPING']);

/**
 * ALTER SESSION SET/UNSET (https://docs.snowflake.com/en/sql-reference/sql/alter-session).
 * QUERY_TAG ≤ 2000 characters; QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE makes quoted identifiers
 * resolve upper-cased (https://docs.snowflake.com/en/sql-reference/identifiers-syntax#label-identifier-casing).
 */
export function execAlterSession(st: Extract<Statement, { t: 'alterSession' }>, ctx: Ctx): ExecResult {
  for (const p of st.params) {
    if (!SESSION_PARAMS.has(p.name)) throw compileError('002135', `invalid parameter '${p.name}'`, '42601');
    if (p.name === 'QUERY_TAG') {
      const tag = st.set ? toText(p.value) : '';
      if (tag.length > 2000) throw compileError('002129', `Invalid value [${tag.slice(0, 20)}…] for parameter 'QUERY_TAG'`, '22023');
      ctx.session.queryTag = tag;
    } else if (p.name === 'QUOTED_IDENTIFIERS_IGNORE_CASE') {
      if (st.set && typeof p.value !== 'boolean') throw compileError('002129', `Invalid value [${toText(p.value)}] for parameter 'QUOTED_IDENTIFIERS_IGNORE_CASE'`, '22023');
      ctx.session.quotedIgnoreCase = st.set ? (p.value as boolean) : false;
    }
    if (st.set) ctx.session.params.set(p.name, p.value);
    else ctx.session.params.delete(p.name);
  }
  return status('Statement executed successfully.', 'ALTER_SESSION');
}

export function warehouseMissing(name: string): SimError {
  return notExist('Warehouse', qualified(name));
}
