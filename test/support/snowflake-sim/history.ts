import { fqn } from './catalog.js';
import type { AccessLog } from './context.js';
import type { ExecResult } from './result.js';
import type { Session } from './session.js';
import type { AccessRecord, Account, QueryRecord } from './state.js';

/** Snowflake-like query ids (8-4-4-4-12 hex), unique per account and deterministic. */
export function newQueryId(a: Account): string {
  const n = (a.seq++).toString(16).padStart(12, '0');
  const acct = [...a.locator].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, '0').slice(0, 4);
  return `01b${n.slice(0, 5)}-0000-${acct}-0000-${n}`;
}

export interface Outcome {
  readonly queryId: string;
  readonly text: string;
  readonly queryType: string;
  readonly start: Date;
  readonly end: Date;
  readonly result: ExecResult | null;
  readonly error: { code: string; message: string } | null;
  readonly roleAtStart: string | null;
  readonly secondary: readonly string[];
  readonly dbAtStart: string | null;
  readonly schemaAtStart: string | null;
  readonly warehouseAtStart: string | null;
  readonly queryTag: string;
}

/** Appends the statement to QUERY_HISTORY (https://docs.snowflake.com/en/sql-reference/account-usage/query_history). */
export function recordQuery(a: Account, s: Session, o: Outcome): QueryRecord {
  const r = o.result;
  const rec: QueryRecord = {
    QUERY_ID: o.queryId, QUERY_TEXT: o.text, DATABASE_NAME: o.dbAtStart, SCHEMA_NAME: o.schemaAtStart, QUERY_TYPE: o.queryType, SESSION_ID: s.id, USER_NAME: s.user,
    ROLE_NAME: o.roleAtStart, SECONDARY_ROLE_STATS: o.secondary.length ? JSON.stringify({ roles: [...o.secondary] }) : null, WAREHOUSE_NAME: o.warehouseAtStart, QUERY_TAG: o.queryTag,
    EXECUTION_STATUS: o.error ? 'FAIL' : 'SUCCESS', ERROR_CODE: o.error?.code ?? null, ERROR_MESSAGE: o.error?.message ?? null, START_TIME: o.start, END_TIME: o.end,
    TOTAL_ELAPSED_TIME: o.end.getTime() - o.start.getTime(), ROWS_PRODUCED: r && !['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(r.queryType) ? r.rows.length : null,
    ROWS_INSERTED: r?.inserted ?? 0, ROWS_UPDATED: r?.updated ?? 0, ROWS_DELETED: r?.deleted ?? 0,
  };
  a.queryHistory.push(rec);
  return rec;
}

/**
 * Appends an ACCESS_HISTORY row for a successful statement that read or wrote tables
 * (https://docs.snowflake.com/en/sql-reference/account-usage/access_history): objects and
 * columns read (direct = base here, there are no views), objects modified, and the policies that
 * protected what was read (POLICIES_REFERENCED).
 */
export function recordAccess(a: Account, s: Session, queryId: string, start: Date, log: AccessLog): AccessRecord | null {
  if (log.objects.size === 0 && log.writes.size === 0 && !log.ddl) return null;
  const accessed = [...log.objects].map(([t, cols]) => ({ objectDomain: 'Table', objectName: fqn(t), objectId: t.id, columns: t.columns.filter((c) => cols.has(c.name)).map((c) => ({ columnName: c.name, columnId: c.id })) }));
  const modified = [...log.writes].map(([t, cols]) => ({ objectDomain: 'Table', objectName: fqn(t), objectId: t.id, columns: t.columns.filter((c) => cols.has(c.name)).map((c) => ({ columnName: c.name, columnId: c.id, directSources: [] as never[], baseSources: [] as never[] })) }));
  const policies = [...log.policies].map(([t, p]) => ({
    objectName: fqn(t), objectId: t.id, objectDomain: 'Table',
    ...(p.columns.size ? { columns: [...p.columns].map(([name, list]) => ({ columnName: name, columnId: t.columns.find((c) => c.name === name)?.id ?? 0, policies: list.map((x) => ({ policyName: x.name, policyId: x.id, policyKind: x.kind })) })) } : {}),
    ...(p.table.length ? { policies: p.table.map((x) => ({ policyName: x.name, policyId: x.id, policyKind: x.kind })) } : {}),
  }));
  const rec: AccessRecord = { QUERY_ID: queryId, QUERY_START_TIME: start, USER_NAME: s.user, DIRECT_OBJECTS_ACCESSED: accessed, BASE_OBJECTS_ACCESSED: structuredClone(accessed), OBJECTS_MODIFIED: modified, OBJECT_MODIFIED_BY_DDL: log.ddl, POLICIES_REFERENCED: policies, PARENT_QUERY_ID: null, ROOT_QUERY_ID: null };
  a.accessHistory.push(rec);
  return rec;
}
