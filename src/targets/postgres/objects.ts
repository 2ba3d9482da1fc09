import type { NativeObject } from '../target.js';
import { quoteIdent } from './naming.js';

/**
 * The PostgreSQL objects meshward manages, as NativeObjects. compile.ts builds the desired
 * ones and introspect.ts the current ones with these same constructors, so that `spec` and
 * `key` agree and the neutral diff is a plain comparison.
 */

export { isOurMarker, marker } from '../shared/marker.js';

export const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/**
 * A NOLOGIN role: a group role (`<prefix><group>`) or the view owner (`<prefix>owner`), with every
 * attribute that can widen what it — or a session that logs in as it — can do. The desired values
 * are ROLE_DEFAULTS (what `CREATE ROLE … NOLOGIN` gives); the constructor fills in any left out,
 * so a spec recorded before these fields existed reads as the defaults.
 */
export interface RoleSpec {
  readonly name: string;
  readonly comment: string;
  readonly superuser?: boolean;
  readonly inherit?: boolean;
  readonly createrole?: boolean;
  readonly createdb?: boolean;
  readonly login?: boolean;
  readonly replication?: boolean;
  readonly bypassrls?: boolean;
  readonly connection_limit?: number;
  /** Per-role settings `[database ('' = every database), 'name=value']`, sorted. */
  readonly settings?: readonly (readonly [string, string])[];
  [k: string]: unknown;
}

/** The attributes of every managed role: no privilege beyond its grants and memberships. */
export const ROLE_DEFAULTS = {
  superuser: false,
  inherit: true,
  createrole: false,
  createdb: false,
  login: false,
  replication: false,
  bypassrls: false,
  connection_limit: -1,
  settings: [] as readonly (readonly [string, string])[],
} as const;

/** The boolean role attributes and their ALTER ROLE keywords (true, false). */
export const ROLE_FLAGS = [
  ['superuser', 'SUPERUSER', 'NOSUPERUSER'],
  ['createdb', 'CREATEDB', 'NOCREATEDB'],
  ['createrole', 'CREATEROLE', 'NOCREATEROLE'],
  ['inherit', 'INHERIT', 'NOINHERIT'],
  ['login', 'LOGIN', 'NOLOGIN'],
  ['replication', 'REPLICATION', 'NOREPLICATION'],
  ['bypassrls', 'BYPASSRLS', 'NOBYPASSRLS'],
] as const;

/** `member` is a member of `role` (GRANT role TO member): member_of, and never login roles. */
export interface MembershipSpec {
  readonly role: string;
  readonly member: string;
  [k: string]: unknown;
}

/** A managed schema `<prefix><schema>` holding the views of one governed schema, or the governance schema. */
export interface SchemaSpec {
  readonly name: string;
  readonly owner: string;
  readonly comment: string;
  [k: string]: unknown;
}

/** One column of a managed view: its output name and type (format_type spelling). */
export interface ViewColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * A managed security-barrier view over one governed base table. `select` is the whole SELECT
 * text (rendered once by compile); `masks` and `filters` summarise the policies in it so that
 * the plan can tell widening from narrowing without parsing SQL.
 */
export interface ViewSpec {
  readonly schema: string;
  readonly name: string;
  readonly base: { readonly schema: string; readonly table: string };
  readonly owner: string;
  readonly comment: string;
  readonly select: string;
  readonly columns: readonly ViewColumn[];
  /** column -> sorted `policy:method[:keep_last]:exempt1,exempt2` entries. */
  readonly masks: Readonly<Record<string, readonly string[]>>;
  /** sorted `policy:exempt1,exempt2:<neutral allow text>` entries. */
  readonly filters: readonly string[];
  [k: string]: unknown;
}

/**
 * `table` a governed base table, `view` a managed view, `schema` a managed (or the governance)
 * schema, `relation` a governance table, `columns` some columns of a managed view.
 */
export type GrantTarget = 'table' | 'view' | 'schema' | 'relation' | 'columns';

/** Every privilege PostgreSQL can grant on a relation or schema (aclexplode spelling). */
export const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN', 'USAGE', 'CREATE'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/**
 * A privilege on a managed object or governed base table. The model only ever grants SELECT on a
 * view or base table and USAGE on a schema, without grant option; introspection reads every
 * privilege on a managed object, so anything else (another privilege, a grant option, a
 * column-level grant) is a live object the model lacks — removed by apply.
 */
export interface GrantSpec {
  readonly privilege: Privilege;
  readonly on: GrantTarget;
  /** Quoted, qualified object name (`"mw_sales"."customers"`) or quoted schema name. */
  readonly object: string;
  readonly grantee: string;
  /** Live only: some grant of it carries WITH GRANT OPTION. */
  readonly grantable?: true;
  /** Live only: no grant of it was made by the object's owner (it depends on someone's grant option). */
  readonly dependent?: true;
  /** `columns` only: the column names, sorted. */
  readonly columns?: readonly string[];
  [k: string]: unknown;
}

/** The ADMIN OPTION on a managed role (`GRANT role TO member WITH ADMIN OPTION`): never the model's. */
export interface RoleAdminSpec {
  readonly role: string;
  readonly member: string;
  [k: string]: unknown;
}

/**
 * A default privilege (ALTER DEFAULT PRIVILEGES) of a managed role, or of any role in a managed
 * schema: given at once to every object of that type created later. Never the model's (product.md:
 * no default-privilege grants, ever): only ever live, so apply revokes it.
 */
export interface DefaultAclSpec {
  /** The role whose new objects get it (FOR ROLE). */
  readonly role: string;
  /** IN SCHEMA, or '' for every schema. */
  readonly schema: string;
  /** pg_default_acl.defaclobjtype: r (tables and views), S, f, T, n. */
  readonly objtype: string;
  readonly privilege: string;
  /** '' is PUBLIC. */
  readonly grantee: string;
  readonly grantable?: true;
  [k: string]: unknown;
}

/** The ALTER DEFAULT PRIVILEGES keyword of each object type. */
export const DEFAULT_ACL_OBJECTS: Readonly<Record<string, string>> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };

/** A tag assignment, kept as a row of `<governance>.tags` (never as base-table comments). */
export interface TagSpec {
  /** Neutral `database.schema.table` or `database.schema.table.column`. */
  readonly object: string;
  readonly tag: string;
  readonly value: string;
  [k: string]: unknown;
}

/**
 * One value of a user attribute that a group role holds itself: a row of
 * `<governance>.attributes`, which the managed views consult (`pg_has_role` gives the closure).
 * `value` is the canonical text of the value in the attribute's declared `type`
 * (expr.ts attributeValueText), so that the views' CAST of it never fails.
 * The key holds the whole row, so a value is only ever added or removed. One object per value, so that a removal is its own change (narrowing, before the views
 * change) and an addition its own (widening, after them): hazards.ts ranks them apart.
 */
export interface AttributeValueSpec {
  readonly role: string;
  readonly attribute: string;
  readonly type: string;
  readonly value: string;
  [k: string]: unknown;
}

/** The governance schema's own tables (state, tags, audit), at a layout version. */
export interface GovernanceSpec {
  readonly schema: string;
  readonly version: number;
  [k: string]: unknown;
}

export const keys = {
  role: (name: string) => `role:${name}`,
  membership: (role: string, member: string) => `membership:${role}:${member}`,
  schema: (name: string) => `schema:${name}`,
  view: (schema: string, name: string) => `view:${qualified(schema, name)}`,
  grant: (g: Pick<GrantSpec, 'privilege' | 'on' | 'object' | 'grantee'>) => `grant:${g.privilege}:${g.on}:${g.object}:${g.grantee}`,
  roleAdmin: (role: string, member: string) => `role_admin:${role}:${member}`,
  tag: (object: string, tag: string) => `tag:${object}:${tag}`,
  defaultAcl: (d: Pick<DefaultAclSpec, 'role' | 'schema' | 'objtype' | 'privilege' | 'grantee'>) => `default_acl:${d.role}:${d.schema}:${d.objtype}:${d.privilege}:${d.grantee}`,
  governance: (schema: string) => `governance:${schema}`,
  // JSON: role names, attribute names and values may hold any character but NUL
  attributeValue: (a: Pick<AttributeValueSpec, 'role' | 'attribute' | 'type' | 'value'>) => `attribute:${JSON.stringify([a.role, a.attribute, a.type, a.value])}`,
};

type Extra = Partial<Pick<NativeObject, 'domain' | 'table' | 'policies' | 'access'>>;

export const objects = {
  role: (spec: RoleSpec, extra: Extra = {}): NativeObject => ({ key: keys.role(spec.name), kind: 'role', label: `role ${spec.name}`, spec: { ...ROLE_DEFAULTS, ...spec }, ...extra }),
  roleAdmin: (spec: RoleAdminSpec): NativeObject => ({ key: keys.roleAdmin(spec.role, spec.member), kind: 'role_admin', label: `ADMIN OPTION on ${spec.role} → ${spec.member}`, spec }),
  membership: (spec: MembershipSpec, extra: Extra = {}): NativeObject => ({
    key: keys.membership(spec.role, spec.member),
    kind: 'membership',
    label: `${spec.member} member of ${spec.role}`,
    spec,
    ...extra,
  }),
  schema: (spec: SchemaSpec, extra: Extra = {}): NativeObject => ({ key: keys.schema(spec.name), kind: 'schema', label: `schema ${quoteIdent(spec.name)}`, spec, ...extra }),
  view: (spec: ViewSpec, extra: Extra = {}): NativeObject => ({
    key: keys.view(spec.schema, spec.name),
    kind: 'view',
    label: `view ${qualified(spec.schema, spec.name)}`,
    spec,
    ...extra,
  }),
  grant: (spec: GrantSpec, extra: Extra = {}): NativeObject => ({
    key: keys.grant(spec),
    kind: 'grant',
    label: `${spec.privilege}${spec.on === 'columns' ? ` (${(spec.columns ?? []).join(', ')})` : ''} on ${spec.on} ${spec.object} → ${spec.grantee === '' ? 'PUBLIC' : spec.grantee}${spec.grantable ? ' WITH GRANT OPTION' : ''}`,
    spec,
    ...extra,
  }),
  tag: (spec: TagSpec, extra: Extra = {}): NativeObject => ({ key: keys.tag(spec.object, spec.tag), kind: 'tag', label: `tag ${spec.tag}=${spec.value} on ${spec.object}`, spec, ...extra }),
  defaultAcl: (spec: DefaultAclSpec, extra: Extra = {}): NativeObject => ({
    key: keys.defaultAcl(spec),
    kind: 'default_acl',
    label: `default ${spec.privilege} on ${(DEFAULT_ACL_OBJECTS[spec.objtype] ?? spec.objtype).toLowerCase()} ${spec.role === '' ? '' : `created by ${spec.role} `}${spec.schema ? `in schema ${quoteIdent(spec.schema)}` : 'in every schema'} → ${spec.grantee === '' ? 'PUBLIC' : spec.grantee}${spec.grantable ? ' WITH GRANT OPTION' : ''}`,
    spec,
    ...extra,
  }),
  attributeValue: (spec: AttributeValueSpec): NativeObject => ({
    key: keys.attributeValue(spec),
    kind: 'attribute',
    label: `user.${spec.attribute} = ${JSON.stringify(spec.value)} (${spec.type}) for members of ${quoteIdent(spec.role)}`,
    spec: { role: spec.role, attribute: spec.attribute, type: spec.type, value: spec.value },
  }),
  governance: (spec: GovernanceSpec): NativeObject => ({ key: keys.governance(spec.schema), kind: 'governance', label: `governance tables in ${quoteIdent(spec.schema)}`, spec }),
};
