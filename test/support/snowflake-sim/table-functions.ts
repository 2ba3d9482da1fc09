import { hasAnyPriv, hasGlobal, hasPriv, owns } from './access.js';
import type { Expr } from './ast.js';
import { effectiveTags, fqnParts, lookupObject } from './catalog.js';
import type { Ctx } from './context.js';
import { SimError, compileError, notExist, unknownFunction } from './errors.js';
import { EMPTY_SCOPE, evalExpr, type Scope } from './eval.js';
import { parseNameString, qualified } from './names.js';
import { resolveMask } from './protect.js';
import type { QueryResult } from './query.js';
import type { Account, Policy, Table, Tag } from './state.js';
import { VARCHAR } from './types.js';
import { toText, type Value } from './values.js';

type Fn = Extract<Expr, { k: 'fn' }>;

const text = (names: readonly string[]): QueryResult['cols'] => names.map((name) => ({ name, type: VARCHAR }));

/** TABLE(…) functions: RESULT_SCAN and the INFORMATION_SCHEMA table functions. Unknown → "Unknown function". */
export function callTableFunction(fn: Fn, ctx: Ctx, outer: Scope | null): QueryResult {
  const parts = fn.name.split('.');
  const base = parts[parts.length - 1]!;
  const prefix = parts.slice(0, -1);
  const arg = (e: Expr | undefined): string | null => {
    if (!e) return null;
    const v = evalExpr(e, outer ?? EMPTY_SCOPE, ctx);
    return v === null ? null : toText(v);
  };
  if (base === 'RESULT_SCAN' && prefix.length === 0) return resultScan(ctx, arg(fn.args[0]));
  const isInfo = prefix.length === 0 ? ctx.session.database !== null : prefix[prefix.length - 1] === 'INFORMATION_SCHEMA' && prefix.length <= 2;
  if (!isInfo) throw unknownFunction(fn.name);
  const db = prefix.length === 2 ? prefix[0]! : ctx.session.database;
  if (!db) throw new SimError('090105', '22000', "Cannot perform SELECT. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
  if (db !== 'SNOWFLAKE') {
    const d = ctx.account.databases.get(db);
    if (!d || !hasPriv(ctx.account, ctx.privRoles, d, 'USAGE')) throw notExist('Database', qualified(db));
  }
  switch (base) {
    case 'POLICY_REFERENCES': return policyReferences(ctx, fn, arg);
    case 'TAG_REFERENCES': return tagReferences(ctx, arg(fn.args[0]), arg(fn.args[1]));
    case 'TAG_REFERENCES_ALL_COLUMNS': return tagReferencesAllColumns(ctx, arg(fn.args[0]), arg(fn.args[1]));
  }
  throw unknownFunction(fn.name);
}

/** RESULT_SCAN(query_id) — a previous result of this user, column names as returned (SHOW: lower case) (https://docs.snowflake.com/en/sql-reference/functions/result_scan). */
function resultScan(ctx: Ctx, id: string | null): QueryResult {
  const q = id === null ? undefined : ctx.account.queryHistory.find((x) => x.QUERY_ID === id);
  const r = id === null ? undefined : ctx.account.results.get(id);
  if (!q || !r || q.USER_NAME !== ctx.session.user) throw new SimError('000709', '02000', `Statement ${id ?? 'NULL'} not found`);
  return { cols: r.columns.map((c) => ({ name: c.name, type: c.type })), rows: r.rows.map((row) => [...row]) };
}

const POLICY_REF_COLS = ['POLICY_DB', 'POLICY_SCHEMA', 'POLICY_NAME', 'POLICY_KIND', 'REF_DATABASE_NAME', 'REF_SCHEMA_NAME', 'REF_ENTITY_NAME', 'REF_ENTITY_DOMAIN', 'REF_COLUMN_NAME', 'REF_ARG_COLUMN_NAMES', 'TAG_DATABASE', 'TAG_SCHEMA', 'TAG_NAME', 'POLICY_STATUS'];

interface Ref { policy: Policy; row: Value[]; table: Table | null; tag: Tag | null }

function allTables(a: Account): Table[] {
  return [...a.databases.values()].flatMap((d) => [...d.schemas.values()]).flatMap((s) => [...s.tables.values()]);
}

function allTags(a: Account): Tag[] {
  return [...a.databases.values()].flatMap((d) => [...d.schemas.values()]).flatMap((s) => [...s.tagObjects.values()]);
}

/** Every attachment in the account, as POLICY_REFERENCES rows. */
function references(a: Account): Ref[] {
  const out: Ref[] = [];
  const pol = (p: Policy): Value[] => [...fqnParts(p), p.kind];
  for (const t of allTables(a)) {
    const [d, s, n] = fqnParts(t);
    if (t.rap) out.push({ policy: t.rap.policy, table: t, tag: null, row: [...pol(t.rap.policy), d, s, n, 'TABLE', null, JSON.stringify(t.rap.on), null, null, null, 'ACTIVE'] });
    for (const c of t.columns) {
      const m = resolveMask(t, c);
      if (m.k === 'mask') {
        const tag = m.via ? fqnParts(m.via) : [null, null, null];
        out.push({ policy: m.policy, table: t, tag: m.via, row: [...pol(m.policy), d, s, n, 'TABLE', c.name, m.using && m.using.length > 1 ? JSON.stringify(m.using.slice(1)) : null, ...tag, 'ACTIVE'] });
      } else if (m.k === 'conflict') {
        m.policies.forEach((p, i) => out.push({ policy: p, table: t, tag: m.tags[i]!, row: [...pol(p), d, s, n, 'TABLE', c.name, null, ...fqnParts(m.tags[i]!), 'MULTIPLE_MASKING_POLICY_ASSIGNED_TO_THE_COLUMN'] }));
      }
    }
  }
  for (const tag of allTags(a)) for (const p of tag.maskingPolicies) out.push({ policy: p, table: null, tag, row: [...pol(p), ...fqnParts(tag), 'TAG', null, null, ...fqnParts(tag), 'ACTIVE'] });
  return out;
}

/**
 * Visibility (https://docs.snowflake.com/en/sql-reference/functions/policy_references#usage-notes):
 * global APPLY MASKING POLICY → every masking attachment, global APPLY ROW ACCESS POLICY → every
 * row access attachment; APPLY (or OWNERSHIP) on the policy → its attachments on tables the role owns.
 */
function canSee(ctx: Ctx, r: Ref): boolean {
  const global = r.policy.kind === 'MASKING_POLICY' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
  if (hasGlobal(ctx.account, ctx.privRoles, global)) return true;
  if (!hasPriv(ctx.account, ctx.privRoles, r.policy, 'APPLY')) return false;
  return r.table ? owns(ctx.privRoles, r.table) : r.tag ? owns(ctx.privRoles, r.tag) : false;
}

function policyReferences(ctx: Ctx, fn: Fn, arg: (e: Expr | undefined) => string | null): QueryResult {
  const named = fn.named ?? {};
  const keys = Object.keys(named);
  const all = references(ctx.account).filter((r) => canSee(ctx, r));
  let rows: Ref[];
  if (keys.length === 1 && keys[0] === 'POLICY_NAME') {
    const name = arg(named.POLICY_NAME);
    const parts = name === null ? null : parseNameString(name);
    const p = parts ? (lookupObject(ctx, parts, 'MASKING_POLICY', 'SELECT') ?? lookupObject(ctx, parts, 'ROW_ACCESS_POLICY', 'SELECT')) : undefined;
    if (!p || !(hasAnyPriv(ctx.account, ctx.privRoles, p) || hasGlobal(ctx.account, ctx.privRoles, p.kind === 'MASKING_POLICY' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY'))) throw notExist('Object', name ?? 'NULL');
    rows = all.filter((r) => r.policy === p);
  } else if (keys.length === 2 && keys.includes('REF_ENTITY_NAME') && keys.includes('REF_ENTITY_DOMAIN')) {
    const name = arg(named.REF_ENTITY_NAME);
    const domain = (arg(named.REF_ENTITY_DOMAIN) ?? '').toUpperCase();
    const parts = name === null ? null : parseNameString(name);
    if (domain === 'TABLE' || domain === 'VIEW') {
      const t = parts ? lookupObject(ctx, parts, 'TABLE', 'SELECT') : undefined;
      if (!t || !(hasAnyPriv(ctx.account, ctx.privRoles, t) || hasGlobal(ctx.account, ctx.privRoles, 'APPLY MASKING POLICY') || hasGlobal(ctx.account, ctx.privRoles, 'APPLY ROW ACCESS POLICY'))) throw notExist('Object', name ?? 'NULL');
      rows = all.filter((r) => r.table === t);
    } else if (domain === 'TAG') {
      const tag = parts ? lookupObject(ctx, parts, 'TAG', 'SELECT') : undefined;
      if (!tag) throw notExist('Tag', name ?? 'NULL');
      rows = all.filter((r) => r.table === null && r.tag === tag);
    } else if (['ACCOUNT', 'USER', 'INTEGRATION'].includes(domain)) rows = [];
    else throw compileError('002029', `Invalid value '${domain}' for argument REF_ENTITY_DOMAIN.`, '22023');
  } else throw compileError('002029', 'POLICY_REFERENCES takes either POLICY_NAME, or REF_ENTITY_NAME with REF_ENTITY_DOMAIN.', '22023');
  return { cols: text(POLICY_REF_COLS), rows: rows.map((r) => r.row) };
}

/** TAG_REFERENCES('<object>', '<domain>') — direct and inherited tags of one object (https://docs.snowflake.com/en/sql-reference/functions/tag_references). */
function tagReferences(ctx: Ctx, name: string | null, domainArg: string | null): QueryResult {
  const cols = ['TAG_DATABASE', 'TAG_SCHEMA', 'TAG_NAME', 'TAG_VALUE', 'LEVEL', 'OBJECT_DATABASE', 'OBJECT_SCHEMA', 'OBJECT_NAME', 'DOMAIN', 'COLUMN_NAME', 'APPLY_METHOD'];
  const domain = (domainArg ?? '').toUpperCase();
  const parts = name === null ? null : parseNameString(name);
  if (!parts) throw notExist('Object', name ?? 'NULL');
  const rows: Value[][] = [];
  const emit = (tags: Map<Tag, { value: string; level: string }>, own: string, od: Value, os: Value, on: Value, dom: string, col: Value) => {
    for (const [tag, { value, level }] of tags) rows.push([...fqnParts(tag), value, level, od, os, on, dom, col, level === own ? 'MANUAL' : 'INHERITED']);
  };
  if (domain === 'TABLE' || domain === 'VIEW') {
    const t = lookupObject(ctx, parts, 'TABLE', 'SELECT');
    if (!t || !seesTable(ctx, t)) throw notExist('Object', name!);
    emit(effectiveTags(t, null), 'TABLE', t.schema.database.name, t.schema.name, t.name, 'TABLE', null);
  } else if (domain === 'COLUMN') {
    const t = lookupObject(ctx, parts.slice(0, -1), 'TABLE', 'SELECT');
    const c = t?.columns.find((x) => x.name === parts[parts.length - 1]);
    if (!t || !c || !seesTable(ctx, t)) throw notExist('Object', name!);
    emit(effectiveTags(t, c), 'COLUMN', t.schema.database.name, t.schema.name, t.name, 'COLUMN', c.name);
  } else if (domain === 'SCHEMA') {
    const [d, s] = parts.length === 2 ? parts : [ctx.session.database ?? '', parts[0]!];
    const schema = ctx.account.databases.get(d!)?.schemas.get(s!);
    if (!schema) throw notExist('Schema', name!);
    const tags = new Map<Tag, { value: string; level: string }>();
    for (const [tag, value] of schema.database.tags) tags.set(tag, { value, level: 'DATABASE' });
    for (const [tag, value] of schema.tags) tags.set(tag, { value, level: 'SCHEMA' });
    emit(tags, 'SCHEMA', schema.database.name, null, schema.name, 'SCHEMA', null);
  } else if (domain === 'DATABASE') {
    const db = ctx.account.databases.get(parts[0]!);
    if (!db) throw notExist('Database', name!);
    emit(new Map([...db.tags].map(([t, value]) => [t, { value, level: 'DATABASE' }])), 'DATABASE', null, null, db.name, 'DATABASE', null);
  } else throw compileError('002029', `Invalid value '${domainArg}' for argument domain.`, '22023');
  return { cols: text(cols), rows };
}

/** TAG_REFERENCES_ALL_COLUMNS('<table>', 'table') — every column's direct and inherited tags (https://docs.snowflake.com/en/sql-reference/functions/tag_references_all_columns). */
function tagReferencesAllColumns(ctx: Ctx, name: string | null, domainArg: string | null): QueryResult {
  const cols = ['TAG_DATABASE', 'TAG_SCHEMA', 'TAG_NAME', 'TAG_VALUE', 'APPLY_METHOD', 'LEVEL', 'OBJECT_DATABASE', 'OBJECT_SCHEMA', 'OBJECT_NAME', 'DOMAIN', 'COLUMN_NAME'];
  if ((domainArg ?? '').toUpperCase() !== 'TABLE') throw compileError('002029', `Invalid value '${domainArg}' for argument domain; TAG_REFERENCES_ALL_COLUMNS takes 'table'.`, '22023');
  const parts = name === null ? null : parseNameString(name);
  const t = parts ? lookupObject(ctx, parts, 'TABLE', 'SELECT') : undefined;
  if (!t || !seesTable(ctx, t)) throw notExist('Object', name ?? 'NULL');
  const rows: Value[][] = [];
  for (const c of t.columns) for (const [tag, { value, level }] of effectiveTags(t, c)) rows.push([...fqnParts(tag), value, level === 'COLUMN' ? 'MANUAL' : 'INHERITED', level, t.schema.database.name, t.schema.name, t.name, 'COLUMN', c.name]);
  return { cols: text(cols), rows };
}

/** A table is visible to table functions with any privilege on it, or with a global APPLY privilege. */
function seesTable(ctx: Ctx, t: Table): boolean {
  return hasAnyPriv(ctx.account, ctx.privRoles, t) || ['APPLY TAG', 'APPLY MASKING POLICY', 'APPLY ROW ACCESS POLICY'].some((p) => hasGlobal(ctx.account, ctx.privRoles, p));
}
