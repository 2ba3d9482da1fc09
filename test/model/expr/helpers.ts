import { parseExpr, type Expr } from '../../../src/model/expr/index.js';

/** Parses or fails the test with the parser's errors, so a syntax slip in a test is obvious. */
export function parse(source: string): Expr {
  const { expr, errors } = parseExpr(source);
  if (!expr) throw new Error(`parse failed for ${JSON.stringify(source)}: ${JSON.stringify(errors)}`);
  return expr;
}

/** The tree without source positions, for structural comparison. */
export function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'span' && k !== 'attributeSpan') out[k] = strip(v);
    return out;
  }
  return value;
}

/** The stripped tree of `source`. */
export function tree(source: string): unknown {
  return strip(parse(source));
}
