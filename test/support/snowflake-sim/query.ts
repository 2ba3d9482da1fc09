import type { Expr, FromItem, Query, QueryBody, SelectCore } from './ast.js';
import type { Ctx } from './context.js';
import { compileError, invalidIdentifier } from './errors.js';
import { checkColumns, evalExpr, lookup, staticType, type Scope, type ScopeCol } from './eval.js';
import { functionType, isAggregate } from './functions.js';
import { scanFrom, tableFunction } from './sources.js';
import { computeWindows, findWindows } from './window.js';
import type { SqlType } from './types.js';
import { VARCHAR, NUMBER, BOOLEAN, FLOAT, VARIANT, TIMESTAMP_LTZ, ARRAY } from './types.js';
import { compare, truth, valueKey, type Value } from './values.js';

export interface Relation {
  readonly cols: ScopeCol[];
  readonly rows: Value[][];
}

export interface QueryResult {
  readonly cols: { readonly name: string; readonly type: SqlType }[];
  readonly rows: Value[][];
}

/** Runs a query (https://docs.snowflake.com/en/sql-reference/sql/select); `outer` is the enclosing row for correlated subqueries. */
export function runQuery(q: Query, ctxIn: Ctx, outer: Scope | null = null, stopAfter?: number): QueryResult {
  let ctx = ctxIn;
  if (q.ctes.length) {
    // WITH: each CTE is materialized once and visible to the later ones and the body (https://docs.snowflake.com/en/sql-reference/constructs/with).
    const map = new Map(ctx.ctes ?? []);
    for (const cte of q.ctes) {
      ctx = { ...ctx, ctes: map };
      const r = runQuery(cte.query, ctx, outer);
      if (cte.columns && cte.columns.length !== r.cols.length) throw compileError('002022', `Insert value list does not match column list expecting ${cte.columns.length} but got ${r.cols.length}`, '21S01');
      map.set(cte.name, { cols: r.cols.map((c, i) => ({ name: cte.columns?.[i] ?? c.name, type: c.type })), rows: r.rows });
    }
    ctx = { ...ctx, ctes: map };
  }
  const { cols, rows, sources } = runBody(q.body, ctx, outer, q.orderBy.map((o) => o.e));
  let out = rows.map((r, i) => ({ r, src: sources[i] ?? null }));
  if (q.orderBy.length) {
    const keyed = out.map((o) => {
      const scope: Scope = { cols: cols.map((c) => ({ name: c.name, qualifiers: [], type: c.type })), row: o.r, parent: o.src ?? outer };
      return { o, keys: q.orderBy.map((ob) => (ob.e.k === 'lit' && typeof ob.e.v === 'number' ? o.r[ob.e.v - 1] ?? null : evalExpr(ob.e, scope, ctx))) };
    });
    keyed.sort((x, y) => {
      for (const [i, ob] of q.orderBy.entries()) {
        const a = x.keys[i]!;
        const b = y.keys[i]!;
        // NULLs sort last ascending and first descending by default (https://docs.snowflake.com/en/sql-reference/constructs/order-by).
        const nullsFirst = ob.nullsFirst ?? ob.desc;
        if (a === null || b === null) {
          if (a === b) continue;
          return (a === null) === nullsFirst ? -1 : 1;
        }
        const c = compare(a, b) ?? 0;
        if (c !== 0) return ob.desc ? -c : c;
      }
      return 0;
    });
    out = keyed.map((k) => k.o);
  }
  let result = out.map((o) => o.r);
  const offset = q.offset ? Number(evalExpr(q.offset, outer ?? emptyScope(), ctx)) : 0;
  if (offset) result = result.slice(offset);
  if (q.limit) {
    const l = evalExpr(q.limit, outer ?? emptyScope(), ctx);
    if (l !== null) result = result.slice(0, Number(l));
  }
  if (stopAfter !== undefined) result = result.slice(0, stopAfter);
  return { cols, rows: result };
}

function emptyScope(): Scope {
  return { cols: [], row: [], parent: null };
}

function runBody(b: QueryBody, ctx: Ctx, outer: Scope | null, orderExprs: readonly Expr[] = []): { cols: { name: string; type: SqlType }[]; rows: Value[][]; sources: (Scope | null)[] } {
  if (b.k === 'paren') {
    const r = runQuery(b.query, ctx, outer);
    return { cols: r.cols, rows: r.rows, sources: [] };
  }
  if (b.k === 'union') {
    const l = runBody(b.left, ctx, outer);
    const r = runBody(b.right, ctx, outer);
    if (l.cols.length !== r.cols.length) throw compileError('001789', `invalid number of result columns for set operator input branches, expected ${l.cols.length}, got ${r.cols.length} in branch 2`, '42601');
    let rows: Value[][];
    const key = (row: Value[]) => row.map(valueKey).join('\u0000');
    if (b.op === 'UNION') rows = b.all ? [...l.rows, ...r.rows] : dedupe([...l.rows, ...r.rows]);
    else if (b.op === 'EXCEPT') { const right = new Set(r.rows.map(key)); rows = dedupe(l.rows.filter((x) => !right.has(key(x)))); }
    else { const right = new Set(r.rows.map(key)); rows = dedupe(l.rows.filter((x) => right.has(key(x)))); }
    const cols = l.cols.map((c, i) => ({ name: c.name, type: c.type.base === 'VARCHAR' && r.cols[i]!.type.base !== 'VARCHAR' ? r.cols[i]!.type : c.type }));
    return { cols, rows, sources: [] };
  }
  return runSelect(b, ctx, outer, orderExprs);
}

function dedupe(rows: Value[][]): Value[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = r.map(valueKey).join('\u0000');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function hasAggregate(e: Expr | null): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'fn': return (isAggregate(e.name) && e.named === null) || e.args.some(hasAggregate);
    case 'un': case 'is': case 'cast': case 'path': return hasAggregate(e.e);
    case 'bin': case 'distinct': return hasAggregate(e.l) || hasAggregate(e.r);
    case 'between': return hasAggregate(e.e) || hasAggregate(e.lo) || hasAggregate(e.hi);
    case 'in': return hasAggregate(e.e) || (e.list ?? []).some(hasAggregate);
    case 'like': return hasAggregate(e.e) || hasAggregate(e.pat);
    case 'case': return hasAggregate(e.operand) || hasAggregate(e.else) || e.whens.some((w) => hasAggregate(w.when) || hasAggregate(w.then));
    case 'index': return hasAggregate(e.e) || hasAggregate(e.idx);
    case 'array': return e.items.some(hasAggregate);
    default: return false;
  }
}

/** Collects the column names an expression tree references (for ACCESS_HISTORY and lazy policy errors). */
export function referencedColumns(q: Query | SelectCore | Expr | FromItem | null, out: Set<string>): Set<string> {
  if (!q) return out;
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) { x.forEach(visit); return; }
    const o = x as Record<string, unknown>;
    if (o.k === 'col' && Array.isArray(o.parts)) out.add((o.parts as string[])[(o.parts as string[]).length - 1]!);
    if (o.star && typeof o.star === 'object') out.add('*');
    for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v);
  };
  visit(q);
  return out;
}

function runSelect(s: SelectCore, ctx: Ctx, outer: Scope | null, orderExprs: readonly Expr[] = []): { cols: { name: string; type: SqlType }[]; rows: Value[][]; sources: (Scope | null)[] } {
  const rel: Relation = s.from ? fromItem(s.from, ctx, outer, s) : { cols: [], rows: [[]] };
  let rows = rel.rows;
  const scopeOf = (row: Value[]): Scope => ({ cols: rel.cols, row, parent: outer });
  checkColumns([...s.items.map((i) => i.expr), s.where, ...s.groupBy.filter((g) => !(g.k === 'lit' && typeof g.v === 'number')), s.having, s.qualify], scopeOf(rel.cols.map(() => null)));
  if (s.where) {
    if (hasAggregate(s.where)) throw compileError('002035', 'Invalid aggregate function in where clause', '42601');
    rows = rows.filter((r) => truth(evalExpr(s.where!, scopeOf(r), ctx)) === true);
  }
  const aggregated = s.groupBy.length > 0 || s.items.some((i) => hasAggregate(i.expr)) || hasAggregate(s.having);
  // Output column names: alias, else the column's name, else the expression text upper-cased.
  const names: string[] = [];
  const types: (SqlType | null)[] = [];
  const exprs: (Expr | { starIdx: number })[] = [];
  for (const item of s.items) {
    if (item.star) {
      const q = item.star.qualifier;
      const matching = rel.cols.map((c, i) => ({ c, i })).filter(({ c }) => !q || c.qualifiers.some((x) => x.length >= q.length && q.every((p, k) => x[x.length - q.length + k] === p)));
      if (q && matching.length === 0) throw invalidIdentifier(q.join('.'));
      for (const { c, i } of matching) { names.push(c.name); types.push(c.type); exprs.push({ starIdx: i }); }
      continue;
    }
    const e = item.expr!;
    names.push(item.alias ?? (e.k === 'col' ? e.parts[e.parts.length - 1]! : item.text.toUpperCase()));
    types.push(typeOfExpr(e, rel.cols));
    exprs.push(e);
  }
  const project = (scope: Scope): Value[] => exprs.map((e) => ('starIdx' in e ? scope.row[e.starIdx] ?? null : evalExpr(e, scope, ctx)));
  let outRows: Value[][] = [];
  const sources: Scope[] = [];
  if (aggregated) {
    if (findWindows([...s.items.map((i) => i.expr), s.qualify]).length || s.qualify) throw compileError('000002', 'Window functions and QUALIFY over grouped results are not modelled by the simulator.', '0A000');
    const groups = new Map<string, Value[][]>();
    if (s.groupBy.length === 0) groups.set('', rows);
    else for (const r of rows) {
      const sc = scopeOf(r);
      const k = s.groupBy.map((g) => valueKey(g.k === 'lit' && typeof g.v === 'number' ? evalExpr(exprs[Number(g.v) - 1] as Expr, sc, ctx) : evalExpr(g, sc, ctx))).join('\u0000');
      const list = groups.get(k) ?? [];
      list.push(r);
      groups.set(k, list);
    }
    for (const group of groups.values()) {
      const scope: Scope = { cols: rel.cols, row: group[0] ?? rel.cols.map(() => null), parent: outer, group };
      if (s.having && truth(evalExpr(s.having, scope, ctx)) !== true) continue;
      outRows.push(project(scope));
      sources.push(scope);
    }
  } else {
    const wins = findWindows([...s.items.map((i) => i.expr), s.qualify, ...orderExprs]);
    let scopes: Scope[] = rows.map((r) => scopeOf(r));
    if (wins.length) {
      const windows = computeWindows(wins, scopes, ctx);
      scopes = scopes.map((sc, rowIndex) => ({ ...sc, windows, rowIndex }));
    }
    for (const scope of scopes) {
      // QUALIFY filters on window results (https://docs.snowflake.com/en/sql-reference/constructs/qualify).
      if (s.qualify && truth(evalExpr(s.qualify, scope, ctx)) !== true) continue;
      outRows.push(project(scope));
      sources.push(scope);
    }
  }
  if (s.distinct) {
    const seen = new Set<string>();
    const keep: number[] = [];
    outRows.forEach((r, i) => { const k = r.map(valueKey).join('\u0000'); if (!seen.has(k)) { seen.add(k); keep.push(i); } });
    outRows = keep.map((i) => outRows[i]!);
    return { cols: finishTypes(names, types, outRows), rows: outRows, sources: keep.map((i) => sources[i]!) };
  }
  return { cols: finishTypes(names, types, outRows), rows: outRows, sources };
}

function finishTypes(names: string[], types: (SqlType | null)[], rows: Value[][]): { name: string; type: SqlType }[] {
  return names.map((name, i) => ({ name, type: types[i] ?? inferType(rows.map((r) => r[i] ?? null)) }));
}

/** The type of a result column computed from its values, when the expression's type is not fixed. */
export function inferType(values: readonly Value[]): SqlType {
  const v = values.find((x) => x !== null);
  if (v === undefined || typeof v === 'string') return VARCHAR;
  if (typeof v === 'number') return values.every((x) => x === null || Number.isInteger(x)) ? NUMBER : FLOAT;
  if (typeof v === 'boolean') return BOOLEAN;
  if (v instanceof Date) return TIMESTAMP_LTZ;
  if (Array.isArray(v)) return ARRAY;
  return VARIANT;
}

function typeOfExpr(e: Expr, cols: readonly ScopeCol[]): SqlType | null {
  if (e.k === 'col') {
    try {
      const i = lookup(cols, e.parts);
      if (i >= 0) return cols[i]!.type;
    } catch { /* ambiguity is reported when evaluated */ }
    return null;
  }
  if (e.k === 'fn') {
    if (['COALESCE', 'NVL', 'IFNULL', 'IFF', 'MIN', 'MAX', 'ANY_VALUE', 'NULLIF'].includes(e.name)) {
      for (const a of e.name === 'IFF' ? e.args.slice(1) : e.args) { const t = typeOfExpr(a, cols); if (t) return t; }
    }
    return functionType(e.name);
  }
  if (e.k === 'path' || e.k === 'index') return VARIANT;
  if (e.k === 'window') return typeOfExpr(e.fn, cols);
  if (e.k === 'case') {
    for (const w of e.whens) { const t = typeOfExpr(w.then, cols); if (t) return t; }
    return e.else ? typeOfExpr(e.else, cols) : null;
  }
  if (e.k === 'bin' && e.op === '||') return VARCHAR;
  if (e.k === 'bin' && ['=', '<>', '<', '>', '<=', '>=', 'AND', 'OR'].includes(e.op)) return BOOLEAN;
  if (e.k === 'is' || e.k === 'in' || e.k === 'like' || e.k === 'exists' || e.k === 'between' || (e.k === 'un' && e.op === 'NOT')) return BOOLEAN;
  return staticType(e, { cols, row: [], parent: null });
}

/** Builds the relation of a FROM clause. */
export function fromItem(f: FromItem, ctx: Ctx, outer: Scope | null, select: SelectCore | null): Relation {
  switch (f.k) {
    case 'table': return scanFrom(f, ctx, select);
    case 'sub': {
      const r = runQuery(f.query, ctx, outer);
      const alias = f.alias ? [[f.alias]] : [];
      return { cols: r.cols.map((c) => ({ name: c.name, qualifiers: alias, type: c.type })), rows: r.rows };
    }
    case 'tfn': {
      const r = tableFunction(f.fn, ctx, outer);
      const alias = f.alias ? [[f.alias]] : [];
      return { cols: r.cols.map((c) => ({ name: c.name, qualifiers: alias, type: c.type })), rows: r.rows };
    }
    case 'values': {
      const rows = f.rows.map((r) => r.map((e) => evalExpr(e, outer ?? emptyScope(), ctx)));
      const names = f.columns ?? rows[0]!.map((_, i) => `COLUMN${i + 1}`);
      const alias = f.alias ? [[f.alias]] : [];
      return { cols: names.map((name, i) => ({ name, qualifiers: alias, type: inferType(rows.map((r) => r[i] ?? null)) })), rows };
    }
    case 'join': {
      const l = fromItem(f.left, ctx, outer, select);
      const r = fromItem(f.right, ctx, outer, select);
      const cols = [...l.cols, ...r.cols];
      const rows: Value[][] = [];
      const matchedRight = new Set<number>();
      const nullsL = l.cols.map(() => null);
      const nullsR = r.cols.map(() => null);
      for (const lr of l.rows) {
        let matched = false;
        r.rows.forEach((rr, j) => {
          const row = [...lr, ...rr];
          if (!f.on || truth(evalExpr(f.on, { cols, row, parent: outer }, ctx)) === true) {
            rows.push(row);
            matched = true;
            matchedRight.add(j);
          }
        });
        if (!matched && (f.type === 'LEFT' || f.type === 'FULL')) rows.push([...lr, ...nullsR]);
      }
      if (f.type === 'RIGHT' || f.type === 'FULL') r.rows.forEach((rr, j) => { if (!matchedRight.has(j)) rows.push([...nullsL, ...rr]); });
      return { cols, rows };
    }
  }
}
