import { TargetReadError, type AccessSummary, type Connection } from '../target.js';
import { quoteIdent } from './naming.js';
import { keys } from './objects.js';

/**
 * The catalog queries that read a PostgreSQL target's managed state (architecture rule 11): a
 * fixed number of bulk queries, however many tables there are — five, plus one for the
 * governance tables once they exist. Names are matched by prefix with `left(name, length($1)) =
 * $1` (a LIKE pattern would treat `_` in `mw_` as a wildcard). ACLs are exploded with
 * `aclexplode`; grantee 0 is PUBLIC.
 */

/**
 * Default privileges (pg_default_acl) as json arrays `[owner | schema, object type, grantee ('' =
 * PUBLIC), privilege, grantable]`, one per exploded ACL entry: what every object created later
 * by that role (or in that schema) is granted at once. `who` names the role or the schema ('' =
 * every schema), `which` selects the rows.
 */
const defaultAclJson = (who: string, which: string) => `COALESCE((SELECT json_agg(json_build_array(x.who, x.objtype, x.grantee, x.privilege, x.grantable) ORDER BY x.who, x.objtype, x.grantee, x.privilege)
                 FROM (SELECT ${who} AS who, d.defaclobjtype::text AS objtype,
                              CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
                              a.privilege_type::text AS privilege, a.is_grantable AS grantable
                       FROM pg_catalog.pg_default_acl AS d
                       LEFT JOIN pg_catalog.pg_namespace AS dn ON dn.oid = d.defaclnamespace
                       CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a
                       WHERE ${which}) AS x), '[]'::json)`;

/**
 * (a) Every role whose name carries the managed prefix, with its comment (the marker), every
 * attribute that can widen what the role or its members can do (pg_roles, which any role can
 * read; the password is not: pg_roles shows `********` for every role, and pg_authid is for
 * superusers only), its per-role settings in every database (pg_db_role_setting; '' is "all
 * databases") and its default privileges in every schema.
 */
export const ROLES_QUERY = `
SELECT r.rolname::text AS name,
       pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
       r.rolsuper AS superuser, r.rolinherit AS inherit, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
       r.rolcanlogin AS login, r.rolreplication AS replication, r.rolbypassrls AS bypassrls, r.rolconnlimit AS connection_limit,
       (SELECT me.rolsuper FROM pg_catalog.pg_roles AS me WHERE me.rolname = current_user) AS reader_superuser,
       COALESCE((SELECT json_agg(json_build_array(COALESCE(d.datname::text, ''), cfg.c) ORDER BY COALESCE(d.datname::text, ''), cfg.c)
                 FROM pg_catalog.pg_db_role_setting AS st
                 LEFT JOIN pg_catalog.pg_database AS d ON d.oid = st.setdatabase
                 CROSS JOIN LATERAL unnest(st.setconfig) AS cfg(c)
                 WHERE st.setrole = r.oid), '[]'::json) AS settings,
       ${defaultAclJson("COALESCE(dn.nspname::text, '')", 'd.defaclrole = r.oid')} AS default_acl
FROM pg_catalog.pg_roles AS r
WHERE left(r.rolname, length($1::text)) = $1::text
ORDER BY 1`;

/**
 * (b) Role memberships where the role or the member carries the prefix (one row per pair, over
 * every grantor: PostgreSQL 16 and later keep one row per grantor), whether any of them carries
 * the ADMIN OPTION, and whether the member is the reading identity (current_user).
 */
export const MEMBERSHIPS_QUERY = `
SELECT r.rolname::text AS role, m.rolname::text AS member,
       bool_or(am.admin_option) AS admin,
       bool_or(m.rolname = current_user) AS self
FROM pg_catalog.pg_auth_members AS am
JOIN pg_catalog.pg_roles AS r ON r.oid = am.roleid
JOIN pg_catalog.pg_roles AS m ON m.oid = am.member
WHERE left(r.rolname, length($1::text)) = $1::text
   OR left(m.rolname, length($1::text)) = $1::text
GROUP BY 1, 2
ORDER BY 1, 2`;

/** An exploded ACL as json arrays `[grantee ('' = PUBLIC), privilege, grantable, grantor]`. */
const aclJson = (acl: string) => `COALESCE((SELECT json_agg(json_build_array(e.grantee, e.privilege, e.grantable, e.grantor) ORDER BY e.grantee, e.privilege, e.grantor)
                 FROM (SELECT CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee,
                              a.privilege_type::text AS privilege, a.is_grantable AS grantable,
                              pg_catalog.pg_get_userbyid(a.grantor)::text AS grantor
                       FROM pg_catalog.aclexplode(${acl}) AS a) AS e), '[]'::json)`;

/**
 * (c) Prefixed schemas and the governance schema: owner, comment, USAGE grantees, which of the
 * governance tables exist in the governance schema (so (f) is only issued when they do), and the
 * default privileges of any role in the schema.
 */
export const SCHEMAS_QUERY = `
SELECT n.nspname::text AS name,
       pg_catalog.pg_get_userbyid(n.nspowner)::text AS owner,
       pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
       COALESCE((SELECT json_agg(DISTINCT CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END)
                 FROM pg_catalog.aclexplode(n.nspacl) AS a
                 WHERE a.privilege_type = 'USAGE'), '[]'::json) AS usage,
       ${aclJson('n.nspacl')} AS acl,
       COALESCE((SELECT json_agg(c.relname::text ORDER BY c.relname)
                 FROM pg_catalog.pg_class AS c
                 WHERE c.relnamespace = n.oid AND n.nspname = $2::text
                   AND c.relkind IN ('r', 'p') AND c.relname IN ('state', 'tags', 'meta', 'audit', 'attributes')), '[]'::json) AS governance_tables,
       ${defaultAclJson('pg_catalog.pg_get_userbyid(d.defaclrole)::text', 'd.defaclnamespace = n.oid')} AS default_acl
FROM pg_catalog.pg_namespace AS n
WHERE left(n.nspname, length($1::text)) = $1::text OR n.nspname = $2::text
ORDER BY 1`;

/**
 * The relations this session holds a lock on (any mode), in the current database: a view whose
 * base tables are among them can be deparsed without adding a lock entry.
 */
const HELD_RELATIONS = `SELECT l.relation FROM pg_catalog.pg_locks AS l
                 WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation'
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database())`;

/**
 * (d) Views in prefixed schemas (and the governance schema): owner, comment, a hash of the
 * stored rule (never pg_get_viewdef, which locks the view and every relation it reads:
 * view-print.ts), options, output columns, the relations the definition reads, and whether this
 * session already holds a lock on the view and on each of those relations.
 */
/** What every read of a view fingerprints (view-print.ts), given `c` (its pg_class row) and `n` (its schema). */
const VIEW_FACTS = `n.nspname::text AS schema,
       c.relname::text AS name,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       (SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(rw.ev_action::text, 'UTF8')), 'hex')
          FROM pg_catalog.pg_rewrite AS rw WHERE rw.ev_class = c.oid AND rw.rulename = '_RETURN') AS rule,
       (c.oid IN (${HELD_RELATIONS})
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite AS rw
                        JOIN pg_catalog.pg_depend AS d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
                         AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> c.oid
                        WHERE rw.ev_class = c.oid AND d.refobjid NOT IN (${HELD_RELATIONS}))) AS held,
       to_json(COALESCE(c.reloptions, '{}'::text[])) AS options,
       COALESCE((SELECT json_agg(json_build_array(a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute AS a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns`;

export const VIEWS_QUERY = `
SELECT ${VIEW_FACTS},
       COALESCE((SELECT jsonb_agg(DISTINCT jsonb_build_array(bn.nspname::text, bc.relname::text))
                 FROM pg_catalog.pg_rewrite AS rw
                 JOIN pg_catalog.pg_depend AS d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
                  AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> c.oid
                 JOIN pg_catalog.pg_class AS bc ON bc.oid = d.refobjid AND bc.relkind IN ('r', 'p', 'v', 'm', 'f')
                 JOIN pg_catalog.pg_namespace AS bn ON bn.oid = bc.relnamespace
                 WHERE rw.ev_class = c.oid), '[]'::jsonb) AS bases
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND (left(n.nspname, length($1::text)) = $1::text OR n.nspname = $2::text)
ORDER BY 1, 2`;

/**
 * The views named by `$1` (schemas) and `$2` (names), as VIEWS_QUERY reads them, deparsed only
 * when this session holds a lock on the view and on everything it reads (state.ts recordOnly).
 */
export const NAMED_VIEWS_QUERY = `
SELECT v.*, CASE WHEN v.held THEN pg_catalog.pg_get_viewdef(v.oid, true) END AS def
FROM (SELECT c.oid, ${VIEW_FACTS}
      FROM pg_catalog.pg_class AS c
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
      JOIN unnest($1::text[], $2::text[]) AS w(schema, name) ON w.schema = n.nspname AND w.name = c.relname
      WHERE c.relkind = 'v') AS v`;

/**
 * (e) SELECT grantees (relation and column level), the owner and the whole ACL (every privilege,
 * grant option, grantor; relation and column level) of every relation in prefixed schemas, the
 * governance schema and the governed base schemas ($3) — on a base table a TRIGGER or REFERENCES
 * of a managed role is as much a way around the view as a SELECT (issue 8); for relations in the
 * base schemas also what decides what a view over them returns: row-level security
 * (enabled, forced, the policies) and the columns. In prefixed schemas and the governance schema
 * also sequences and composite types: every relation there that meshward did not make is reported
 * (a view of that name could not be created).
 */
export const RELATION_ACLS_QUERY = `
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS kind,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       ${aclJson('c.relacl')} AS acl,
       COALESCE((SELECT json_agg(json_build_array(e.col, e.grantee, e.privilege, e.grantable, e.grantor) ORDER BY e.col, e.grantee, e.privilege, e.grantor)
                   FROM (SELECT at.attname::text AS col,
                                CASE WHEN x.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END AS grantee,
                                x.privilege_type::text AS privilege, x.is_grantable AS grantable,
                                pg_catalog.pg_get_userbyid(x.grantor)::text AS grantor
                         FROM pg_catalog.pg_attribute AS at, pg_catalog.aclexplode(at.attacl) AS x
                         WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL) AS e), '[]'::json) AS column_acl,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
       CASE WHEN n.nspname = ANY ($3::text[]) THEN
         COALESCE((SELECT json_agg(json_build_array(p.polname::text, p.polcmd::text, p.polpermissive,
                                   (SELECT COALESCE(json_agg(x.name ORDER BY x.name), '[]'::json)
                                    FROM (SELECT CASE WHEN pr.r = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(pr.r)::text END AS name FROM unnest(p.polroles) AS pr(r)) AS x))
                                   ORDER BY p.polname)
                   FROM pg_catalog.pg_policy AS p WHERE p.polrelid = c.oid), '[]'::json)
       ELSE '[]'::json END AS policies,
       CASE WHEN n.nspname = ANY ($3::text[]) THEN
         COALESCE((SELECT json_agg(json_build_array(a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                   FROM pg_catalog.pg_attribute AS a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json)
       ELSE '[]'::json END AS columns
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND (left(n.nspname, length($1::text)) = $1::text OR n.nspname = $2::text OR n.nspname = ANY ($3::text[])))
   OR (c.relkind IN ('S', 'c') AND (left(n.nspname, length($1::text)) = $1::text OR n.nspname = $2::text))
ORDER BY 1, 2`;

/** The governance tables that (f) reads, as `<gov>.<table>`; `audit` is never read here. */
export const GOVERNANCE_TABLES = ['state', 'tags', 'meta', 'attributes'] as const;

/**
 * (f) The recorded state, tag assignments, metadata and group attribute values of the governance schema, in one query
 * over whichever of its tables exist. Identifiers cannot be parameters, so the schema is quoted.
 */
export function governanceQuery(schema: string, present: readonly string[]): string | null {
  const s = quoteIdent(schema);
  const parts: string[] = [];
  if (present.includes('state')) {
    parts.push(`SELECT 'state'::text AS source, s.key::text AS k1, s.kind::text AS k2, to_jsonb(s.spec) AS data, s.fingerprint::text AS fp FROM ${s}."state" AS s`);
  }
  if (present.includes('tags')) {
    parts.push(`SELECT 'tag'::text, t.object::text, t.tag::text, to_jsonb(t.value::text), NULL::text FROM ${s}."tags" AS t`);
  }
  if (present.includes('meta')) {
    parts.push(`SELECT 'meta'::text, m.key::text, NULL::text, to_jsonb(m.value), NULL::text FROM ${s}."meta" AS m`);
  }
  if (present.includes('attributes')) {
    // every row, whatever it holds: a row added out of band gives its role's members rows
    parts.push(`SELECT 'attribute'::text, a.role::text, a.attribute::text, to_jsonb(a.type::text), a.value::text FROM ${s}."attributes" AS a`);
  }
  return parts.length ? parts.join('\nUNION ALL\n') + '\nORDER BY 1, 2, 3' : null;
}

/** The attributes of a role that can widen what it (or a session logged in as it) can do. */
export interface RoleAttributes {
  readonly superuser: boolean;
  readonly inherit: boolean;
  readonly createrole: boolean;
  readonly createdb: boolean;
  readonly login: boolean;
  readonly replication: boolean;
  readonly bypassrls: boolean;
  readonly connection_limit: number;
  /** Per-role settings as `[database ('' = every database), 'name=value']`, sorted. */
  readonly settings: readonly (readonly [string, string])[];
}
/** One default privilege (pg_default_acl, exploded): `who` is the schema ('' = every schema) on a role row, the role on a schema row. */
export interface DefaultAclEntry {
  readonly who: string;
  /** pg_default_acl.defaclobjtype: r (tables and views), S (sequences), f (functions), T (types), n (schemas). */
  readonly objtype: string;
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}
export interface RoleRow extends RoleAttributes {
  readonly name: string;
  readonly comment: string | null;
  /** Default privileges of the role (absent in rows recorded before they were read). */
  readonly defaultAcl?: readonly DefaultAclEntry[];
  /** Whether the identity that read the catalog is a superuser (the same on every row). */
  readonly readerSuperuser?: boolean;
}
export interface MembershipRow {
  readonly role: string;
  readonly member: string;
  /** Some grant of this membership carries the ADMIN OPTION. */
  readonly admin: boolean;
  /** The member is the identity that read the catalog (current_user). */
  readonly self: boolean;
}
/** One exploded ACL entry; grantee '' is PUBLIC. */
export interface AclEntry {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
  readonly grantor: string;
}
export interface SchemaRow {
  readonly name: string;
  readonly owner: string;
  readonly comment: string | null;
  readonly usage: readonly string[];
  readonly acl: readonly AclEntry[];
  readonly governanceTables: readonly string[];
  /** Default privileges of any role in the schema (absent in rows recorded before they were read). */
  readonly defaultAcl?: readonly DefaultAclEntry[];
}
/** A row-level security policy: name, command (r, a, w, d, *), permissive, roles ('' = PUBLIC). */
export interface PolicyRow {
  readonly name: string;
  readonly command: string;
  readonly permissive: boolean;
  readonly roles: readonly string[];
}
export interface ViewRow {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly comment: string | null;
  /** sha256 of the stored rule (pg_rewrite.ev_action), read without a lock. */
  readonly rule: string;
  /** pg_get_viewdef: read only for a view whose rule differs from the recorded one (always present in rows replayed from older recordings). */
  readonly def?: string;
  /** This session holds a lock on the view and on every relation it reads (so deparsing it adds none). */
  readonly held?: boolean;
  readonly options: readonly string[];
  readonly columns: readonly (readonly [string, string])[];
  readonly bases: readonly (readonly [string, string])[];
}
export interface RelationRow {
  readonly schema: string;
  readonly name: string;
  /** pg_class.relkind: r, p, v, m, f; S and c in prefixed schemas and the governance schema. */
  readonly kind: string;
  readonly owner: string;
  readonly selectGrantees: readonly string[];
  readonly columnGrantees: readonly string[];
  /** Whole ACL (rows recorded before base tables' ACLs were read hold it for managed schemas only). */
  readonly acl: readonly AclEntry[];
  /** Column-level ACL entries with their column; same relations as `acl`. */
  readonly columnAcl: readonly (AclEntry & { readonly column: string })[];
  readonly rls: boolean;
  readonly forceRls: boolean;
  /** Read for relations in the base schemas only. */
  readonly policies: readonly PolicyRow[];
  /** Name and format_type of each column; read for relations in the base schemas only. */
  readonly columns: readonly (readonly [string, string])[];
}
/** One row of `<gov>.state`. */
export interface StateRow {
  readonly key: string;
  readonly kind: string;
  readonly spec: Record<string, unknown>;
  readonly fingerprint: string | null;
  /** What the object served when it was recorded (absent in rows recorded before it was). */
  readonly about?: RecordedAbout;
}

/**
 * The neutral facts of a recorded object — its domain, table, policies and access summary — so
 * that a removal is shown under the domain and table it served, and a view change is described
 * against what was applied. Stored inside the row's spec under ABOUT_KEY (no spec field is named
 * so), which keeps the table's layout: rows recorded before simply lack it.
 */
export interface RecordedAbout {
  readonly domain?: string;
  readonly table?: string;
  readonly policies?: readonly string[];
  readonly access?: AccessSummary;
}
export const ABOUT_KEY = '$about';

/** A state row as stored (spec jsonb with the recorded facts inside) -> its spec and facts apart. */
export function stateRowOf(key: string, kind: string, data: unknown, fingerprint: string | null): StateRow {
  const { [ABOUT_KEY]: about, ...spec } = asRecord(data);
  return { key, kind, spec, fingerprint, ...(about && typeof about === 'object' && !Array.isArray(about) ? { about: about as RecordedAbout } : {}) };
}
export interface TagRow {
  readonly object: string;
  readonly tag: string;
  readonly value: string;
}

/** A row of `<gov>.attributes`: a value of a user attribute held by a role. */
export interface AttributeRow {
  readonly role: string;
  readonly attribute: string;
  readonly type: string;
  readonly value: string;
}

/** Everything the catalog queries returned, as plain rows (also what `recorded/*.json` replays). */
export interface CatalogSnapshot {
  readonly roles: readonly RoleRow[];
  readonly memberships: readonly MembershipRow[];
  readonly schemas: readonly SchemaRow[];
  readonly views: readonly ViewRow[];
  readonly relations: readonly RelationRow[];
  /** Null when the governance schema has no `state` table (never applied). */
  readonly state: readonly StateRow[] | null;
  readonly tags: readonly TagRow[];
  /** Rows of `<gov>.attributes` (absent in snapshots recorded before the table existed). */
  readonly attributes?: readonly AttributeRow[];
  readonly meta: Readonly<Record<string, unknown>>;
  /** The base schemas whose relations were read by (e). */
  readonly baseSchemas: readonly string[];
  /** How many views the read deparsed (pg_get_viewdef): what it then depends on no counter proves (stamp.ts). */
  readonly deparsed?: number;
}

export interface CatalogParams {
  readonly prefix: string;
  readonly governanceSchema: string;
  /** Governed base schemas known before reading (from the desired objects). */
  readonly baseSchemas: readonly string[];
  /** More base schemas, from the recorded state (read by (f), before (e)). */
  readonly recordedBaseSchemas?: (state: readonly StateRow[]) => readonly string[];
  /** Whether the governance schema may be read (it carries this project's marker). */
  readonly governanceReadable?: (schema: SchemaRow) => boolean;
  /** Whether a view has to be deparsed (pg_get_viewdef) to be compared with its recorded row. */
  readonly deparse?: (view: ViewRow, recorded: StateRow | undefined) => boolean;
}

/** Views deparsed per query (a lock on the view and on each relation it reads, until the query ends). */
export const DEPARSE_SLICE = 500;

/**
 * The normalised definitions of the named views, for those whose rule differs from the one
 * recorded: pg_get_viewdef locks each view and the relations it reads (view-print.ts).
 */
export const DEPARSE_QUERY = `
SELECT n.nspname::text AS schema, c.relname::text AS name, pg_catalog.pg_get_viewdef(c.oid, true) AS def
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN unnest($1::text[], $2::text[]) AS w(schema, name) ON w.schema = n.nspname AND w.name = c.relname
WHERE c.relkind = 'v'`;

/** Runs the fixed set of catalog queries; `queryCount` is how many were issued. */
export async function readCatalog(conn: Connection, p: CatalogParams): Promise<{ snapshot: CatalogSnapshot; queryCount: number }> {
  let queryCount = 0;
  const run = async (sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> => {
    queryCount++;
    try {
      return (await conn.query(sql, params)).rows;
    } catch (e) {
      throw readError(e);
    }
  };
  const roles = (await run(ROLES_QUERY, [p.prefix])).map(roleRow);
  const memberships = (await run(MEMBERSHIPS_QUERY, [p.prefix])).map((r) => ({ role: str(r.role), member: str(r.member), admin: r.admin === true, self: r.self === true }));
  const schemas = (await run(SCHEMAS_QUERY, [p.prefix, p.governanceSchema])).map((r) => ({
    name: str(r.name),
    owner: str(r.owner),
    comment: optStr(r.comment),
    usage: strings(r.usage),
    acl: aclEntries(r.acl),
    governanceTables: strings(r.governance_tables),
    defaultAcl: defaultAclEntries(r.default_acl),
  }));
  let views: ViewRow[] = (await run(VIEWS_QUERY, [p.prefix, p.governanceSchema])).map(viewRow);

  const gov = schemas.find((s) => s.name === p.governanceSchema);
  const present = gov && (p.governanceReadable?.(gov) ?? true) ? gov.governanceTables : [];
  const govSql = governanceQuery(p.governanceSchema, present);
  let state: StateRow[] | null = present.includes('state') ? [] : null;
  const tags: TagRow[] = [];
  const attributes: AttributeRow[] = [];
  const meta: Record<string, unknown> = {};
  if (govSql) {
    for (const r of await run(govSql, [])) {
      if (r.source === 'state') state!.push(stateRowOf(str(r.k1), str(r.k2), r.data, optStr(r.fp)));
      else if (r.source === 'tag') tags.push({ object: str(r.k1), tag: str(r.k2), value: str(r.data) });
      else if (r.source === 'attribute') attributes.push({ role: str(r.k1), attribute: str(r.k2), type: str(r.data), value: str(r.fp) });
      else meta[str(r.k1)] = r.data;
    }
  }

  const recordedViews = new Map((state ?? []).filter((r) => r.kind === 'view').map((r) => [r.key, r]));
  const toDeparse = p.deparse ? views.filter((v) => p.deparse!(v, recordedViews.get(keys.view(v.schema, v.name)))) : [];
  if (toDeparse.length) {
    const defs = new Map<string, string>();
    // in slices: outside a transaction each query's locks end with it (at most 2 × DEPARSE_SLICE entries)
    for (let i = 0; i < toDeparse.length; i += DEPARSE_SLICE) {
      const slice = toDeparse.slice(i, i + DEPARSE_SLICE);
      for (const r of await run(DEPARSE_QUERY, [slice.map((v) => v.schema), slice.map((v) => v.name)])) defs.set(keys.view(str(r.schema), str(r.name)), str(r.def));
    }
    views = views.map((v) => {
      const def = defs.get(keys.view(v.schema, v.name));
      return def === undefined ? v : { ...v, def };
    });
  }

  const baseSchemas = [...new Set([...p.baseSchemas, ...(state && p.recordedBaseSchemas ? p.recordedBaseSchemas(state) : [])])].sort();
  const relations = (await run(RELATION_ACLS_QUERY, [p.prefix, p.governanceSchema, baseSchemas])).map((r) => ({
    schema: str(r.schema),
    name: str(r.name),
    kind: str(r.kind),
    owner: str(r.owner),
    ...withSelectGrantees(aclEntries(r.acl), columnAclEntries(r.column_acl)),
    rls: r.rls === true,
    forceRls: r.force_rls === true,
    policies: policyRows(r.policies),
    columns: pairs(r.columns),
  }));
  return { snapshot: { roles, memberships, schemas, views, relations, state, tags, attributes, meta, baseSchemas, deparsed: toDeparse.length }, queryCount };
}

/**
 * A relation's ACLs, with who holds SELECT on it and on any of its columns (sorted, once each):
 * derived here from the entries the query reads once, rather than by the server exploding each
 * ACL a second time (a third of the relations query's server time at 10,000 tables).
 */
function withSelectGrantees(acl: AclEntry[], columnAcl: (AclEntry & { column: string })[]): Pick<RelationRow, 'selectGrantees' | 'columnGrantees' | 'acl' | 'columnAcl'> {
  const selecting = (entries: readonly AclEntry[]) => [...new Set(entries.filter((a) => a.privilege === 'SELECT').map((a) => a.grantee))].sort();
  return { selectGrantees: selecting(acl), columnGrantees: selecting(columnAcl), acl, columnAcl };
}

/** A row of VIEWS_QUERY or NAMED_VIEWS_QUERY (`bases` and `def` only when read). */
export function viewRow(r: Record<string, unknown>): ViewRow {
  return {
    schema: str(r.schema),
    name: str(r.name),
    owner: str(r.owner),
    comment: optStr(r.comment),
    rule: str(r.rule),
    held: r.held === true,
    ...(typeof r.def === 'string' ? { def: r.def } : {}),
    options: strings(r.options),
    columns: pairs(r.columns),
    bases: pairs(r.bases),
  };
}

/** A failed catalog read, as one line that says what to do (the lock table: postgres.md, Traps). */
export function readError(e: unknown): Error {
  const err = e as { message?: unknown; code?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (!/^[0-9A-Z]{5}$/.test(code)) return e instanceof Error ? e : new Error(String(e)); // not the server's answer (a lost connection): as it is
  const message = String(err.message ?? e).split('\n')[0]!;
  const what =
    code === '53200'
      ? `: the server's lock table is full — other sessions hold many locks, or max_locks_per_transaction is too small for them; retry once they are done, or raise max_locks_per_transaction (needs a restart)`
      : '';
  return new TargetReadError(`reading the live state failed: ${message} (SQLSTATE ${code})${what}`, code);
}

export function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

export function optStr(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** json array columns arrive parsed from both drivers; a text value (e.g. a replayed row) is parsed here. */
export function json(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith('[')) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

export function strings(v: unknown): string[] {
  const j = json(v);
  return Array.isArray(j) ? j.map((x) => String(x)) : [];
}

/** A role row of (a); also decodes a replayed one. */
export function roleRow(r: Record<string, unknown>): RoleRow {
  return {
    name: str(r.name),
    comment: optStr(r.comment),
    superuser: r.superuser === true,
    inherit: r.inherit === true,
    createrole: r.createrole === true,
    createdb: r.createdb === true,
    login: r.login === true,
    replication: r.replication === true,
    bypassrls: r.bypassrls === true,
    connection_limit: Number(r.connection_limit ?? -1),
    settings: pairs(r.settings),
    readerSuperuser: r.reader_superuser === true,
    defaultAcl: defaultAclEntries(r.default_acl),
  };
}

export function defaultAclEntries(v: unknown): DefaultAclEntry[] {
  const j = json(v);
  if (!Array.isArray(j)) return [];
  return j.map((x) => {
    const a = x as unknown[];
    return { who: str(a[0]), objtype: str(a[1]), grantee: str(a[2]), privilege: str(a[3]), grantable: a[4] === true };
  });
}

export function aclEntries(v: unknown): AclEntry[] {
  const j = json(v);
  if (!Array.isArray(j)) return [];
  return j.map((x) => {
    const a = x as unknown[];
    return { grantee: str(a[0]), privilege: str(a[1]), grantable: a[2] === true, grantor: str(a[3]) };
  });
}

function columnAclEntries(v: unknown): (AclEntry & { column: string })[] {
  const j = json(v);
  if (!Array.isArray(j)) return [];
  return j.map((x) => {
    const a = x as unknown[];
    return { column: str(a[0]), grantee: str(a[1]), privilege: str(a[2]), grantable: a[3] === true, grantor: str(a[4]) };
  });
}

function policyRows(v: unknown): PolicyRow[] {
  const j = json(v);
  if (!Array.isArray(j)) return [];
  return j.map((x) => {
    const a = x as unknown[];
    return { name: str(a[0]), command: str(a[1]), permissive: a[2] === true, roles: strings(a[3]) };
  });
}

function pairs(v: unknown): [string, string][] {
  const j = json(v);
  return Array.isArray(j) ? j.map((x) => [String((x as unknown[])[0]), String((x as unknown[])[1])] as [string, string]) : [];
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
