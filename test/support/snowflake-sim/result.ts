import type { SqlType } from './types.js';
import { NUMBER, VARCHAR } from './types.js';
import type { Value } from './values.js';

/** What one statement returns: its result columns and rows, and for DML the number of rows changed. */
export interface ExecResult {
  readonly cols: readonly { readonly name: string; readonly type: SqlType }[];
  readonly rows: readonly (readonly Value[])[];
  /** QUERY_HISTORY.QUERY_TYPE (https://docs.snowflake.com/en/sql-reference/account-usage/query_history). */
  readonly queryType: string;
  readonly inserted?: number;
  readonly updated?: number;
  readonly deleted?: number;
}

/** DDL and the like return one row, one column `status` (e.g. "Role R successfully created."). */
export function status(text: string, queryType: string): ExecResult {
  return { cols: [{ name: 'status', type: VARCHAR }], rows: [[text]], queryType };
}

export const OK = (queryType: string): ExecResult => status('Statement executed successfully.', queryType);

/** DML results: "number of rows inserted", "number of rows updated" (+ "number of multi-joined rows updated"), "number of rows deleted" (https://docs.snowflake.com/en/sql-reference/sql/insert, …/update, …/delete, …/merge). */
export function counts(pairs: readonly (readonly [string, number])[], queryType: string, inserted = 0, updated = 0, deleted = 0): ExecResult {
  return { cols: pairs.map(([name]) => ({ name, type: NUMBER })), rows: [pairs.map(([, n]) => n)], queryType, inserted, updated, deleted };
}
