import type { AttributeScalar, CompareNode, Expr, ExprPrincipal, InListNode, InUserNode, LiteralNode, Operand } from './ast.js';
import type { NeutralType } from '../neutral-types.js';
import { compareValues, inferType, isScalarType, literalAs, toValue, type ScalarType, type Value } from './value.js';

/**
 * The oracle: evaluates a filter on one row for one principal with SQL three-valued logic
 * (TRUE, FALSE, NULL as `null`). `explain`, `test` and the targets' acceptance tests all agree
 * with this function, so it follows product.md literally rather than any one engine.
 */

/** SQL truth value: `null` is UNKNOWN. */
export type Truth = boolean | null;

/** A row value that cannot be read as its column's type (e.g. `amount: abc` in a sample row). */
export class ExprValueError extends Error {
  constructor(
    readonly column: string,
    readonly type: ScalarType,
    readonly value: unknown,
  ) {
    super(`column '${column}' is a ${type}, but the row gives ${describe(value)}`);
    this.name = 'ExprValueError';
  }
}

/** Per-evaluation inputs, bundled so helpers take one argument. */
interface Env {
  readonly row: Readonly<Record<string, unknown>>;
  readonly principal: ExprPrincipal;
  readonly columnTypes: ReadonlyMap<string, NeutralType>;
}

/**
 * Evaluates `expr` on `row` (keys matched exactly, else case-insensitively) for `principal`.
 * Row values are read by `columnTypes` (lower-cased column name → neutral type); a column without
 * a type is read by the type of what it is compared with. A row is visible iff this is `true`.
 * Throws ExprValueError when a row value cannot be read as its column's type.
 */
export function evaluate(expr: Expr, row: Readonly<Record<string, unknown>>, principal: ExprPrincipal, columnTypes: ReadonlyMap<string, NeutralType>): Truth {
  return evalExpr(expr, { row, principal, columnTypes });
}

function evalExpr(e: Expr, env: Env): Truth {
  switch (e.kind) {
    case 'and': {
      // FALSE dominates, then UNKNOWN.
      let result: Truth = true;
      for (const item of e.items) {
        const v = evalExpr(item, env);
        if (v === false) return false;
        if (v === null) result = null;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const item of e.items) {
        const v = evalExpr(item, env);
        if (v === true) return true;
        if (v === null) result = null;
      }
      return result;
    }
    case 'not': {
      const v = evalExpr(e.operand, env);
      return v === null ? null : !v;
    }
    case 'bool':
      return e.value;
    case 'in_group':
      return env.principal.groups.has(e.group);
    case 'compare':
      return evalCompare(e, env);
    case 'in_list':
      return negate(evalInList(e, env), e.negated);
    case 'in_user':
      return negate(evalInUser(e, env), e.negated);
    case 'is_null': {
      if (e.operand.kind === 'user_attr') return null;
      const isNull = e.operand.kind === 'literal' ? e.operand.type === 'null' : rawOf(e.operand.name, env) == null;
      return isNull !== e.negated;
    }
    case 'column': {
      // Only a boolean column is a condition; any other declared type is a type error (UNKNOWN).
      const declared = env.columnTypes.get(e.name.toLowerCase());
      if (declared && declared !== 'boolean') return null;
      const v = operandValue(e, 'boolean', env);
      return v?.type === 'boolean' ? v.v : null;
    }
    case 'literal':
      return e.type === 'boolean' ? e.value : null;
    case 'user_attr':
      // A type error; a filter that does not type-check must never make a row visible.
      return null;
  }
}

function negate(v: Truth, negated: boolean): Truth {
  return v === null || !negated ? v : !v;
}

function evalCompare(e: CompareNode, env: Env): Truth {
  const type = comparisonType([e.left, e.right], [], env);
  if (!type) return null;
  const a = operandValue(e.left, type, env);
  const b = operandValue(e.right, type, env);
  if (a === null || b === null || a === undefined || b === undefined) return null;
  // Ordering is undefined on strings (no portable collation) and booleans: a type error, so UNKNOWN.
  if (e.op !== '=' && e.op !== '<>' && (type === 'string' || type === 'boolean')) return null;
  const c = compareValues(a, b);
  if (c === undefined) return null;
  switch (e.op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** `x IN (…)` before negation: FALSE for an empty list, else TRUE on a match, else NULL if x or an element is NULL. */
function evalInList(e: InListNode, env: Env): Truth {
  if (e.values.length === 0) return false;
  const type = comparisonType([e.operand, ...e.values], [], env);
  if (!type) return null;
  const x = operandValue(e.operand, type, env);
  if (x === null || x === undefined) return null;
  let unknown = false;
  for (const lit of e.values) {
    const v = literalAs(lit, type);
    if (v === null || v === undefined) unknown = true;
    else if (compareValues(x, v) === 0) return true;
  }
  return unknown ? null : false;
}

/** `x IN user.a` before negation: FALSE when the set is empty, even for a NULL x (product.md). */
function evalInUser(e: InUserNode, env: Env): Truth {
  const set = env.principal.attributes.get(e.attribute) ?? [];
  if (set.length === 0) return false;
  if (e.operand.kind === 'user_attr') return null;
  const type = comparisonType([e.operand], set, env);
  if (!type) return null;
  const x = operandValue(e.operand, type, env);
  if (x === null || x === undefined) return null;
  return set.some((s) => {
    const v = toValue(s, type);
    return v != null && compareValues(x, v) === 0;
  });
}

/**
 * The type a comparison is made in: a column's declared type first, then a non-string literal's
 * type, then the principal's values, then what the row value looks like, then string. Declared
 * types that disagree, or a binary/json/other column, give undefined (UNKNOWN).
 */
function comparisonType(operands: readonly Operand[], attributeValues: readonly AttributeScalar[], env: Env): ScalarType | undefined {
  const declared = new Set<NeutralType>();
  for (const o of operands) if (o.kind === 'column') {
    const t = env.columnTypes.get(o.name.toLowerCase());
    if (t) declared.add(t);
  }
  if (declared.size > 1) return undefined;
  if (declared.size === 1) {
    const [t] = declared;
    return isScalarType(t!) ? t : undefined;
  }
  const literal = operands.find((o): o is LiteralNode => o.kind === 'literal' && o.type !== 'null' && o.type !== 'string');
  if (literal) return literal.type as ScalarType;
  const fromSet = attributeValues.map((v) => typeof v).find((t) => t === 'number' || t === 'boolean');
  if (fromSet) return fromSet as ScalarType;
  for (const o of operands) if (o.kind === 'column') {
    const t = inferType(rawOf(o.name, env));
    if (t && t !== 'string') return t;
  }
  return 'string';
}

/** An operand read as `type`: Value, null (SQL NULL) or undefined (not comparable). */
function operandValue(o: Operand, type: ScalarType, env: Env): Value | null | undefined {
  if (o.kind === 'user_attr') return undefined;
  if (o.kind === 'literal') return literalAs(o, type);
  const raw = rawOf(o.name, env);
  const v = toValue(raw, type);
  if (v === undefined) throw new ExprValueError(o.name, type, raw);
  return v;
}

/** The row value of a column: exact key first, then a case-insensitive match (names match case-insensitively). */
function rawOf(name: string, env: Env): unknown {
  if (Object.prototype.hasOwnProperty.call(env.row, name)) return env.row[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(env.row)) if (key.toLowerCase() === lower) return env.row[key];
  return undefined;
}

function describe(value: unknown): string {
  if (value instanceof Date) return `the date-time ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
