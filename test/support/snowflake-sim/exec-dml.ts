import type { Expr, Statement } from './ast.js';
import { castValue } from './cast.js';
import type { Ctx } from './context.js';
import { SimError, compileError, invalidIdentifier } from './errors.js';
import { EMPTY_SCOPE, checkColumns, evalExpr, type Scope, type ScopeCol } from './eval.js';
import { evalPolicy } from './protect.js';
import { fromItem, referencedColumns, runQuery } from './query.js';
import { OK, counts, type ExecResult } from './result.js';
import { readableTable, recordRead } from './sources.js';
import type { Table } from './state.js';
import { truth, type Value } from './values.js';

function targetCols(t: Table, alias: string | null): ScopeCol[] {
  const quals = alias ? [[alias]] : [[t.name], [t.schema.name, t.name], [t.schema.database.name, t.schema.name, t.name]];
  return t.columns.map((c) => ({ name: c.name, qualifiers: quals, type: c.type }));
}

/** Remembers a table's rows before its first change inside an explicit transaction (https://docs.snowflake.com/en/sql-reference/transactions). */
function touch(ctx: Ctx, t: Table, columns: Iterable<string>): void {
  if (ctx.session.txn && !ctx.session.txn.has(t)) ctx.session.txn.set(t, t.rows.map((r) => [...r]));
  const set = ctx.access.writes.get(t) ?? new Set<string>();
  for (const c of columns) set.add(c);
  ctx.access.writes.set(t, set);
}

/** A row access policy also filters the rows UPDATE, DELETE and MERGE see (https://docs.snowflake.com/en/user-guide/security-row-intro). */
function visible(ctx: Ctx, t: Table, row: readonly Value[]): boolean {
  if (!t.rap) return true;
  const rap = t.rap;
  return truth(evalPolicy(ctx, rap.policy, t, null, rap.on.map((n) => row[t.columns.findIndex((c) => c.name === n)] ?? null))) === true;
}

/** Coerces a value into a column: its type, NOT NULL ("NULL result in a non-nullable column", 100072). */
function store(t: Table, i: number, v: Value): Value {
  const c = t.columns[i]!;
  const out = castValue(v, c.type);
  if (out === null && !c.nullable) throw new SimError('100072', '22000', `NULL result in a non-nullable column`);
  return out;
}

function newRow(ctx: Ctx, t: Table, columns: readonly string[] | null, values: readonly Value[], defaults: readonly boolean[]): Value[] {
  const names = columns ?? t.columns.map((c) => c.name);
  if (names.length !== values.length) throw compileError('002020', `Insert value list does not match column list expecting ${names.length} but got ${values.length}`, '21S01');
  const row: Value[] = t.columns.map((c) => (c.default ? evalExpr(c.default, EMPTY_SCOPE, ctx) : null));
  names.forEach((n, k) => {
    const i = t.columns.findIndex((c) => c.name === n);
    if (i < 0) throw invalidIdentifier(n);
    if (!defaults[k]) row[i] = values[k]!;
  });
  return row.map((v, i) => store(t, i, v));
}

const isDefault = (e: Expr): boolean => e.k === 'fn' && e.name === '$DEFAULT';

const SEMI_CONSTRUCTORS = new Set(['PARSE_JSON', 'TRY_PARSE_JSON', 'TO_VARIANT', 'ARRAY_CONSTRUCT', 'OBJECT_CONSTRUCT', 'TO_ARRAY', 'TO_OBJECT']);

/**
 * The VALUES clause of INSERT takes constants: PARSE_JSON, TO_VARIANT and the like are refused
 * ("Invalid expression [...] in VALUES clause" — use INSERT … SELECT, https://docs.snowflake.com/en/sql-reference/functions/to_variant#usage-notes),
 * and a plain constant does not convert to a VARIANT/ARRAY/OBJECT column ("Expression type does
 * not match column data type, expecting VARIANT but got VARCHAR") [message wording UNCONFIRMED].
 */
function checkValuesClause(t: Table, columns: readonly string[] | null, row: readonly Expr[]): void {
  const visit = (e: Expr): void => {
    if (e.k === 'fn' && SEMI_CONSTRUCTORS.has(e.name)) throw compileError('002014', `Invalid expression [${e.name}(${e.args.length ? '…' : ''})] in VALUES clause`, '42601');
    for (const v of Object.values(e)) if (v && typeof v === 'object' && 'k' in (v as object)) visit(v as Expr);
    if (e.k === 'fn' || e.k === 'array') for (const a of e.k === 'fn' ? e.args : e.items) visit(a);
  };
  row.forEach((e, i) => {
    visit(e);
    const name = columns ? columns[i] : t.columns[i]?.name;
    const col = t.columns.find((c) => c.name === name);
    if (col && ['VARIANT', 'ARRAY', 'OBJECT'].includes(col.type.base) && e.k === 'lit' && e.v !== null) {
      throw compileError('002023', `Expression type does not match column data type, expecting ${col.type.base} but got ${typeof e.v === 'number' ? 'NUMBER' : typeof e.v === 'boolean' ? 'BOOLEAN' : `VARCHAR(${String(e.v).length})`} for column ${col.name}`, '22000');
    }
  });
}

/** INSERT INTO … VALUES (…), (…) | SELECT … — "number of rows inserted" (https://docs.snowflake.com/en/sql-reference/sql/insert). A row access policy does not block INSERT. */
export function execInsert(st: Extract<Statement, { t: 'insert' }>, ctx: Ctx): ExecResult {
  const t = readableTable(ctx, st.table, 'INSERT');
  const rows: Value[][] = [];
  if (st.values) for (const r of st.values) {
    checkValuesClause(t, st.columns, r);
    rows.push(newRow(ctx, t, st.columns, r.map((e) => (isDefault(e) ? null : evalExpr(e, EMPTY_SCOPE, ctx))), r.map(isDefault)));
  }
  else {
    const q = runQuery(st.query!, ctx);
    for (const r of q.rows) rows.push(newRow(ctx, t, st.columns, r, r.map(() => false)));
  }
  touch(ctx, t, st.columns ?? t.columns.map((c) => c.name));
  if (st.overwrite) t.rows = [];
  t.rows.push(...rows);
  return counts([['number of rows inserted', rows.length]], 'INSERT', rows.length);
}

/** UPDATE … SET … [FROM …] [WHERE …] — "number of rows updated", "number of multi-joined rows updated" (https://docs.snowflake.com/en/sql-reference/sql/update). */
export function execUpdate(st: Extract<Statement, { t: 'update' }>, ctx: Ctx): ExecResult {
  const t = readableTable(ctx, st.table, 'UPDATE');
  const cols = targetCols(t, st.alias);
  const idx = st.set.map((s) => {
    const i = t.columns.findIndex((c) => c.name === s.column);
    if (i < 0) throw invalidIdentifier(s.column);
    return i;
  });
  recordRead(ctx, t, referencedColumns(st.where, new Set()));
  const source = st.from ? fromItem(st.from, ctx, null, null) : null;
  checkColumns([st.where, ...st.set.map((x) => x.e)], { cols: [...cols, ...(source?.cols ?? [])], row: [], parent: null });
  let updated = 0;
  let multi = 0;
  const next = t.rows.map((row) => {
    if (!visible(ctx, t, row)) return row;
    let scope: Scope | null = null;
    if (source) {
      const matches = source.rows.filter((sr) => {
        const sc: Scope = { cols: [...cols, ...source.cols], row: [...row, ...sr], parent: null };
        return !st.where || truth(evalExpr(st.where, sc, ctx)) === true;
      });
      if (!matches.length) return row;
      if (matches.length > 1) multi += matches.length - 1;
      scope = { cols: [...cols, ...source.cols], row: [...row, ...matches[0]!], parent: null };
    } else {
      scope = { cols, row, parent: null };
      if (st.where && truth(evalExpr(st.where, scope, ctx)) !== true) return row;
    }
    const out = [...row];
    st.set.forEach((s, k) => { out[idx[k]!] = store(t, idx[k]!, evalExpr(s.e, scope!, ctx)); });
    updated++;
    return out;
  });
  touch(ctx, t, st.set.map((s) => s.column));
  t.rows = next;
  return counts([['number of rows updated', updated], ['number of multi-joined rows updated', multi]], 'UPDATE', 0, updated);
}

/** DELETE FROM … [USING …] [WHERE …] — "number of rows deleted" (https://docs.snowflake.com/en/sql-reference/sql/delete). */
export function execDelete(st: Extract<Statement, { t: 'delete' }>, ctx: Ctx): ExecResult {
  const t = readableTable(ctx, st.table, 'DELETE');
  const cols = targetCols(t, st.alias);
  recordRead(ctx, t, referencedColumns(st.where, new Set()));
  const source = st.using ? fromItem(st.using, ctx, null, null) : null;
  checkColumns([st.where], { cols: [...cols, ...(source?.cols ?? [])], row: [], parent: null });
  const keep: Value[][] = [];
  let deleted = 0;
  for (const row of t.rows) {
    let hit: boolean;
    if (!visible(ctx, t, row)) hit = false;
    else if (source) hit = source.rows.some((sr) => !st.where || truth(evalExpr(st.where, { cols: [...cols, ...source.cols], row: [...row, ...sr], parent: null }, ctx)) === true);
    else hit = !st.where || truth(evalExpr(st.where, { cols, row, parent: null }, ctx)) === true;
    if (hit) deleted++;
    else keep.push(row);
  }
  touch(ctx, t, []);
  t.rows = keep;
  return counts([['number of rows deleted', deleted]], 'DELETE', 0, 0, deleted);
}

/**
 * MERGE INTO t USING s ON … WHEN MATCHED [AND …] THEN UPDATE|DELETE, WHEN NOT MATCHED [AND …]
 * THEN INSERT (https://docs.snowflake.com/en/sql-reference/sql/merge). The first clause whose
 * condition holds acts; a target row joined to several source rows by an UPDATE/DELETE is an
 * error (ERROR_ON_NONDETERMINISTIC_MERGE = TRUE, the default: 100090 "Duplicate row detected during
 * DML action"). The result has one count column per kind of clause present.
 */
export function execMerge(st: Extract<Statement, { t: 'merge' }>, ctx: Ctx): ExecResult {
  const needs = new Set(st.clauses.map((c) => (c.k === 'insert' ? 'INSERT' : c.k === 'update' ? 'UPDATE' : 'DELETE')));
  let t: Table | null = null;
  for (const p of needs) t = readableTable(ctx, st.table, p);
  t ??= readableTable(ctx, st.table, 'UPDATE');
  const table = t;
  const cols = targetCols(table, st.alias);
  const source = fromItem(st.source, ctx, null, null);
  const allCols = [...cols, ...source.cols];
  const matchedBy = new Map<number, number>();
  const actions = new Map<number, { kind: 'update' | 'delete'; row: Value[] }>();
  const inserts: Value[][] = [];
  source.rows.forEach((sr, si) => {
    let matchedAny = false;
    table.rows.forEach((tr, ti) => {
      if (!visible(ctx, table, tr)) return;
      const scope: Scope = { cols: allCols, row: [...tr, ...sr], parent: null };
      if (truth(evalExpr(st.on, scope, ctx)) !== true) return;
      matchedAny = true;
      for (const c of st.clauses) {
        if (!c.matched) continue;
        if (c.cond && truth(evalExpr(c.cond, scope, ctx)) !== true) continue;
        if (matchedBy.has(ti) && matchedBy.get(ti) !== si) throw new SimError('100090', '42P18', `Duplicate row detected during DML action\nRow Values: [${tr.map((v) => JSON.stringify(v)).join(', ')}]`);
        matchedBy.set(ti, si);
        if (c.k === 'delete') actions.set(ti, { kind: 'delete', row: tr });
        else {
          const out = [...tr];
          for (const s of c.set) {
            const i = table.columns.findIndex((x) => x.name === s.column);
            if (i < 0) throw invalidIdentifier(s.column);
            out[i] = store(table, i, evalExpr(s.e, scope, ctx));
          }
          actions.set(ti, { kind: 'update', row: out });
        }
        break;
      }
    });
    if (matchedAny) return;
    const scope: Scope = { cols: allCols, row: [...cols.map(() => null), ...sr], parent: null };
    for (const c of st.clauses) {
      if (c.matched || c.k !== 'insert') continue;
      if (c.cond && truth(evalExpr(c.cond, scope, ctx)) !== true) continue;
      inserts.push(newRow(ctx, table, c.columns, c.values.map((e) => (isDefault(e) ? null : evalExpr(e, scope, ctx))), c.values.map(isDefault)));
      break;
    }
  });
  let updated = 0;
  let deleted = 0;
  const next: Value[][] = [];
  table.rows.forEach((r, i) => {
    const a = actions.get(i);
    if (!a) next.push(r);
    else if (a.kind === 'delete') deleted++;
    else { updated++; next.push(a.row); }
  });
  next.push(...inserts);
  touch(ctx, table, table.columns.map((c) => c.name));
  table.rows = next;
  const pairs: [string, number][] = [];
  if (st.clauses.some((c) => c.k === 'insert')) pairs.push(['number of rows inserted', inserts.length]);
  if (st.clauses.some((c) => c.k === 'update')) pairs.push(['number of rows updated', updated]);
  if (st.clauses.some((c) => c.k === 'delete')) pairs.push(['number of rows deleted', deleted]);
  return counts(pairs, 'MERGE', inserts.length, updated, deleted);
}

export function execTruncate(st: Extract<Statement, { t: 'truncate' }>, ctx: Ctx): ExecResult {
  let t: Table;
  try {
    t = readableTable(ctx, st.table, 'TRUNCATE');
  } catch (e) {
    if (st.ifExists && e instanceof SimError && e.code === '002003') return OK('TRUNCATE_TABLE');
    throw e;
  }
  touch(ctx, t, []);
  t.rows = [];
  return OK('TRUNCATE_TABLE');
}

/** BEGIN / COMMIT / ROLLBACK: DML between them is undone by ROLLBACK; DDL commits an open transaction (https://docs.snowflake.com/en/sql-reference/transactions). */
export function execTxn(st: Extract<Statement, { t: 'txn' }>, ctx: Ctx): ExecResult {
  if (st.op === 'BEGIN') {
    ctx.session.txn ??= new Map();
    return OK('BEGIN_TRANSACTION');
  }
  if (st.op === 'ROLLBACK' && ctx.session.txn) for (const [t, rows] of ctx.session.txn) t.rows = rows;
  ctx.session.txn = null;
  return OK(st.op === 'COMMIT' ? 'COMMIT' : 'ROLLBACK');
}

