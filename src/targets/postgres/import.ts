import type {
  EstateAttribute,
  EstateFilter,
  EstateGroup,
  EstateMask,
  EstateMember,
  EstateProject,
  EstateTable,
  ImportedEstate,
  ImportOptions,
  ImportScalar,
  Unrepresentable,
} from '../../import/estate.js';
import { attributesOf, parseExpr, walk, type Expr } from '../../model/expr/index.js';
import type { Inventory } from '../../model/inventory.js';
import { ATTRIBUTE_TYPES, type AttributeType } from '../../model/neutral-types.js';
import { joinName, splitName } from '../../resolve/names.js';
import type { AccessSummary, Connection } from '../target.js';
import { recordedFilters, recordedMasks } from '../../import/recorded.js';
import { accessOfSpec } from './view.js';
import { governanceSchemaName, ownerRoleName } from './governance.js';
import { attributeValueOfText, readViewFilters, type AttributeEvidence, type FilterToRead } from './import-view.js';
import { readInventory } from './inventory.js';
import { quoteIdent } from './naming.js';
import { qualified, type AttributeValueSpec, type GrantSpec, type MembershipSpec, type RoleSpec, type ViewSpec } from './objects.js';
import { governanceQuery, json, optStr, stateRowOf, str, strings, type StateRow, type TagRow } from './queries.js';

/**
 * `meshward import` on PostgreSQL: reads the whole estate in a fixed number of bulk catalog
 * queries (roles, schemas, relations with their ACLs, RLS policies, functions, the inventory,
 * and — when a meshward project lives here — its governance tables), and describes it in the
 * neutral terms of src/import/estate.ts.
 *
 * Two sources meet:
 * - meshward's OWN managed objects (a project found by the marker on its governance schema): its
 *   groups, governed tables, grants and policies come from the specs recorded in `<gov>.state`
 *   at the last apply, its tags from `<gov>.tags`; the group attributes its filters use are read
 *   back from the recorded view SQL (import-view.ts).
 * - everything else: a role is imported as a GROUP when it is a NOLOGIN, non-superuser, non-system
 *   role without a meshward marker that holds a table-level SELECT on a base table (or is,
 *   transitively, a member of such a role: the role hierarchy); every base table one of them
 *   may SELECT becomes a governed table with that grant. Login roles are people or services,
 *   never groups: their memberships become comments.
 * What the model cannot hold is UNREPRESENTABLE: RLS policies, hand-written views, functions,
 * column-level grants, privileges other than SELECT, grants to PUBLIC or to login roles, and
 * unmanaged SELECT on tables the project governs (they contradict the model).
 */

const USER_SCHEMA = `n.nspname <> 'information_schema' AND left(n.nspname, 3) <> 'pg_'`;
const GRANTEE = (col: string) => `CASE WHEN ${col} = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(${col})::text END`;

/** (1) Every role: login, superuser, comment (the marker) and the roles it is a direct member of. */
export const IMPORT_ROLES_QUERY = `
SELECT r.rolname::text AS name,
       r.rolcanlogin AS login,
       r.rolsuper AS super,
       pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
       COALESCE((SELECT json_agg(p.rolname::text ORDER BY p.rolname)
                 FROM pg_catalog.pg_auth_members AS am
                 JOIN pg_catalog.pg_roles AS p ON p.oid = am.roleid
                 WHERE am.member = r.oid), '[]'::json) AS member_of
FROM pg_catalog.pg_roles AS r
ORDER BY 1`;

/** (2) Every non-system schema with its owner and comment, and the database's name. */
export const IMPORT_SCHEMAS_QUERY = `
SELECT n.nspname::text AS name,
       pg_catalog.pg_get_userbyid(n.nspowner)::text AS owner,
       pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
       pg_catalog.current_database()::text AS database
FROM pg_catalog.pg_namespace AS n
WHERE ${USER_SCHEMA}
ORDER BY 1`;

/**
 * (3) Every table, partitioned table, view, materialized view and foreign table outside the
 * system schemas (partitions are reached through their parent): owner, comment, whether row
 * security is on, and every privilege of its ACL and of its columns' ACLs. Grantee '' is PUBLIC.
 */
export const IMPORT_RELATIONS_QUERY = `
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS kind,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       c.relrowsecurity AS rls,
       COALESCE((SELECT json_agg(json_build_array(${GRANTEE('a.grantee')}, a.privilege_type::text))
                 FROM pg_catalog.aclexplode(c.relacl) AS a), '[]'::json) AS acl,
       COALESCE((SELECT json_agg(json_build_array(at.attname::text, ${GRANTEE('x.grantee')}, x.privilege_type::text))
                 FROM pg_catalog.pg_attribute AS at, pg_catalog.aclexplode(at.attacl) AS x
                 WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped), '[]'::json) AS column_acl
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND ${USER_SCHEMA}
ORDER BY 1, 2`;

/** (4) Row-level security policies on relations outside the system schemas. */
export const IMPORT_RLS_QUERY = `
SELECT n.nspname::text AS schema,
       c.relname::text AS table_name,
       p.polname::text AS name,
       p.polcmd::text AS cmd,
       p.polpermissive AS permissive,
       COALESCE((SELECT json_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r)::text END)
                 FROM unnest(p.polroles) AS r), '[]'::json) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE ${USER_SCHEMA}
ORDER BY 1, 2, 3`;

/** (5) Functions and procedures outside the system schemas that no extension owns (e.g. masking functions). */
export const IMPORT_FUNCTIONS_QUERY = `
SELECT n.nspname::text AS schema,
       p.proname::text AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
       p.prokind::text AS kind
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE ${USER_SCHEMA}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3`;

interface RoleRow {
  readonly name: string;
  readonly login: boolean;
  readonly super: boolean;
  readonly comment: string | null;
  readonly memberOf: readonly string[];
}
interface SchemaRow {
  readonly name: string;
  readonly owner: string;
  readonly comment: string | null;
}
interface RelationRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: string;
  readonly owner: string;
  readonly comment: string | null;
  readonly rls: boolean;
  readonly acl: readonly (readonly [string, string])[];
  readonly columnAcl: readonly (readonly [string, string, string])[];
}
interface RlsRow {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly cmd: string;
  readonly permissive: boolean;
  readonly roles: readonly string[];
  readonly qual: string | null;
}
interface FunctionRow {
  readonly schema: string;
  readonly name: string;
  readonly args: string;
  readonly kind: string;
}

/** Everything the import queries returned (plain rows; replayable). */
export interface ImportSnapshot {
  readonly database: string;
  readonly roles: readonly RoleRow[];
  readonly schemas: readonly SchemaRow[];
  readonly relations: readonly RelationRow[];
  readonly rls: readonly RlsRow[];
  readonly functions: readonly FunctionRow[];
  readonly inventory: Inventory;
  readonly state: readonly StateRow[] | null;
  readonly tags: readonly TagRow[];
  readonly project: EstateProject | null;
}

const GOVERNANCE_MARKER = /^meshward:([A-Za-z0-9_-]+):governance:/;

/** Reads the estate (5 queries + the inventory + the governance tables of the project found). */
export async function importEstate(conn: Connection, options: ImportOptions = {}): Promise<ImportedEstate> {
  const { snapshot, queryCount } = await readImportSnapshot(conn, options);
  return { ...estateFromSnapshot(snapshot, options), queryCount };
}

export async function readImportSnapshot(conn: Connection, options: ImportOptions): Promise<{ snapshot: ImportSnapshot; queryCount: number }> {
  let queryCount = 0;
  const run = async (sql: string, params: readonly unknown[] = []) => {
    queryCount++;
    return (await conn.query(sql, params)).rows;
  };
  const roles = (await run(IMPORT_ROLES_QUERY)).map((r) => ({ name: str(r.name), login: r.login === true, super: r.super === true, comment: optStr(r.comment), memberOf: strings(r.member_of) }));
  const schemaRows = await run(IMPORT_SCHEMAS_QUERY);
  const schemas = schemaRows.map((r) => ({ name: str(r.name), owner: str(r.owner), comment: optStr(r.comment) }));
  const relations = (await run(IMPORT_RELATIONS_QUERY)).map((r) => ({
    schema: str(r.schema),
    name: str(r.name),
    kind: str(r.kind),
    owner: str(r.owner),
    comment: optStr(r.comment),
    rls: r.rls === true,
    acl: tuples(r.acl).map((t) => [t[0]!, t[1]!] as const),
    columnAcl: tuples(r.column_acl).map((t) => [t[0]!, t[1]!, t[2]!] as const),
  }));
  const rls = (await run(IMPORT_RLS_QUERY)).map((r) => ({
    schema: str(r.schema),
    table: str(r.table_name),
    name: str(r.name),
    cmd: str(r.cmd),
    permissive: r.permissive !== false,
    roles: strings(r.roles),
    qual: optStr(r.qual),
  }));
  const functions = (await run(IMPORT_FUNCTIONS_QUERY)).map((r) => ({ schema: str(r.schema), name: str(r.name), args: str(r.args), kind: str(r.kind) }));
  const engineDatabase = schemaRows.length ? str(schemaRows[0]!.database) : 'postgres';

  const project = findProject(schemas, roles, options);
  let state: StateRow[] | null = null;
  const tags: TagRow[] = [];
  if (project) {
    const present = relations.filter((r) => r.schema === project.governanceSchema && r.kind === 'r').map((r) => r.name);
    const sql = governanceQuery(project.governanceSchema, present);
    if (sql) {
      state = present.includes('state') ? [] : null;
      for (const r of await run(sql)) {
        if (r.source === 'state') state!.push(stateRowOf(str(r.k1), str(r.k2), r.data, optStr(r.fp)));
        else if (r.source === 'tag') tags.push({ object: str(r.k1), tag: str(r.k2), value: str(r.data) });
      }
    }
  }
  // The label the managed tables were named under wins; then the target's `database:`; then the engine's.
  const database = managedLabel(state, project) ?? options.database ?? engineDatabase;
  queryCount++;
  const inventory = await readInventory((sql, params) => conn.query(sql, params), { database });
  return { snapshot: { database, roles, schemas, relations, rls, functions, inventory, state, tags, project }, queryCount };
}

/** The meshward project living in this database: found by the marker on its governance schema. */
function findProject(schemas: readonly SchemaRow[], roles: readonly RoleRow[], options: ImportOptions): EstateProject | null {
  const found = schemas.flatMap((s) => {
    const m = GOVERNANCE_MARKER.exec(s.comment ?? '');
    return m ? [{ name: m[1]!, schema: s.name }] : [];
  });
  let pick: { name: string; schema: string } | undefined;
  if (options.onlyProject !== undefined) {
    pick = found.find((f) => f.name === options.onlyProject);
    // With no project on the target, --project only names the draft's project.
    if (!pick && found.length) throw new Error(`no meshward project '${options.onlyProject}' on this target; found: ${found.map((f) => f.name).join(', ')}`);
  } else if (found.length === 1) pick = found[0];
  else if (found.length > 1) {
    pick = found.find((f) => f.name === options.project);
    if (!pick) throw new Error(`this target holds several meshward projects (${found.map((f) => f.name).join(', ')}); choose one with --project`);
  }
  if (!pick) return null;
  const owner = roles.find((r) => r.comment === `meshward:${pick!.name}:owner:views` && r.name.endsWith('owner'));
  const prefix = owner ? owner.name.slice(0, -'owner'.length) : pick.schema.endsWith('meta') ? pick.schema.slice(0, -'meta'.length) : 'mw_';
  return { name: pick.name, prefix, governanceSchema: pick.schema, defaultGovernance: pick.schema === governanceSchemaName(prefix) };
}

function managedLabel(state: readonly StateRow[] | null, project: EstateProject | null): string | undefined {
  if (!state || !project) return undefined;
  for (const row of state) {
    if (row.kind !== 'view') continue;
    const table = markerName(String(row.spec.comment ?? ''), project.name, 'view');
    const parts = table === undefined ? undefined : splitName(table);
    if (parts && parts.length === 3) return parts[0];
  }
  return undefined;
}

const markerName = (comment: string, project: string, kind: string): string | undefined => {
  const head = `meshward:${project}:${kind}:`;
  return comment.startsWith(head) ? comment.slice(head.length) : undefined;
};

const relKey = (schema: string, name: string) => `${schema}\u0000${name}`;
const BASE_KINDS = new Set(['r', 'p', 'f']);
const KIND_WORDS: Record<string, string> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' };

/** The pure half: catalog rows -> the neutral estate. */
export function estateFromSnapshot(snap: ImportSnapshot, _options: ImportOptions = {}): Omit<ImportedEstate, 'queryCount'> {
  const project = snap.project;
  const database = snap.database;
  const unrepresentable: Unrepresentable[] = [];
  const notes: string[] = [];
  const neutral = (schema: string, name: string) => joinName([database, schema, name]);
  const granteeText = (g: string) => (g === '' ? 'PUBLIC' : quoteIdent(g));

  // ---- the project's own managed objects, from the recorded state ----
  const state = snap.state ?? [];
  if (project && snap.state === null) notes.push(`meshward project '${project.name}' has a governance schema ${quoteIdent(project.governanceSchema)} but no recorded state: it was never applied, so none of its objects were imported`);
  const groupOfRole = new Map<string, string>();
  const roleOfGroup = new Map<string, string>();
  let ownerRole: string | undefined;
  if (project) {
    for (const row of state) {
      if (row.kind !== 'role') continue;
      const spec = row.spec as unknown as RoleSpec;
      const group = markerName(String(spec.comment ?? ''), project.name, 'group');
      if (group !== undefined) {
        groupOfRole.set(spec.name, group);
        roleOfGroup.set(group, spec.name);
      } else if (spec.comment === `meshward:${project.name}:owner:views`) ownerRole = spec.name;
    }
    ownerRole ??= ownerRoleName(project.prefix);
  }
  const managedMemberOf = new Map<string, Set<string>>();
  for (const row of state) {
    if (row.kind !== 'membership') continue;
    const spec = row.spec as unknown as MembershipSpec;
    const child = groupOfRole.get(spec.member);
    const parent = groupOfRole.get(spec.role);
    if (child !== undefined && parent !== undefined) (managedMemberOf.get(child) ?? managedMemberOf.set(child, new Set()).get(child)!).add(parent);
  }
  const views = new Map<string, { spec: ViewSpec; table: string }>();
  for (const row of state) {
    if (row.kind !== 'view' || !project) continue;
    const spec = row.spec as unknown as ViewSpec;
    const table = markerName(String(spec.comment ?? ''), project.name, 'view');
    if (table === undefined || !spec.base?.schema) continue;
    views.set(qualified(spec.schema, spec.name), { spec, table });
  }
  const governedByProject = new Map<string, string>(); // base relKey -> neutral name
  for (const { spec, table } of views.values()) governedByProject.set(relKey(spec.base.schema, spec.base.table), table);
  const managedReaders = new Map<string, Set<string>>();
  for (const row of state) {
    if (row.kind !== 'grant') continue;
    const spec = row.spec as unknown as GrantSpec;
    if (spec.on !== 'view' || spec.privilege !== 'SELECT') continue;
    const view = views.get(spec.object);
    const group = groupOfRole.get(spec.grantee);
    if (view && group !== undefined) (managedReaders.get(view.table) ?? managedReaders.set(view.table, new Set()).get(view.table)!).add(group);
  }

  // ---- schemas and roles that belong to meshward (any project) ----
  const managedSchemas = new Set(snap.schemas.filter((s) => (s.comment ?? '').startsWith('meshward:')).map((s) => s.name));
  const roleByName = new Map(snap.roles.map((r) => [r.name, r]));
  const marked = (r: RoleRow) => (r.comment ?? '').startsWith('meshward:');
  const groupLike = (r: RoleRow) => !r.login && !r.super && !r.name.startsWith('pg_') && !marked(r);

  // ---- unmanaged relations: grants, privileges, views ----
  const seedGrants = new Map<string, Set<string>>(); // role -> base relKeys it may SELECT
  const selectors = new Map<string, Set<string>>(); // base relKey -> roles with a table-level SELECT
  const rlsByTable = new Map<string, RlsRow[]>();
  for (const p of snap.rls) (rlsByTable.get(relKey(p.schema, p.table)) ?? rlsByTable.set(relKey(p.schema, p.table), []).get(relKey(p.schema, p.table))!).push(p);
  const relations = snap.relations.filter((r) => !managedSchemas.has(r.schema));
  for (const rel of relations) {
    const k = relKey(rel.schema, rel.name);
    const where = `${rel.schema}.${rel.name}`;
    const governed = governedByProject.get(k);
    if (!BASE_KINDS.has(rel.kind)) {
      const readers = [...new Set(rel.acl.filter(([g, p]) => p === 'SELECT' && g !== rel.owner).map(([g]) => granteeText(g)))].sort();
      unrepresentable.push({
        kind: 'view',
        object: where,
        schema: rel.schema,
        detail: `hand-written ${KIND_WORDS[rel.kind] ?? 'relation'} owned by ${quoteIdent(rel.owner)}${readers.length ? `, SELECT granted to ${readers.join(', ')}` : ''}: its definition is SQL the model cannot hold; left as it is`,
      });
      continue;
    }
    const byGrantee = new Map<string, string[]>();
    for (const [grantee, privilege] of rel.acl) {
      if (grantee === rel.owner) continue;
      if (privilege !== 'SELECT') {
        (byGrantee.get(grantee) ?? byGrantee.set(grantee, []).get(grantee)!).push(privilege);
        continue;
      }
      // meshward's own roles: the owner reads governed tables; anything else they hold on a base table is the plan's to revoke
      if (grantee === ownerRole || groupOfRole.has(grantee)) continue;
      if (governed !== undefined) {
        unrepresentable.push({ kind: 'contradicting_grant', object: where, schema: rel.schema, table: governed, detail: `SELECT to ${granteeText(grantee)} on the governed base table bypasses the managed view: it contradicts the model (plan --revoke-unmanaged revokes it)` });
        continue;
      }
      if (grantee === '') {
        unrepresentable.push({ kind: 'public_grant', object: where, schema: rel.schema, detail: 'SELECT to PUBLIC: every role reads it; the model grants groups only' });
        continue;
      }
      const role = roleByName.get(grantee);
      if (role && groupLike(role)) {
        (seedGrants.get(grantee) ?? seedGrants.set(grantee, new Set()).get(grantee)!).add(k);
        (selectors.get(k) ?? selectors.set(k, new Set()).get(k)!).add(grantee);
      } else {
        const why = !role ? 'an unknown role' : role.login ? 'a login role (a person or a service, not a group)' : role.super ? 'a superuser' : marked(role) ? 'a role of another meshward project' : 'a system role';
        unrepresentable.push({ kind: 'login_grant', object: where, schema: rel.schema, detail: `SELECT to ${granteeText(grantee)}, ${why}: the model grants groups only` });
      }
    }
    for (const [grantee, privileges] of byGrantee) {
      unrepresentable.push({ kind: 'privilege', object: where, schema: rel.schema, table: governed, detail: `${[...new Set(privileges)].sort().join(', ')} to ${granteeText(grantee)}: meshward grants read (SELECT) only; write privileges stay outside it, untouched` });
    }
    const columnGrants = new Map<string, string[]>();
    for (const [column, grantee, privilege] of rel.columnAcl) {
      if (grantee === rel.owner) continue;
      const key = `${grantee}\u0000${privilege}`;
      (columnGrants.get(key) ?? columnGrants.set(key, []).get(key)!).push(column);
    }
    for (const [key, columns] of [...columnGrants].sort((a, b) => compare(a[0], b[0]))) {
      const [grantee, privilege] = key.split('\u0000') as [string, string];
      const cols = [...new Set(columns)].sort().map(quoteIdent).join(', ');
      if (governed !== undefined && privilege === 'SELECT') {
        unrepresentable.push({ kind: 'contradicting_grant', object: where, schema: rel.schema, table: governed, detail: `column-level SELECT (${cols}) to ${granteeText(grantee)} on the governed base table bypasses the managed view: it contradicts the model (plan --revoke-unmanaged revokes it)` });
      } else {
        unrepresentable.push({ kind: 'column_grant', object: where, schema: rel.schema, detail: `column-level ${privilege} (${cols}) to ${granteeText(grantee)}: the model grants whole tables` });
      }
    }
    const policies = rlsByTable.get(k) ?? [];
    for (const p of policies) {
      const cmd = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' }[p.cmd] ?? p.cmd;
      unrepresentable.push({
        kind: 'rls_policy',
        object: where,
        schema: rel.schema,
        detail: `row-level security policy ${quoteIdent(p.name)} (${p.permissive ? 'permissive' : 'restrictive'}, FOR ${cmd} TO ${p.roles.join(', ') || 'PUBLIC'}${p.qual ? ` USING ${truncate(p.qual, 80)}` : ''}): a filter in SQL the model cannot hold; a managed view reads the table as the owner role, to which row security applies too`,
      });
    }
    if (rel.rls && policies.length === 0) unrepresentable.push({ kind: 'row_security', object: where, schema: rel.schema, detail: 'row-level security is enabled with no policy: only its owner and BYPASSRLS roles read rows' });
  }
  for (const rel of snap.relations) {
    // a view in a managed schema without this project's marker (e.g. created by hand next to meshward's)
    if (!managedSchemas.has(rel.schema) || rel.kind !== 'v' || !project) continue;
    if ((rel.comment ?? '').startsWith(`meshward:${project.name}:`) || views.has(qualified(rel.schema, rel.name))) continue;
    if (!(snap.schemas.find((s) => s.name === rel.schema)?.comment ?? '').startsWith(`meshward:${project.name}:`)) continue;
    unrepresentable.push({ kind: 'view', object: `${rel.schema}.${rel.name}`, schema: rel.schema, detail: `a view in the managed schema ${quoteIdent(rel.schema)} without the marker of project ${project.name}: not meshward's, left as it is` });
  }
  for (const f of snap.functions) {
    unrepresentable.push({ kind: 'function', object: `${f.schema}.${f.name}(${f.args})`, schema: f.schema, detail: `${f.kind === 'p' ? 'procedure' : 'function'}: masking or filtering code in SQL is not part of the model (meshward masks with its own methods)` });
  }

  // ---- groups: the project's managed groups, plus group-like roles with SELECT and their members ----
  const groups = new Map<string, { native: string; managed: boolean; memberOf: Set<string> }>();
  for (const [role, group] of groupOfRole) groups.set(group, { native: role, managed: true, memberOf: new Set(managedMemberOf.get(group) ?? []) });
  const imported = new Set<string>(seedGrants.keys());
  const membersOf = new Map<string, string[]>();
  for (const r of snap.roles) for (const parent of r.memberOf) (membersOf.get(parent) ?? membersOf.set(parent, []).get(parent)!).push(r.name);
  const queue = [...imported];
  while (queue.length) {
    const parent = queue.pop()!;
    for (const child of membersOf.get(parent) ?? []) {
      const role = roleByName.get(child);
      if (role && groupLike(role) && !imported.has(child)) {
        imported.add(child);
        queue.push(child);
      }
    }
  }
  const groupOfImportedRole = (role: string): string | undefined => (imported.has(role) ? role : groupOfRole.get(role));
  for (const role of [...imported].sort(compare)) {
    const existing = groups.get(role);
    if (existing) {
      if (existing.managed) notes.push(`the existing role ${quoteIdent(role)} and the managed group '${role}' (${quoteIdent(existing.native)}) share a name: they are imported as one group`);
      continue;
    }
    groups.set(role, { native: role, managed: false, memberOf: new Set() });
  }
  for (const role of imported) {
    const g = groups.get(role)!;
    for (const parent of roleByName.get(role)?.memberOf ?? []) {
      const pg = groupOfImportedRole(parent);
      if (pg !== undefined && pg !== role) g.memberOf.add(pg);
    }
  }

  // ---- governed tables ----
  const tables = new Map<string, { schema: string; nativeSchema: string; table: string; readers: Set<string>; managed: boolean; tags: Record<string, string>; columns: Record<string, Record<string, string>> }>();
  const inInventory = new Set(snap.inventory.tables.map((t) => t.native));
  for (const { spec, table } of views.values()) {
    if (!inInventory.has(qualified(spec.base.schema, spec.base.table))) notes.push(`${table} is governed in the recorded state, but its table ${qualified(spec.base.schema, spec.base.table)} no longer exists on the target: plan will refuse it until it is created again or removed from the draft`);
    const parts = splitName(table);
    const schema = parts && parts.length === 3 ? joinName(parts.slice(0, 2)) : joinName([database, spec.base.schema]);
    tables.set(table, { schema, nativeSchema: spec.base.schema, table: spec.base.table, readers: new Set(managedReaders.get(table) ?? []), managed: true, tags: {}, columns: {} });
  }
  for (const rel of relations) {
    const k = relKey(rel.schema, rel.name);
    if (!BASE_KINDS.has(rel.kind) || governedByProject.has(k)) continue;
    const readers = [...(selectors.get(k) ?? [])].filter((r) => imported.has(r));
    if (readers.length === 0) continue;
    tables.set(neutral(rel.schema, rel.name), { schema: joinName([database, rel.schema]), nativeSchema: rel.schema, table: rel.name, readers: new Set(readers), managed: false, tags: {}, columns: {} });
  }
  // Names match case-insensitively: two governed tables differing only in case cannot be told apart.
  const byFolded = new Map<string, string[]>();
  for (const name of tables.keys()) (byFolded.get(name.toLowerCase()) ?? byFolded.set(name.toLowerCase(), []).get(name.toLowerCase())!).push(name);
  for (const names of byFolded.values()) {
    if (names.length < 2) continue;
    for (const name of names.filter((n) => !tables.get(n)!.managed)) {
      const t = tables.get(name)!;
      tables.delete(name);
      unrepresentable.push({ kind: 'ambiguous_name', object: `${t.nativeSchema}.${t.table}`, schema: t.nativeSchema, detail: `its neutral name differs only in case from ${names.filter((n) => n !== name).join(', ')}: names match case-insensitively, so it was not imported; rename one` });
    }
  }
  for (const t of snap.tags) {
    const parts = splitName(t.object);
    if (!parts) continue;
    const table = tables.get(joinName(parts.slice(0, 3)));
    if (!table?.managed) continue;
    if (parts.length === 3) table.tags[t.tag] = t.value;
    else if (parts.length === 4) (table.columns[parts[3]!] ??= {})[t.tag] = t.value;
  }

  // ---- policies: masks and filters of the recorded views; the attributes they use typed from their SQL, the groups' values from the recorded rows ----
  const masks: EstateMask[] = [];
  const filters: EstateFilter[] = [];
  const evidence: AttributeEvidence[] = [];
  const operandTypes = new Map<string, AttributeType[]>();
  const inventoryByName = new Map(snap.inventory.tables.map((t) => [`${t.native}`, t]));
  for (const { spec, table } of [...views.values()].sort((a, b) => compare(a.table, b.table))) {
    // the recorded view's access summary back into the model's words (import/recorded.ts)
    let access: AccessSummary | undefined;
    try {
      access = accessOfSpec(spec, table);
    } catch (e) {
      notes.push(`could not read the mask or filter summaries recorded for ${table} (${(e as Error).message}); its masks and filters were not imported`);
      continue;
    }
    masks.push(...recordedMasks(access));
    const entries = recordedFilters(access);
    const toRead: (FilterToRead | undefined)[] = entries.map((f) => {
      const parsed = parseExpr(f.allow);
      return parsed.expr ? { expr: parsed.expr, exempt: [...new Set(f.exempt)].sort(compare) } : undefined;
    });
    const readable = toRead.filter((f): f is FilterToRead => f !== undefined);
    const reading = readViewFilters(String(spec.select ?? ''), readable, (g) => roleOfGroup.get(g), (r) => groupOfRole.get(r));
    if (!reading.complete || readable.length !== entries.length) {
      notes.push(`could not read every row filter back from the recorded view of ${table}: the group values of the user attributes they use may be incomplete, and the order of its filters is unknown`);
    }
    evidence.push(...reading.evidence);
    const positionOf = new Map<FilterToRead, number>();
    reading.order.forEach((idx, pos) => idx >= 0 && positionOf.set(readable[idx]!, pos));
    const inv = inventoryByName.get(qualified(spec.base.schema, spec.base.table));
    entries.forEach((f, i) => {
      const read = toRead[i];
      const position = read ? positionOf.get(read) : undefined;
      filters.push({ policy: f.policy, allow: f.allow, exempt: f.exempt, table, position, compiled: position === undefined ? undefined : reading.parts[position] });
      if (!read) return;
      for (const node of walk(read.expr)) {
        if (node.kind !== 'in_user' || node.operand.kind !== 'column') continue;
        const name = node.operand.name;
        const col = inv?.columns.find((c) => c.name === name) ?? inv?.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
        if (col && (ATTRIBUTE_TYPES as readonly string[]).includes(col.type)) (operandTypes.get(node.attribute) ?? operandTypes.set(node.attribute, []).get(node.attribute)!).push(col.type as AttributeType);
      }
    });
  }
  if (project) evidence.push(...recordedAttributeValues(state, groupOfRole));
  const attributes = attributesFrom(evidence, operandTypes, filters);
  const groupAttributes = new Map<string, Map<string, ImportScalar[]>>();
  // A column operand's arm lists all of a group's values, in their declared order: those first;
  // a literal operand (`user.a = 'x'`) only tells that the group holds 'x'.
  const fullLists = evidence.filter((e) => e.operand?.literalType === undefined);
  const literalOnly = evidence.filter((e) => e.operand?.literalType !== undefined);
  for (const e of [...fullLists, ...literalOnly]) {
    if (e.group === undefined || e.value === undefined) continue;
    const byAttr = groupAttributes.get(e.group) ?? groupAttributes.set(e.group, new Map()).get(e.group)!;
    const values = byAttr.get(e.attribute) ?? byAttr.set(e.attribute, []).get(e.attribute)!;
    if (!values.some((v) => v === e.value)) values.push(e.value);
  }

  // ---- members: login roles (and other non-group roles) in imported groups ----
  const members: EstateMember[] = [];
  for (const r of snap.roles) {
    if (imported.has(r.name) || groupOfRole.has(r.name) || marked(r) || r.name.startsWith('pg_')) continue;
    const inGroups = [...new Set(r.memberOf.map(groupOfImportedRole).filter((g): g is string => g !== undefined))].sort(compare);
    if (inGroups.length) members.push({ role: r.name, login: r.login, groups: inGroups });
  }

  const estateGroups: EstateGroup[] = [...groups]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([name, g]) => ({ name, native: g.native, managed: g.managed, memberOf: [...g.memberOf].sort(compare), attributes: groupAttributes.get(name) ?? new Map() }));
  const estateTables: EstateTable[] = [...tables]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([name, t]) => ({ name, schema: t.schema, nativeSchema: t.nativeSchema, tags: t.tags, columns: t.columns, readers: [...t.readers].sort(compare), managed: t.managed }));
  const inventory: Inventory = { format: 1, tables: snap.inventory.tables.filter((t) => !managedSchemas.has(nativeSchemaOf(t.native))) };
  unrepresentable.sort((a, b) => compare(`${a.kind}\u0000${a.object}\u0000${a.detail}`, `${b.kind}\u0000${b.object}\u0000${b.detail}`));
  return { project, database, groups: estateGroups, attributes, tables: estateTables, masks, filters, members, unrepresentable, notes, inventory };
}

/** The group attribute values recorded at the last apply (rows of `<gov>.attributes`), each as a group's value of its recorded type. */
function recordedAttributeValues(state: readonly StateRow[], groupOfRole: ReadonlyMap<string, string>): AttributeEvidence[] {
  const out: AttributeEvidence[] = [];
  for (const row of state) {
    if (row.kind !== 'attribute') continue;
    const spec = row.spec as unknown as AttributeValueSpec;
    const group = groupOfRole.get(String(spec.role));
    const type = (ATTRIBUTE_TYPES as readonly string[]).includes(String(spec.type)) ? (spec.type as AttributeType) : undefined;
    const value = type === undefined ? undefined : attributeValueOfText(String(spec.value), type);
    if (group !== undefined && value !== undefined) out.push({ attribute: String(spec.attribute), group, value, type });
  }
  return out;
}

/** Attributes the recorded filters use: typed by the SQL literals, else by the compared column, else string. */
function attributesFrom(evidence: readonly AttributeEvidence[], operandTypes: ReadonlyMap<string, AttributeType[]>, filters: readonly EstateFilter[]): EstateAttribute[] {
  const names = new Set<string>();
  const compared = new Map<string, ImportScalar[]>(); // literals the filters test membership of (`user.a = 'x'`): declared values too
  for (const f of filters) {
    const parsed = parseExpr(f.allow);
    if (!parsed.expr) continue;
    for (const a of attributesOf(parsed.expr as Expr)) names.add(a);
    for (const node of walk(parsed.expr)) {
      if (node.kind !== 'in_user' || node.operand.kind !== 'literal' || node.operand.type === 'null') continue;
      const v = node.operand.type === 'boolean' ? node.operand.value : String(node.operand.value);
      const list = compared.get(node.attribute) ?? compared.set(node.attribute, []).get(node.attribute)!;
      if (!list.includes(v)) list.push(v);
    }
  }
  for (const e of evidence) names.add(e.attribute);
  return [...names].sort(compare).map((name) => {
    const mine = evidence.filter((e) => e.attribute === name);
    const type = mine.find((e) => e.type)?.type ?? mine.find((e) => e.operand?.literalType)?.operand?.literalType ?? operandTypes.get(name)?.[0] ?? 'string';
    const values: ImportScalar[] = [];
    for (const e of mine) if (e.value !== undefined && !values.some((v) => v === e.value)) values.push(e.value);
    for (const v of compared.get(name) ?? []) if (!values.some((x) => x === v)) values.push(v);
    return { name, type, values };
  });
}

function nativeSchemaOf(nativeName: string): string {
  const m = /^"((?:[^"]|"")*)"\./.exec(nativeName);
  return m ? m[1]!.replace(/""/g, '"') : '';
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length <= n ? one : one.slice(0, n - 1) + '…';
}


function tuples(v: unknown): string[][] {
  const j = json(v);
  return Array.isArray(j) ? j.map((x) => (Array.isArray(x) ? x.map((y) => (y === null || y === undefined ? '' : String(y))) : [])) : [];
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
