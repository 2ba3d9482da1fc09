import type { Expr, MergeClause, Statement } from './ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './parse-expr.js';
import { parseFromItem, parseQuery } from './parse-query.js';

/** INSERT (https://docs.snowflake.com/en/sql-reference/sql/insert): VALUES rows or a query. */
export function parseInsert(c: Cursor): Statement {
  c.expectKw('INSERT');
  const overwrite = c.acceptKw('OVERWRITE');
  c.expectKw('INTO');
  const table = c.name(3);
  let columns: string[] | null = null;
  if (c.isOp('(') && !c.isKw('SELECT', 1)) {
    c.next();
    columns = identList(c);
    c.expectOp(')');
  }
  if (c.acceptKw('VALUES')) {
    const values: Expr[][] = [];
    do {
      c.expectOp('(');
      const row = [valueOrDefault(c)];
      while (c.acceptOp(',')) row.push(valueOrDefault(c));
      c.expectOp(')');
      values.push(row);
    } while (c.acceptOp(','));
    return { t: 'insert', overwrite, table, columns, values, query: null };
  }
  if (c.isKw('SELECT') || c.isOp('(')) return { t: 'insert', overwrite, table, columns, values: null, query: parseQuery(c) };
  c.fail();
}

/** DEFAULT in a VALUES list is the column default, marked as a function the executor recognises. */
function valueOrDefault(c: Cursor): Expr {
  const t = c.peek();
  if (c.isKw('DEFAULT') && (c.isOp(',', 1) || c.isOp(')', 1))) {
    c.next();
    return { k: 'fn', name: '$DEFAULT', args: [], named: null, star: false, distinct: false, line: t.line, pos: t.col };
  }
  return parseExpr(c);
}

export function identList(c: Cursor): string[] {
  const out = [c.ident()];
  while (c.acceptOp(',')) out.push(c.ident());
  return out;
}

function setList(c: Cursor): { column: string; e: Expr }[] {
  const out: { column: string; e: Expr }[] = [];
  do {
    const parts = c.name(2);
    c.expectOp('=');
    out.push({ column: parts[parts.length - 1]!, e: parseExpr(c) });
  } while (c.acceptOp(','));
  return out;
}

/** UPDATE (https://docs.snowflake.com/en/sql-reference/sql/update). */
export function parseUpdate(c: Cursor): Statement {
  c.expectKw('UPDATE');
  const table = c.name(3);
  const alias = c.isKw('SET') ? null : c.alias();
  c.expectKw('SET');
  const set = setList(c);
  const from = c.acceptKw('FROM') ? parseFromItem(c) : null;
  const where = c.acceptKw('WHERE') ? parseExpr(c) : null;
  return { t: 'update', table, alias, set, from, where };
}

/** DELETE (https://docs.snowflake.com/en/sql-reference/sql/delete). */
export function parseDelete(c: Cursor): Statement {
  c.expectKw('DELETE');
  c.expectKw('FROM');
  const table = c.name(3);
  const alias = c.isKw('USING') || c.isKw('WHERE') ? null : c.alias();
  const using = c.acceptKw('USING') ? parseFromItem(c) : null;
  const where = c.acceptKw('WHERE') ? parseExpr(c) : null;
  return { t: 'delete', table, alias, using, where };
}

/**
 * MERGE (https://docs.snowflake.com/en/sql-reference/sql/merge):
 * `WHEN MATCHED [AND cond] THEN {UPDATE SET … | DELETE}`, `WHEN NOT MATCHED [AND cond] THEN
 * INSERT [(cols)] VALUES (…)`. Anything else (e.g. `WHEN NOT MATCHED OR …`) is a syntax error.
 */
export function parseMerge(c: Cursor): Statement {
  c.expectKw('MERGE');
  c.expectKw('INTO');
  const table = c.name(3);
  const alias = c.isKw('USING') ? null : c.alias();
  c.expectKw('USING');
  const source = parseFromItem(c);
  c.expectKw('ON');
  const on = parseExpr(c);
  const clauses: MergeClause[] = [];
  while (c.acceptKw('WHEN')) {
    const notMatched = c.acceptKw('NOT');
    c.expectKw('MATCHED');
    if (notMatched) c.acceptKw('BY', 'TARGET');
    const cond = c.acceptKw('AND') ? parseExpr(c) : null;
    c.expectKw('THEN');
    if (!notMatched) {
      if (c.acceptKw('UPDATE')) {
        c.expectKw('SET');
        clauses.push({ k: 'update', matched: true, cond, set: setList(c) });
      } else if (c.acceptKw('DELETE')) clauses.push({ k: 'delete', matched: true, cond });
      else c.fail();
    } else {
      c.expectKw('INSERT');
      let columns: string[] | null = null;
      if (c.acceptOp('(')) {
        columns = identList(c);
        c.expectOp(')');
      }
      c.expectKw('VALUES');
      c.expectOp('(');
      const values = [valueOrDefault(c)];
      while (c.acceptOp(',')) values.push(valueOrDefault(c));
      c.expectOp(')');
      clauses.push({ k: 'insert', matched: false, cond, columns, values });
    }
  }
  if (clauses.length === 0) c.fail();
  return { t: 'merge', table, alias, source, on, clauses };
}
