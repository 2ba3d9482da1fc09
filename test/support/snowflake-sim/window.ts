import type { Expr } from './ast.js';
import type { Ctx } from './context.js';
import { compileError } from './errors.js';
import { evalExpr, type Scope } from './eval.js';
import { compare, valueKey, type Value } from './values.js';

type Win = Extract<Expr, { k: 'window' }>;

/** Window nodes in expressions (not inside subqueries). */
export function findWindows(roots: readonly (Expr | null | undefined)[]): Win[] {
  const out: Win[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) { x.forEach(visit); return; }
    const o = x as Record<string, unknown>;
    if (o.k === 'window') { out.push(o as unknown as Win); return; }
    if (o.k === 'subquery' || o.k === 'exists' || 'body' in o) return;
    for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v);
  };
  roots.forEach(visit);
  return out;
}

function cmpKeys(a: readonly Value[], b: readonly Value[], order: Win['order']): number {
  for (const [i, ob] of order.entries()) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    const nullsFirst = ob.nullsFirst ?? ob.desc;
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === nullsFirst ? -1 : 1;
    }
    const c = compare(x, y) ?? 0;
    if (c !== 0) return ob.desc ? -c : c;
  }
  return 0;
}

/**
 * Computes window function values for every row (https://docs.snowflake.com/en/sql-reference/functions-window):
 * ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD, FIRST_VALUE and the aggregates COUNT/SUM/MIN/MAX/AVG —
 * over the partition, or with ORDER BY cumulatively up to the current row's peers (the default
 * RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW).
 */
export function computeWindows(wins: readonly Win[], scopes: readonly Scope[], ctx: Ctx): Map<Expr, Value[]> {
  const out = new Map<Expr, Value[]>();
  for (const w of wins) {
    const vals: Value[] = scopes.map(() => null);
    const parts = new Map<string, number[]>();
    scopes.forEach((sc, i) => {
      const k = w.partition.map((p) => valueKey(evalExpr(p, sc, ctx))).join('\u0000');
      parts.set(k, [...(parts.get(k) ?? []), i]);
    });
    for (const idx of parts.values()) {
      const keys = new Map(idx.map((i) => [i, w.order.map((o) => evalExpr(o.e, scopes[i]!, ctx))]));
      const sorted = [...idx].sort((a, b) => cmpKeys(keys.get(a)!, keys.get(b)!, w.order));
      const arg = (i: number, n = 0): Value => (w.fn.args[n] ? evalExpr(w.fn.args[n]!, scopes[i]!, ctx) : null);
      let rank = 0;
      let dense = 0;
      sorted.forEach((i, pos) => {
        const peerOfPrev = pos > 0 && cmpKeys(keys.get(sorted[pos - 1]!)!, keys.get(i)!, w.order) === 0;
        if (!peerOfPrev) { rank = pos + 1; dense++; }
        let lastPeer = pos;
        while (lastPeer + 1 < sorted.length && cmpKeys(keys.get(sorted[lastPeer + 1]!)!, keys.get(i)!, w.order) === 0) lastPeer++;
        const frame = w.order.length ? sorted.slice(0, lastPeer + 1) : sorted;
        switch (w.fn.name) {
          case 'ROW_NUMBER': vals[i] = pos + 1; break;
          case 'RANK': vals[i] = rank; break;
          case 'DENSE_RANK': vals[i] = dense; break;
          case 'LAG': case 'LEAD': {
            const off = w.fn.args[1] ? Number(arg(i, 1)) : 1;
            const j = sorted[w.fn.name === 'LAG' ? pos - off : pos + off];
            vals[i] = j === undefined ? (w.fn.args[2] ? arg(i, 2) : null) : arg(j);
            break;
          }
          case 'FIRST_VALUE': vals[i] = arg(sorted[0]!); break;
          case 'COUNT': vals[i] = w.fn.star ? frame.length : frame.filter((j) => arg(j) !== null).length; break;
          case 'SUM': case 'AVG': {
            const xs = frame.map((j) => arg(j)).filter((v) => v !== null).map(Number);
            vals[i] = xs.length === 0 ? null : w.fn.name === 'SUM' ? xs.reduce((a, b) => a + b, 0) : xs.reduce((a, b) => a + b, 0) / xs.length;
            break;
          }
          case 'MIN': case 'MAX': {
            let best: Value = null;
            for (const j of frame) { const v = arg(j); if (v !== null && (best === null || (compare(v, best) ?? 0) * (w.fn.name === 'MIN' ? -1 : 1) > 0)) best = v; }
            vals[i] = best;
            break;
          }
          default: throw compileError('002140', `Unknown function ${w.fn.name}`);
        }
      });
    }
    out.set(w, vals);
  }
  return out;
}

