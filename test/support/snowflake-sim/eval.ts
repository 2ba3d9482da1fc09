import type { Expr } from './ast.js';
import { castValue } from './cast.js';
import type { Ctx } from './context.js';
import { SimError, compileError, executionError, invalidIdentifier } from './errors.js';
import { callFunction, isAggregate } from './functions.js';
import { likeMatch } from './names.js';
import { runQuery } from './query.js';
import type { SqlType } from './types.js';
import { compare, equalValues, isObject, toText, truth, type Value } from './values.js';

/** A column visible to an expression: its name, the qualifiers that reach it (alias, table, schema.table, db.schema.table). */
export interface ScopeCol {
  readonly name: string;
  readonly qualifiers: readonly (readonly string[])[];
  readonly type: SqlType | null;
}

export interface Scope {
  readonly cols: readonly ScopeCol[];
  readonly row: readonly Value[];
  readonly parent: Scope | null;
  /** Rows of the current group, when aggregates are evaluated. */
  readonly group?: readonly (readonly Value[])[];
  /** Precomputed window function values of the relation, and this row's index in it. */
  readonly windows?: ReadonlyMap<Expr, readonly Value[]>;
  readonly rowIndex?: number;
}

export const EMPTY_SCOPE: Scope = { cols: [], row: [], parent: null };

/** Finds a column: [c], [q, c], [s, t, c], [d, s, t, c]. -1 when absent here. Ambiguity is an error (002028). */
export function lookup(cols: readonly ScopeCol[], parts: readonly string[]): number {
  const name = parts[parts.length - 1]!;
  const qual = parts.slice(0, -1);
  const hits: number[] = [];
  cols.forEach((c, i) => {
    if (c.name !== name) return;
    if (qual.length === 0 || c.qualifiers.some((q) => q.length >= qual.length && qual.every((p, k) => q[q.length - qual.length + k] === p))) hits.push(i);
  });
  if (hits.length > 1 && qual.length === 0) throw compileError('002028', `ambiguous column name '${name}'`, '42000');
  return hits.length ? hits[0]! : -1;
}

export function evalExpr(e: Expr, scope: Scope, ctx: Ctx): Value {
  switch (e.k) {
    case 'lit': return e.v;
    case 'col': {
      for (let s: Scope | null = scope; s; s = s.parent) {
        const i = lookup(s.cols, e.parts);
        if (i >= 0) return s.row[i] ?? null;
      }
      // `col.field` on a VARIANT column is path access.
      if (e.parts.length >= 2) {
        for (let s: Scope | null = scope; s; s = s.parent) {
          const i = lookup(s.cols, [e.parts[0]!]);
          if (i >= 0 && ['VARIANT', 'OBJECT'].includes(s.cols[i]!.type?.base ?? '')) return walk(s.row[i] ?? null, e.parts.slice(1));
        }
      }
      throw invalidIdentifier(e.parts.map((p) => (/^[A-Z_][A-Z0-9_$]*$/.test(p) ? p : `"${p}"`)).join('.'), e.line, e.pos);
    }
    case 'un': {
      const v = evalExpr(e.e, scope, ctx);
      if (e.op === 'NOT') {
        const t = truth(v);
        return t === null ? null : !t;
      }
      if (v === null) return null;
      return e.op === '-' ? -num(v) : num(v);
    }
    case 'bin': return binary(e.op, e.l, e.r, scope, ctx);
    case 'is': {
      const v = evalExpr(e.e, scope, ctx);
      const r = e.what === 'NULL' ? v === null : e.what === 'TRUE' ? truth(v) === true : truth(v) === false;
      return e.not ? !r : r;
    }
    case 'distinct': {
      const l = evalExpr(e.l, scope, ctx);
      const r = evalExpr(e.r, scope, ctx);
      const same = l === null || r === null ? l === r : equalValues(l, r);
      return e.not ? same : !same;
    }
    case 'between': {
      const v = evalExpr(e.e, scope, ctx);
      const lo = compare(v, evalExpr(e.lo, scope, ctx));
      const hi = compare(v, evalExpr(e.hi, scope, ctx));
      if (lo === null || hi === null) return null;
      const r = lo >= 0 && hi <= 0;
      return e.not ? !r : r;
    }
    case 'in': {
      const v = evalExpr(e.e, scope, ctx);
      const candidates: Value[] = e.list ? e.list.map((x) => evalExpr(x, scope, ctx)) : runQuery(e.query!, ctx, scope).rows.map((r) => r[0] ?? null);
      // x IN (no rows) is FALSE and x NOT IN (no rows) TRUE even for a NULL x: the predicate
      // quantifies over the rows (SQL's = ANY; subquery-operators page: IN is = ANY)
      if (candidates.length === 0) return !!e.not;
      if (v === null) return null;
      let sawNull = false;
      for (const c of candidates) {
        if (c === null) { sawNull = true; continue; }
        if (equalValues(v, c)) return !e.not;
      }
      return sawNull ? null : e.not;
    }
    case 'exists': return runQuery(e.query, ctx, scope, 1).rows.length > 0;
    case 'like': {
      const v = evalExpr(e.e, scope, ctx);
      const p = evalExpr(e.pat, scope, ctx);
      const esc = e.esc ? evalExpr(e.esc, scope, ctx) : null;
      if (v === null || p === null) return null;
      const r = likeMatch(toText(v), toText(p), e.ci, esc === null ? null : toText(esc));
      return e.not ? !r : r;
    }
    case 'case': {
      if (e.operand) {
        const v = evalExpr(e.operand, scope, ctx);
        for (const w of e.whens) if (v !== null && equalValues(v, evalExpr(w.when, scope, ctx))) return evalExpr(w.then, scope, ctx);
      } else {
        for (const w of e.whens) if (truth(evalExpr(w.when, scope, ctx)) === true) return evalExpr(w.then, scope, ctx);
      }
      return e.else ? evalExpr(e.else, scope, ctx) : null;
    }
    case 'cast': return castValue(evalExpr(e.e, scope, ctx), e.type, staticType(e.e, scope), e.try);
    case 'fn': {
      if (isAggregate(e.name) && e.named === null) {
        if (!scope.group) throw compileError('002061', `Invalid aggregate function in this context: ${e.name}`, '42601');
        return aggregate(e, scope, ctx);
      }
      return callFunction(e, scope, ctx);
    }
    case 'path': return walk(evalExpr(e.e, scope, ctx), e.path);
    case 'index': {
      const base = evalExpr(e.e, scope, ctx);
      const idx = evalExpr(e.idx, scope, ctx);
      if (base === null || idx === null) return null;
      return walk(base, [typeof idx === 'number' ? idx : toText(idx)]);
    }
    case 'array': return e.items.map((x) => evalExpr(x, scope, ctx));
    case 'object': return Object.fromEntries(e.entries.map(([k, x]) => [k, evalExpr(x, scope, ctx)]));
    case 'window': {
      for (let s: Scope | null = scope; s; s = s.parent) {
        const vals = s.windows?.get(e);
        if (vals && s.rowIndex !== undefined) return vals[s.rowIndex] ?? null;
      }
      throw compileError('002036', `Window function ${e.fn.name} is not allowed here.`, '42601');
    }
    case 'subquery': {
      const rel = runQuery(e.query, ctx, scope, 2);
      if (rel.rows.length > 1) throw executionError('090150', 'Single-row subquery returns more than one row.', '22000');
      return rel.rows[0]?.[0] ?? null;
    }
  }
}

/** Semi-structured access: `v:a.b[0]`; a string VARIANT holding JSON text is not parsed (it is a string). */
export function walk(v: Value, path: readonly (string | number)[]): Value {
  let cur: Value = v;
  for (const p of path) {
    if (cur === null) return null;
    if (typeof p === 'number') cur = Array.isArray(cur) ? (cur[p] ?? null) : null;
    else cur = isObject(cur) ? (cur[p] ?? null) : null;
  }
  return cur === undefined ? null : cur;
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return castValue(v, { base: 'FLOAT' }) as number;
}

function binary(op: string, le: Expr, re: Expr, scope: Scope, ctx: Ctx): Value {
  if (op === 'AND') {
    const l = truth(evalExpr(le, scope, ctx));
    if (l === false) return false;
    const r = truth(evalExpr(re, scope, ctx));
    if (r === false) return false;
    return l === null || r === null ? null : true;
  }
  if (op === 'OR') {
    const l = truth(evalExpr(le, scope, ctx));
    if (l === true) return true;
    const r = truth(evalExpr(re, scope, ctx));
    if (r === true) return true;
    return l === null || r === null ? null : false;
  }
  const l = evalExpr(le, scope, ctx);
  const r = evalExpr(re, scope, ctx);
  if (l === null || r === null) return null;
  switch (op) {
    case '=': return compare(l, r) === 0;
    case '<>': { const c = compare(l, r); return c === null ? null : c !== 0; }
    case '<': { const c = compare(l, r); return c === null ? null : c < 0; }
    case '>': { const c = compare(l, r); return c === null ? null : c > 0; }
    case '<=': { const c = compare(l, r); return c === null ? null : c <= 0; }
    case '>=': { const c = compare(l, r); return c === null ? null : c >= 0; }
    case '||': return toText(l, staticType(le, scope)) + toText(r, staticType(re, scope));
    case '+': case '-': {
      if (l instanceof Date && typeof r === 'number') return new Date(l.getTime() + (op === '+' ? r : -r) * 86400000);
      return op === '+' ? num(l) + num(r) : num(l) - num(r);
    }
    case '*': return num(l) * num(r);
    case '/': {
      if (num(r) === 0) throw new SimError('100051', '22012', 'Division by zero');
      return num(l) / num(r);
    }
    case '%': {
      if (num(r) === 0) throw new SimError('100051', '22012', 'Division by zero');
      return num(l) % num(r);
    }
  }
  throw compileError('001003', `unsupported operator ${op}`, '42000');
}

function aggregate(e: Extract<Expr, { k: 'fn' }>, scope: Scope, ctx: Ctx): Value {
  const rows = scope.group!;
  const vals = (): Value[] => {
    const out = rows.map((row) => evalExpr(e.args[0]!, { ...scope, row, group: undefined }, ctx)).filter((v) => v !== null);
    if (!e.distinct) return out;
    const seen = new Set<string>();
    return out.filter((v) => { const k = JSON.stringify(v instanceof Date ? v.getTime() : v); if (seen.has(k)) return false; seen.add(k); return true; });
  };
  switch (e.name) {
    case 'COUNT': return e.star ? rows.length : vals().length;
    case 'SUM': { const v = vals(); return v.length ? v.reduce<number>((a, b) => a + num(b), 0) : null; }
    case 'AVG': { const v = vals(); return v.length ? v.reduce<number>((a, b) => a + num(b), 0) / v.length : null; }
    case 'MIN': case 'MAX': {
      let best: Value = null;
      for (const v of vals()) if (best === null || (compare(v, best) ?? 0) * (e.name === 'MIN' ? -1 : 1) > 0) best = v;
      return best;
    }
    case 'ANY_VALUE': return vals()[0] ?? null;
    case 'ARRAY_AGG': return vals();
    case 'LISTAGG': {
      const sep = e.args[1] ? toText(evalExpr(e.args[1], { ...scope, row: rows[0] ?? [], group: undefined }, ctx)) : '';
      return vals().map((v) => toText(v)).join(sep);
    }
    case 'BOOLAND_AGG': { const v = vals(); return v.length ? v.every((x) => truth(x) === true) : null; }
    case 'BOOLOR_AGG': { const v = vals(); return v.length ? v.some((x) => truth(x) === true) : null; }
  }
  throw compileError('002140', `Unknown function ${e.name}`);
}

/** The static type of an expression where it is known (columns, casts, literals). */
export function staticType(e: Expr, scope: Scope | null): SqlType | null {
  if (e.k === 'lit') return e.type ?? null;
  if (e.k === 'cast') return e.type;
  if (e.k === 'col' && scope) {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const i = lookup(s.cols, e.parts);
      if (i >= 0) return s.cols[i]!.type;
    }
  }
  return null;
}

/**
 * Compile-time check of column references (Snowflake resolves names before it reads a row, so
 * an unknown or ambiguous column fails even on an empty table): every column outside subqueries
 * must resolve in `scope` or an enclosing scope.
 */
const DATE_PART_FNS = new Set(['DATEADD', 'TIMESTAMPADD', 'TIMEADD', 'DATEDIFF', 'TIMESTAMPDIFF', 'TIMEDIFF', 'DATE_TRUNC', 'DATE_PART']);

export function checkColumns(exprs: readonly (Expr | null | undefined)[], scope: Scope): void {
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) { x.forEach(visit); return; }
    const o = x as Record<string, unknown>;
    if (o.k === 'subquery' || o.k === 'exists') return;
    if (o.k === 'in' && o.query) { visit(o.e); return; }
    if (o.k === 'fn' && DATE_PART_FNS.has(o.name as string)) {
      // The first argument is a date/time part word (day, minute…), not a column.
      const args = o.args as Expr[];
      args.forEach((a, i) => { if (!(i === 0 && a.k === 'col' && a.parts.length === 1)) visit(a); });
      return;
    }
    if (o.k === 'col') {
      const e = o as unknown as Extract<Expr, { k: 'col' }>;
      for (let s: Scope | null = scope; s; s = s.parent) {
        if (lookup(s.cols, e.parts) >= 0) return;
        if (e.parts.length >= 2) {
          const i = lookup(s.cols, [e.parts[0]!]);
          if (i >= 0 && ['VARIANT', 'OBJECT'].includes(s.cols[i]!.type?.base ?? '')) return;
        }
      }
      throw invalidIdentifier(e.parts.map((p) => (/^[A-Z_][A-Z0-9_$]*$/.test(p) ? p : `"${p}"`)).join('.'), e.line, e.pos);
    }
    for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v);
  };
  exprs.forEach(visit);
}
