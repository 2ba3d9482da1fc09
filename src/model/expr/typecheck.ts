import type { AttributeType, NeutralType } from '../neutral-types.js';
import { didYouMean } from '../did-you-mean.js';
import type { AttributeScalar, CompareNode, Expr, ExprError, InListNode, InUserNode, LiteralNode, Operand, Span } from './ast.js';
import { printLiteral, printOperand } from './print.js';
import { compareValues, literalAs, toValue } from './value.js';

/**
 * Type-checks a parsed filter against one table (product.md: against every table a filter
 * reaches). Checking is strict where engines differ: no ordering on strings or booleans, no
 * implicit casts, `user.<a>` only as a set, so that every target compiles the same meaning.
 */

/** A column as the inventory knows it. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: NeutralType;
}

/** A declared user attribute. */
export interface AttributeInfo {
  readonly type: AttributeType;
  readonly values?: readonly AttributeScalar[];
}

/** What a filter is checked against. */
export interface TypeCheckContext {
  /** Key: lower-cased column name. Undefined when there is no inventory: column checks are skipped. */
  readonly columns?: ReadonlyMap<string, ColumnInfo>;
  readonly attributes: ReadonlyMap<string, AttributeInfo>;
  readonly groups: ReadonlySet<string>;
  /** Named in unknown-column messages. */
  readonly tableName?: string;
}

/** The type of an operand as far as it is known; `undefined` = unknown (no inventory, or already reported). */
type OperandType = NeutralType | 'null' | undefined;

const RESTRICTED = new Set<NeutralType>(['binary', 'json', 'other']);

/** Every type error in `expr`, in source order. */
export function typeCheck(expr: Expr, ctx: TypeCheckContext): ExprError[] {
  const errors: ExprError[] = [];
  new Checker(ctx, errors).check(expr);
  return errors.sort((a, b) => a.offset - b.offset);
}

class Checker {
  constructor(
    private readonly ctx: TypeCheckContext,
    private readonly errors: ExprError[],
  ) {}

  check(e: Expr): void {
    switch (e.kind) {
      case 'and':
      case 'or':
        for (const item of e.items) this.check(item);
        return;
      case 'not':
        return this.check(e.operand);
      case 'bool':
        return;
      case 'compare':
        return this.compare(e);
      case 'in_list':
        return this.inList(e);
      case 'in_user':
        return this.inUser(e);
      case 'is_null': {
        if (e.operand.kind === 'user_attr') {
          return this.error(e.operand.span, `user.${e.operand.attribute} is a set of values and is never NULL`, `test membership instead: <column> IN user.${e.operand.attribute}`);
        }
        this.typeOf(e.operand);
        return;
      }
      case 'in_group':
        if (!this.ctx.groups.has(e.group)) {
          const guess = didYouMean(e.group, this.ctx.groups);
          this.error(e.span, `unknown group '${e.group}' in in_group('${e.group}')`, guess ? `did you mean '${guess}'?` : 'declare it under groups: in a Principals document');
        }
        return;
      case 'column': {
        const t = this.typeOf(e);
        if (t === undefined || t === 'boolean') return;
        if (RESTRICTED.has(t as NeutralType)) return this.restricted(e.name, t, e.span);
        return this.error(e.span, `column '${e.name}' is a ${t}, not a condition`, `compare it, e.g. ${printOperand(e)} = ${example(t)}`);
      }
      case 'user_attr':
        return this.userSet(e.attribute, e.span);
      case 'literal':
        if (e.type !== 'null' && e.type !== 'boolean') this.error(e.span, `a ${e.type} literal alone is not a condition`, `compare it with a column, e.g. col = ${printLiteral(e)}`);
        return;
    }
  }

  private compare(e: CompareNode): void {
    const users = [e.left, e.right].filter((o) => o.kind === 'user_attr');
    for (const u of users) this.userSet(u.attribute, u.span);
    const lt = this.typeOf(e.left);
    const rt = this.typeOf(e.right);
    if (users.length) return;
    const nullSide = e.left.kind === 'literal' && e.left.type === 'null' ? e.left : e.right.kind === 'literal' && e.right.type === 'null' ? e.right : undefined;
    if (nullSide) {
      const other = printOperand(nullSide === e.left ? e.right : e.left);
      const fix = e.op === '=' ? 'IS NULL' : e.op === '<>' ? 'IS NOT NULL' : 'IS NULL or IS NOT NULL';
      return this.error(nullSide.span, `'${e.op} NULL' is never true; write ${fix}`, e.op === '=' || e.op === '<>' ? `${other} ${fix}` : undefined);
    }
    for (const [o, t] of [[e.left, lt], [e.right, rt]] as const) {
      if (t && RESTRICTED.has(t as NeutralType)) return this.restricted(printOperand(o), t, o.span);
    }
    if (lt && rt && lt !== rt) return this.mismatch(e.left, lt, e.right, rt, e.span);
    const t = lt ?? rt;
    if (e.op !== '=' && e.op !== '<>' && (t === 'string' || t === 'boolean')) {
      const why = t === 'string' ? 'strings have no portable collation' : 'booleans are not ordered';
      this.error(e.span, `'${e.op}' cannot compare ${t}s (${why})`, t === 'string' ? "use =, <> or IN (…)" : 'use = or <>');
    }
  }

  private inList(e: InListNode): void {
    if (e.operand.kind === 'user_attr') return this.userSet(e.operand.attribute, e.operand.span);
    let expected = this.typeOf(e.operand);
    if (expected && RESTRICTED.has(expected as NeutralType)) return this.restricted(printOperand(e.operand), expected, e.operand.span);
    for (const v of e.values) {
      if (v.type === 'null') continue;
      if (expected === undefined || expected === 'null') {
        expected = v.type; // no column type known: the list must at least agree with itself
        continue;
      }
      if (v.type !== expected) this.mismatch(e.operand, expected, v, v.type, v.span);
    }
  }

  private inUser(e: InUserNode): void {
    const attr = this.ctx.attributes.get(e.attribute);
    if (!attr) {
      const guess = didYouMean(e.attribute, this.ctx.attributes.keys());
      this.error(e.attributeSpan, `unknown attribute 'user.${e.attribute}'`, guess ? `did you mean 'user.${guess}'?` : 'declare it under attributes: in a Principals document');
    }
    if (e.operand.kind === 'user_attr') return this.userSet(e.operand.attribute, e.operand.span);
    const t = this.typeOf(e.operand);
    if (!attr || t === undefined || t === 'null') return;
    if (RESTRICTED.has(t as NeutralType)) return this.restricted(printOperand(e.operand), t, e.operand.span);
    if (t !== attr.type) {
      return this.error(e.operand.kind === 'literal' ? e.operand.span : e.span, `cannot test ${describe(e.operand, t)} against user.${e.attribute} (${attr.type})`, e.operand.kind === 'literal' ? literalHint(attr.type, e.operand) : `user.${e.attribute} holds ${attr.type} values; compare a ${attr.type} column`);
    }
    if (e.operand.kind === 'literal' && attr.values) this.declaredValue(e.operand, e.attribute, attr);
  }

  /** `user.a = 'lit'` with a literal the attribute can never hold is certainly a typo. */
  private declaredValue(lit: LiteralNode, name: string, attr: AttributeInfo): void {
    const type = attr.type;
    const mine = literalAs(lit, type);
    if (!mine) return;
    const declared = attr.values ?? [];
    if (declared.some((d) => { const v = toValue(d, type); return v != null && compareValues(mine, v) === 0; })) return;
    const guess = didYouMean(String(lit.value), declared.map(String));
    this.error(lit.span, `${printLiteral(lit)} is not a declared value of attribute '${name}'`, guess ? `did you mean '${guess}'?` : `declared values: ${declared.join(', ')}`);
  }

  /** Reports unknown columns; the type, or undefined when unknown. */
  private typeOf(o: Operand): OperandType {
    if (o.kind === 'literal') return o.type;
    if (o.kind === 'user_attr') return undefined;
    const columns = this.ctx.columns;
    if (!columns) return undefined;
    const info = columns.get(o.name.toLowerCase());
    if (info) return info.type;
    const names = [...columns.values()].map((c) => c.name);
    const guess = didYouMean(o.name, names);
    const where = this.ctx.tableName ? ` in ${this.ctx.tableName}` : '';
    this.error(o.span, `unknown column '${o.name}'${where}`, guess ? `did you mean '${guess}'?` : names.length ? `columns: ${names.join(', ')}` : undefined);
    return undefined;
  }

  private userSet(attribute: string, span: Span): void {
    this.error(span, `user.${attribute} is a set of values, not a single value`, `write <column> IN user.${attribute}, or user.${attribute} = '<value>' to test one value`);
  }

  private restricted(name: string, type: string, span: Span): void {
    this.error(span, `column '${name}' is ${type}; it can only be tested with IS NULL or IS NOT NULL`, `write ${name} IS NOT NULL, or filter on another column`);
  }

  private mismatch(left: Operand, lt: string, right: Operand, rt: string, span: Span): void {
    // Point at the literal when there is one: that is what a person retypes.
    const lit = right.kind === 'literal' ? right : left.kind === 'literal' ? left : undefined;
    const target = lit === right ? lt : rt;
    this.error(lit?.span ?? span, `cannot compare ${describe(left, lt)} with ${describe(right, rt)}`, lit ? literalHint(target, lit) : 'compare columns of the same type');
  }

  private error(span: Span, message: string, hint?: string): void {
    this.errors.push({ offset: span.start, length: span.end - span.start, message, ...(hint ? { hint } : {}) });
  }
}

function describe(o: Operand, type: string): string {
  return o.kind === 'column' ? `column '${o.name}' (${type})` : `${printOperand(o)} (${type})`;
}

/** How to write a literal of `type`, reusing the literal's own text when it is a quoted string. */
function literalHint(type: string, lit: LiteralNode): string {
  const text = lit.type === 'string' ? lit.value : String(lit.value);
  switch (type) {
    case 'string':
      return `write a string in single quotes, e.g. '${text.replaceAll("'", "''")}'`;
    case 'number':
      return 'write a number without quotes, e.g. 100.5';
    case 'boolean':
      return 'write TRUE or FALSE';
    case 'date':
      return lit.type === 'string' ? `write DATE '${text}'` : "write DATE 'YYYY-MM-DD'";
    case 'timestamp':
      return lit.type === 'string' ? `write TIMESTAMP '${text}'` : "write TIMESTAMP 'YYYY-MM-DD HH:MM:SS' (UTC)";
    default:
      return `write a ${type} value`;
  }
}

/** An example literal of a type, for hints. */
function example(type: string): string {
  switch (type) {
    case 'string':
      return "'…'";
    case 'number':
      return '0';
    case 'date':
      return "DATE '2024-01-31'";
    case 'timestamp':
      return "TIMESTAMP '2024-01-31 00:00:00'";
    default:
      return 'TRUE';
  }
}
