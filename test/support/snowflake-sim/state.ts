import type { Expr } from './ast.js';
import type { SqlType } from './types.js';
import type { Value } from './values.js';

/**
 * The account: every object is a plain object (no classes, no functions) so that `clone()` is one
 * structuredClone, which keeps the object graph (pointers between objects, Map keys) intact.
 * Objects point at their parents and at the objects they reference (a column at its masking
 * policy, a tag at its policies), as Snowflake keys references by object, not by name: a rename
 * keeps attachments and grants.
 */
export interface Account {
  readonly name: string;
  readonly locator: string;
  seq: number;
  readonly accountObject: AccountObject;
  /** Simulated time offset in ms added to the host clock (sim.advanceTime). */
  clockOffsetMs: number;
  /** How long a query takes to appear in SNOWFLAKE.ACCOUNT_USAGE (0 by default; the real lag is up to 45 min / 3 h). */
  accountUsageLatencyMs: number;
  /** Roles granted IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE (ACCOUNTADMIN has them implicitly). */
  snowflakeImported: string[];
  readonly databases: Map<string, Database>;
  readonly roles: Map<string, Role>;
  readonly users: Map<string, User>;
  readonly warehouses: Map<string, Warehouse>;
  /** Privilege grants (OWNERSHIP is kept on the objects, not here). */
  grants: Grant[];
  /** Role grants: role → role (parent inherits child) and role → user. */
  roleGrants: RoleGrant[];
  futureGrants: FutureGrant[];
  readonly queryHistory: QueryRecord[];
  readonly accessHistory: AccessRecord[];
  /** Results kept for RESULT_SCAN, by query id. */
  readonly results: Map<string, StoredResult>;
  readonly dropped: { readonly kind: string; readonly name: string; readonly at: Date }[];
}

export type Securable = Database | Schema | Table | Role | Warehouse | Tag | Policy | User | AccountObject;

export interface AccountObject {
  readonly kind: 'ACCOUNT';
}

export interface Base {
  readonly id: number;
  name: string;
  owner: string;
  comment: string | null;
  readonly createdOn: Date;
}

export interface Database extends Base {
  readonly kind: 'DATABASE';
  transient: boolean;
  readonly schemas: Map<string, Schema>;
  readonly tags: Map<Tag, string>;
}

export interface Schema extends Base {
  readonly kind: 'SCHEMA';
  database: Database;
  transient: boolean;
  managedAccess: boolean;
  readonly tables: Map<string, Table>;
  readonly tagObjects: Map<string, Tag>;
  readonly maskingPolicies: Map<string, Policy>;
  readonly rowAccessPolicies: Map<string, Policy>;
  readonly tags: Map<Tag, string>;
}

export interface Column {
  readonly id: number;
  name: string;
  type: SqlType;
  nullable: boolean;
  default: Expr | null;
  comment: string | null;
  readonly tags: Map<Tag, string>;
  mask: { policy: Policy; using: string[] | null } | null;
}

export interface Table extends Base {
  readonly kind: 'TABLE';
  schema: Schema;
  transient: boolean;
  /** 'TABLE' for base tables; INFORMATION_SCHEMA and SNOWFLAKE views are computed, not stored. */
  readonly tableType: 'BASE TABLE';
  columns: Column[];
  /** Rows aligned with `columns` (a dropped column is spliced out of every row). */
  rows: Value[][];
  changeTracking: boolean;
  readonly tags: Map<Tag, string>;
  rap: { policy: Policy; on: string[] } | null;
  lastAltered: Date;
}

export interface Tag extends Base {
  readonly kind: 'TAG';
  schema: Schema;
  allowedValues: string[] | null;
  propagate: string | null;
  /** One masking policy per data type (https://docs.snowflake.com/en/user-guide/tag-based-masking-policies). */
  maskingPolicies: Policy[];
}

export interface Policy extends Base {
  readonly kind: 'MASKING_POLICY' | 'ROW_ACCESS_POLICY';
  schema: Schema;
  args: { name: string; type: SqlType }[];
  returns: SqlType;
  body: Expr;
  bodyText: string;
  exempt: boolean;
  readonly tags: Map<Tag, string>;
}

export interface Role {
  readonly kind: 'ROLE';
  readonly id: number;
  name: string;
  owner: string;
  comment: string | null;
  readonly createdOn: Date;
}

export interface User {
  readonly kind: 'USER';
  readonly id: number;
  name: string;
  owner: string;
  comment: string | null;
  readonly createdOn: Date;
  loginName: string;
  defaultRole: string | null;
  /** DEFAULT_SECONDARY_ROLES: ['ALL'] or [] (https://docs.snowflake.com/en/sql-reference/sql/create-user). */
  defaultSecondaryRoles: string[];
  defaultWarehouse: string | null;
  defaultNamespace: string | null;
  disabled: boolean;
}

export interface Warehouse {
  readonly kind: 'WAREHOUSE';
  readonly id: number;
  name: string;
  owner: string;
  comment: string | null;
  readonly createdOn: Date;
}

export interface Grant {
  readonly privilege: string;
  readonly on: Securable;
  readonly granteeType: 'ROLE' | 'USER';
  grantee: string;
  grantOption: boolean;
  grantedBy: string;
  readonly createdOn: Date;
}

export interface RoleGrant {
  role: string;
  readonly granteeType: 'ROLE' | 'USER';
  grantee: string;
  grantedBy: string;
  readonly createdOn: Date;
}

export interface FutureGrant {
  readonly privilege: string;
  /** TABLE, VIEW, SCHEMA… */
  readonly objectType: string;
  readonly container: Database | Schema;
  grantee: string;
  grantOption: boolean;
  readonly createdOn: Date;
}

export interface StoredResult {
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  readonly rows: readonly (readonly Value[])[];
}

/** SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (https://docs.snowflake.com/en/sql-reference/account-usage/query_history) — the columns kept. */
export interface QueryRecord {
  QUERY_ID: string;
  QUERY_TEXT: string;
  DATABASE_NAME: string | null;
  SCHEMA_NAME: string | null;
  QUERY_TYPE: string;
  SESSION_ID: number;
  USER_NAME: string;
  ROLE_NAME: string | null;
  /** Active secondary roles, as the SECONDARY_ROLE_STATS column's role list — JSON text. */
  SECONDARY_ROLE_STATS: string | null;
  WAREHOUSE_NAME: string | null;
  QUERY_TAG: string;
  EXECUTION_STATUS: 'SUCCESS' | 'FAIL' | 'INCIDENT';
  ERROR_CODE: string | null;
  ERROR_MESSAGE: string | null;
  START_TIME: Date;
  END_TIME: Date;
  TOTAL_ELAPSED_TIME: number;
  ROWS_PRODUCED: number | null;
  ROWS_INSERTED: number;
  ROWS_UPDATED: number;
  ROWS_DELETED: number;
}

/** One object of ACCESS_HISTORY's DIRECT_OBJECTS_ACCESSED / BASE_OBJECTS_ACCESSED arrays (https://docs.snowflake.com/en/sql-reference/account-usage/access_history). */
export interface AccessedObject {
  objectDomain: string;
  objectName: string;
  objectId: number;
  columns: { columnName: string; columnId: number }[];
}

export interface ModifiedObject {
  objectDomain: string;
  objectName: string;
  objectId: number;
  columns: { columnName: string; columnId: number; directSources: never[]; baseSources: never[] }[];
}

/** SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY — one row per query that read or wrote tables. */
export interface AccessRecord {
  QUERY_ID: string;
  QUERY_START_TIME: Date;
  USER_NAME: string;
  DIRECT_OBJECTS_ACCESSED: AccessedObject[];
  BASE_OBJECTS_ACCESSED: AccessedObject[];
  OBJECTS_MODIFIED: ModifiedObject[];
  OBJECT_MODIFIED_BY_DDL: { objectDomain: string; objectName: string; objectId: number; operationType: string; properties: Record<string, unknown> } | null;
  /** [{ policyName, policyKind, policyId }, …] with the object/column they protected. */
  POLICIES_REFERENCED: { objectName: string; objectId: number; objectDomain: string; columns?: { columnName: string; columnId: number; policies: { policyName: string; policyId: number; policyKind: string }[] }[]; policies?: { policyName: string; policyId: number; policyKind: string }[] }[];
  PARENT_QUERY_ID: string | null;
  ROOT_QUERY_ID: string | null;
}
