import { availableRoles, closure, userRoles } from './access.js';
import { now } from './account.js';
import type { Ctx, Identity } from './context.js';
import { newAccessLog } from './context.js';
import { SimError } from './errors.js';
import { execute, queryTypeOf } from './exec.js';
import { newQueryId, recordAccess, recordQuery } from './history.js';
import { parseStatement } from './parser.js';
import type { ExecResult } from './result.js';
import type { Session } from './session.js';
import type { Account } from './state.js';
import type { Value } from './values.js';

/** The active secondary roles of a session: ALL = every role granted to the user (https://docs.snowflake.com/en/sql-reference/sql/use-secondary-roles). */
export function activeSecondary(a: Account, s: Session): string[] {
  const list = s.secondary === 'ALL' ? userRoles(a, s.user) : s.secondary;
  return list.filter((r) => r !== s.role && a.roles.has(r)).sort();
}

/** The context a statement runs in: privileges of the primary role plus active secondary roles (CREATE uses the primary role only — https://docs.snowflake.com/en/user-guide/security-access-control-overview#authorization-through-primary-role-and-secondary-roles). */
export function contextFor(a: Account, s: Session, queryId: string, binds: readonly Value[]): Ctx {
  const secondary = activeSecondary(a, s);
  const primary = s.role && a.roles.has(s.role) ? [s.role] : [];
  const privRoles = closure(a, [...primary, ...secondary]);
  const identity: Identity = { user: s.user, role: s.role, secondary, activeRoles: privRoles, availableRoles: availableRoles(a, s.user), account: a.locator };
  return { account: a, session: s, privRoles, primaryRoles: closure(a, primary), identity, access: newAccessLog(), policyFrame: null, simulated: false, queryId, now: now(a), binds };
}

/** Records a statement refused before it ran (an injected fault) as a failed QUERY_HISTORY row. */
export function recordRefused(a: Account, s: Session, sqlText: string, error: SimError): string {
  const queryId = newQueryId(a);
  const t = now(a);
  recordQuery(a, s, { queryId, text: sqlText, queryType: 'UNKNOWN', start: t, end: t, result: null, error: { code: error.code, message: error.message }, roleAtStart: s.role, secondary: activeSecondary(a, s), dbAtStart: s.database, schemaAtStart: s.schema, warehouseAtStart: s.warehouse, queryTag: s.queryTag });
  error.data = { ...error.data, queryId };
  return queryId;
}

export interface RunOutcome {
  readonly queryId: string;
  readonly result: ExecResult | null;
  readonly error: SimError | null;
}

/** Parses and executes one statement in a session, and records it in QUERY_HISTORY / ACCESS_HISTORY and for RESULT_SCAN. */
export function runStatement(a: Account, s: Session, sqlText: string, binds: readonly Value[], record = true): RunOutcome {
  const queryId = newQueryId(a);
  const start = now(a);
  const at = { role: s.role, secondary: activeSecondary(a, s), db: s.database, schema: s.schema, warehouse: s.warehouse, tag: s.queryTag };
  let result: ExecResult | null = null;
  let error: SimError | null = null;
  let queryType = 'UNKNOWN';
  const ctx = contextFor(a, s, queryId, binds);
  try {
    const st = parseStatement(sqlText, binds, { quotedIgnoreCase: s.quotedIgnoreCase });
    queryType = queryTypeOf(st);
    result = execute(st, ctx);
    queryType = result.queryType;
  } catch (e) {
    if (e instanceof SimError) error = e;
    else if (e instanceof RangeError) error = new SimError('000603', 'XX000', `SQL execution internal error:\nProcessing aborted due to error 300002:${e.message}`);
    else throw e;
    error.data = { ...error.data, queryId };
  }
  if (record) {
    recordQuery(a, s, { queryId, text: sqlText, queryType, start, end: now(a), result, error: error ? { code: error.code, message: error.message } : null, roleAtStart: at.role, secondary: at.secondary, dbAtStart: at.db, schemaAtStart: at.schema, warehouseAtStart: at.warehouse, queryTag: at.tag });
    if (result) {
      recordAccess(a, s, queryId, start, ctx.access);
      a.results.set(queryId, { columns: result.cols.map((c) => ({ name: c.name, type: c.type })), rows: result.rows.map((r) => [...r]) });
    }
  }
  s.lastQueryId = queryId;
  return { queryId, result, error };
}
