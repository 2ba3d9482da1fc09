import { now } from './account.js';
import type { Ctx } from './context.js';
import { notExist } from './errors.js';
import type { QueryResult } from './query.js';
import { NUMBER, TIMESTAMP_LTZ, VARCHAR, VARIANT, type SqlType } from './types.js';
import type { Value } from './values.js';

type Col = [string, SqlType];

/**
 * SNOWFLAKE.ACCOUNT_USAGE views read from the simulator's logs. Access needs ACCOUNTADMIN or
 * IMPORTED PRIVILEGES on the SNOWFLAKE database (https://docs.snowflake.com/en/sql-reference/account-usage#enabling-the-snowflake-database-usage-for-other-roles);
 * rows appear after `accountUsageLatencyMs` (the real views lag by up to 45 minutes for
 * QUERY_HISTORY and 3 hours for ACCESS_HISTORY).
 */
export function accountUsageView(ctx: Ctx, view: string): QueryResult | null {
  const a = ctx.account;
  const allowed = ctx.privRoles.has('ACCOUNTADMIN') || a.snowflakeImported.some((r) => ctx.privRoles.has(r));
  if (!allowed) throw notExist('Object', `SNOWFLAKE.ACCOUNT_USAGE.${view}`);
  const cutoff = now(a).getTime() - a.accountUsageLatencyMs;
  const json = (v: unknown): Value => JSON.parse(JSON.stringify(v)) as Value;
  if (view === 'QUERY_HISTORY') {
    // https://docs.snowflake.com/en/sql-reference/account-usage/query_history (a subset of the columns, in documented order).
    const cols: Col[] = [['QUERY_ID', VARCHAR], ['QUERY_TEXT', VARCHAR], ['DATABASE_NAME', VARCHAR], ['SCHEMA_NAME', VARCHAR], ['QUERY_TYPE', VARCHAR], ['SESSION_ID', NUMBER], ['USER_NAME', VARCHAR], ['ROLE_NAME', VARCHAR], ['WAREHOUSE_NAME', VARCHAR], ['QUERY_TAG', VARCHAR], ['EXECUTION_STATUS', VARCHAR], ['ERROR_CODE', VARCHAR], ['ERROR_MESSAGE', VARCHAR], ['START_TIME', TIMESTAMP_LTZ], ['END_TIME', TIMESTAMP_LTZ], ['TOTAL_ELAPSED_TIME', NUMBER], ['ROWS_PRODUCED', NUMBER], ['ROWS_INSERTED', NUMBER], ['ROWS_UPDATED', NUMBER], ['ROWS_DELETED', NUMBER], ['SECONDARY_ROLE_STATS', VARCHAR]];
    const rows = a.queryHistory.filter((q) => q.END_TIME.getTime() <= cutoff && q.QUERY_ID !== ctx.queryId).map((q) => cols.map(([c]) => (q as unknown as Record<string, Value>)[c] ?? null));
    return { cols: cols.map(([name, type]) => ({ name, type })), rows };
  }
  if (view === 'ACCESS_HISTORY') {
    // https://docs.snowflake.com/en/sql-reference/account-usage/access_history
    const cols: Col[] = [['QUERY_ID', VARCHAR], ['QUERY_START_TIME', TIMESTAMP_LTZ], ['USER_NAME', VARCHAR], ['DIRECT_OBJECTS_ACCESSED', VARIANT], ['BASE_OBJECTS_ACCESSED', VARIANT], ['OBJECTS_MODIFIED', VARIANT], ['OBJECT_MODIFIED_BY_DDL', VARIANT], ['POLICIES_REFERENCED', VARIANT], ['PARENT_QUERY_ID', VARCHAR], ['ROOT_QUERY_ID', VARCHAR]];
    const rows = a.accessHistory.filter((r) => r.QUERY_START_TIME.getTime() <= cutoff).map((r) => [r.QUERY_ID, r.QUERY_START_TIME, r.USER_NAME, json(r.DIRECT_OBJECTS_ACCESSED), json(r.BASE_OBJECTS_ACCESSED), json(r.OBJECTS_MODIFIED), r.OBJECT_MODIFIED_BY_DDL === null ? null : json(r.OBJECT_MODIFIED_BY_DDL), json(r.POLICIES_REFERENCED), r.PARENT_QUERY_ID, r.ROOT_QUERY_ID]);
    return { cols: cols.map(([name, type]) => ({ name, type })), rows };
  }
  return null;
}
