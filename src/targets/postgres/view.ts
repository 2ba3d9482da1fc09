import { printExpr } from '../../model/expr/print.js';
import { KEEP_LAST_DEFAULT, type MaskMethod } from '../../resolve/mask-methods.js';
import type { ResolvedTable } from '../../resolve/resolve.js';
import type { MaskCandidate } from '../../resolve/strictest.js';
import type { AccessSummary, MaskAccess, TargetContext } from '../target.js';
import { parseFilterEntry, parseMaskEntry } from './hazards.js';
import { exprSql, memberOfSql, type ExprColumn } from './expr.js';
import { clearSql, maskedOutputType, maskSql, type MaskColumn } from './mask.js';
import { quoteIdent } from './naming.js';
import { postgresNames, type PostgresNames } from './native-names.js';
import { qualified, type ViewColumn, type ViewSpec } from './objects.js';

/**
 * The managed view of one governed table: a definer view serving every group at once, so that
 * every per-principal choice is made at query time from `current_user`'s role memberships.
 *
 * - A masked column is a CASE over its mask candidates in strictness order that yields exactly
 *   `strictest()` (src/resolve/strictest.ts) of the candidates not waived for the querying role
 *   (a candidate is waived when the role is a member of one of its exempt groups' roles).
 * - The WHERE clause is the AND over the table's filters of `(<waived> OR (<allow>))`.
 */

type NamesContext = Pick<TargetContext, 'model' | 'settings'>;

/** A condition being built: constant TRUE/FALSE, or SQL text. */
type Cond = boolean | string;

/** The SELECT text of the managed view (without CREATE VIEW). */
export function viewSelectSql(table: ResolvedTable, ctx: NamesContext, names?: PostgresNames): string {
  const n = names ?? namesOf(table, ctx);
  const items = viewColumns(table).map((c) => columnItem(table, c, n));
  const where = rowPredicateParts(table, ctx, n);
  const from = qualified(table.table.parts[1], table.table.parts[2]);
  const lines = [items.length ? `SELECT\n  ${items.join(',\n  ')}` : 'SELECT', `FROM ${from}`];
  if (where.length) lines.push(`WHERE ${where.join('\n  AND ')}`);
  return lines.join('\n');
}

/** The view's WHERE text for the querying role: AND of every filter unless waived; `TRUE` when none. */
export function rowPredicateSql(table: ResolvedTable, ctx: NamesContext, names?: PostgresNames): string {
  const parts = rowPredicateParts(table, ctx, names ?? namesOf(table, ctx));
  return parts.length ? parts.join('\n  AND ') : 'TRUE';
}

/** The view's output columns: name and type as format_type prints them. */
export function viewColumnTypes(table: ResolvedTable): ViewColumn[] {
  return viewColumns(table).map((c) => ({ name: c.name, type: (table.masks.get(c.key)?.length ?? 0) > 0 ? maskedOutputType(c) : c.nativeType.trim() }));
}

/** column -> sorted `policy:method[:keep_last]:exempt1,exempt2` (ViewSpec.masks). */
export function maskSummaries(table: ResolvedTable): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of viewColumns(table)) {
    const candidates = table.masks.get(c.key) ?? [];
    if (candidates.length === 0) continue;
    out[c.name] = candidates
      .map((m) => [m.policy.name, m.method, ...(m.method === 'partial' ? [String(m.keepLast ?? KEEP_LAST_DEFAULT)] : []), exemptText(m.exempt)].join(':'))
      .sort(compare);
  }
  return out;
}

/** Sorted `policy:exempt1,exempt2:<neutral allow text>` (ViewSpec.filters). */
export function filterSummaries(table: ResolvedTable): string[] {
  return table.filters.map((f) => `${f.policy.name}:${exemptText(f.exempt)}:${printExpr(f.expr)}`).sort(compare);
}

/** What the view lets through, in the model's words (NativeObject.access): compile's, from the resolved table. */
export function accessSummary(table: ResolvedTable): AccessSummary {
  const masks: Record<string, MaskAccess[]> = {};
  for (const c of viewColumns(table)) {
    const candidates = table.masks.get(c.key) ?? [];
    if (candidates.length === 0) continue;
    masks[c.name] = candidates
      .map((m) => ({ policy: m.policy.name, method: m.method, ...(m.method === 'partial' ? { keep_last: m.keepLast ?? KEEP_LAST_DEFAULT } : {}), exempt: sorted(m.exempt) }))
      .sort((a, b) => compare(a.policy, b.policy));
  }
  const filters = table.filters.map((f) => ({ policy: f.policy.name, allow: printExpr(f.expr), exempt: sorted(f.exempt) })).sort((a, b) => compare(a.policy, b.policy));
  return { table: table.table.name, columns: viewColumns(table).map((c) => c.name), masks, filters };
}

/**
 * The same summary read back from a recorded view spec (its `masks`/`filters` entries, which
 * this target wrote): for state recorded before the summary itself was.
 */
export function accessOfSpec(spec: Pick<ViewSpec, 'columns' | 'masks' | 'filters'>, table: string): AccessSummary {
  const masks: Record<string, MaskAccess[]> = {};
  for (const [column, entries] of Object.entries(spec.masks ?? {})) {
    masks[column] = entries
      .map(parseMaskEntry)
      .map((m) => ({ policy: m.policy, method: m.method, ...(m.keepLast !== undefined ? { keep_last: m.keepLast } : {}), exempt: sorted(m.exempt) }))
      .sort((a, b) => compare(a.policy, b.policy));
  }
  const filters = (spec.filters ?? []).map(parseFilterEntry).map((f) => ({ policy: f.policy, allow: f.allow, exempt: sorted(f.exempt) })).sort((a, b) => compare(a.policy, b.policy));
  return { table, columns: (spec.columns ?? []).map((c) => c.name), masks, filters };
}

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort(compare);

/**
 * Exempt groups, sorted and joined by `,`; `\`, `,` and `:` in a group name are escaped with `\`
 * so that hazards.ts can split a summary back into its parts.
 */
export function exemptText(exempt: readonly string[]): string {
  return [...new Set(exempt)].sort(compare).map((g) => g.replace(/[\\,:]/g, (ch) => `\\${ch}`)).join(',');
}

interface ViewColumnSource extends MaskColumn {
  readonly name: string;
  readonly key: string;
}

const columnsOf = new WeakMap<readonly unknown[], readonly ViewColumnSource[]>();

/**
 * Inventory columns in inventory order (a view needs their types; tables without an inventory
 * get no view). Once per table's (readonly) column list: a view's SELECT, column types and
 * summaries all read them.
 */
function viewColumns(table: ResolvedTable): readonly ViewColumnSource[] {
  const cached = columnsOf.get(table.table.columns);
  if (cached) return cached;
  const out = table.table.columns.map((c) => {
    if (!c.nativeType || !c.type) throw new Error(`column ${c.name} of ${table.table.name} has no type: the table is not in the inventory`);
    return { name: c.name, key: c.key, ref: quoteIdent(c.name), nativeType: c.nativeType, type: c.type };
  });
  columnsOf.set(table.table.columns, out);
  return out;
}

function namesOf(table: ResolvedTable, ctx: NamesContext): PostgresNames {
  return postgresNames(ctx.model, [table.table.parts[1]], ctx.settings);
}

function columnItem(table: ResolvedTable, column: ViewColumnSource, names: PostgresNames): string {
  const candidates = table.masks.get(column.key) ?? [];
  if (candidates.length === 0) return column.ref;
  return `${maskCaseSql(candidates, column, (g) => names.role(g))} AS ${column.ref}`;
}

/**
 * The CASE choosing, per querying role, what `strictest()` chooses among the non-waived
 * candidates: nullify > redact > hash > two different middle methods (-> hash) > partial by
 * ascending keep_last > email_domain > year_only > clear. A candidate without exemptions is
 * always active, which ends the CASE there.
 */
export function maskCaseSql(candidates: readonly MaskCandidate[], column: MaskColumn, roleOf: (group: string) => string): string {
  const active = (c: MaskCandidate): Cond => {
    const exempt = [...new Set(c.exempt)].sort(compare);
    if (exempt.length === 0) return true;
    const waived = exempt.map((g) => memberOfSql(roleOf(g)));
    return waived.length === 1 ? `NOT ${waived[0]}` : `NOT (${waived.join(' OR ')})`;
  };
  const anyActive = (list: readonly MaskCandidate[]): Cond => or(list.map(active));
  const arms: [Cond, string][] = [];
  const byMethod = (m: MaskMethod) => candidates.filter((c) => c.method === m);
  for (const m of ['nullify', 'redact', 'hash'] as const) if (byMethod(m).length) arms.push([anyActive(byMethod(m)), maskSql(m, undefined, column)]);
  const middle = (['partial', 'email_domain', 'year_only'] as const).filter((m) => byMethod(m).length > 0);
  if (middle.length > 1) {
    const pairs: Cond[] = [];
    for (let i = 0; i < middle.length; i++) for (let j = i + 1; j < middle.length; j++) pairs.push(and([anyActive(byMethod(middle[i]!)), anyActive(byMethod(middle[j]!))]));
    arms.push([or(pairs), maskSql('hash', undefined, column)]);
  }
  const keeps = [...new Set(byMethod('partial').map((c) => c.keepLast ?? KEEP_LAST_DEFAULT))].sort((a, b) => a - b);
  for (const k of keeps) arms.push([anyActive(byMethod('partial').filter((c) => (c.keepLast ?? KEEP_LAST_DEFAULT) === k)), maskSql('partial', k, column)]);
  for (const m of ['email_domain', 'year_only'] as const) if (byMethod(m).length) arms.push([anyActive(byMethod(m)), maskSql(m, undefined, column)]);

  const whens: string[] = [];
  let otherwise = clearSql(column);
  for (const [cond, sql] of arms) {
    if (cond === false) continue;
    if (cond === true) {
      otherwise = sql;
      break;
    }
    whens.push(`WHEN ${cond} THEN ${sql}`);
  }
  if (whens.length === 0) return otherwise;
  return ['CASE', ...whens.map((w) => `    ${w}`), `    ELSE ${otherwise}`, '  END'].join('\n');
}

function rowPredicateParts(table: ResolvedTable, ctx: NamesContext, names: PostgresNames): string[] {
  const columns: ExprColumn[] = table.table.columns.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType }));
  const exprCtx = { columns, roleOf: (g: string) => names.role(g), attributes: ctx.model.attributes, attributesTable: qualified(names.governance, 'attributes') };
  return table.filters.map((f) => {
    const allow = exprSql(f.expr, exprCtx);
    const waived = [...new Set(f.exempt)].sort(compare).map((g) => memberOfSql(names.role(g)));
    return waived.length ? `(${waived.join(' OR ')} OR ${allow})` : allow;
  });
}

function or(items: readonly Cond[]): Cond {
  if (items.includes(true)) return true;
  const rest = [...new Set(items.filter((i): i is string => i !== false))];
  if (rest.length === 0) return false;
  return rest.length === 1 ? rest[0]! : `(${rest.join(' OR ')})`;
}

function and(items: readonly Cond[]): Cond {
  if (items.includes(false)) return false;
  const rest = [...new Set(items.filter((i): i is string => i !== true))];
  if (rest.length === 0) return true;
  return rest.length === 1 ? rest[0]! : `(${rest.join(' AND ')})`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
