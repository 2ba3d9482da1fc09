import type { Action, Change, NativeObject, RenderContext } from '../target.js';
import { createTemplateEnv, templatesDir, type TemplateEnv } from '../shared/templates.js';
import { quoteIdent } from './naming.js';
import { governanceSchemaName, ownerRoleName } from './governance.js';
import { DEFAULT_ACL_OBJECTS, marker, PRIVILEGES, qualified, type DefaultAclSpec, ROLE_DEFAULTS, ROLE_FLAGS, type GrantSpec, type RoleSpec, type ViewColumn, type ViewSpec } from './objects.js';
import type { UnmanagedGrantSpec } from './unmanaged.js';
import { quoteLiteral } from './sql-text.js';

/**
 * Change -> statements, through `templates/postgres/<kind>.<action>.sql.hbs`. Every value goes
 * through `ident`/`qname`/`lit`; `sql` carries only what compile built (a view's SELECT, a
 * quoted object name checked here). One string per statement, each ending with `;`.
 */

/**
 * Every kind this target renders and the actions it renders it for (a template each): what the
 * diff can produce for it (a membership's or an attribute value's spec is its key, so it never changes; an ADMIN OPTION,
 * an unmanaged grant and a default privilege are only ever live, so only ever removed).
 */
export const RENDERED: Readonly<Record<string, readonly Action[]>> = {
  role: ['add', 'change', 'remove'],
  membership: ['add', 'remove'],
  schema: ['add', 'change', 'remove'],
  view: ['add', 'change', 'remove'],
  grant: ['add', 'change', 'remove'],
  role_admin: ['remove'],
  tag: ['add', 'change', 'remove'],
  attribute: ['add', 'remove'],
  governance: ['add', 'change', 'remove'],
  unmanaged_grant: ['remove'],
  default_acl: ['remove'],
};

/** Every template the PostgreSQL target needs (`<kind>.<action>`); a missing one fails when templates load. */
export const POSTGRES_TEMPLATES: readonly string[] = [
  ...Object.entries(RENDERED).flatMap(([kind, actions]) => actions.map((a) => `${kind}.${a}`)),
  // statements that make several changes at once (join.ts)
  'grant.add.joined',
  'grant.remove.joined',
  'tag.upsert.joined',
  'tag.remove.joined',
  'attribute.add.joined',
  'attribute.remove.joined',
];

let env: TemplateEnv | undefined;

/** Loads (once) and checks the PostgreSQL templates; call at startup to fail early. */
export function postgresTemplates(): TemplateEnv {
  return (env ??= loadPostgresTemplates(templatesDir('postgres')));
}

/** The PostgreSQL template environment over a directory; throws naming the first missing template file. */
export function loadPostgresTemplates(dir: string): TemplateEnv {
  return createTemplateEnv({ dir, ident: quoteIdent, lit: quoteLiteral, required: POSTGRES_TEMPLATES });
}

/** The statements of one change. */
export function render(change: Change, ctx: RenderContext): string[] {
  const object = change.action === 'remove' ? change.current : change.desired;
  if (!object) throw new Error(`${change.action} ${change.key} carries no ${change.action === 'remove' ? 'current' : 'desired'} object`);
  if (!RENDERED[change.kind]?.includes(change.action)) throw new Error(`the PostgreSQL target does not ${change.action} a ${change.kind} (${change.key})`);
  return postgresTemplates().render(`${change.kind}.${change.action}`, templateData(change, object, ctx));
}

function templateData(change: Change, object: NativeObject, ctx: RenderContext): Record<string, unknown> {
  const spec = object.spec;
  switch (change.kind) {
    case 'role':
      return change.action === 'change' ? roleChangeData(spec as RoleSpec, (change.current?.spec ?? {}) as RoleSpec) : { ...spec };
    case 'grant':
      return change.action === 'change' ? grantChangeData(spec as GrantSpec, (change.current?.spec ?? {}) as GrantSpec) : change.action === 'remove' ? grantRemoveData(spec as GrantSpec) : grantData(spec as GrantSpec);
    case 'unmanaged_grant':
      return unmanagedGrantData(spec as UnmanagedGrantSpec);
    case 'default_acl':
      return defaultAclData(spec as DefaultAclSpec);
    case 'view':
      return change.action === 'change' ? viewChangeData(change, spec as ViewSpec, ctx) : { ...spec };
    case 'tag':
    case 'attribute':
      return { ...spec, governance: governanceName(ctx) };
    case 'governance': {
      const schema = String(spec.schema);
      return {
        schema,
        owner: ownerRoleName(ctx.model.project.managedPrefix),
        comment: marker(ctx.model.project.name, 'governance', schema),
        projectJson: JSON.stringify(ctx.model.project.name),
        versionJson: JSON.stringify(spec.version),
      };
    }
    default:
      return { ...spec };
  }
}

/**
 * The governance schema's name: from the prefix and the settings only (postgresNames: it never
 * depends on the groups or schemas), so a plan of 40,000 tag rows does not name the whole model
 * 40,000 times.
 */
export function governanceName(ctx: Pick<RenderContext, 'model' | 'settings'>): string {
  const configured = ctx.settings.governance_schema;
  return governanceSchemaName(ctx.model.project.managedPrefix, typeof configured === 'string' && configured !== '' ? configured : undefined);
}

const QUOTED = '"(?:[^"\\u0000]|"")*"';
const QUALIFIED = new RegExp(`^${QUOTED}\\.${QUOTED}$`);
const SINGLE = new RegExp(`^${QUOTED}$`);

export function grantData(spec: GrantSpec): Record<string, unknown> {
  const onSchema = spec.on === 'schema';
  if (onSchema ? spec.privilege !== 'USAGE' : spec.privilege !== 'SELECT') throw new Error(`unexpected ${spec.privilege} on ${spec.on} ${spec.object}`);
  // The object is spliced with `sql`: it must be exactly the quoted name objects.ts builds.
  if (!(onSchema ? SINGLE : QUALIFIED).test(spec.object)) throw new Error(`not a quoted ${onSchema ? 'schema' : 'relation'} name: ${spec.object}`);
  return { onSchema, object: spec.object, grantee: spec.grantee, toPublic: spec.grantee === '' };
}

/**
 * Any privilege on a managed object, to revoke (the model's, or one meshward did not make): the
 * keyword comes from the closed PRIVILEGES list, the object is the quoted name objects.ts builds.
 * CASCADE when it carries a grant option, so that what was granted through it goes too.
 * A grant only someone else than the owner made (`dependent`) goes with the revoke of its
 * grantor's grant option, in the same plan: it gets no statement of its own (the owner's REVOKE
 * would revoke nothing and fail).
 */
export function grantRemoveData(spec: GrantSpec): Record<string, unknown> {
  if (!(PRIVILEGES as readonly string[]).includes(spec.privilege)) throw new Error(`unexpected privilege ${spec.privilege} on ${spec.on} ${spec.object}`);
  const onSchema = spec.on === 'schema';
  if (!(onSchema ? SINGLE : QUALIFIED).test(spec.object)) throw new Error(`not a quoted ${onSchema ? 'schema' : 'relation'} name: ${spec.object}`);
  const columns = spec.on === 'columns' ? [...(spec.columns ?? [])] : [];
  if (spec.on === 'columns' && columns.length === 0) throw new Error(`column grant on ${spec.object} names no column`);
  return { run: spec.dependent !== true, privilege: spec.privilege, onSchema, object: spec.object, columns, hasColumns: columns.length > 0, cascade: spec.grantable === true, grantee: spec.grantee, toPublic: spec.grantee === '' };
}

/** A model grant that differs live: its grant option revoked, or made again by the owner. */
function grantChangeData(desired: GrantSpec, current: GrantSpec): Record<string, unknown> {
  const base = grantData(desired);
  return { ...base, privilege: desired.privilege, revokeOption: current.grantable === true, regrant: current.dependent === true };
}

/** ALTER ROLE with exactly the attributes that differ (a non-superuser may not even name SUPERUSER), and RESET ALL per database holding settings. */
function roleChangeData(desired: RoleSpec, current: RoleSpec): Record<string, unknown> {
  const want = { ...ROLE_DEFAULTS, ...desired };
  const have = { ...ROLE_DEFAULTS, ...current };
  const clauses: string[] = [];
  for (const [attr, yes, no] of ROLE_FLAGS) if (have[attr] !== want[attr]) clauses.push(want[attr] ? yes : no);
  if (have.connection_limit !== want.connection_limit) {
    if (!Number.isInteger(want.connection_limit)) throw new Error(`bad connection limit for ${desired.name}`);
    clauses.push(`CONNECTION LIMIT ${want.connection_limit}`);
  }
  // A password only authenticates a LOGIN role, and pg_roles hides whether one is set: cleared with LOGIN.
  if (have.login && !want.login) clauses.push('PASSWORD NULL');
  const databases = [...new Set((have.settings ?? []).map(([d]) => d))].sort();
  return {
    name: desired.name,
    comment: desired.comment,
    alter: clauses.length > 0,
    clauses: clauses.join(' '),
    resetAll: databases.includes(''),
    resetIn: databases.filter((d) => d !== ''),
  };
}

/** A SELECT meshward did not make on a governed base table: the table's parts are quoted by `qname`, the grantee by `ident` (or PUBLIC). */
function unmanagedGrantData(spec: UnmanagedGrantSpec): Record<string, unknown> {
  if (spec.privilege !== 'SELECT') throw new Error(`unexpected ${spec.privilege} on ${spec.schema}.${spec.table}`);
  return { schema: spec.schema, table: spec.table, grantee: spec.grantee, toPublic: spec.grantee === '' };
}

/** Every privilege ALTER DEFAULT PRIVILEGES can give (aclexplode spelling). */
const DEFAULT_ACL_PRIVILEGES = [...PRIVILEGES, 'EXECUTE'];

/** A default privilege to revoke: the privilege and the object type are keywords of closed lists; role, schema and grantee are quoted by `ident`. */
function defaultAclData(spec: DefaultAclSpec): Record<string, unknown> {
  if (!DEFAULT_ACL_PRIVILEGES.includes(spec.privilege)) throw new Error(`unexpected default privilege ${spec.privilege} of ${spec.role}`);
  const objects = DEFAULT_ACL_OBJECTS[spec.objtype];
  if (!objects) throw new Error(`unexpected default-privilege object type ${spec.objtype} of ${spec.role}`);
  if (spec.objtype === 'n' && spec.schema !== '') throw new Error(`default privileges on schemas are never per schema (${spec.schema})`);
  return { role: spec.role, schema: spec.schema, inSchema: spec.schema !== '', privilege: spec.privilege, objects, grantee: spec.grantee, toPublic: spec.grantee === '' };
}

/** In place when the live columns are a prefix of the desired ones; otherwise drop, create and re-grant. */
function viewChangeData(change: Change, spec: ViewSpec, ctx: RenderContext): Record<string, unknown> {
  const inPlace = replaceableInPlace((change.current?.spec.columns ?? []) as readonly ViewColumn[], spec.columns);
  const object = qualified(spec.schema, spec.name);
  const grantees = inPlace ? [] : [...(viewGrantees(ctx.desired).get(object) ?? [])].sort();
  return { ...spec, inPlace, grantees: [...new Set(grantees)] };
}

const granteesOf = new WeakMap<readonly NativeObject[], Map<string, string[]>>();

/** Quoted view name -> grantees of its desired SELECT grants; indexed once per desired list (a scan per view change would be quadratic). */
function viewGrantees(desired: readonly NativeObject[]): Map<string, string[]> {
  let index = granteesOf.get(desired);
  if (!index) {
    index = new Map();
    for (const o of desired) {
      const g = o.spec as GrantSpec;
      if (o.kind !== 'grant' || g.on !== 'view') continue;
      const list = index.get(g.object);
      if (list) list.push(g.grantee);
      else index.set(g.object, [g.grantee]);
    }
    granteesOf.set(desired, index);
  }
  return index;
}

/** CREATE OR REPLACE VIEW keeps every existing column (same name, same type, same place) and may only append. */
export function replaceableInPlace(current: readonly ViewColumn[], desired: readonly ViewColumn[]): boolean {
  if (!Array.isArray(current) || current.length === 0 || current.length > desired.length) return false;
  return current.every((c, i) => c.name === desired[i]!.name && c.type === desired[i]!.type);
}
