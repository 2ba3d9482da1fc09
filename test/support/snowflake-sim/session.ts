import type { Table } from './state.js';
import type { Value } from './values.js';

/** A session's state (https://docs.snowflake.com/en/sql-reference/sql/use, .../alter-session, .../parameters). */
export interface Session {
  readonly id: number;
  readonly user: string;
  role: string | null;
  /** USE SECONDARY ROLES: 'ALL', or an explicit list ([] = NONE). */
  secondary: 'ALL' | string[];
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  queryTag: string;
  quotedIgnoreCase: boolean;
  readonly params: Map<string, Value>;
  lastQueryId: string | null;
  /** Rows of the tables written inside an explicit transaction, as they were at BEGIN. */
  txn: Map<Table, Value[][]> | null;
}
