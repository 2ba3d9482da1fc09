import type { SqlType } from './types.js';
import type { Value } from './values.js';

/** A name as written: each part already resolved (unquoted → upper case, quoted exact). */
export type Name = readonly string[];

export type Expr =
  | { readonly k: 'lit'; readonly v: Value; readonly type?: SqlType }
  | { readonly k: 'col'; readonly parts: Name; readonly line: number; readonly pos: number }
  | { readonly k: 'un'; readonly op: 'NOT' | '-' | '+'; readonly e: Expr }
  | { readonly k: 'bin'; readonly op: string; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'is'; readonly e: Expr; readonly not: boolean; readonly what: 'NULL' | 'TRUE' | 'FALSE' }
  | { readonly k: 'distinct'; readonly l: Expr; readonly r: Expr; readonly not: boolean }
  | { readonly k: 'between'; readonly e: Expr; readonly lo: Expr; readonly hi: Expr; readonly not: boolean }
  | { readonly k: 'in'; readonly e: Expr; readonly list: readonly Expr[] | null; readonly query: Query | null; readonly not: boolean }
  | { readonly k: 'exists'; readonly query: Query }
  | { readonly k: 'like'; readonly e: Expr; readonly pat: Expr; readonly esc: Expr | null; readonly not: boolean; readonly ci: boolean }
  | { readonly k: 'case'; readonly operand: Expr | null; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[]; readonly else: Expr | null }
  | { readonly k: 'cast'; readonly e: Expr; readonly type: SqlType; readonly try: boolean }
  | { readonly k: 'fn'; readonly name: string; readonly args: readonly Expr[]; readonly named: Readonly<Record<string, Expr>> | null; readonly star: boolean; readonly distinct: boolean; readonly line: number; readonly pos: number }
  | { readonly k: 'path'; readonly e: Expr; readonly path: readonly (string | number)[] }
  | { readonly k: 'index'; readonly e: Expr; readonly idx: Expr }
  | { readonly k: 'array'; readonly items: readonly Expr[] }
  | { readonly k: 'object'; readonly entries: readonly (readonly [string, Expr])[] }
  | { readonly k: 'subquery'; readonly query: Query }
  | { readonly k: 'window'; readonly fn: Extract<Expr, { k: 'fn' }>; readonly partition: readonly Expr[]; readonly order: readonly OrderItem[] };

export interface SelectItem {
  readonly expr: Expr | null;
  /** `*` or `t.*` when expr is null. */
  readonly star?: { readonly qualifier: Name | null };
  readonly alias: string | null;
  /** The text of the expression, for the column name Snowflake derives (upper-cased). */
  readonly text: string;
}

export type FromItem =
  | { readonly k: 'table'; readonly name: Name; readonly alias: string | null; readonly line: number; readonly pos: number }
  | { readonly k: 'sub'; readonly query: Query; readonly alias: string | null }
  | { readonly k: 'tfn'; readonly fn: Extract<Expr, { k: 'fn' }>; readonly alias: string | null }
  | { readonly k: 'values'; readonly rows: readonly (readonly Expr[])[]; readonly alias: string | null; readonly columns: readonly string[] | null }
  | { readonly k: 'join'; readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS'; readonly left: FromItem; readonly right: FromItem; readonly on: Expr | null };

export interface SelectCore {
  readonly k: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem | null;
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  readonly qualify: Expr | null;
}

export interface SetOp {
  readonly k: 'union';
  readonly all: boolean;
  readonly op: 'UNION' | 'EXCEPT' | 'INTERSECT';
  readonly left: QueryBody;
  readonly right: QueryBody;
}

export type QueryBody = SelectCore | SetOp | { readonly k: 'paren'; readonly query: Query };

export interface OrderItem {
  readonly e: Expr;
  readonly desc: boolean;
  readonly nullsFirst: boolean | null;
}

export interface Query {
  /** WITH name [(cols)] AS (query), … */
  readonly ctes: readonly { readonly name: string; readonly columns: readonly string[] | null; readonly query: Query }[];
  readonly body: QueryBody;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | null;
  readonly offset: Expr | null;
}

export interface ColumnDef {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  readonly default: Expr | null;
  readonly comment: string | null;
  readonly masking: { readonly policy: Name; readonly using: readonly string[] | null } | null;
  readonly tags: readonly TagAssign[];
}

export interface TagAssign {
  readonly tag: Name;
  readonly value: string;
}

export type GrantTarget =
  | { readonly k: 'ACCOUNT' }
  | { readonly k: 'OBJECT'; readonly type: string; readonly name: Name }
  | { readonly k: 'ALL'; readonly type: string; readonly inType: 'SCHEMA' | 'DATABASE'; readonly name: Name }
  | { readonly k: 'FUTURE'; readonly type: string; readonly inType: 'SCHEMA' | 'DATABASE'; readonly name: Name };

export type AlterColumnAction =
  | { readonly k: 'setMask'; readonly column: string; readonly policy: Name; readonly using: readonly string[] | null; readonly force: boolean }
  | { readonly k: 'unsetMask'; readonly column: string }
  | { readonly k: 'setTag'; readonly column: string; readonly tags: readonly TagAssign[] }
  | { readonly k: 'unsetTag'; readonly column: string; readonly tags: readonly Name[] }
  | { readonly k: 'comment'; readonly column: string; readonly comment: string | null }
  | { readonly k: 'type'; readonly column: string; readonly type: SqlType }
  | { readonly k: 'dropNotNull'; readonly column: string }
  | { readonly k: 'setNotNull'; readonly column: string };

export type PolicyContextArg = { readonly name: string; readonly values: readonly string[] };

export type Statement =
  | { readonly t: 'query'; readonly query: Query }
  | { readonly t: 'executeUsing'; readonly context: readonly PolicyContextArg[]; readonly query: Query }
  | { readonly t: 'useRole'; readonly role: string }
  | { readonly t: 'useSecondary'; readonly all: boolean; readonly roles: readonly string[] }
  | { readonly t: 'use'; readonly kind: 'DATABASE' | 'SCHEMA' | 'WAREHOUSE'; readonly name: Name }
  | { readonly t: 'alterSession'; readonly set: boolean; readonly params: readonly { readonly name: string; readonly value: Value }[] }
  | { readonly t: 'createDatabase'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: Name; readonly transient: boolean; readonly comment: string | null; readonly tags: readonly TagAssign[] }
  | { readonly t: 'createSchema'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: Name; readonly transient: boolean; readonly managed: boolean; readonly comment: string | null; readonly tags: readonly TagAssign[] }
  | { readonly t: 'createTable'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: Name; readonly transient: boolean; readonly columns: readonly ColumnDef[]; readonly changeTracking: boolean | null; readonly comment: string | null; readonly tags: readonly TagAssign[]; readonly rap: { readonly policy: Name; readonly on: readonly string[] } | null; readonly asQuery: Query | null }
  | { readonly t: 'createRole'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: string; readonly comment: string | null }
  | { readonly t: 'createWarehouse'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: string }
  | { readonly t: 'createUser'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: string; readonly props: Readonly<Record<string, Value | readonly string[]>> }
  | { readonly t: 'drop'; readonly kind: string; readonly ifExists: boolean; readonly name: Name; readonly cascade: boolean | null }
  | { readonly t: 'alterRole'; readonly ifExists: boolean; readonly name: string; readonly action: { readonly k: 'comment'; readonly value: string | null } | { readonly k: 'rename'; readonly to: string } }
  | { readonly t: 'alterSchemaManaged'; readonly ifExists: boolean; readonly name: Name; readonly enable: boolean }
  | { readonly t: 'alterObjectTags'; readonly kind: 'DATABASE' | 'SCHEMA' | 'TABLE' | 'VIEW'; readonly ifExists: boolean; readonly name: Name; readonly set: readonly TagAssign[] | null; readonly unset: readonly Name[] | null }
  | { readonly t: 'alterObjectComment'; readonly kind: 'DATABASE' | 'SCHEMA' | 'TABLE'; readonly ifExists: boolean; readonly name: Name; readonly comment: string | null }
  | { readonly t: 'alterTableAddColumn'; readonly ifExists: boolean; readonly name: Name; readonly columns: readonly ColumnDef[]; readonly ifNotExists: boolean }
  | { readonly t: 'alterTableDropColumn'; readonly ifExists: boolean; readonly name: Name; readonly columns: readonly string[] }
  | { readonly t: 'alterTableRename'; readonly ifExists: boolean; readonly name: Name; readonly to: Name }
  | { readonly t: 'alterTableSet'; readonly ifExists: boolean; readonly name: Name; readonly changeTracking: boolean | null; readonly comment: string | null | undefined }
  | { readonly t: 'alterTableColumns'; readonly ifExists: boolean; readonly name: Name; readonly actions: readonly AlterColumnAction[] }
  | { readonly t: 'alterTableRap'; readonly ifExists: boolean; readonly name: Name; readonly drop: Name | 'ALL' | null; readonly add: { readonly policy: Name; readonly on: readonly string[] } | null }
  | { readonly t: 'createTag'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: Name; readonly allowed: readonly string[] | null; readonly comment: string | null; readonly propagate: string | null }
  | { readonly t: 'alterTag'; readonly ifExists: boolean; readonly name: Name; readonly action: { readonly k: 'addAllowed' | 'dropAllowed' | 'setAllowed'; readonly values: readonly string[] } | { readonly k: 'unset'; readonly what: string } | { readonly k: 'comment'; readonly value: string } | { readonly k: 'rename'; readonly to: Name } | { readonly k: 'setMask'; readonly policies: readonly Name[]; readonly force: boolean } | { readonly k: 'unsetMask'; readonly policies: readonly Name[] } }
  | { readonly t: 'createPolicy'; readonly kind: 'MASKING' | 'ROW_ACCESS'; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly name: Name; readonly args: readonly { readonly name: string; readonly type: SqlType }[]; readonly returns: SqlType; readonly body: Expr; readonly bodyText: string; readonly comment: string | null; readonly exempt: boolean | null }
  | { readonly t: 'alterPolicy'; readonly kind: 'MASKING' | 'ROW_ACCESS'; readonly ifExists: boolean; readonly name: Name; readonly action: { readonly k: 'body'; readonly body: Expr; readonly bodyText: string } | { readonly k: 'rename'; readonly to: Name } | { readonly k: 'comment'; readonly value: string | null } | { readonly k: 'setTag'; readonly tags: readonly TagAssign[] } | { readonly k: 'unsetTag'; readonly tags: readonly Name[] } }
  | { readonly t: 'describePolicy'; readonly kind: 'MASKING' | 'ROW_ACCESS'; readonly name: Name }
  | { readonly t: 'describeTable'; readonly name: Name }
  | { readonly t: 'grantPriv'; readonly revoke: boolean; readonly privileges: readonly string[]; readonly target: GrantTarget; readonly grantee: { readonly type: 'ROLE' | 'USER' | 'DATABASE ROLE' | 'SHARE'; readonly name: string }; readonly grantOption: boolean; readonly grantOptionFor: boolean; readonly cascade: boolean | null }
  | { readonly t: 'grantRole'; readonly revoke: boolean; readonly role: string; readonly grantee: { readonly type: 'ROLE' | 'USER'; readonly name: string } }
  | { readonly t: 'grantOwnership'; readonly target: GrantTarget; readonly role: string; readonly currentGrants: 'COPY' | 'REVOKE' | null }
  | { readonly t: 'show'; readonly what: string; readonly terse: boolean; readonly like: string | null; readonly in: { readonly kind: string; readonly name: Name } | null; readonly startsWith: string | null; readonly limit: number | null; readonly from: string | null; readonly of: { readonly kind: string; readonly name: Name } | null; readonly to: { readonly kind: string; readonly name: Name } | null; readonly on: { readonly kind: string; readonly name: Name } | null; readonly history: boolean }
  | { readonly t: 'insert'; readonly overwrite: boolean; readonly table: Name; readonly columns: readonly string[] | null; readonly values: readonly (readonly Expr[])[] | null; readonly query: Query | null }
  | { readonly t: 'update'; readonly table: Name; readonly alias: string | null; readonly set: readonly { readonly column: string; readonly e: Expr }[]; readonly from: FromItem | null; readonly where: Expr | null }
  | { readonly t: 'delete'; readonly table: Name; readonly alias: string | null; readonly using: FromItem | null; readonly where: Expr | null }
  | { readonly t: 'merge'; readonly table: Name; readonly alias: string | null; readonly source: FromItem; readonly on: Expr; readonly clauses: readonly MergeClause[] }
  | { readonly t: 'truncate'; readonly ifExists: boolean; readonly table: Name }
  | { readonly t: 'txn'; readonly op: 'BEGIN' | 'COMMIT' | 'ROLLBACK' }
  | { readonly t: 'pipe'; readonly stages: readonly Statement[] }
  | { readonly t: 'alterUser'; readonly ifExists: boolean; readonly name: string; readonly set: Readonly<Record<string, Value | readonly string[]>>; readonly unset: readonly string[] };

export type MergeClause =
  | { readonly k: 'update'; readonly matched: true; readonly cond: Expr | null; readonly set: readonly { readonly column: string; readonly e: Expr }[] }
  | { readonly k: 'delete'; readonly matched: true; readonly cond: Expr | null }
  | { readonly k: 'insert'; readonly matched: false; readonly cond: Expr | null; readonly columns: readonly string[] | null; readonly values: readonly Expr[] };
