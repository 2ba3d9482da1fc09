import type { Expr, OrderItem } from './ast.js';
import type { Cursor } from './cursor.js';
import { parseQuery } from './parse-query.js';
import { DATE, TIMESTAMP_NTZ, TIMESTAMP_LTZ, NUMBER, FLOAT, VARCHAR, BOOLEAN } from './types.js';

/**
 * Expressions, by Snowflake's operator precedence
 * (https://docs.snowflake.com/en/sql-reference/operators): OR < AND < NOT < comparisons (=, <>,
 * IS, IN, LIKE, BETWEEN) < + - || < * / % < unary - < :: and `:` path access.
 */
export function parseExpr(c: Cursor): Expr {
  return parseOr(c);
}

function parseOr(c: Cursor): Expr {
  let l = parseAnd(c);
  while (c.acceptKw('OR')) l = { k: 'bin', op: 'OR', l, r: parseAnd(c) };
  return l;
}

function parseAnd(c: Cursor): Expr {
  let l = parseNot(c);
  while (c.acceptKw('AND')) l = { k: 'bin', op: 'AND', l, r: parseNot(c) };
  return l;
}

function parseNot(c: Cursor): Expr {
  if (c.acceptKw('NOT')) return { k: 'un', op: 'NOT', e: parseNot(c) };
  return parseComparison(c);
}

const CMP = ['=', '<>', '!=', '<', '>', '<=', '>='];

function parseComparison(c: Cursor): Expr {
  let l = parseAdditive(c);
  for (;;) {
    const t = c.peek();
    if (t.kind === 'op' && CMP.includes(t.value)) {
      c.next();
      l = { k: 'bin', op: t.value === '!=' ? '<>' : t.value, l, r: parseAdditive(c) };
      continue;
    }
    if (c.isKw('IS')) {
      c.next();
      const not = c.acceptKw('NOT');
      if (c.acceptKw('NULL')) l = { k: 'is', e: l, not, what: 'NULL' };
      else if (c.acceptKw('TRUE')) l = { k: 'is', e: l, not, what: 'TRUE' };
      else if (c.acceptKw('FALSE')) l = { k: 'is', e: l, not, what: 'FALSE' };
      else if (c.acceptKw('DISTINCT', 'FROM')) l = { k: 'distinct', l, r: parseAdditive(c), not };
      else c.fail();
      continue;
    }
    const not = c.isKw('NOT') && (c.isKw('IN', 1) || c.isKw('LIKE', 1) || c.isKw('ILIKE', 1) || c.isKw('BETWEEN', 1) || c.isKw('RLIKE', 1) || c.isKw('REGEXP', 1));
    if (not) c.next();
    if (c.acceptKw('IN')) {
      c.expectOp('(');
      if (c.isKw('SELECT') || c.isKw('WITH')) {
        const query = parseQuery(c);
        c.expectOp(')');
        l = { k: 'in', e: l, list: null, query, not };
      } else {
        const list = [parseExpr(c)];
        while (c.acceptOp(',')) list.push(parseExpr(c));
        c.expectOp(')');
        l = { k: 'in', e: l, list, query: null, not };
      }
      continue;
    }
    if (c.isKw('LIKE') || c.isKw('ILIKE')) {
      const ci = c.next().value === 'ILIKE';
      const pat = parseAdditive(c);
      const esc = c.acceptKw('ESCAPE') ? parseAdditive(c) : null;
      l = { k: 'like', e: l, pat, esc, not, ci };
      continue;
    }
    if (c.isKw('RLIKE') || c.isKw('REGEXP')) {
      c.next();
      const e: Expr = { k: 'fn', name: 'REGEXP_LIKE', args: [l, parseAdditive(c)], named: null, star: false, distinct: false, line: t.line, pos: t.col };
      l = not ? { k: 'un', op: 'NOT', e } : e;
      continue;
    }
    if (c.acceptKw('BETWEEN')) {
      const lo = parseAdditive(c);
      c.expectKw('AND');
      const hi = parseAdditive(c);
      l = { k: 'between', e: l, lo, hi, not };
      continue;
    }
    if (not) c.fail();
    return l;
  }
}

function parseAdditive(c: Cursor): Expr {
  let l = parseMul(c);
  for (;;) {
    if (c.isOp('+') || c.isOp('-') || c.isOp('||')) {
      const op = c.next().value;
      l = { k: 'bin', op, l, r: parseMul(c) };
    } else return l;
  }
}

function parseMul(c: Cursor): Expr {
  let l = parseUnary(c);
  for (;;) {
    if (c.isOp('*') || c.isOp('/') || c.isOp('%')) {
      const op = c.next().value;
      l = { k: 'bin', op, l, r: parseUnary(c) };
    } else return l;
  }
}

function parseUnary(c: Cursor): Expr {
  if (c.isOp('-') || c.isOp('+')) {
    const op = c.next().value as '-' | '+';
    const e = parseUnary(c);
    if (op === '-' && e.k === 'lit' && typeof e.v === 'number') return { k: 'lit', v: -e.v, type: e.type };
    return { k: 'un', op, e };
  }
  return parsePostfix(c);
}

function parsePostfix(c: Cursor): Expr {
  let e = parsePrimary(c);
  for (;;) {
    if (c.acceptOp('::')) {
      e = { k: 'cast', e, type: c.type(), try: false };
      continue;
    }
    if (c.isOp(':') && (c.peek(1).kind === 'ident' || c.peek(1).kind === 'qident')) {
      c.next();
      const path: (string | number)[] = [pathKey(c)];
      for (;;) {
        if (c.isOp('.') && (c.peek(1).kind === 'ident' || c.peek(1).kind === 'qident')) { c.next(); path.push(pathKey(c)); continue; }
        if (c.isOp('[') && c.peek(1).kind === 'number' && c.isOp(']', 2)) { c.next(); path.push(Number(c.next().value)); c.next(); continue; }
        if (c.isOp('[') && c.peek(1).kind === 'string' && c.isOp(']', 2)) { c.next(); path.push(c.next().value); c.next(); continue; }
        break;
      }
      e = { k: 'path', e, path };
      continue;
    }
    if (c.isOp('[')) {
      c.next();
      const idx = parseExpr(c);
      c.expectOp(']');
      e = { k: 'index', e, idx };
      continue;
    }
    return e;
  }
}

/** A path element keeps its written case (element names are case-sensitive — https://docs.snowflake.com/en/user-guide/querying-semistructured). */
function pathKey(c: Cursor): string {
  const t = c.next();
  return t.kind === 'qident' ? t.value : t.raw;
}

const NO_PAREN_FUNCS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME', 'CURRENT_USER', 'SYSDATE']);

function parsePrimary(c: Cursor): Expr {
  const t = c.peek();
  if (t.kind === 'number') {
    c.next();
    const v = Number(t.value);
    return { k: 'lit', v, type: /[.eE]/.test(t.value) ? (/[eE]/.test(t.value) ? FLOAT : { base: 'NUMBER', precision: 38, scale: (t.value.split('.')[1] ?? '').length }) : NUMBER };
  }
  if (t.kind === 'string') { c.next(); return { k: 'lit', v: t.value, type: VARCHAR }; }
  if (t.kind === 'param') { c.next(); const v = c.bind(t); return { k: 'lit', v, type: typeof v === 'number' ? (Number.isInteger(v) ? NUMBER : FLOAT) : typeof v === 'boolean' ? BOOLEAN : VARCHAR }; }
  if (t.kind === 'op') {
    if (t.value === '(') {
      c.next();
      if (c.isKw('SELECT') || c.isKw('WITH')) {
        const query = parseQuery(c);
        c.expectOp(')');
        return { k: 'subquery', query };
      }
      const e = parseExpr(c);
      c.expectOp(')');
      return e;
    }
    if (t.value === '[') {
      c.next();
      const items: Expr[] = [];
      if (!c.isOp(']')) {
        items.push(parseExpr(c));
        while (c.acceptOp(',')) items.push(parseExpr(c));
      }
      c.expectOp(']');
      return { k: 'array', items };
    }
    if (t.value === '{') {
      c.next();
      const entries: [string, Expr][] = [];
      if (!c.isOp('}')) {
        do {
          const key = c.string();
          c.expectOp(':');
          entries.push([key, parseExpr(c)]);
        } while (c.acceptOp(','));
      }
      c.expectOp('}');
      return { k: 'object', entries };
    }
    c.fail();
  }
  if (t.kind === 'ident') {
    switch (t.value) {
      case 'NULL': c.next(); return { k: 'lit', v: null };
      case 'TRUE': c.next(); return { k: 'lit', v: true, type: BOOLEAN };
      case 'FALSE': c.next(); return { k: 'lit', v: false, type: BOOLEAN };
      case 'CASE': return parseCase(c);
      case 'CAST': case 'TRY_CAST': {
        if (!c.isOp('(', 1)) break;
        c.next(); c.next();
        const e = parseExpr(c);
        c.expectKw('AS');
        const type = c.type();
        c.expectOp(')');
        return { k: 'cast', e, type, try: t.value === 'TRY_CAST' };
      }
      case 'EXISTS': {
        c.next();
        c.expectOp('(');
        const query = parseQuery(c);
        c.expectOp(')');
        return { k: 'exists', query };
      }
      case 'DATE': case 'TIMESTAMP': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ':
        if (c.peek(1).kind === 'string') {
          c.next();
          const s = c.next().value;
          const type = t.value === 'DATE' ? DATE : t.value === 'TIMESTAMP_LTZ' ? TIMESTAMP_LTZ : TIMESTAMP_NTZ;
          return { k: 'cast', e: { k: 'lit', v: s, type: VARCHAR }, type, try: false };
        }
        break;
      case 'POSITION':
        if (c.isOp('(', 1)) {
          const save = c.i;
          c.next(); c.next();
          const needle = parseAdditive(c);
          if (c.acceptKw('IN')) {
            const hay = parseExpr(c);
            c.expectOp(')');
            return { k: 'fn', name: 'POSITION', args: [needle, hay], named: null, star: false, distinct: false, line: t.line, pos: t.col };
          }
          c.i = save;
        }
        break;
    }
    if (NO_PAREN_FUNCS.has(t.value) && !c.isOp('(', 1)) {
      c.next();
      return { k: 'fn', name: t.value, args: [], named: null, star: false, distinct: false, line: t.line, pos: t.col };
    }
  }
  if (t.kind === 'ident' || t.kind === 'qident') {
    if (t.kind === 'ident' && ['SELECT', 'FROM', 'WHERE'].includes(t.value)) c.fail();
    const start = c.i;
    const parts = [identOrReserved(c)];
    while (c.isOp('.') && (c.peek(1).kind === 'ident' || c.peek(1).kind === 'qident')) {
      c.next();
      parts.push(identOrReserved(c));
    }
    if (c.isOp('(')) return parseCall(c, parts, start);
    for (const [k, p] of parts.entries()) if (start + k * 2 < c.toks.length && c.toks[start + k * 2]!.kind === 'ident' && RESERVED_EXPR.has(p)) c.fail(c.toks[start + k * 2]);
    return { k: 'col', parts, line: t.line, pos: t.col };
  }
  c.fail();
}

/** Reserved words that may still name functions (LEFT(…), RIGHT(…), CURRENT_DATE()). */
const RESERVED_EXPR = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'THEN', 'WHEN', 'ELSE', 'END', 'ON', 'AS', 'ORDER', 'GROUP', 'BY', 'HAVING', 'UNION', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'USING', 'SET', 'VALUES', 'INTO', 'TABLE', 'WITH', 'DISTINCT', 'ALL', 'CASE', 'QUALIFY', 'MINUS', 'INTERSECT', 'TO']);

function identOrReserved(c: Cursor): string {
  const t = c.next();
  return t.value;
}

function parseCall(c: Cursor, parts: string[], start: number): Expr {
  const t = c.toks[start]!;
  c.expectOp('(');
  const name = parts.join('.');
  const args: Expr[] = [];
  let named: Record<string, Expr> | null = null;
  let star = false;
  let distinct = false;
  if (c.acceptOp('*')) star = true;
  else if (!c.isOp(')')) {
    if (c.acceptKw('DISTINCT')) distinct = true;
    do {
      if ((c.peek().kind === 'ident' || c.peek().kind === 'qident') && c.isOp('=>', 1)) {
        const key = c.next().value;
        c.next();
        named ??= {};
        named[key] = parseExpr(c);
      } else args.push(parseExpr(c));
    } while (c.acceptOp(','));
  }
  c.expectOp(')');
  if (c.isKw('WITHIN')) c.fail();
  const fn = { k: 'fn' as const, name, args, named, star, distinct, line: t.line, pos: t.col };
  if (c.acceptKw('OVER')) {
    // Window functions (https://docs.snowflake.com/en/sql-reference/functions-window-syntax): PARTITION BY / ORDER BY; explicit frames are not modelled.
    c.expectOp('(');
    const partition: Expr[] = [];
    const order: OrderItem[] = [];
    if (c.acceptKw('PARTITION', 'BY')) {
      do partition.push(parseExpr(c));
      while (c.acceptOp(','));
    }
    if (c.acceptKw('ORDER', 'BY')) {
      do {
        const e = parseExpr(c);
        const desc = c.acceptKw('DESC') ? true : (c.acceptKw('ASC'), false);
        let nullsFirst: boolean | null = null;
        if (c.acceptKw('NULLS', 'FIRST')) nullsFirst = true;
        else if (c.acceptKw('NULLS', 'LAST')) nullsFirst = false;
        order.push({ e, desc, nullsFirst });
      } while (c.acceptOp(','));
    }
    c.expectOp(')');
    return { k: 'window', fn, partition, order };
  }
  return fn;
}

function parseCase(c: Cursor): Expr {
  c.expectKw('CASE');
  const operand = c.isKw('WHEN') ? null : parseExpr(c);
  const whens: { when: Expr; then: Expr }[] = [];
  while (c.acceptKw('WHEN')) {
    const when = parseExpr(c);
    c.expectKw('THEN');
    whens.push({ when, then: parseExpr(c) });
  }
  if (whens.length === 0) c.fail();
  const els = c.acceptKw('ELSE') ? parseExpr(c) : null;
  c.expectKw('END');
  return { k: 'case', operand, whens, else: els };
}
