import { joinName } from '../../resolve/names.js';
import { ownershipOf } from '../../state/ownership.js';
import { canonicalJson, canonicalSpec, pieceHash, sameJson, sha256 } from '../../plan/canonical.js';
import { TargetReadError, type AccessSummary, type Connection, type CurrentState, type Finding, type NativeObject, type RecordHint, type TargetContext } from '../target.js';
import { governanceSchemaName, ownerRoleName } from './governance.js';
import { quoteIdent } from './naming.js';
import { quoteLiteral } from './sql-text.js';
import { accessOfSpec } from './view.js';
import { liveViewPrint, needsDefinition, ruleMatches, viewMatches } from './view-print.js';
import { isOurMarker, keys, marker, objects, PRIVILEGES, qualified, type DefaultAclSpec, type GrantSpec, type GrantTarget, type Privilege, type RoleSpec, type ViewSpec } from './objects.js';
import { ABOUT_KEY, readCatalog, type AclEntry, type CatalogSnapshot, type DefaultAclEntry, type RecordedAbout, type RelationRow, type RoleRow, type SchemaRow, type StateRow, type ViewRow } from './queries.js';

/**
 * Reads what is live on a PostgreSQL target, scoped to what this project manages (product.md,
 * Safety rules): an object is managed iff it carries the prefix AND this project's marker; a
 * prefixed object without it is a FOREIGN_OBJECT finding, never an object. Roles are
 * cluster-wide, so for them the marker alone decides. Current objects are built with the same
 * constructors as compile's, so the diff is a plain comparison.
 */

/** Who and where: the managed prefix, the project (marker), the governance schema. */
export interface Scope {
  readonly prefix: string;
  readonly project: string;
  readonly governanceSchema: string;
  /** The neutral database label of this target, for naming base tables in messages. */
  readonly databaseLabel: string | null;
}

export function scopeOf(ctx: TargetContext): Scope {
  const prefix = ctx.model.project.managedPrefix;
  const configured = typeof ctx.settings.governance_schema === 'string' && ctx.settings.governance_schema !== '' ? ctx.settings.governance_schema : undefined;
  let databaseLabel: string | null = typeof ctx.settings.database === 'string' && ctx.settings.database !== '' ? ctx.settings.database : null;
  if (!databaseLabel) {
    const labels = new Set(ctx.model.domains.flatMap((d) => d.tables.map((t) => t.name.split('.')[0] ?? '')));
    if (labels.size === 1) databaseLabel = [...labels][0]!;
  }
  return { prefix, project: ctx.model.project.name, governanceSchema: governanceSchemaName(prefix, configured), databaseLabel };
}

/** A live object found in (or next to) managed scope. Unmanaged ones are kept so drift can match recorded keys. */
export interface LiveObject {
  readonly object: NativeObject;
  /** Prefix and marker (for grants and memberships: on / between managed objects). */
  readonly managed: boolean;
  /** sha256 of the live definition (views: view-print.ts, from the rule, options, owner, comment, columns). */
  readonly fingerprint: string;
  readonly view?: ViewRow;
}

/** A SELECT on a governed base table to a role meshward does not manage (PUBLIC included). */
export interface Bypass {
  /** The grant key (`grant:SELECT:table:…`), or `grant:SELECT:columns:…` for column-level grants. */
  readonly key: string;
  /** Quoted, qualified base table. */
  readonly object: string;
  readonly table: string;
  readonly grantee: string;
  readonly columnLevel: boolean;
  readonly message: string;
}

/** A managed role made a member of a role meshward does not manage: every member of it gains that role's privileges. */
export interface ForeignMembership {
  readonly key: string;
  readonly role: string;
  readonly member: string;
  readonly message: string;
}

/** A prefixed object with this project's marker that the recorded state does not hold. */
export interface Forged {
  readonly key: string;
  readonly kind: string;
  readonly object: string;
  readonly message: string;
  /** What to check and the SQL that resolves it (forgedRemedy). */
  readonly remedy: string;
}

/** A governed base table changed so that its intact managed view returns something else. */
export interface BaseTableChange {
  readonly code: 'BASE_TABLE_RLS' | 'BASE_TABLE_COLUMNS';
  /** `rls:"s"."t"` or `columns:"s"."t"`. */
  readonly key: string;
  /** Quoted, qualified base table. */
  readonly object: string;
  readonly table: string;
  readonly message: string;
}

export interface LiveState {
  readonly scope: Scope;
  readonly objects: ReadonlyMap<string, LiveObject>;
  readonly findings: readonly Finding[];
  readonly bypasses: readonly Bypass[];
  readonly foreignMemberships: readonly ForeignMembership[];
  readonly forged: readonly Forged[];
  readonly baseTableChanges: readonly BaseTableChange[];
  /**
   * Why the governance schema carrying this project's marker is not trusted (another owner, or
   * someone else may write it), or null: then nothing recorded in it is read, and plan refuses.
   */
  readonly governanceUntrusted: string | null;
  /** Rows of `<gov>.state` by key; null when nothing was ever recorded (or the governance schema is not ours). */
  readonly recorded: ReadonlyMap<string, StateRow> | null;
  /** Governed base tables (`schema\0table`) -> neutral name, from the desired objects and the recorded state. */
  readonly governed: ReadonlyMap<string, string | undefined>;
  readonly snapshot: CatalogSnapshot;
  readonly queryCount: number;
}

const relKey = (schema: string, table: string): string => `${schema}\u0000${table}`;

/** Parses a quoted, qualified name `"a"."b"` (as GrantSpec.object holds it) back into its parts. */
export function parseQualified(text: string): [string, string] | null {
  const m = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/.exec(text);
  return m ? [m[1]!.replace(/""/g, '"'), m[2]!.replace(/""/g, '"')] : null;
}

/** Anything naming governed tables: a desired object, a state row. */
export interface GovernedSource {
  readonly kind: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly table?: string;
}

/** Governed base tables named by objects: view bases and grants on 'table' (desired objects or state rows). */
export function governedTablesOf(items: Iterable<GovernedSource>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const add = (schema: string, table: string, neutral: string | undefined) => {
    const k = relKey(schema, table);
    if (!out.has(k) || (out.get(k) === undefined && neutral)) out.set(k, neutral);
  };
  for (const o of items) {
    if (o.kind === 'view') {
      const base = o.spec.base as { schema?: unknown; table?: unknown } | undefined;
      if (base && typeof base.schema === 'string' && typeof base.table === 'string' && base.schema !== '') add(base.schema, base.table, o.table);
    } else if (o.kind === 'grant' && o.spec.on === 'table' && typeof o.spec.object === 'string') {
      const parts = parseQualified(o.spec.object);
      if (parts) add(parts[0], parts[1], o.table);
    }
  }
  return out;
}

/** The schemas of governed tables (`schema\0table` keys), once each. */
export const schemasOf = (governed: ReadonlyMap<string, unknown>): string[] => [...new Set([...governed.keys()].map((k) => k.split('\u0000')[0]!))];

/** The neutral name of a base table for messages: from the model when known, else `<label>.<schema>.<table>`. */
export function neutralName(scope: Scope, governed: ReadonlyMap<string, string | undefined>, schema: string, table: string): string {
  return governed.get(relKey(schema, table)) ?? joinName([scope.databaseLabel, schema, table].filter((p): p is string => p !== null));
}

/** Fingerprint of any other live object: its spec. */
export function specFingerprint(spec: Readonly<Record<string, unknown>>): string {
  return sha256(canonicalSpec(spec)); // the text is kept with the spec: the state hash writes it again
}

export interface LiveOptions {
  /**
   * Keys being recorded right now, inside the apply transaction that made them (state.ts): they
   * count as made by meshward, so that their live fingerprints can be read. Never set elsewhere.
   */
  readonly recording?: ReadonlySet<string>;
}

/** Reads the catalog (fixed number of queries) and builds the live objects and findings. */
export async function readLive(conn: Connection, ctx: TargetContext, desired: readonly GovernedSource[] = [], options: LiveOptions = {}): Promise<LiveState> {
  const scope = scopeOf(ctx);
  const desiredGoverned = governedTablesOf(desired);
  const { snapshot, queryCount } = await readCatalog(conn, {
    prefix: scope.prefix,
    governanceSchema: scope.governanceSchema,
    baseSchemas: schemasOf(desiredGoverned),
    recordedBaseSchemas: (state) => schemasOf(governedTablesOf(state)),
    governanceReadable: (s) => isOurMarker(s.comment, scope.project),
    deparse: (v, rec) => {
      const recording = options.recording;
      if (!recording) return needsDefinition(rec?.fingerprint, v, false);
      return recording.has(keys.view(v.schema, v.name)) && needsDefinition(rec?.fingerprint, v, true);
    },
  });
  return { ...liveFromSnapshot(snapshot, scope, desiredGoverned, options), snapshot, queryCount };
}

/**
 * What PostgreSQL gives without any ALTER DEFAULT PRIVILEGES: EXECUTE on functions and USAGE on
 * types to PUBLIC. A role's entry for every schema lists them again once it changes anything else.
 */
function builtInDefault(schema: string, e: DefaultAclEntry): boolean {
  return schema === '' && e.grantee === '' && ((e.objtype === 'f' && e.privilege === 'EXECUTE') || (e.objtype === 'T' && e.privilege === 'USAGE'));
}

/** pg_class.relkind in words, for messages. */
const RELATION_KINDS: Readonly<Record<string, string>> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table', S: 'sequence', c: 'composite type' };

/** Relations of the governance schema whose privileges are meshward's (governance.ts). */
const GOVERNANCE_RELATIONS = ['state', 'tags', 'meta', 'audit', 'attributes'];

/**
 * The pure half of readLive: catalog rows -> live objects and findings (replayable from recorded rows).
 *
 * Ownership (issue 8, item 5): a marker is never evidence on its own. The governance schema is
 * trusted when it carries this project's marker (it is the root: it holds the recorded state);
 * every other role, schema and view is meshward's only when `<gov>.state` records its key. A
 * prefixed object with this project's marker that the state does not record is a FOREIGN_OBJECT
 * ("forged or unrecorded marker"): never changed or dropped, and a model that needs its name is
 * refused at plan. One exception, for the first apply: while nothing is recorded, the owner role
 * `<prefix>owner` with exactly the owner marker is adopted — the administrator creates it before
 * the first apply when the apply identity cannot (README, Apply identity).
 *
 * Privileges (item 4): on a managed schema, view or governance table every ACL entry (every
 * privilege, grant option, column-level grant) of a grantee other than the owner is a live grant
 * object, so whatever the model lacks is removed by apply and reported by drift. Memberships of
 * a managed role: between managed roles they are the model's `member_of`; a group role granted to
 * any other role is the administrator's (never reported, never revoked); the owner role granted
 * to anyone but the reading identity, and the ADMIN OPTION on any managed role held by anyone but
 * the reading identity, are never the model's — live objects apply removes.
 */
export function liveFromSnapshot(
  snap: CatalogSnapshot,
  scope: Scope,
  desiredGoverned: ReadonlyMap<string, string | undefined> = new Map(),
  options: LiveOptions = {},
): Omit<LiveState, 'snapshot' | 'queryCount'> {
  const { prefix, project } = scope;
  const prefixed = (name: string) => name.startsWith(prefix);
  const owner = ownerRoleName(prefix);
  const found = new Map<string, LiveObject>();
  const findings: Finding[] = [];
  const bypasses: Bypass[] = [];
  const forged: Forged[] = [];
  const baseTableChanges: BaseTableChange[] = [];
  const bypass = (b: Omit<Bypass, 'message'>) => {
    const message = `GRANT SELECT${b.columnLevel ? ' (column-level)' : ''} to ${granteeText(b.grantee)} on the base table ${b.table} bypasses the managed view`;
    bypasses.push({ ...b, message });
    findings.push({ code: 'BYPASS_GRANT', object: b.object, table: b.table, message, key: b.key, grantee: b.grantee, columnLevel: b.columnLevel });
  };
  const put = (object: NativeObject, managed: boolean, fingerprint = specFingerprint(object.spec), view?: ViewRow) => {
    found.set(object.key, { object, managed, fingerprint, view });
  };
  // `key` is the key a managed object of that name would have, so plan can refuse to create it.
  const foreign = (object: string, what: string, comment: string | null, key: string) =>
    findings.push({
      code: 'FOREIGN_OBJECT',
      object,
      key,
      message: `${object} ${what} but not the marker of project ${project} (${comment ? `its comment reads ${JSON.stringify(truncate(comment, 80))}` : 'it has no comment'}); meshward will not change it`,
    });

  // The root of trust: the governance schema with this project's marker, owned (with its tables)
  // by the owner role and writable by nobody else — and the state in it.
  const govRow = snap.schemas.find((s) => s.name === scope.governanceSchema);
  const governanceUntrusted = govRow !== undefined && isOurMarker(govRow.comment, project) ? governanceDistrust(snap, govRow, owner) : null;
  const govOurs = govRow !== undefined && isOurMarker(govRow.comment, project) && governanceUntrusted === null;
  const recordedRows = govOurs && snap.state ? snap.state : null;
  const recorded = recordedRows ? new Map(recordedRows.map((r) => [r.key, r])) : null;
  const nothingRecorded = !recorded || recorded.size === 0;
  const made = (key: string) => recorded?.has(key) === true || options.recording?.has(key) === true;
  const unrecorded = (kind: 'role' | 'schema' | 'view', object: string, key: string, name: string, schema?: string) => {
    const message = `${object} carries the marker of project ${project}, but the state meshward recorded in ${quoteIdent(scope.governanceSchema)}."state" does not say meshward made it: a forged or unrecorded marker; meshward will not change or drop it`;
    const remedy = forgedRemedy(kind, name, schema);
    forged.push({ key, kind, object, message, remedy });
    findings.push({ code: 'FOREIGN_OBJECT', object, key, message, contradicts: true, remedy }); // claims to be ours: not in sync
  };

  const ourRoles = new Set<string>();
  for (const r of snap.roles) {
    const key = keys.role(r.name);
    const adopted = nothingRecorded && r.name === owner && r.comment === marker(project, 'owner', 'views');
    const owned = ownershipOf({ marked: isOurMarker(r.comment, project), recorded: made(key), adopted });
    const ours = owned === 'ours';
    if (ours) ourRoles.add(r.name);
    else if (owned === 'forged') unrecorded('role', `role ${quoteIdent(r.name)}`, key, r.name);
    else foreign(`role ${quoteIdent(r.name)}`, `has the managed prefix "${prefix}"`, r.comment, key);
    put(objects.role(roleSpecOf(r)), ours);
    // PostgreSQL lets only a superuser take these away: say so before the apply fails on it
    const superOnly = (['superuser', 'replication', 'bypassrls'] as const).filter((a) => r[a]);
    if (ours && superOnly.length && r.readerSuperuser === false) {
      const words = superOnly.map((a) => a.toUpperCase()).join(', ');
      findings.push({
        code: 'UNMANAGED_GRANT',
        object: `role ${quoteIdent(r.name)}`,
        message: `the managed role ${quoteIdent(r.name)} was given ${words} outside meshward; only a superuser can take ${superOnly.length > 1 ? 'them' : 'it'} away, so an apply as this identity fails at ALTER ROLE: have a superuser run ALTER ROLE ${quoteIdent(r.name)} ${superOnly.map((a) => `NO${a.toUpperCase()}`).join(' ')}`,
      });
    }
  }
  const foreignMemberships: ForeignMembership[] = [];
  for (const m of snap.memberships) {
    if (ourRoles.has(m.member) && !ourRoles.has(m.role)) {
      // e.g. GRANT pg_read_all_data TO mw_sales_analysts: reported, never revoked unasked
      const message = `the managed role ${quoteIdent(m.member)} is a member of ${quoteIdent(m.role)}, which meshward does not manage: every member of ${quoteIdent(m.member)} gains its privileges`;
      foreignMemberships.push({ key: keys.membership(m.role, m.member), role: m.role, member: m.member, message });
      findings.push({ code: 'UNMANAGED_GRANT', object: `membership ${quoteIdent(m.member)} in ${quoteIdent(m.role)}`, message });
    }
    if (!ourRoles.has(m.role)) {
      if (prefixed(m.role) && prefixed(m.member)) put(objects.membership({ role: m.role, member: m.member }), false);
      continue;
    }
    // The ADMIN OPTION lets its holder grant the role to anyone: never the model's (PostgreSQL 16
    // gives the creating identity one, hence the exception for the reading identity).
    if (m.admin && !m.self) put(objects.roleAdmin({ role: m.role, member: m.member }), true);
    if (m.role === owner) {
      // Whoever holds the owner role reads every governed base table in clear.
      if (!m.self) put(objects.membership({ role: m.role, member: m.member }), true);
      continue;
    }
    if (ourRoles.has(m.member)) put(objects.membership({ role: m.role, member: m.member }), true);
    else if (prefixed(m.member)) put(objects.membership({ role: m.role, member: m.member }), false);
    // a group role granted to a login role (or any other role) is the administrator's, never ours
  }

  const ourSchemas = new Set<string>();
  for (const s of snap.schemas) {
    const key = keys.schema(s.name);
    const isGov = s.name === scope.governanceSchema;
    // the governance schema is the state store's root: trusted by its marker and its owner, not by a record in itself
    const owned = isGov ? ownershipOf({ marked: isOurMarker(s.comment, project), recorded: false, adopted: governanceUntrusted === null }) : ownershipOf({ marked: isOurMarker(s.comment, project), recorded: made(key) });
    const ours = owned === 'ours';
    if (ours) ourSchemas.add(s.name);
    else if (owned === 'forged') unrecorded('schema', `schema ${quoteIdent(s.name)}`, key, s.name);
    else foreign(`schema ${quoteIdent(s.name)}`, isGov && !prefixed(s.name) ? 'is the configured governance schema' : `has the managed prefix "${prefix}"`, s.comment, key);
    if (!ours) continue;
    put(objects.schema({ name: s.name, owner: s.owner, comment: s.comment ?? '' }), true);
    for (const g of privilegesOf(s.acl, s.owner, 'schema', quoteIdent(s.name))) put(objects.grant(g), true);
  }

  // Default privileges of managed roles, and of any role in a managed schema: each is given to
  // every view (or schema) created later — live objects apply revokes before it creates any.
  const defaults = new Map<string, DefaultAclSpec>();
  const defaultAcl = (role: string, schema: string, e: DefaultAclEntry) => {
    if (e.grantee === role || builtInDefault(schema, e)) return;
    const spec: DefaultAclSpec = { role, schema, objtype: e.objtype, privilege: e.privilege, grantee: e.grantee };
    const k = keys.defaultAcl(spec);
    if (e.grantable || defaults.get(k)?.grantable) defaults.set(k, { ...spec, grantable: true });
    else if (!defaults.has(k)) defaults.set(k, spec);
  };
  for (const r of snap.roles) if (ourRoles.has(r.name)) for (const e of r.defaultAcl ?? []) defaultAcl(r.name, e.who, e);
  for (const s of snap.schemas) if (ourSchemas.has(s.name)) for (const e of s.defaultAcl ?? []) defaultAcl(e.who, s.name, e);
  for (const d of defaults.values()) put(objects.defaultAcl(d), true);

  const governed = new Map(desiredGoverned);
  for (const [k, v] of governedTablesOf(recordedRows ?? [])) if (!governed.has(k)) governed.set(k, v);

  const viewManaged = new Map<string, boolean>();
  for (const v of snap.views) {
    const key = keys.view(v.schema, v.name);
    if (!ourSchemas.has(v.schema) && options.recording?.has(key) !== true) continue; // a foreign schema is reported once, as a schema
    const owned = ownershipOf({ marked: isOurMarker(v.comment, project), recorded: made(key) });
    const ours = owned === 'ours';
    if (owned === 'forged') unrecorded('view', `view ${qualified(v.schema, v.name)}`, key, v.name, v.schema);
    else if (owned === 'foreign') foreign(`view ${qualified(v.schema, v.name)}`, `is in the managed schema ${quoteIdent(v.schema)}`, v.comment, key);
    viewManaged.set(relKey(v.schema, v.name), ours);
    const base = v.bases.length >= 1 ? { schema: v.bases[0]![0], table: v.bases[0]![1] } : { schema: '', table: '' };
    const spec: ViewSpec = { schema: v.schema, name: v.name, base, owner: v.owner, comment: v.comment ?? '', select: v.def ?? '', columns: v.columns.map(([name, type]) => ({ name, type })), masks: {}, filters: [] };
    put(objects.view(spec), ours, liveViewPrint(v), v);
  }

  // The view recorded for each governed base table: what its columns were compiled for.
  const recordedViewOf = new Map<string, ViewSpec>();
  for (const r of recordedRows ?? []) {
    if (r.kind !== 'view') continue;
    const spec = r.spec as unknown as ViewSpec;
    if (spec.base && typeof spec.base.schema === 'string' && typeof spec.base.table === 'string') recordedViewOf.set(relKey(spec.base.schema, spec.base.table), spec);
  }

  const viewRows = new Map(snap.views.map((v) => [relKey(v.schema, v.name), v]));
  for (const rel of snap.relations) {
    const k = relKey(rel.schema, rel.name);
    const object = qualified(rel.schema, rel.name);
    if (ourSchemas.has(rel.schema) || viewManaged.has(k)) {
      if (viewManaged.has(k)) {
        const ours = viewManaged.get(k)!;
        const base = viewRows.get(k)?.bases[0];
        const table = base ? neutralName(scope, governed, base[0], base[1]) : undefined;
        const extra = table && governed.has(relKey(base![0], base![1])) ? { table } : {};
        for (const g of privilegesOf(rel.acl, rel.owner, 'view', object)) put(objects.grant(g, extra), ours);
        for (const g of columnPrivilegesOf(rel.columnAcl, rel.owner, object)) put(objects.grant(g, extra), ours);
      } else if (rel.schema === scope.governanceSchema && GOVERNANCE_RELATIONS.includes(rel.name) && (rel.kind === 'r' || rel.kind === 'p')) {
        for (const g of privilegesOf(rel.acl, rel.owner, 'relation', object)) put(objects.grant(g), true);
        for (const g of columnPrivilegesOf(rel.columnAcl, rel.owner, object)) put(objects.grant(g), true);
      } else if (rel.kind !== 'v' && ourSchemas.has(rel.schema)) {
        // a table, sequence, … made out of band in a managed schema: never meshward's (it makes
        // views only); keyed like the view of that name, which plan then refuses to create
        const what = `${RELATION_KINDS[rel.kind] ?? 'relation'} ${object}`;
        findings.push({
          code: 'FOREIGN_OBJECT',
          object: what,
          key: keys.view(rel.schema, rel.name),
          message: `${what} is in the managed schema ${quoteIdent(rel.schema)}, owned by ${quoteIdent(rel.owner)}, but meshward makes only views there and did not make it; meshward will not change or drop it (and cannot drop the schema while it is there)`,
        });
      }
      continue; // any other relation in a managed schema is not read by a view
    }
    if (!snap.baseSchemas.includes(rel.schema)) continue;
    const isGoverned = governed.has(k);
    const table = neutralName(scope, governed, rel.schema, rel.name);
    const extra = isGoverned ? { table } : {};
    // Every privilege a managed role holds on a base table is a live object: the model holds only
    // the owner role's SELECT, so apply revokes the rest (issue 8) — a TRIGGER lets a member copy
    // every new row, a REFERENCES lets one probe which values exist.
    const managedGrants: GrantSpec[] = [];
    const grantableSelect = new Set(rel.acl.filter((a) => a.privilege === 'SELECT' && a.grantable).map((a) => a.grantee));
    for (const grantee of rel.selectGrantees) {
      if (grantee === rel.owner) continue;
      const spec: GrantSpec = { privilege: 'SELECT', on: 'table', object, grantee };
      if (ourRoles.has(grantee)) managedGrants.push(grantableSelect.has(grantee) ? { ...spec, grantable: true } : spec);
      else if (isGoverned) {
        put(objects.grant(spec, extra), false);
        bypass({ key: keys.grant(spec), object, table, grantee, columnLevel: false });
      }
    }
    const ourEntries = <E extends AclEntry>(acl: readonly E[]) => acl.filter((a) => a.grantee !== rel.owner && ourRoles.has(a.grantee));
    managedGrants.push(...basePrivilegesOf(ourEntries(rel.acl).filter((a) => a.privilege !== 'SELECT'), (privilege, grantee) => ({ privilege, on: 'table', object, grantee })));
    managedGrants.push(
      ...basePrivilegesOf(ourEntries(rel.columnAcl), (privilege, grantee, entries) => ({ privilege, on: 'columns', object, grantee, columns: [...new Set(entries.map((e) => e.column))].sort(compare) })),
    );
    for (const g of managedGrants) {
      put(objects.grant(g, extra), true);
      if (isGoverned && !(g.grantee === owner && g.on === 'table' && g.privilege === 'SELECT' && !g.grantable)) {
        const key = keys.grant(g);
        findings.push({ code: 'BASE_TABLE_GRANT', object, table, key, grantee: g.grantee, columnLevel: g.on === 'columns', message: basePrivilegeMessage(g, table) });
      }
    }
    if (!isGoverned) continue;
    const managedColumnGrantees = new Set(managedGrants.filter((g) => g.on === 'columns' && g.privilege === 'SELECT').map((g) => g.grantee));
    for (const grantee of rel.columnGrantees) {
      if (grantee !== rel.owner && !managedColumnGrantees.has(grantee)) bypass({ key: `grant:SELECT:columns:${object}:${grantee}`, object, table, grantee, columnLevel: true });
    }
    baseTableChanges.push(...baseTableChangesOf(rel, object, table, owner, recordedViewOf.get(k)));
  }
  for (const c of baseTableChanges) findings.push({ code: c.code, object: c.object, table: c.table, key: c.key, message: c.message });

  if (ourSchemas.has(scope.governanceSchema)) {
    for (const t of snap.tags) put(objects.tag({ object: t.object, tag: t.tag, value: t.value }), true);
    for (const a of snap.attributes ?? []) put(objects.attributeValue({ ...a }), true);
  }
  const version = layoutVersion(snap.meta.layout_version);
  if (govRow && govOurs && ['state', 'tags', 'meta'].every((t) => govRow.governanceTables.includes(t)) && version !== null) {
    // The governance tables are the owner's: another owner holds every privilege on the recorded state unseen.
    const misowned = snap.relations
      .filter((r) => r.schema === govRow.name && GOVERNANCE_RELATIONS.includes(r.name) && (r.kind === 'r' || r.kind === 'p') && r.owner !== owner)
      .map((r) => `${qualified(r.schema, r.name)} is owned by ${quoteIdent(r.owner)}, not ${quoteIdent(owner)}`);
    // from version 2 the views read the attributes table: its loss is drift of the layout (apply creates it again)
    if (version >= 2 && !govRow.governanceTables.includes('attributes')) misowned.push(`${qualified(govRow.name, 'attributes')} is missing`);
    put(objects.governance({ schema: govRow.name, version, ...(misowned.length ? { drift: misowned.join('; ') } : {}) }), true);
  }

  findings.sort((a, b) => compare(`${a.code}|${a.object}|${a.message}`, `${b.code}|${b.object}|${b.message}`));
  const sorted = new Map([...found.entries()].sort(([a], [b]) => compare(a, b)));
  bypasses.sort((a, b) => compare(a.key, b.key));
  foreignMemberships.sort((a, b) => compare(a.key, b.key));
  forged.sort((a, b) => compare(a.key, b.key));
  baseTableChanges.sort((a, b) => compare(a.key, b.key));
  return { scope, objects: sorted, findings: dedupe(findings), bypasses, foreignMemberships, forged, baseTableChanges, recorded, governed, governanceUntrusted };
}

/** Privileges on a governance table that let their holder change what it records (TRIGGER: a trigger that rewrites meshward's own writes). */
const GOVERNANCE_WRITES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'MAINTAIN'];

/**
 * Why the governance schema cannot be trusted, or null (issue 8): the recorded state says which
 * objects are meshward's, so whoever can write it can make meshward adopt anything. apply creates
 * the schema and its tables owned by the owner role and grants nothing on them; a schema or table
 * owned by another role, or a write privilege (CREATE on the schema; INSERT, UPDATE, DELETE,
 * TRUNCATE, TRIGGER on a table, column-level too) held by any other role, PUBLIC included, means
 * someone else could have forged it — e.g. a schema pre-created on a fresh target with a forged
 * state table. Each problem comes with the SQL that removes it.
 */
export function governanceDistrust(snap: CatalogSnapshot, gov: SchemaRow, owner: string): string | null {
  const problems: string[] = [];
  const fixes: string[] = [];
  const schema = quoteIdent(gov.name);
  if (gov.owner !== owner) {
    problems.push(`the schema ${schema} is owned by ${quoteIdent(gov.owner)}, not ${quoteIdent(owner)} (apply creates it as ${quoteIdent(owner)})`);
    fixes.push(`if meshward made it, ALTER SCHEMA ${schema} OWNER TO ${quoteIdent(owner)}; if not, it is forged: DROP SCHEMA ${schema} CASCADE;`);
  }
  const schemaWriters = [...new Set(gov.acl.filter((a) => a.grantee !== gov.owner && a.privilege === 'CREATE').map((a) => a.grantee))].sort(compare);
  for (const g of schemaWriters) {
    problems.push(`${granteeText(g)} holds CREATE on the schema ${schema}`);
    fixes.push(`REVOKE CREATE ON SCHEMA ${schema} FROM ${granteeText(g)} CASCADE;`);
  }
  for (const rel of snap.relations) {
    if (rel.schema !== gov.name || !GOVERNANCE_RELATIONS.includes(rel.name) || (rel.kind !== 'r' && rel.kind !== 'p')) continue;
    const object = qualified(rel.schema, rel.name);
    if (rel.owner !== owner) {
      problems.push(`${object} is owned by ${quoteIdent(rel.owner)}, not ${quoteIdent(owner)}`);
      fixes.push(`ALTER TABLE ${object} OWNER TO ${quoteIdent(owner)};`);
    }
    const writes = new Map<string, Set<string>>();
    for (const a of [...rel.acl, ...rel.columnAcl]) {
      if (a.grantee === rel.owner || !GOVERNANCE_WRITES.includes(a.privilege)) continue;
      writes.set(a.grantee, (writes.get(a.grantee) ?? new Set()).add(a.privilege));
    }
    for (const [g, privileges] of [...writes].sort(([a], [b]) => compare(a, b))) {
      const list = [...privileges].sort(compare).join(', ');
      problems.push(`${granteeText(g)} holds ${list} on ${object}`);
      fixes.push(`REVOKE ${list} ON TABLE ${object} FROM ${granteeText(g)} CASCADE;`);
    }
  }
  if (problems.length === 0) return null;
  return `the governance schema ${schema} is not trusted: ${problems.join('; ')} — whoever can write it can forge the recorded state that says which objects are meshward's. Check the recorded state (meshward audit, and SELECT key FROM ${schema}."state"), then ${fixes.join(' ')} (or set governance_schema to a schema meshward creates)`;
}

/**
 * The way out of a forged or unrecorded marker (issue 8). meshward never adopts an object on its
 * marker alone — a forged role adopted would keep every member and privilege its maker gave it,
 * and `meshward import` only drafts a repository — so the operator decides: whoever made it (an
 * interrupted apply or a lost state table shows in `meshward audit`; anything else is forged),
 * the object is dropped by hand and the next apply creates the model's own under that name. A
 * view holds no data; a role's members are noted first, to be granted the new role again.
 */
export function forgedRemedy(kind: 'role' | 'schema' | 'view', name: string, schema?: string): string {
  const check = 'check who made it (meshward audit shows an apply that was interrupted or whose state was lost; if no apply of this project made it, it is forged)';
  switch (kind) {
    case 'view':
      return `${check}, then drop it: DROP VIEW ${qualified(schema ?? '', name)}; — a view holds no data, and meshward apply creates the model's view under that name again, with its grants`;
    case 'schema':
      return `${check} and what it holds (every relation in it is reported too), move or drop that, then drop it: DROP SCHEMA ${quoteIdent(name)}; — meshward apply creates the model's schema again`;
    case 'role':
      return `${check} and who is a member of it: SELECT member::regrole FROM pg_catalog.pg_auth_members WHERE roleid = ${quoteLiteral(quoteIdent(name))}::regrole; then drop it: DROP OWNED BY ${quoteIdent(name)}; DROP ROLE ${quoteIdent(name)}; (DROP OWNED in every database it holds privileges in) — meshward apply creates the model's role; grant it again to the members you noted`;
  }
}

/** The live spec of a role: its attributes as read (objects.role fills nothing in). */
export function roleSpecOf(r: RoleRow): RoleSpec {
  return {
    name: r.name,
    comment: r.comment ?? '',
    superuser: r.superuser,
    inherit: r.inherit,
    createrole: r.createrole,
    createdb: r.createdb,
    login: r.login,
    replication: r.replication,
    bypassrls: r.bypassrls,
    connection_limit: r.connection_limit,
    settings: [...r.settings].map(([d, c]) => [d, c] as [string, string]).sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1])),
  };
}

/**
 * The grants an ACL holds on a managed object, one per privilege and grantee other than the owner
 * (whose privileges are implicit): WITH GRANT OPTION and "granted only by someone else than the
 * owner" are marked, so they differ from what the model grants.
 */
export function privilegesOf(acl: readonly AclEntry[], owner: string, on: GrantTarget, object: string): GrantSpec[] {
  return grouped(acl, owner, (privilege, grantee) => ({ privilege, on, object, grantee }));
}

/** Column-level grants on a managed relation: one per privilege and grantee, with its columns. */
export function columnPrivilegesOf(acl: readonly (AclEntry & { column: string })[], owner: string, object: string): GrantSpec[] {
  return grouped(acl, owner, (privilege, grantee, entries) => ({ privilege, on: 'columns', object, grantee, columns: [...new Set(entries.map((e) => e.column))].sort(compare) }));
}

function grouped<E extends AclEntry>(acl: readonly E[], owner: string, make: (privilege: Privilege, grantee: string, entries: readonly E[]) => GrantSpec): GrantSpec[] {
  const groups = new Map<string, E[]>();
  for (const a of acl) {
    if (a.grantee === owner) continue;
    const k = `${a.privilege}\u0000${a.grantee}`;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  const out: GrantSpec[] = [];
  for (const entries of groups.values()) {
    out.push({
      ...make(entries[0]!.privilege as Privilege, entries[0]!.grantee, entries),
      ...(entries.some((e) => e.grantable) ? { grantable: true as const } : {}),
      ...(entries.every((e) => e.grantor !== owner) ? { dependent: true as const } : {}),
    });
  }
  return out.sort((a, b) => compare(keys.grant(a), keys.grant(b)));
}

/**
 * Privileges of managed roles on a base table, one per privilege and grantee (WITH GRANT OPTION
 * marked). Unlike on a managed object, who granted it is not kept: a base table's grants are made
 * by its owner or whoever holds a grant option on it, never by meshward's owner role.
 */
function basePrivilegesOf<E extends AclEntry>(acl: readonly E[], make: (privilege: Privilege, grantee: string, entries: readonly E[]) => GrantSpec): GrantSpec[] {
  const groups = new Map<string, E[]>();
  for (const a of acl) {
    if (!(PRIVILEGES as readonly string[]).includes(a.privilege)) continue;
    const k = `${a.privilege}\u0000${a.grantee}`;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  return [...groups.values()].map((entries) => ({ ...make(entries[0]!.privilege as Privilege, entries[0]!.grantee, entries), ...(entries.some((e) => e.grantable) ? { grantable: true as const } : {}) }));
}

/** What a privilege meshward did not grant lets the members of a managed role do with a governed base table. */
const BASE_PRIVILEGE_EFFECT: Readonly<Record<string, string>> = {
  SELECT: 'read it in clear, around the managed view',
  TRIGGER: 'create a trigger on it that copies every new or changed row elsewhere',
  REFERENCES: 'point a foreign key at it and so probe which values exist',
  INSERT: 'write rows into it',
  UPDATE: 'change its rows',
  DELETE: 'delete its rows',
  TRUNCATE: 'empty it',
  MAINTAIN: 'lock, vacuum, analyze and refresh it',
};

export function basePrivilegeMessage(g: GrantSpec, table: string): string {
  const columns = g.on === 'columns' ? ` (${(g.columns ?? []).map(quoteIdent).join(', ')})` : '';
  const option = g.grantable ? ' WITH GRANT OPTION (and pass it on to anyone)' : '';
  return `GRANT ${g.privilege}${columns} on the governed base table ${table} to the managed role ${quoteIdent(g.grantee)}${option} was not made by meshward: every member of ${quoteIdent(g.grantee)} can ${BASE_PRIVILEGE_EFFECT[g.privilege] ?? 'use it'}; meshward apply revokes it`;
}

/**
 * What changes what the managed view over a governed base table returns, though the view itself
 * is intact (item 9): row-level security enabled or forced on the table (the view reads it as the
 * owner role, so every group sees only the rows its policies give the owner — none without one),
 * and columns the recorded view reads that were dropped, renamed or retyped.
 */
function baseTableChangesOf(rel: RelationRow, object: string, table: string, owner: string, view: ViewSpec | undefined): BaseTableChange[] {
  const out: BaseTableChange[] = [];
  if (rel.rls || rel.forceRls) {
    const applies = rel.policies.filter((p) => (p.command === 'r' || p.command === '*') && (p.roles.includes('') || p.roles.includes(owner)));
    const state = rel.forceRls ? (rel.rls ? 'enabled and forced' : 'forced') : 'enabled';
    const effect = !rel.rls
      ? 'it takes effect as soon as it is enabled'
      : rel.owner === owner && !rel.forceRls
        ? `${quoteIdent(owner)} owns the table, so it does not apply to the view until it is forced`
        : applies.length === 0
          ? `no policy lets ${quoteIdent(owner)} read, so the managed view returns no row to any group`
          : `the managed view reads it as ${quoteIdent(owner)}, so every group sees only the rows that ${applies.map((p) => quoteIdent(p.name)).join(', ')} let ${quoteIdent(owner)} see`;
    const policies = rel.policies.length ? `policies ${rel.policies.map((p) => quoteIdent(p.name)).join(', ')}` : 'no policy';
    out.push({
      code: 'BASE_TABLE_RLS',
      key: `rls:${object}`,
      object,
      table,
      message: `row-level security is ${state} on the governed base table ${table} (${policies}): ${effect}; meshward governs reads through the managed view and never enables RLS (ALTER TABLE ${object} DISABLE ROW LEVEL SECURITY${rel.forceRls ? ', NO FORCE ROW LEVEL SECURITY' : ''})`,
    });
  }
  if (view && Array.isArray(view.columns)) {
    const live = new Map(rel.columns.map(([n, t]) => [n, t]));
    const problems: string[] = [];
    for (const c of view.columns) {
      const type = live.get(c.name);
      if (type === undefined) problems.push(`column ${quoteIdent(c.name)} is gone (dropped or renamed)`);
      else if (!(view.masks && (view.masks[c.name]?.length ?? 0) > 0) && type !== c.type) problems.push(`column ${quoteIdent(c.name)} is now ${type}, the view was compiled for ${c.type}`);
    }
    if (problems.length) {
      out.push({
        code: 'BASE_TABLE_COLUMNS',
        key: `columns:${object}`,
        object,
        table,
        message: `the governed base table ${table} no longer has the columns its managed view was compiled for: ${problems.join('; ')} (the table has ${rel.columns.map(([n, t]) => `${n} ${t}`).join(', ') || 'no column'}); run meshward plan to compile the view for the table as it is`,
      });
    }
  }
  return out;
}

/**
 * Current state in the shapes compile produces. A view's spec cannot be read back from SQL, so it
 * is the spec recorded at the last apply when the live fingerprint still matches, else that spec
 * plus `drift` (what differs), so that the diff plans a replacement.
 */
export async function introspect(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[]): Promise<CurrentState> {
  const live = await readLive(conn, ctx, desired);
  if (live.governanceUntrusted) throw new TargetReadError(live.governanceUntrusted);
  const govSchemaKey = keys.schema(live.scope.governanceSchema);
  const wantsGovSchema = desired.some((o) => o.key === govSchemaKey);
  const current: NativeObject[] = [];
  const viewFingerprints: [string, string][] = [];
  for (const lo of live.objects.values()) {
    if (!lo.managed) continue;
    if (lo.object.key === govSchemaKey && !wantsGovSchema) continue; // represented by the governance object
    if (lo.object.kind === 'view') {
      current.push(servedBy(currentView(lo, live), live));
      viewFingerprints.push([lo.object.key, lo.fingerprint]);
    } else current.push(servedBy(lo.object, live));
  }
  const state: CurrentState = { objects: current, findings: live.findings, stateHash: stateHashOf(current, live.findings, viewFingerprints), queryCount: live.queryCount };
  // the record hint only when asked for (apply asks; a plan never does): at 10,000 tables it compares 185,000 recorded rows
  let record: RecordHint | undefined | null = null;
  Object.defineProperty(state, 'record', { enumerable: true, get: () => (record === null ? (record = recordHintOf(live, desired)) : record) });
  liveStates.set(state, live);
  return state;
}

/** The live state each introspect read, beside what it returned (a stamp is written from it: stamp.ts). */
const liveStates = new WeakMap<CurrentState, LiveState>();

export function liveStateOf(state: CurrentState): LiveState | undefined {
  return liveStates.get(state);
}

/** The spec as stored: with the object's domain, table, policies and access summary inside (queries.ts RecordedAbout). */
export function storedSpec(o: NativeObject): Record<string, unknown> {
  const about = aboutOf(o);
  return about ? { ...o.spec, [ABOUT_KEY]: about } : { ...o.spec };
}

/** What an object served, as stored with its spec (none: nothing to store). */
function aboutOf(o: NativeObject): RecordedAbout | undefined {
  const about: RecordedAbout = {
    ...(o.domain !== undefined ? { domain: o.domain } : {}),
    ...(o.table !== undefined ? { table: o.table } : {}),
    ...(o.policies?.length ? { policies: o.policies } : {}),
    ...(o.access ? { access: o.access } : {}),
  };
  return Object.keys(about).length ? about : undefined;
}

/**
 * What a record right after this read would write differently from the recorded rows, besides
 * the rows of the planned changes (target.ts RecordHint). The diff compares specs only, so a
 * model edit that changes only what an object served (its domain, table, policies, access
 * summary: the "about" stored with it) plans nothing, yet a full record rewrites the row. A
 * fingerprint is the same when it is recorded now as it was: a non-view's is its live spec's
 * hash; a view's is kept when its rule confirms it (view-print.ts) — any other view (recorded
 * before v2, or confirmed only by deparsing, after a restore) is restated. Absent while nothing
 * is recorded, or when no governance row is desired (a record must write at least one row).
 */
function recordHintOf(live: LiveState, desired: readonly NativeObject[]): RecordHint | undefined {
  const recorded = live.recorded;
  if (!recorded || recorded.size === 0) return undefined;
  const desiredKeys = new Set<string>();
  const restate: string[] = [];
  const always: string[] = [];
  for (const o of desired) {
    desiredKeys.add(o.key);
    if (o.kind === 'governance') always.push(o.key);
    const rec = recorded.get(o.key);
    if (!rec || !recordedAsNow(o, rec, live.objects.get(o.key))) restate.push(o.key);
  }
  if (always.length === 0) return undefined;
  const forget = [...recorded.keys()].filter((k) => !desiredKeys.has(k));
  return { restate, forget, always };
}

/** Whether recording `o` now would write exactly its recorded row (fails closed: false when unsure). */
function recordedAsNow(o: NativeObject, rec: StateRow, lo: LiveObject | undefined): boolean {
  if (rec.kind !== o.kind || !lo) return false; // not live: its change records it
  if (!sameJson(aboutOf(o) ?? null, rec.about ?? null)) return false;
  // A view's spec is not compared again: its current spec is the recorded one (currentView), so
  // the diff compares them and a view whose spec differs is a change, recorded anyway. Its SELECT
  // is tens of KB: comparing it twice per view was a tenth of a 1,000-table introspection.
  if (o.kind === 'view' || lo.view) return lo.view !== undefined && rec.fingerprint !== null && ruleMatches(rec.fingerprint, lo.view) && viewMatches(rec.fingerprint, lo.view);
  return rec.fingerprint === lo.fingerprint && sameJson(o.spec, rec.spec);
}

/**
 * A current object with the domain, table and policies it served (issue 9: a removal is shown
 * where it belonged): those recorded with it at the last apply; for one not recorded (a grant
 * made by hand), those of what it is on — the view or schema it is granted on, the schema a
 * default privilege is in. A view also gets back its access summary (recorded, or read from its
 * recorded spec).
 */
function servedBy(o: NativeObject, live: LiveState): NativeObject {
  const about = (key: string) => live.recorded?.get(key)?.about;
  const a = about(o.key) ?? aboutOfTarget(o, about);
  const out: { -readonly [K in keyof NativeObject]: NativeObject[K] } = { ...o };
  if (a?.domain !== undefined && out.domain === undefined) out.domain = a.domain;
  if (a?.table !== undefined) out.table = a.table;
  if (a?.policies !== undefined && out.policies === undefined) out.policies = a.policies;
  if (o.kind === 'view') {
    const spec = o.spec as ViewSpec;
    const access = a?.access ?? (out.table && spec.masks && Array.isArray(spec.filters) ? safeAccess(spec, out.table) : undefined);
    if (access) out.access = access;
  }
  return out;
}

/** What a live object is on, recorded: the view of a grant on a view or its columns, the schema of a schema grant or a default privilege. */
function aboutOfTarget(o: NativeObject, about: (key: string) => RecordedAbout | undefined): RecordedAbout | undefined {
  const s = o.spec;
  let a: RecordedAbout | undefined;
  if (o.kind === 'grant' && (s.on === 'view' || s.on === 'columns') && typeof s.object === 'string') {
    const parts = parseQualified(s.object);
    a = parts ? about(keys.view(parts[0], parts[1])) : undefined;
  } else if (o.kind === 'grant' && s.on === 'schema' && typeof s.object === 'string') {
    a = about(keys.schema(s.object.slice(1, -1).replace(/""/g, '"')));
  } else if (o.kind === 'default_acl' && typeof s.schema === 'string' && s.schema !== '') {
    a = about(keys.schema(s.schema));
  }
  return a ? { ...(a.domain !== undefined ? { domain: a.domain } : {}), ...(a.table !== undefined ? { table: a.table } : {}) } : undefined;
}

function safeAccess(spec: ViewSpec, table: string): AccessSummary | undefined {
  try {
    return accessOfSpec(spec, table);
  } catch {
    return undefined; // a recorded summary this version cannot read: the plan then names only the fields that changed
  }
}

function currentView(lo: LiveObject, live: LiveState): NativeObject {
  const rec = live.recorded?.get(lo.object.key);
  const spec = lo.object.spec as ViewSpec;
  const table = spec.base.schema ? neutralName(live.scope, live.governed, spec.base.schema, spec.base.table) : undefined;
  const extra = table ? { table } : {};
  if (!rec || rec.kind !== 'view') return objects.view({ ...spec, drift: 'not recorded' }, extra);
  const recSpec = rec.spec as unknown as ViewSpec;
  if (viewMatches(rec.fingerprint, lo.view!)) return objects.view(recSpec, extra);
  return objects.view({ ...recSpec, drift: describeViewDrift(recSpec, lo.view!) }, extra);
}

/** What differs between a view recorded at the last apply and the live one, in words. */
export function describeViewDrift(recorded: Partial<ViewSpec>, live: ViewRow): string {
  const parts: string[] = [];
  if (recorded.owner !== undefined && recorded.owner !== live.owner) parts.push(`owner changed from ${quoteIdent(recorded.owner)} to ${quoteIdent(live.owner)}`);
  if (recorded.comment !== undefined && recorded.comment !== (live.comment ?? '')) parts.push(`comment changed from ${JSON.stringify(recorded.comment)} to ${JSON.stringify(live.comment ?? '')}`);
  const recColumns = Array.isArray(recorded.columns) ? recorded.columns.map((c) => `${c.name} ${c.type}`) : null;
  const liveColumns = live.columns.map(([n, t]) => `${n} ${t}`);
  if (recColumns && recColumns.join(', ') !== liveColumns.join(', ')) parts.push(`columns changed from (${recColumns.join(', ')}) to (${liveColumns.join(', ')})`);
  if (parts.length === 0) return 'view definition or options changed since the last apply (its stored rule or reloptions differ)';
  return `${parts.join('; ')} since the last apply`;
}

/** Hash of what was read: stable for an unchanged database, different after any managed change. */
export function stateHashOf(current: readonly NativeObject[], findings: readonly Finding[], viewFingerprints: readonly [string, string][]): string {
  // sha256 of canonicalJson({ objects: [{ key, kind, spec }] sorted by key, findings, views }),
  // fed in pieces (pieceHash); each spec's text is the one its fingerprint already wrote.
  const hash = pieceHash();
  hash.add(`{"findings":${canonicalJson(findings)},"objects":[`);
  const sorted = [...current].sort((a, b) => compare(a.key, b.key));
  sorted.forEach((o, i) => hash.add(`${i ? ',' : ''}{"key":${JSON.stringify(o.key)},"kind":${JSON.stringify(o.kind)},"spec":${canonicalSpec(o.spec)}}`));
  const fps = [...viewFingerprints].sort((a, b) => compare(a[0], b[0]));
  hash.add(`],"views":${canonicalJson(fps)}}`);
  return hash.digest();
}

/** PUBLIC is grantee 0, read as '' — no role can be named '' (a role named "PUBLIC" can exist). */
export const PUBLIC_GRANTEE = '';

export function granteeText(grantee: string): string {
  return grantee === PUBLIC_GRANTEE ? 'PUBLIC' : quoteIdent(grantee);
}

function layoutVersion(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (v && typeof v === 'object' && 'version' in v) return layoutVersion((v as { version: unknown }).version);
  return null;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.code}|${f.object}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
