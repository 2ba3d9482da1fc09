import type { Expr, FromItem, OrderItem, Query, QueryBody, SelectCore, SelectItem } from './ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './parse-expr.js';

/** SELECT (https://docs.snowflake.com/en/sql-reference/sql/select) with set operators, ORDER BY, LIMIT/OFFSET. */
export function parseQuery(c: Cursor): Query {
  const ctes: { name: string; columns: string[] | null; query: Query }[] = [];
  if (c.acceptKw('WITH')) {
    if (c.isKw('RECURSIVE')) c.fail();
    do {
      const name = c.ident();
      let columns: string[] | null = null;
      if (c.acceptOp('(')) {
        columns = [c.ident()];
        while (c.acceptOp(',')) columns.push(c.ident());
        c.expectOp(')');
      }
      c.expectKw('AS');
      c.expectOp('(');
      ctes.push({ name, columns, query: parseQuery(c) });
      c.expectOp(')');
    } while (c.acceptOp(','));
  }
  const body = parseSetOps(c);
  const orderBy: OrderItem[] = [];
  if (c.acceptKw('ORDER', 'BY')) {
    do {
      const e = parseExpr(c);
      const desc = c.acceptKw('DESC') ? true : (c.acceptKw('ASC'), false);
      let nullsFirst: boolean | null = null;
      if (c.acceptKw('NULLS', 'FIRST')) nullsFirst = true;
      else if (c.acceptKw('NULLS', 'LAST')) nullsFirst = false;
      orderBy.push({ e, desc, nullsFirst });
    } while (c.acceptOp(','));
  }
  let limit: Expr | null = null;
  let offset: Expr | null = null;
  if (c.acceptKw('LIMIT')) {
    limit = parseExpr(c);
    if (c.acceptKw('OFFSET')) offset = parseExpr(c);
  } else if (c.acceptKw('OFFSET')) {
    offset = parseExpr(c);
    c.acceptKw('ROWS') || c.acceptKw('ROW');
    if (c.acceptKw('FETCH')) {
      c.oneOf('FIRST', 'NEXT');
      limit = parseExpr(c);
      c.oneOf('ROWS', 'ROW');
      c.acceptKw('ONLY');
    }
  }
  return { ctes, body, orderBy, limit, offset };
}

function parseSetOps(c: Cursor): QueryBody {
  let left = parseQueryTerm(c);
  for (;;) {
    const op = c.oneOf('UNION', 'EXCEPT', 'MINUS', 'INTERSECT');
    if (!op) return left;
    const all = c.acceptKw('ALL');
    if (!all) c.acceptKw('DISTINCT');
    const right = parseQueryTerm(c);
    left = { k: 'union', all, op: op === 'MINUS' ? 'EXCEPT' : op, left, right };
  }
}

function parseQueryTerm(c: Cursor): QueryBody {
  if (c.isOp('(')) {
    c.next();
    const query = parseQuery(c);
    c.expectOp(')');
    return { k: 'paren', query };
  }
  return parseSelectCore(c);
}

function parseSelectCore(c: Cursor): SelectCore {
  c.expectKw('SELECT');
  const distinct = c.acceptKw('DISTINCT');
  if (!distinct) c.acceptKw('ALL');
  if (c.isKw('TOP')) c.fail();
  const items: SelectItem[] = [];
  do items.push(parseSelectItem(c));
  while (c.acceptOp(','));
  let from: FromItem | null = null;
  if (c.acceptKw('FROM')) {
    from = parseFromItem(c);
    while (c.acceptOp(',')) from = { k: 'join', type: 'CROSS', left: from, right: parseFromItem(c), on: null };
  }
  const where = c.acceptKw('WHERE') ? parseExpr(c) : null;
  const groupBy: Expr[] = [];
  if (c.acceptKw('GROUP', 'BY')) {
    do groupBy.push(parseExpr(c));
    while (c.acceptOp(','));
  }
  const having = c.acceptKw('HAVING') ? parseExpr(c) : null;
  const qualify = c.acceptKw('QUALIFY') ? parseExpr(c) : null;
  return { k: 'select', distinct, items, from, where, groupBy, having, qualify };
}

function parseSelectItem(c: Cursor): SelectItem {
  if (c.acceptOp('*')) return { expr: null, star: { qualifier: null }, alias: null, text: '*' };
  // t.* / db.s.t.*
  let n = 0;
  while ((c.peek(n).kind === 'ident' || c.peek(n).kind === 'qident') && c.isOp('.', n + 1)) {
    if (c.isOp('*', n + 2)) {
      const qualifier: string[] = [];
      for (let k = 0; k <= n; k += 2) qualifier.push(c.peek(k).value);
      c.i += n + 3;
      return { expr: null, star: { qualifier }, alias: null, text: '*' };
    }
    n += 2;
  }
  const start = c.i;
  const expr = parseExpr(c);
  const text = c.textOf(start, c.i);
  const alias = c.alias();
  return { expr, alias, text };
}

export function parseFromItem(c: Cursor): FromItem {
  let left = parseFromPrimary(c);
  for (;;) {
    let type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | null = null;
    if (c.acceptKw('JOIN') || c.acceptKw('INNER', 'JOIN')) type = 'INNER';
    else if (c.acceptKw('LEFT', 'OUTER', 'JOIN') || c.acceptKw('LEFT', 'JOIN')) type = 'LEFT';
    else if (c.acceptKw('RIGHT', 'OUTER', 'JOIN') || c.acceptKw('RIGHT', 'JOIN')) type = 'RIGHT';
    else if (c.acceptKw('FULL', 'OUTER', 'JOIN') || c.acceptKw('FULL', 'JOIN')) type = 'FULL';
    else if (c.acceptKw('CROSS', 'JOIN')) type = 'CROSS';
    if (!type) return left;
    const right = parseFromPrimary(c);
    let on: Expr | null = null;
    if (type !== 'CROSS') {
      c.expectKw('ON');
      on = parseExpr(c);
    }
    left = { k: 'join', type, left, right, on };
  }
}

function parseFromPrimary(c: Cursor): FromItem {
  if (c.isOp('(')) {
    c.next();
    if (c.isKw('SELECT') || c.isOp('(')) {
      const query = parseQuery(c);
      c.expectOp(')');
      return { k: 'sub', query, alias: c.alias() };
    }
    const inner = parseFromItem(c);
    c.expectOp(')');
    return inner;
  }
  if (c.isKw('TABLE') && c.isOp('(', 1)) {
    c.next();
    c.next();
    const fn = parseExpr(c);
    if (fn.k !== 'fn') c.fail();
    c.expectOp(')');
    return { k: 'tfn', fn, alias: c.alias() };
  }
  if (c.isKw('VALUES')) {
    c.next();
    const rows: Expr[][] = [];
    do {
      c.expectOp('(');
      const row = [parseExpr(c)];
      while (c.acceptOp(',')) row.push(parseExpr(c));
      c.expectOp(')');
      rows.push(row);
    } while (c.acceptOp(','));
    const alias = c.alias();
    let columns: string[] | null = null;
    if (alias && c.acceptOp('(')) {
      columns = [c.ident()];
      while (c.acceptOp(',')) columns.push(c.ident());
      c.expectOp(')');
    }
    return { k: 'values', rows, alias, columns };
  }
  const t = c.peek();
  const name = c.name(3);
  return { k: 'table', name, alias: c.alias(), line: t.line, pos: t.col };
}
