import { Diagnostics } from '../../config/diagnostics.js';
import type { Resolved } from '../../resolve/resolve.js';
import type { Connection, TargetContext } from '../target.js';
import { quoteIdent } from './naming.js';
import { namesForResolved } from './native-names.js';
import { compile } from './compile.js';
import { keys, qualified, type ViewSpec } from './objects.js';
import { asPrincipal } from './probe.js';

/**
 * `meshward query --as G… "SQL"` (issue 8, item 8): exactly one read-only query, as a principal
 * of those groups, and nothing else.
 *
 * 1. The text is parsed with PostgreSQL's own grammar (libpg-query: the server's parser compiled
 *    to WebAssembly). It must be exactly one statement, a SELECT — `WITH … SELECT`, `VALUES` and
 *    `TABLE` are SELECTs to the grammar — without `INTO` (creates a table), without a locking
 *    clause (`FOR UPDATE/SHARE`), without a data-modifying `WITH` (INSERT/UPDATE/DELETE/MERGE),
 *    anywhere in it. Functions, operators and types must be pg_catalog's (unqualified names
 *    resolve there alone: search_path is pinned), and none that changes the session's role
 *    (`set_config`: `set_config('role', …)` and `set_config('session_authorization', …)` are
 *    callable by anyone and would switch back to the connecting identity), runs SQL text
 *    (`query_to_xml` and the other `*_to_xml*`, `ts_stat`, `ts_rewrite`, dblink) or takes a
 *    session-level advisory lock (those outlive the rollback).
 * 2. It runs in one transaction that always rolls back (probe.ts's asPrincipal): the probe role
 *    (NOLOGIN, member of the groups' roles) is created inside it — so it can never survive — and
 *    `SET LOCAL ROLE` to it; then the transaction is made READ ONLY, `standard_conforming_strings`
 *    and `search_path` are pinned, and the statement runs wrapped as `SELECT * FROM (<statement>) AS q` — the exact
 *    text the parser saw as the one statement, so that a server reading it differently meets a
 *    syntax error, never a second statement.
 *    Before the role is switched (still as the connecting identity, search_path already pinned),
 *    every relation the parse tree names (each RangeVar that is not a WITH query's name in scope)
 *    is resolved through the catalog (to_regclass) and must be a managed view meshward made for
 *    consumers — compiled from the model AND recorded by apply in `<gov>.state`, owned by the
 *    owner role the model names — or a relation of
 *    pg_catalog / information_schema. Anything else is refused by name: a view of any other schema
 *    can call any function, and a function can `set_config('role', …)` back to the connecting
 *    identity, read a governed base table, and switch back before the check below.
 * 3. After it, still inside the transaction, `current_user` and the `role` setting must still be
 *    the probe; otherwise the rows are thrown away and the query refused.
 */

/** A query refused before (or after) it ran: the message says why. */
export class QueryRefused extends Error {
  override readonly name = 'QueryRefused';
}

/** Functions a consumer query may not call, by name (any schema). */
const FORBIDDEN_FUNCTIONS: readonly (string | RegExp)[] = [
  'set_config', // set_config('role' | 'session_authorization', …): back to the connecting identity
  /^(query|cursor|table|schema|database)_to_xml/, // run SQL text, or read whole tables by name
  /^(query|cursor|table|schema|database)_to_xmlschema$/,
  'ts_stat', // runs SQL text
  'ts_rewrite', // its (tsquery, text) form runs SQL text
  /^dblink/, // another session, as another identity
  /^pg_(try_)?advisory_(xact_)?lock/, // session locks outlive the rollback
];

const WHAT = 'exactly one read-only query: SELECT, WITH … SELECT, VALUES or TABLE';

type Node = Record<string, unknown>;

interface ParsedStatement {
  readonly stmt: Node;
  readonly stmt_location?: number;
  readonly stmt_len?: number;
}

let parser: Promise<(sql: string) => Promise<{ stmts?: ParsedStatement[] }>> | undefined;
function loadParser(): Promise<(sql: string) => Promise<{ stmts?: ParsedStatement[] }>> {
  parser ??= import('libpg-query').then((m) => m.parse as unknown as (sql: string) => Promise<{ stmts?: ParsedStatement[] }>);
  return parser;
}

/** The statement's kind as PostgreSQL's grammar names it, e.g. `SelectStmt`, `VariableSetStmt`. */
const kindOf = (stmt: Node): string => Object.keys(stmt)[0] ?? 'unknown';

/** Plain words for a statement kind (`VariableSetStmt` -> `SET/RESET`), for messages. */
function kindWords(kind: string): string {
  const words: Record<string, string> = {
    VariableSetStmt: 'SET/RESET',
    TransactionStmt: 'a transaction command (BEGIN/COMMIT/ROLLBACK…)',
    GrantStmt: 'GRANT/REVOKE',
    GrantRoleStmt: 'GRANT/REVOKE of a role',
    InsertStmt: 'INSERT',
    UpdateStmt: 'UPDATE',
    DeleteStmt: 'DELETE',
    MergeStmt: 'MERGE',
    CopyStmt: 'COPY',
    CreateStmt: 'CREATE TABLE',
    CreateTableAsStmt: 'CREATE TABLE AS / SELECT INTO',
    DoStmt: 'DO',
    CallStmt: 'CALL',
    ExplainStmt: 'EXPLAIN',
  };
  return words[kind] ?? kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/**
 * Checks a consumer query; returns the text of its one statement (as the parser delimited it).
 * Throws QueryRefused saying what is not allowed.
 */
export async function checkConsumerQuery(sql: string): Promise<string> {
  if (sql.trim() === '') throw new QueryRefused(`the query is empty; query --as runs ${WHAT}`);
  let parsed: { stmts?: ParsedStatement[] };
  try {
    parsed = await (await loadParser())(sql);
  } catch (e) {
    const details = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const at = details?.cursorPosition !== undefined && details.cursorPosition >= 0 ? ` (at character ${details.cursorPosition + 1})` : '';
    throw new QueryRefused(`cannot parse the query: ${(e as Error).message}${at}`);
  }
  const stmts = parsed.stmts ?? [];
  if (stmts.length === 0) throw new QueryRefused(`the query is empty; query --as runs ${WHAT}`);
  if (stmts.length > 1) {
    throw new QueryRefused(`the query holds ${stmts.length} statements (${stmts.map((s) => kindWords(kindOf(s.stmt))).join('; ')}); query --as runs ${WHAT}, once`);
  }
  const [only] = stmts;
  const kind = kindOf(only!.stmt);
  if (kind !== 'SelectStmt') throw new QueryRefused(`${kindWords(kind)} is not a query; query --as runs ${WHAT}`);
  walk(only!.stmt);
  const start = only!.stmt_location ?? 0;
  const text = only!.stmt_len ? sql.slice(start, start + only!.stmt_len) : sql.slice(start);
  return text.trim();
}

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((n) => (isNode(n) && isNode(n.String) ? String(n.String.sval ?? '') : '')) : [];
}

function checkQualified(what: string, parts: string[]): void {
  if (parts.length > 1 && parts[parts.length - 2] !== 'pg_catalog') {
    throw new QueryRefused(`${what} ${parts.join('.')} is not PostgreSQL's own (pg_catalog): query --as calls only built-in functions, operators and types`);
  }
}

/** Every node of the statement: nothing that writes, locks, creates, or changes the role. */
function walk(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v);
    return;
  }
  if (!isNode(value)) return;
  // a SELECT, wrapped ({SelectStmt: …}) or not (a UNION's larg/rarg)
  if (value.intoClause) throw new QueryRefused(`SELECT … INTO creates a table; query --as runs ${WHAT}`);
  if (Array.isArray(value.lockingClause) && value.lockingClause.length) throw new QueryRefused(`FOR UPDATE/SHARE locks rows; query --as runs ${WHAT}, without a locking clause`);
  for (const [key, child] of Object.entries(value)) {
    if (/Stmt$/.test(key) && key !== 'SelectStmt') throw new QueryRefused(`${kindWords(key)} inside the query (a data-modifying WITH?) is not allowed; query --as runs ${WHAT}`);
    if (key === 'FuncCall' && isNode(child)) {
      const parts = names(child.funcname);
      checkQualified('function', parts);
      const name = (parts[parts.length - 1] ?? '').toLowerCase();
      if (FORBIDDEN_FUNCTIONS.some((f) => (typeof f === 'string' ? f === name : f.test(name)))) {
        throw new QueryRefused(`${name}() is not allowed in query --as: it could change the role the query runs as, run other SQL, or outlive the query`);
      }
    }
    if (key === 'A_Expr' && isNode(child)) checkQualified('operator', names(child.name));
    if (key === 'SubLink' && isNode(child)) checkQualified('operator', names(child.operName)); // x OPERATOR(s.=) ANY (…)
    if (key === 'SortBy' && isNode(child)) checkQualified('operator', names(child.useOp)); // ORDER BY x USING OPERATOR(s.<)
    if (key === 'RangeTableSample' && isNode(child)) checkQualified('sampling method', names(child.method));
    if ((key === 'TypeName' || key === 'typeName') && isNode(child)) checkQualified('type', names(child.names));
    walk(child);
  }
}

/** A relation the query names (a RangeVar of its parse tree that is not a WITH query's name). */
export interface NamedRelation {
  readonly parts: readonly string[];
  /** The name as PostgreSQL resolves it, each part quoted (`"s"."t"`, or `"t"` on the pinned search_path). */
  readonly text: string;
}

/**
 * Every relation the statement names: each RangeVar of its parse tree, except the names of WITH
 * queries where they are in scope (a WITH list's names are visible in its statement, and in its
 * own queries when RECURSIVE, else in the later ones only — as PostgreSQL scopes them).
 */
export async function relationsOf(statement: string): Promise<NamedRelation[]> {
  const parsed = await (await loadParser())(statement);
  const out = new Map<string, NamedRelation>();
  const visit = (value: unknown, scope: readonly string[]): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, scope);
      return;
    }
    if (!isNode(value)) return;
    let inner = scope;
    const withClause = isNode(value.withClause) ? value.withClause : undefined;
    if (withClause) {
      const ctes = (Array.isArray(withClause.ctes) ? withClause.ctes : []).map((c) => (isNode(c) && isNode(c.CommonTableExpr) ? c.CommonTableExpr : {}));
      const ctenames = ctes.map((c) => String(c.ctename ?? ''));
      ctes.forEach((c, i) => visit(c, [...scope, ...(withClause.recursive === true ? ctenames : ctenames.slice(0, i))]));
      inner = [...scope, ...ctenames];
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === 'withClause') continue;
      if (key === 'RangeVar' && isNode(child)) {
        const parts = [child.catalogname, child.schemaname, child.relname].filter((p): p is string => typeof p === 'string' && p !== '');
        if (parts.length === 1 && inner.includes(parts[0]!)) continue; // a WITH query in scope
        const text = parts.map((p) => quoteIdent(p)).join('.');
        out.set(text, { parts, text });
        continue;
      }
      visit(child, inner);
    }
  };
  for (const st of parsed.stmts ?? []) visit(st.stmt, []);
  return [...out.values()];
}

/** The catalog schemas a consumer query may read: PostgreSQL's own. */
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/** What query --as may read, for the refusal message. */
const ALLOWED = "query --as reads only meshward's managed views (made by apply for consumers) and PostgreSQL's catalogs (pg_catalog, information_schema)";

/**
 * The relations meshward made for consumers and that may be read, by key, with their owner: the
 * managed views the model compiles to that apply has also recorded in the governance state
 * (`<gov>.state`). Read as the connecting identity, inside the sandbox transaction.
 */
async function consumerViews(conn: Connection, ctx: TargetContext, resolved: Resolved | undefined): Promise<Map<string, string>> {
  if (!resolved) return new Map();
  // its own diagnostics: compiling here only names the views, it reports nothing
  const compiled = new Map(
    compile(resolved, { ...ctx, diagnostics: new Diagnostics() })
      .filter((o) => o.kind === 'view')
      .map((o) => [o.key, String((o.spec as ViewSpec).owner)] as const),
  );
  if (compiled.size === 0) return compiled;
  const gov = namesForResolved(resolved, ctx.settings).governance;
  const { rows: has } = await conn.query(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = $1::text AND c.relname = 'state' AND c.relkind IN ('r', 'p')) AS has_state`,
    [gov],
  );
  if (has[0]?.has_state !== true) return new Map();
  const { rows } = await conn.query(`SELECT s.key::text AS key FROM ${quoteIdent(gov)}."state" AS s WHERE s.kind = 'view' AND s.key = ANY ($1::text[])`, [[...compiled.keys()]]);
  return new Map(rows.map((r) => [String(r.key), compiled.get(String(r.key))!]));
}

/**
 * Resolves every relation the statement names through the catalog (search_path already pinned)
 * and refuses any that is neither a managed view meshward made for consumers nor a catalog
 * relation — a view of another schema can run any function, which can change the role.
 */
async function checkRelations(conn: Connection, ctx: TargetContext, resolved: Resolved | undefined, statement: string): Promise<void> {
  const relations = await relationsOf(statement);
  if (relations.length === 0) return;
  const { rows } = await conn.query(
    `SELECT x.i::int AS i, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind, pg_catalog.pg_get_userbyid(c.relowner)::text AS owner
     FROM unnest($1::text[]) WITH ORDINALITY AS x(name, i)
     LEFT JOIN pg_catalog.pg_class AS c ON c.oid = pg_catalog.to_regclass(x.name)
     LEFT JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     ORDER BY x.i`,
    [relations.map((r) => r.text)],
  );
  const views = await consumerViews(conn, ctx, resolved);
  relations.forEach((rel, index) => {
    const row = rows.find((r) => Number(r.i) === index + 1);
    if (!row || row.schema === null || row.schema === undefined) {
      throw new QueryRefused(`relation ${rel.text} does not exist (unqualified names resolve in pg_catalog only); ${ALLOWED}`);
    }
    const schema = String(row.schema);
    if (CATALOG_SCHEMAS.has(schema)) return;
    const found = qualified(schema, String(row.name));
    const owner = views.get(keys.view(schema, String(row.name)));
    if (row.relkind === 'v' && owner !== undefined && row.owner === owner) return; // made by meshward, still owned by its owner role
    throw new QueryRefused(`relation ${found} is not allowed: ${ALLOWED}`);
  });
}

/**
 * Runs one checked consumer query as a principal of `groups` (see the module comment) and returns
 * its rows. The transaction always rolls back, and the probe role with it.
 */
export async function runAsPrincipal(conn: Connection, ctx: TargetContext, groups: readonly string[], sql: string, resolved?: Resolved): Promise<Record<string, unknown>[]> {
  const statement = await checkConsumerQuery(sql);
  return runChecked(conn, ctx, groups, statement, resolved);
}

/**
 * The runner itself, for a statement already checked (exported for the tests of its runtime
 * guard). Without `resolved` no managed view is allowed: the statement may read catalogs only.
 */
export async function runChecked(conn: Connection, ctx: TargetContext, groups: readonly string[], statement: string, resolved?: Resolved): Promise<Record<string, unknown>[]> {
  // asPrincipal: BEGIN, the probe role created inside the transaction, SET LOCAL ROLE to it, … ROLLBACK (always).
  return asPrincipal(
    conn,
    ctx,
    groups,
    async () => {
      const probe = String((await conn.query('SELECT current_user::text AS u')).rows[0]?.u ?? '');
      await conn.exec('SET LOCAL transaction_read_only = on');
      await conn.exec('SET LOCAL standard_conforming_strings = on');
      await conn.exec('SET LOCAL search_path = pg_catalog, pg_temp');
      const result = await conn.query(`SELECT * FROM (\n${statement}\n) AS ${quoteIdent('query')}`);
      const rows = Array.isArray(result?.rows) ? result.rows : [];
      const who = (await conn.query(`SELECT current_user::text AS current_user_, pg_catalog.current_setting('role') AS role_, pg_catalog.current_setting('transaction_read_only') AS ro`)).rows[0] ?? {};
      if (!probe.startsWith(`${ctx.model.project.managedPrefix}probe_`) || who.current_user_ !== probe || who.role_ !== probe || who.ro !== 'on') {
        throw new QueryRefused(`the query changed the role it runs as (to ${String(who.current_user_)}): its rows are not shown`);
      }
      return rows;
    },
    {
      // Still the connecting identity, inside the transaction: every relation the statement
      // names is resolved on the pinned search_path and must be a consumer view or a catalog's.
      beforeRole: async () => {
        await conn.exec('SET LOCAL search_path = pg_catalog, pg_temp');
        await checkRelations(conn, ctx, resolved, statement);
      },
    },
  );
}

/** `analytics.sales.customers` -> `"mw_sales"."customers"` for every governed table, case-insensitively. */
export function rewriteNeutralNames(sql: string, resolved: Resolved, ctx: TargetContext): string {
  const native = namesForResolved(resolved, ctx.settings);
  return rewriteNames(
    sql,
    resolved.tables.map((t) => ({ parts: t.table.parts, view: qualified(native.schema(t.table.parts[1]), t.table.parts[2]) })),
  );
}

/**
 * Replaces every neutral name (its parts, each bare or double-quoted, joined by dots) by its
 * view. The view text is inserted as it is — through a replacer function, never a replacement
 * string, whose `$&`, `$1`, `` $` `` and `$'` patterns would mangle a hostile name.
 */
export function rewriteNames(sql: string, names: readonly { readonly parts: readonly string[]; readonly view: string }[]): string {
  // Longest first so that a name never rewrites part of a longer one.
  const sorted = [...names].sort((a, b) => b.parts.join('.').length - a.parts.join('.').length);
  let out = sql;
  for (const n of sorted) {
    const part = (p: string) => `(?:${escapeRegExp(p)}|"${escapeRegExp(p.replace(/"/g, '""'))}")`;
    const re = new RegExp(`(?<![\\w."])${n.parts.map(part).join('\\.')}(?![\\w"])`, 'giu');
    out = out.replace(re, () => n.view);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
