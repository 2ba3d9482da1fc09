import type { Account, AccessedObject, Table } from './state.js';
import type { Session } from './session.js';
import type { Value } from './values.js';

/** Who the query runs as, for the context functions (CURRENT_ROLE, IS_ROLE_IN_SESSION, …). */
export interface Identity {
  readonly user: string;
  readonly role: string | null;
  readonly secondary: readonly string[];
  /** Primary + active secondary roles and every role they inherit. */
  readonly activeRoles: ReadonlySet<string>;
  readonly availableRoles: readonly string[];
  readonly account: string;
}

/** What a statement read, for ACCESS_HISTORY. */
export interface AccessLog {
  readonly objects: Map<Table, Set<string>>;
  readonly writes: Map<Table, Set<string>>;
  /** The object a DDL statement changed (ACCESS_HISTORY.OBJECT_MODIFIED_BY_DDL). */
  ddl: { objectDomain: string; objectName: string; objectId: number; operationType: string; properties: Record<string, unknown> } | null;
  readonly policies: Map<Table, { table: { name: string; id: number; kind: string }[]; columns: Map<string, { name: string; id: number; kind: string }[]> }>;
}

export interface Ctx {
  readonly account: Account;
  readonly session: Session;
  /** Roles whose privileges the statement may use: primary + secondary and their hierarchy. */
  readonly privRoles: ReadonlySet<string>;
  /** The primary role's hierarchy (CREATE <object> uses the primary role only). */
  readonly primaryRoles: ReadonlySet<string>;
  readonly identity: Identity;
  readonly access: AccessLog;
  /** Inside a policy body: the protected table and column (SYSTEM$GET_TAG_ON_CURRENT_*), and the policy kind. */
  readonly policyFrame: { readonly table: Table; readonly column: string | null; readonly kind: 'MASKING_POLICY' | 'ROW_ACCESS_POLICY'; readonly policyOwner: string } | null;
  /** EXECUTE USING POLICY_CONTEXT: the identity is simulated; protected tables need OWNERSHIP and APPLY. */
  readonly simulated: boolean;
  readonly queryId: string;
  readonly now: Date;
  readonly binds: readonly Value[];
  /** Common table expressions in scope, by name (materialized). */
  readonly ctes?: ReadonlyMap<string, { readonly cols: readonly { readonly name: string; readonly type: import('./types.js').SqlType }[]; readonly rows: readonly (readonly Value[])[] }>;
}

export function newAccessLog(): AccessLog {
  return { objects: new Map(), writes: new Map(), policies: new Map(), ddl: null };
}

export type { AccessedObject };
