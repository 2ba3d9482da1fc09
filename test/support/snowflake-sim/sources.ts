import type { Expr, FromItem, SelectCore } from './ast.js';
import { hasAnyPriv, hasPriv } from './access.js';
import { objectParts } from './catalog.js';
import type { Ctx } from './context.js';
import { SimError, notExist, insufficient } from './errors.js';
import type { Scope } from './eval.js';
import { accountUsageView } from './account-usage.js';
import { infoSchemaView } from './info-schema.js';
import { nameText } from './names.js';
import { protectedRows } from './protect.js';
import { referencedColumns, type QueryResult, type Relation } from './query.js';
import type { Table } from './state.js';
import { callTableFunction } from './table-functions.js';

/** The rows a FROM item reads: a base table (with its policies), an INFORMATION_SCHEMA view or a SNOWFLAKE.ACCOUNT_USAGE view. */
export function scanFrom(f: Extract<FromItem, { k: 'table' }>, ctx: Ctx, select: SelectCore | null): Relation {
  const parts = f.name;
  const alias = f.alias;
  const cte = parts.length === 1 ? ctx.ctes?.get(parts[0]!) : undefined;
  if (cte) {
    const quals = alias ? [[alias]] : [[parts[0]!]];
    return { cols: cte.cols.map((c) => ({ name: c.name, qualifiers: quals, type: c.type })), rows: cte.rows.map((r) => [...r]) };
  }
  const virtual = virtualSource(parts, ctx);
  if (virtual) {
    const quals = alias ? [[alias]] : [parts.slice(-1), parts];
    return { cols: virtual.cols.map((c) => ({ name: c.name, qualifiers: quals, type: c.type })), rows: virtual.rows };
  }
  const t = readableTable(ctx, parts, 'SELECT');
  const referenced = referencedColumns(select, new Set<string>());
  recordRead(ctx, t, referenced);
  const rows = protectedRows(ctx, t, referenced);
  const quals = alias ? [[alias]] : [[t.name], [t.schema.name, t.name], [t.schema.database.name, t.schema.name, t.name]];
  return { cols: t.columns.map((c) => ({ name: c.name, qualifiers: quals, type: c.type })), rows };
}

function virtualSource(parts: readonly string[], ctx: Ctx): QueryResult | null {
  const [d, s, v] = parts.length === 3 ? parts : parts.length === 2 ? [ctx.session.database ?? '', parts[0]!, parts[1]!] : [ctx.session.database ?? '', ctx.session.schema ?? '', parts[0]!];
  if (s === 'INFORMATION_SCHEMA' && d) return infoSchemaView(ctx, d, v!) ?? fail(parts);
  if (d === 'SNOWFLAKE' && s === 'ACCOUNT_USAGE') return accountUsageView(ctx, v!) ?? fail(parts);
  return null;
}

function fail(parts: readonly string[]): never {
  throw notExist('Object', nameText(parts));
}

/**
 * Resolves a table for reading or writing as the statement's roles: USAGE on its database and
 * schema and the privilege on the table (OWNERSHIP implies all); a table the roles cannot see at
 * all "does not exist or not authorized" (002003); one they see without the privilege is
 * "Insufficient privileges" (003001) (https://docs.snowflake.com/en/user-guide/security-access-control-privileges).
 * Queries on tables need a running warehouse in the session (000606).
 */
export function readableTable(ctx: Ctx, parts: readonly string[], privilege: string): Table {
  const [d, s, n] = objectParts(ctx, parts, privilege);
  const written = nameText(parts);
  const db = ctx.account.databases.get(d);
  const schema = db?.schemas.get(s);
  const t = schema?.tables.get(n);
  const roles = ctx.privRoles;
  if (!db || !schema || !t) throw notExist('Object', written);
  if (!hasPriv(ctx.account, roles, db, 'USAGE') || !hasPriv(ctx.account, roles, schema, 'USAGE')) throw notExist('Object', written);
  if (!hasPriv(ctx.account, roles, t, privilege)) {
    if (hasAnyPriv(ctx.account, roles, t)) throw insufficient('table', written);
    throw notExist('Object', written);
  }
  if (!ctx.policyFrame && !ctx.session.warehouse) throw new SimError('000606', '57P03', "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n");
  return t;
}

export function recordRead(ctx: Ctx, t: Table, columns: ReadonlySet<string>): void {
  if (ctx.policyFrame) return;
  const set = ctx.access.objects.get(t) ?? new Set<string>();
  for (const c of t.columns) if (columns.has('*') || columns.has(c.name)) set.add(c.name);
  ctx.access.objects.set(t, set);
}

export function tableFunction(fn: Extract<Expr, { k: 'fn' }>, ctx: Ctx, outer: Scope | null): QueryResult {
  return callTableFunction(fn, ctx, outer);
}
