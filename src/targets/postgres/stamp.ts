import type { Connection, CurrentState, NativeObject, StampContent, StampProbe, Stamps, TargetContext } from '../target.js';
import { driftOf } from './drift.js';
import { governedTablesOf, liveFromSnapshot, liveStateOf, schemasOf, scopeOf, type Scope } from './introspect.js';
import { GOVERNANCE_TABLES } from './queries.js';
import { quoteLiteral } from './sql-text.js';
import { quoteIdent } from './naming.js';

/**
 * Convergence stamps on PostgreSQL (target.ts Stamps; README, Performance). A full read of the
 * catalog at 10,000 tables takes seconds of server time (deparse-free as it is: rule hashes,
 * ACLs, 200,000 columns, the recorded state); proving that nothing it depends on has changed
 * takes one query of counters.
 *
 * The proof rests on how PostgreSQL stores rows: every catalog row (and every governance-table
 * row) is an immutable tuple version; any INSERT, UPDATE, DDL or GRANT that changes one writes a
 * new tuple whose `xmin` is the writing transaction's id, and a DELETE makes one invisible. So
 * for each set of rows the read depends on ("scope"), the stamp records how many tuples were
 * visible and the snapshot it was taken in (`xmax`, and the ids still in progress, `xip`). Later,
 * the set is unchanged when it has as many visible tuples and none of them was written by a
 * transaction that had not committed when the stamp's snapshot was taken: every tuple is then one
 * that was already visible (a set with a new tuple has one with a new xmin; a set that only lost
 * tuples has fewer). Counting and testing `xmin` reads no column's contents, so it costs a
 * fraction of the read it stands for.
 *
 * What it relies on, and how each is held:
 *   - Transaction ids are 32 bits and wrap: a stamp older than STAMP_MAX_XIDS transactions
 *     (64-bit `xid8` distance) no longer holds, so no id can recur within its life.
 *   - In-place updates (VACUUM's relpages, reltuples, relfrozenxid…) write no new tuple: they
 *     touch no column any read of state.ts/queries.ts uses.
 *   - pg_roles is a view without `xmin` (pg_authid is for superusers): its rows are hashed whole,
 *     those of the roles a read names (`named`); the shared catalogs are counted only where a
 *     read looks, so that a role created or a database altered elsewhere in the cluster leaves
 *     the stamp holding. A role a read names is one this database's objects depend on
 *     (pg_shdepend: every owner, ACL grantee and grantor, policy role), so a grant to a new role
 *     names it only through a changed ACL, which is a new tuple.
 *   - The read's results also depend on the session: the reading identity, the database, the
 *     server version (kept in the stamp) and the pinned search_path (connect.ts).
 *   - A read that deparsed a view (pg_get_viewdef) depends on the names of everything the view
 *     calls: such a read is never stamped.
 *   - The stamp row itself and the audit chain's head (`<gov>.meta` keys `converged` and
 *     `audit_head`) are written after the read and are not what the read compares.
 *   - It is trusted as the recorded state is: only meshward's owner role (or a superuser) can
 *     write `<gov>.meta`, and a grant that lets another role write it changes a counted row.
 */

/** The `<gov>.meta` key the stamp is kept under. */
export const STAMP_KEY = 'converged';
/** `<gov>.meta` keys written after a read that no read compares (the stamp, the audit chain's head). */
const UNCOUNTED_META = [STAMP_KEY, 'audit_head'];
/** A stamp older than this many transactions no longer holds (transaction ids wrap at 2^32). */
export const STAMP_MAX_XIDS = 1_000_000_000;
const STAMP_FORMAT = 1;

/** What the stamp row holds (`<gov>.meta` value under STAMP_KEY): the counters it was proven by, and what the read said. */
interface StoredStamp extends Token {
  readonly format: number;
  readonly content: StampContent;
}

interface Session {
  readonly user: string;
  readonly database: string;
  readonly server: string;
}

/** What a probe read: the counters under a scope, in a snapshot (the token a stamp is written from). */
interface Token {
  readonly scope: { readonly prefix: string; readonly governance: string; readonly project: string; readonly bases: readonly string[] };
  readonly session: Session;
  readonly counts: Readonly<Record<string, number>>;
  readonly roles: string;
  readonly snapshot: { readonly xmax8: string; readonly xmax: string; readonly xip: readonly string[] };
}

/** A scope's visible rows, and how many of them are newer than the stamp's snapshot: `[count, new]`. */
function counter(name: string, from: string): string {
  const fresh = `x.xmin = ANY ($5::xid[]) OR age(x.xmin) <= (SELECT age($4::xid))`; // the bound once, not per row
  return `(SELECT ARRAY[count(*), count(*) FILTER (WHERE ${fresh})] FROM ${from}) AS "${name}"`;
}

/**
 * The counters, one query: $1 prefix, $2 governance schema, $3 base schemas, $4 the stamp's
 * snapshot xmax (32-bit), $5 the ids in progress then. Scopes mirror queries.ts and inventory.ts:
 * the schemas of the managed prefix, the governance schema, the base schemas and every other
 * schema the inventory reads; their relations, columns, rules, the rules' dependencies and the
 * relations they name, the columns' types (and element and domain base types), comments, policies; every namespace, default ACL, membership, shared comment, role
 * setting and database (small, shared); the governance tables' rows.
 */
export function probeQuery(governance: string, present: readonly string[]): string {
  const g = quoteIdent(governance);
  // every schema the inventory reads (inventory.ts: all but the system ones) besides the managed
  // ones: a held stamp then proves the inventory unchanged too, so a stamped plan need not read it
  const scoped = `pg_catalog.pg_namespace AS sn WHERE left(sn.nspname, length($1::text)) = $1::text OR sn.nspname = $2::text OR sn.nspname = ANY ($3::text[])
    OR (sn.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND left(sn.nspname, 3) <> 'pg_')`;
  const parts = [
    // every schema (a column's type prints with its schema's name), but the temporary ones a session creates on first use
    counter('namespaces', `pg_catalog.pg_namespace AS x WHERE x.nspname !~ '^pg_(toast_)?temp_[0-9]+$'`),
    counter('relations', 'rel AS x'),
    counter('attributes', 'att AS x'),
    counter('rules', 'rw AS x'),
    counter('depends', 'dep AS x'),
    counter('bases', 'pg_catalog.pg_class AS x WHERE x.oid IN (SELECT refobjid FROM dep) AND x.oid NOT IN (SELECT oid FROM rel)'),
    counter('types', 'pg_catalog.pg_type AS x WHERE x.oid IN (SELECT oid FROM typ) OR x.oid IN (SELECT typelem FROM typ) OR x.oid IN (SELECT typbasetype FROM typ)'),
    counter('descriptions', 'pg_catalog.pg_description AS x WHERE x.objoid IN (SELECT oid FROM rel) OR x.objoid IN (SELECT oid FROM ns)'),
    counter('policies', 'pg_catalog.pg_policy AS x WHERE x.polrelid IN (SELECT oid FROM rel)'),
    counter('default_acls', 'pg_catalog.pg_default_acl AS x'),
    // the shared catalogs (one per cluster) only where a read looks: the prefixed roles' rows
    counter('memberships', 'pg_catalog.pg_auth_members AS x WHERE x.roleid IN (SELECT oid FROM pre) OR x.member IN (SELECT oid FROM pre)'),
    counter('shdescriptions', `pg_catalog.pg_shdescription AS x WHERE x.classoid = 'pg_catalog.pg_authid'::regclass AND x.objoid IN (SELECT oid FROM pre)`),
    counter('role_settings', 'pg_catalog.pg_db_role_setting AS x WHERE x.setrole IN (SELECT oid FROM pre)'),
    counter('databases', 'pg_catalog.pg_database AS x WHERE x.oid IN (SELECT s.setdatabase FROM pg_catalog.pg_db_role_setting AS s WHERE s.setrole IN (SELECT oid FROM pre))'),
    ...GOVERNANCE_TABLES.filter((t) => present.includes(t)).map((t) =>
      counter(`gov_${t}`, `${g}.${quoteIdent(t)} AS x${t === 'meta' ? ` WHERE x.key <> ALL (ARRAY[${UNCOUNTED_META.map((k) => `'${k}'`).join(', ')}]::text[])` : ''}`),
    ),
  ];
  return `
WITH ns AS (SELECT sn.oid FROM ${scoped}),
pre AS (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE left(r.rolname, length($1::text)) = $1::text),
named AS (
  -- the roles whose name or attributes a read prints: the prefixed ones, the reading identity,
  -- the built-in ones (below FirstNormalObjectId: the bootstrap superuser and the predefined
  -- roles, which hold no pg_shdepend rows), every role an object of this database names (owner,
  -- ACL grantee or grantor, policy: pg_shdepend), and the other side of a prefixed membership
  SELECT oid FROM pre
  UNION SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user OR r.oid < 16384
  UNION SELECT d.refobjid FROM pg_catalog.pg_shdepend AS d
        WHERE d.refclassid = 'pg_catalog.pg_authid'::regclass AND d.dbid = (SELECT db.oid FROM pg_catalog.pg_database AS db WHERE db.datname = pg_catalog.current_database())
  UNION SELECT m.member FROM pg_catalog.pg_auth_members AS m WHERE m.roleid IN (SELECT oid FROM pre)
  UNION SELECT m.roleid FROM pg_catalog.pg_auth_members AS m WHERE m.member IN (SELECT oid FROM pre)),
rel AS (SELECT c.oid, c.xmin FROM pg_catalog.pg_class AS c WHERE c.relnamespace IN (SELECT oid FROM ns)),
rw AS (SELECT r.oid, r.xmin FROM pg_catalog.pg_rewrite AS r WHERE r.ev_class IN (SELECT oid FROM rel)),
dep AS (SELECT d.refobjid, d.xmin FROM pg_catalog.pg_depend AS d WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid IN (SELECT oid FROM rw)),
att AS MATERIALIZED (SELECT a.atttypid, a.xmin FROM pg_catalog.pg_attribute AS a WHERE a.attrelid IN (SELECT oid FROM rel)),
typ AS (SELECT t.oid, t.typelem, t.typbasetype FROM pg_catalog.pg_type AS t WHERE t.oid IN (SELECT atttypid FROM att))
SELECT ${parts.join(',\n       ')},
       (SELECT count(*)::text || ':' || COALESCE(sum(pg_catalog.hashtextextended(r::text, 0)), 0)::text FROM pg_catalog.pg_roles AS r WHERE r.oid IN (SELECT oid FROM named)) AS roles,
       current_user::text AS session_user_name, pg_catalog.current_database()::text AS session_database,
       pg_catalog.current_setting('server_version_num') AS session_server,
       pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text AS xmax8,
       pg_catalog.xid(pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()))::text AS xmax,
       ARRAY(SELECT pg_catalog.xid(x)::text FROM pg_catalog.pg_snapshot_xip(pg_catalog.pg_current_snapshot()) AS x ORDER BY 1) AS xip`;
}

/** Which governance tables exist (the probe reads only those), and the stamp row when `meta` does. */
const PRESENT_QUERY = `
SELECT COALESCE(array_agg(c.relname::text ORDER BY c.relname) FILTER (WHERE c.relname IS NOT NULL), '{}') AS present
FROM pg_catalog.pg_namespace AS n
LEFT JOIN pg_catalog.pg_class AS c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND c.relname IN ('state', 'tags', 'meta', 'attributes')
WHERE n.nspname = $1::text`;

const stampRowQuery = (gov: string) => `SELECT m.value::text AS value FROM ${quoteIdent(gov)}."meta" AS m WHERE m.key = $1::text`;

async function presentTables(conn: Connection, gov: string): Promise<string[]> {
  return ((await conn.query(PRESENT_QUERY, [gov])).rows[0]?.present as string[] | undefined) ?? [];
}

async function probe(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[] = []): Promise<StampProbe> {
  const scope = scopeOf(ctx);
  const gov = scope.governanceSchema;
  const present = await presentTables(conn, gov);
  const stored = present.includes('meta') ? parseStored((await conn.query(stampRowQuery(gov), [STAMP_KEY])).rows[0]?.value) : null;
  // the desired objects' base schemas (the read adds the recorded ones, which the stamp's cover)
  const bases = [...new Set([...schemasOf(governedTablesOf(desired)), ...(stored && sameScope(stored.scope, scope) ? stored.scope.bases : [])])].sort();
  const { token, fresh } = await counters(conn, scope, present, bases, stored?.snapshot);
  const why = stored ? whyNot(stored, token, fresh) : 'no stamp';
  return { holds: why === null ? stored!.content : null, why: why ?? 'holds', token };
}

/** Whether nothing a read depends on has changed since `probed` was taken (its counters, its snapshot). */
async function unchanged(conn: Connection, ctx: TargetContext, probed: StampProbe): Promise<boolean> {
  const then = probed.token as Token | undefined;
  if (!then) return false;
  const scope = scopeOf(ctx);
  const { token, fresh } = await counters(conn, scope, await presentTables(conn, scope.governanceSchema), then.scope.bases, then.snapshot);
  return whyNot(then, token, fresh) === null;
}

/** The counters under a scope, and which of them hold rows newer than `since` (a stamp's snapshot). */
async function counters(conn: Connection, scope: Scope, present: readonly string[], bases: readonly string[], since: Token['snapshot'] | undefined): Promise<{ token: Token; fresh: string[] }> {
  const gov = scope.governanceSchema;
  const { rows } = await conn.query(probeQuery(gov, present), [scope.prefix, gov, bases, since?.xmax ?? '0', since?.xip ?? []]);
  const r = rows[0]!;
  const counts: Record<string, number> = {};
  const fresh: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (!Array.isArray(v) || k === 'xip') continue;
    counts[k] = Number(v[0]);
    if (Number(v[1]) > 0) fresh.push(k);
  }
  const token: Token = {
    scope: { prefix: scope.prefix, governance: gov, project: scope.project, bases },
    session: { user: String(r.session_user_name), database: String(r.session_database), server: String(r.session_server) },
    counts,
    roles: String(r.roles),
    snapshot: { xmax8: String(r.xmax8), xmax: String(r.xmax), xip: (r.xip as string[]).map(String) },
  };
  return { token, fresh };
}

/** Why a stored stamp does not prove the probed state unchanged, or null when it does. */
function whyNot(stored: Token, now: Token, fresh: readonly string[]): string | null {
  if (!sameScope(stored.scope, now.scope)) return 'the stamp was written for another prefix, governance schema or project';
  if (now.scope.bases.some((b) => !stored.scope.bases.includes(b))) return 'the model governs tables in schemas the stamp does not cover';
  if (stored.session.user !== now.session.user || stored.session.database !== now.session.database || stored.session.server !== now.session.server) {
    return 'the stamp was written by another identity, in another database or on another server version';
  }
  const age = BigInt(now.snapshot.xmax8) - BigInt(stored.snapshot.xmax8);
  if (age < 0n || age >= BigInt(STAMP_MAX_XIDS)) return `the stamp is ${age} transactions old`;
  if (fresh.length) return `rows written since the stamp: ${fresh.join(', ')}`;
  const changed = Object.keys({ ...stored.counts, ...now.counts }).filter((k) => stored.counts[k] !== now.counts[k]);
  if (changed.length) return `rows removed since the stamp: ${changed.join(', ')}`;
  if (stored.roles !== now.roles) return 'roles changed since the stamp';
  return null;
}

function sameScope(a: Token['scope'], b: Scope | Token['scope']): boolean {
  const governance = 'governance' in b ? b.governance : b.governanceSchema;
  return a.prefix === b.prefix && a.governance === governance && a.project === b.project;
}

/** A stamp row, or null when there is none or it is not one this version wrote (then it never holds). */
function parseStored(value: unknown): StoredStamp | null {
  if (typeof value !== 'string') return null;
  try {
    const s = JSON.parse(value) as Partial<StoredStamp>;
    const ok =
      s.format === STAMP_FORMAT &&
      typeof s.scope?.prefix === 'string' &&
      Array.isArray(s.scope.bases) &&
      typeof s.session?.user === 'string' &&
      typeof s.counts === 'object' &&
      typeof s.roles === 'string' &&
      /^\d+$/.test(String(s.snapshot?.xmax8)) &&
      /^\d+$/.test(String(s.snapshot?.xmax)) &&
      Array.isArray(s.snapshot?.xip) &&
      s.snapshot.xip.every((x) => /^\d+$/.test(String(x))) &&
      typeof s.content === 'object';
    return ok ? (s as StoredStamp) : null;
  } catch {
    return null;
  }
}

async function write(conn: Connection, ctx: TargetContext, probed: StampProbe, read: CurrentState, content: Omit<StampContent, 'drift'>): Promise<boolean> {
  const token = probed.token as Token | undefined;
  const live = liveStateOf(read);
  if (!token || !live || live.governanceUntrusted || !live.recorded) return false;
  const snap = live.snapshot;
  // the read must be one the counters prove: within their scope, and with no view deparsed
  if ((snap.deparsed ?? 0) > 0 || snap.baseSchemas.some((b) => !token.scope.bases.includes(b))) return false;
  // drift reads the base schemas of the recorded state only: the same read when they are all of them
  const recordedBases = schemasOf(governedTablesOf(snap.state ?? [])).sort();
  const driftItems = recordedBases.join('\u0000') === [...snap.baseSchemas].join('\u0000') ? driftOf({ ...liveFromSnapshot(snap, live.scope, new Map(), {}), snapshot: snap, queryCount: 0 }, ctx) : null;
  const stored: StoredStamp = { format: STAMP_FORMAT, ...token, content: { ...content, drift: driftItems } };
  const meta = `${quoteIdent(token.scope.governance)}."meta"`;
  await conn.query(`INSERT INTO ${meta} AS m (key, value) VALUES ($1::text, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [STAMP_KEY, JSON.stringify(stored)]);
  return true;
}

/** What compile reads of the target block: every setting but the connection's (`url` may carry a password). */
function compileSettings(ctx: TargetContext): Readonly<Record<string, unknown>> {
  const { url: _url, ...rest } = ctx.settings;
  return rest;
}

export const postgresStamps: Stamps = { probe, unchanged, write, compileSettings };
