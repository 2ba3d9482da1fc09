import { closure } from './access.js';
import type { Statement } from './ast.js';
import type { Ctx, Identity } from './context.js';
import { compileError, notExist } from './errors.js';
import { execAlterSession, execUse, execUseRole, execUseSecondary } from './exec-session.js';
import { execGrantOwnership, execGrantPriv, execGrantRole } from './exec-grants.js';
import { execAlterDatabaseSchemaTable } from './exec-alter.js';
import { execAlterUser, execCreateDatabase, execCreateRole, execCreateSchema, execCreateTable, execCreateUser, execCreateWarehouse, execDrop } from './exec-objects.js';
import { execAlterPolicy, execCreatePolicy } from './exec-policies.js';
import { execAlterTag, execCreateTag } from './exec-tags.js';
import { execDelete, execInsert, execMerge, execTruncate, execTxn, execUpdate } from './exec-dml.js';
import { execDescribePolicy, execDescribeTable } from './describe.js';
import { execShow } from './show.js';
import { runQuery } from './query.js';
import { OK, type ExecResult } from './result.js';
import { qualified } from './names.js';

/** Statements that commit an open transaction before they run (https://docs.snowflake.com/en/sql-reference/transactions#ddl). */
function isDdl(st: Statement): boolean {
  return !['query', 'executeUsing', 'insert', 'update', 'delete', 'merge', 'txn', 'show', 'describePolicy', 'describeTable', 'use', 'useRole', 'useSecondary', 'alterSession'].includes(st.t);
}

export function queryTypeOf(st: Statement): string {
  switch (st.t) {
    case 'query': case 'executeUsing': return 'SELECT';
    case 'pipe': return queryTypeOf(st.stages[st.stages.length - 1]!);
    case 'show': return 'SHOW';
    case 'insert': return 'INSERT';
    case 'update': return 'UPDATE';
    case 'delete': return 'DELETE';
    case 'merge': return 'MERGE';
    case 'grantPriv': case 'grantRole': case 'grantOwnership': return 'revoke' in st && st.revoke ? 'REVOKE' : 'GRANT';
    case 'use': case 'useRole': case 'useSecondary': return 'USE';
    case 'drop': return 'DROP';
    default: return st.t.startsWith('create') ? 'CREATE' : st.t.startsWith('alter') ? 'ALTER' : st.t.startsWith('describe') ? 'DESCRIBE' : 'UNKNOWN';
  }
}

export function execute(st: Statement, ctx: Ctx): ExecResult {
  if (ctx.session.txn && isDdl(st)) ctx.session.txn = null;
  switch (st.t) {
    case 'query': {
      const r = runQuery(st.query, ctx);
      return { cols: r.cols, rows: r.rows, queryType: 'SELECT' };
    }
    case 'executeUsing': return executeUsing(st, ctx);
    case 'useRole': return execUseRole(st, ctx);
    case 'useSecondary': return execUseSecondary(st, ctx);
    case 'use': return execUse(st, ctx);
    case 'alterSession': return execAlterSession(st, ctx);
    case 'createDatabase': return execCreateDatabase(st, ctx);
    case 'createSchema': return execCreateSchema(st, ctx);
    case 'createTable': return execCreateTable(st, ctx);
    case 'createRole': return execCreateRole(st, ctx);
    case 'createUser': return execCreateUser(st, ctx);
    case 'alterUser': return execAlterUser(st, ctx);
    case 'createWarehouse': return execCreateWarehouse(st, ctx);
    case 'drop': return execDrop(st, ctx);
    case 'createTag': return execCreateTag(st, ctx);
    case 'alterTag': return execAlterTag(st, ctx);
    case 'createPolicy': return execCreatePolicy(st, ctx);
    case 'alterPolicy': return execAlterPolicy(st, ctx);
    case 'describePolicy': return execDescribePolicy(st, ctx);
    case 'describeTable': return execDescribeTable(st, ctx);
    case 'grantPriv': {
      // IMPORTED PRIVILEGES on the shared SNOWFLAKE database opens ACCOUNT_USAGE (https://docs.snowflake.com/en/sql-reference/account-usage#enabling-the-snowflake-database-usage-for-other-roles).
      if (st.target.k === 'OBJECT' && st.target.type === 'DATABASE' && st.target.name[0] === 'SNOWFLAKE') {
        if (!ctx.privRoles.has('ACCOUNTADMIN')) throw notExist('Database', 'SNOWFLAKE');
        if (!ctx.account.roles.has(st.grantee.name)) throw notExist('Role', qualified(st.grantee.name));
        const list = ctx.account.snowflakeImported;
        if (st.revoke) ctx.account.snowflakeImported = list.filter((r) => r !== st.grantee.name);
        else if (!list.includes(st.grantee.name)) list.push(st.grantee.name);
        return OK(st.revoke ? 'REVOKE' : 'GRANT');
      }
      return execGrantPriv(st, ctx);
    }
    case 'grantRole': return execGrantRole(st, ctx);
    case 'grantOwnership': return execGrantOwnership(st, ctx);
    case 'show': return execShow(st, ctx);
    case 'insert': return execInsert(st, ctx);
    case 'update': return execUpdate(st, ctx);
    case 'delete': return execDelete(st, ctx);
    case 'merge': return execMerge(st, ctx);
    case 'truncate': return execTruncate(st, ctx);
    case 'txn': return execTxn(st, ctx);
    case 'pipe': {
      const map = new Map(ctx.ctes ?? []);
      let last: ExecResult | null = null;
      st.stages.forEach((stage, i) => {
        last = execute(stage, { ...ctx, ctes: map });
        map.set(`$${i + 1}`, { cols: last.cols, rows: last.rows });
      });
      return last!;
    }
    default: return execAlterDatabaseSchemaTable(st, ctx);
  }
}

const CONTEXT_ARGS = new Set(['CURRENT_USER', 'CURRENT_ROLE', 'CURRENT_AVAILABLE_ROLES', 'CURRENT_ACCOUNT', 'CURRENT_SECONDARY_ROLES', 'SNOWFLAKE$SESSION_ROLE', 'SNOWFLAKE$SESSION_ACTIVATED_ROLES', 'SNOWFLAKE$SESSION_PRINCIPAL_NAME']);

/**
 * EXECUTE USING POLICY_CONTEXT(…) AS SELECT … (https://docs.snowflake.com/en/sql-reference/functions/policy_context):
 * the query runs with the statement's privileges but the policies see the simulated context —
 * CURRENT_ROLE as the primary role, CURRENT_AVAILABLE_ROLES as the other active roles
 * (IS_ROLE_IN_SESSION covers them and their hierarchy). Protected tables need OWNERSHIP and
 * APPLY on their policies (protect.ts).
 */
function executeUsing(st: Extract<Statement, { t: 'executeUsing' }>, ctx: Ctx): ExecResult {
  const get = (n: string): readonly string[] | undefined => st.context.find((c) => c.name === n)?.values;
  for (const c of st.context) if (!CONTEXT_ARGS.has(c.name)) throw compileError('002029', `Invalid argument ${c.name} for POLICY_CONTEXT.`, '22023');
  const role = get('CURRENT_ROLE')?.[0] ?? get('SNOWFLAKE$SESSION_ROLE')?.[0] ?? ctx.identity.role;
  const available = get('CURRENT_AVAILABLE_ROLES');
  const activated = get('SNOWFLAKE$SESSION_ACTIVATED_ROLES');
  const secondary = activated ? activated.filter((r) => r !== role) : available ? available.filter((r) => r !== role) : [...ctx.identity.secondary];
  const identity: Identity = {
    user: get('CURRENT_USER')?.[0] ?? get('SNOWFLAKE$SESSION_PRINCIPAL_NAME')?.[0] ?? ctx.identity.user,
    role,
    secondary,
    activeRoles: closure(ctx.account, [...(role ? [role] : []), ...secondary]),
    availableRoles: available ? [...available] : ctx.identity.availableRoles,
    account: get('CURRENT_ACCOUNT')?.[0] ?? ctx.identity.account,
  };
  const r = runQuery(st.query, { ...ctx, identity, simulated: true });
  return { cols: r.cols, rows: r.rows, queryType: 'SELECT' };
}
