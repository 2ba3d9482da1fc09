import type { AttributeType } from '../neutral-types.js';
import type { AttributeScalar, Expr, ExprPrincipal, InUserNode, LiteralNode, Span } from './ast.js';
import { formatDecimal, canonicalDecimal, decimalFromNumber } from './decimal.js';
import { evaluate } from './evaluate.js';
import { parseDateText, parseTimestampText } from './temporal.js';

/**
 * The filter as one principal experiences it: `user.<a>` replaced by the principal's values,
 * `in_group` by TRUE/FALSE, then constant-folded. `explain` shows the result ("effective"), and
 * a result of FALSE or NULL means no row can ever match. Folding follows three-valued logic
 * exactly: a NULL is never dropped where it could change the outcome, and nothing that reads a
 * column is folded (`x = x` is NULL when x is NULL, so it is not TRUE).
 */

const NO_ONE: ExprPrincipal = { attributes: new Map(), groups: new Set() };
const NO_TYPES = new Map();

/**
 * Substitutes `principal` into `expr` and folds constants. `attributeTypes` (declared types)
 * makes substituted values typed literals (`DATE '…'`); without it they are typed by their JS
 * type, which evaluates the same but prints less precisely.
 */
export function specialize(expr: Expr, principal: ExprPrincipal, attributeTypes?: ReadonlyMap<string, AttributeType>): Expr {
  return fold(expr, principal, attributeTypes);
}

/** True when the expression is constant FALSE or NULL: for a specialised filter, no row can match. */
export function isAlwaysFalse(expr: Expr): boolean {
  const c = constant(expr);
  return c === false || c === null;
}

/** The constant truth of a folded node, or undefined when it still depends on the row. */
function constant(e: Expr): boolean | null | undefined {
  if (e.kind === 'bool') return e.value;
  if (e.kind === 'literal' && e.type === 'boolean') return e.value;
  if (e.kind === 'literal' && e.type === 'null') return null;
  return undefined;
}

function fold(e: Expr, p: ExprPrincipal, types: ReadonlyMap<string, AttributeType> | undefined): Expr {
  switch (e.kind) {
    case 'and':
    case 'or': {
      // The absorbing value (FALSE for AND, TRUE for OR) decides; the identity is dropped; NULL must stay.
      const absorbing = e.kind === 'or';
      const items: Expr[] = [];
      let sawNull = false;
      for (const raw of e.items) {
        const item = fold(raw, p, types);
        const c = constant(item);
        if (c === absorbing) return bool(absorbing, e.span);
        if (c === null) sawNull = true;
        else if (c === undefined) items.push(...((item.kind === 'and' || item.kind === 'or') && item.kind === e.kind ? item.items : [item]));
      }
      if (sawNull) items.push(nullLiteral(e.span));
      if (items.length === 0) return bool(!absorbing, e.span);
      return items.length === 1 ? items[0]! : { kind: e.kind, items, span: e.span };
    }
    case 'not': {
      const operand = fold(e.operand, p, types);
      const c = constant(operand);
      if (c === null) return nullLiteral(e.span);
      if (c !== undefined) return bool(!c, e.span);
      // NOT NOT x = x holds in three-valued logic too.
      if (operand.kind === 'not') return operand.operand;
      return { kind: 'not', operand, span: e.span };
    }
    case 'in_group':
      return bool(p.groups.has(e.group), e.span);
    case 'in_user':
      return inUser(e, p, types);
    case 'compare':
    case 'in_list':
    case 'is_null':
      return foldPredicate(e);
    default:
      return e;
  }
}

/** `x IN user.a` → `x IN (values…)`; an empty set is FALSE (TRUE when negated), even for a NULL x. */
function inUser(e: InUserNode, p: ExprPrincipal, types: ReadonlyMap<string, AttributeType> | undefined): Expr {
  if (e.operand.kind === 'user_attr') return e; // a type error; leave it for the checker to report
  const set = [...new Set(p.attributes.get(e.attribute) ?? [])];
  if (set.length === 0) return bool(e.negated, e.span);
  const hint = types?.get(e.attribute) ?? (e.operand.kind === 'literal' && e.operand.type !== 'null' ? e.operand.type : undefined);
  const values = set.map((v) => toLiteral(v, hint, e.attributeSpan));
  return foldPredicate({ kind: 'in_list', operand: e.operand, values, negated: e.negated, span: e.span });
}

/** A comparison whose operands are all literals, or that meets a NULL literal, is constant. */
function foldPredicate(e: Expr & { kind: 'compare' | 'in_list' | 'is_null' }): Expr {
  const operands = e.kind === 'compare' ? [e.left, e.right] : [e.operand];
  if (operands.some((o) => o.kind === 'user_attr')) return e;
  const allLiteral = operands.every((o) => o.kind === 'literal');
  const meetsNull = e.kind !== 'is_null' && operands.some((o) => o.kind === 'literal' && o.type === 'null');
  if (!allLiteral && !meetsNull) return e;
  const v = evaluate(e, {}, NO_ONE, NO_TYPES);
  return v === null ? nullLiteral(e.span) : bool(v, e.span);
}

/** An attribute value as a literal, typed by the declared type when known. */
function toLiteral(v: AttributeScalar, type: string | undefined, span: Span): LiteralNode {
  if (typeof v === 'boolean') return { kind: 'literal', type: 'boolean', value: v, span };
  if (typeof v === 'number') {
    const d = decimalFromNumber(v);
    return d ? { kind: 'literal', type: 'number', value: formatDecimal(d), span } : { kind: 'literal', type: 'string', value: String(v), span };
  }
  if (type === 'number') {
    const n = canonicalDecimal(v);
    if (n !== undefined) return { kind: 'literal', type: 'number', value: n, span };
  }
  if (type === 'date') {
    const d = parseDateText(v);
    if (d !== undefined) return { kind: 'literal', type: 'date', value: d, span };
  }
  if (type === 'timestamp') {
    const t = parseTimestampText(v, false);
    if (t.ok) return { kind: 'literal', type: 'timestamp', value: t.value, span };
  }
  if (type === 'boolean' && (v === 'true' || v === 'false')) return { kind: 'literal', type: 'boolean', value: v === 'true', span };
  return { kind: 'literal', type: 'string', value: v, span };
}

function bool(value: boolean, span: Span): Expr {
  return { kind: 'bool', value, span };
}

function nullLiteral(span: Span): LiteralNode {
  return { kind: 'literal', type: 'null', value: null, span };
}
