import { canonicalDecimal, decimalFromNumber, formatDecimal, parseDecimalLoose } from '../../model/expr/decimal.js';
import type { AttributeScalar, Expr, LiteralNode, Operand } from '../../model/expr/ast.js';
import { parseDateText, parseTimestampText } from '../../model/expr/temporal.js';
import { compareValues, literalAs, toValue } from '../../model/expr/value.js';
import type { AttributeType, NeutralType } from '../../model/neutral-types.js';
import type { Model } from '../../model/types.js';
import { quoteIdent } from './naming.js';
import { quoteLiteral } from './sql-text.js';

/**
 * Row-filter AST (src/model/expr/ast.ts) -> PostgreSQL boolean expression, evaluated inside the
 * managed definer view for the querying role (`current_user` there is the invoker).
 *
 * Meaning is product.md's Row filters, with `evaluate()` as the oracle: every node is standard
 * SQL with explicit parentheses, so three-valued logic is PostgreSQL's own; `x IN user.a` is an
 * OR over the groups that declare `a`, each `(member of its role AND x IN (its values))`, which
 * is `x IN (union over the closure)` including NULL handling and FALSE for an empty set.
 * Expressions reach here type-checked; a node that cannot be typed (`user.a` as a value) throws.
 */

/** One column of the filtered table. */
export interface ExprColumn {
  /** Exact stored name. */
  readonly name: string;
  readonly type?: NeutralType;
  readonly nativeType?: string;
}

export interface ExprSqlContext {
  readonly columns: readonly ExprColumn[];
  /** Native role name of a model group. */
  readonly roleOf: (group: string) => string;
  readonly groups: Model['groups'];
  readonly attributes: Model['attributes'];
}

/** `pg_has_role(current_user, '<role>', 'MEMBER')`: the querying role is (transitively) a member of `role`. */
export function memberOfSql(role: string): string {
  return `pg_has_role(current_user, ${quoteLiteral(role)}, 'MEMBER')`;
}

/** The PostgreSQL text of a filter condition. */
export function exprSql(expr: Expr, ctx: ExprSqlContext): string {
  return new ExprCompiler(ctx).condition(expr);
}

class ExprCompiler {
  constructor(private readonly ctx: ExprSqlContext) {}

  condition(e: Expr): string {
    switch (e.kind) {
      case 'and':
      case 'or':
        return `(${e.items.map((i) => this.condition(i)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${this.condition(e.operand)})`;
      case 'bool':
        return e.value ? 'TRUE' : 'FALSE';
      case 'in_group':
        return memberOfSql(this.ctx.roleOf(e.group));
      case 'compare': {
        const hint = this.timestampHint([e.left, e.right]);
        return `(${this.operand(e.left, hint)} ${e.op} ${this.operand(e.right, hint)})`;
      }
      case 'in_list': {
        if (e.values.length === 0) return e.negated ? 'TRUE' : 'FALSE'; // the parser never builds one; `IN ()` is a syntax error
        const hint = this.timestampHint([e.operand]);
        return `(${this.operand(e.operand, hint)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => this.literal(v, hint)).join(', ')}))`;
      }
      case 'in_user': {
        const sql = this.inUser(e.operand, e.attribute);
        return e.negated ? `(NOT ${sql})` : sql;
      }
      case 'is_null':
        return `(${this.operand(e.operand, this.timestampHint([e.operand]))} IS ${e.negated ? 'NOT NULL' : 'NULL'})`;
      case 'column':
        return this.column(e.name).ref;
      case 'literal':
        if (e.type === 'boolean') return e.value ? 'TRUE' : 'FALSE';
        if (e.type === 'null') return 'CAST(NULL AS boolean)';
        throw new Error(`a ${e.type} literal is not a condition`);
      case 'user_attr':
        throw new Error(`user.${e.attribute} is a set, not a condition`);
    }
  }

  /** OR over the groups declaring the attribute: `(member AND x IN (values))`; FALSE when none does. */
  private inUser(operand: Operand, attribute: string): string {
    const declared = this.ctx.attributes.get(attribute);
    if (!declared) throw new Error(`unknown attribute user.${attribute}`);
    const hint = this.timestampHint([operand]);
    const x = this.operand(operand, hint);
    const arms: string[] = [];
    for (const name of [...this.ctx.groups.keys()].sort(compare)) {
      const values = this.ctx.groups.get(name)!.attributes.get(attribute)?.values ?? [];
      if (operand.kind === 'literal' && operand.type !== 'null') {
        // `user.a = 'lit'`: whether the group's values hold the literal is known now; keep only the membership test.
        const mine = literalAs(operand, declared.type);
        const holds = (v: AttributeScalar) => {
          const other = toValue(v, declared.type);
          return mine != null && other != null && compareValues(mine, other) === 0;
        };
        if (values.some(holds)) arms.push(memberOfSql(this.ctx.roleOf(name)));
        continue;
      }
      const literals = [...new Set(values.map((v) => attributeLiteral(v, declared.type, hint)).filter((v): v is string => v !== undefined))];
      if (literals.length === 0) continue; // contributes nothing to the union
      arms.push(`(${memberOfSql(this.ctx.roleOf(name))} AND ${x} IN (${literals.join(', ')}))`);
    }
    if (arms.length === 0) return 'FALSE';
    return arms.length === 1 ? arms[0]! : `(${arms.join(' OR ')})`;
  }

  private operand(o: Operand, hint: TimestampKind): string {
    if (o.kind === 'column') return this.column(o.name).ref;
    if (o.kind === 'literal') return this.literal(o, hint);
    throw new Error(`user.${o.attribute} is a set; write <column> IN user.${o.attribute}`);
  }

  private literal(l: LiteralNode, hint: TimestampKind): string {
    switch (l.type) {
      case 'string':
        return quoteLiteral(l.value);
      case 'number':
        return numberText(l.value);
      case 'boolean':
        return l.value ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      case 'date':
        return `DATE ${quoteLiteral(l.value)}`;
      case 'timestamp':
        return timestampLiteral(l.value, hint);
    }
  }

  /** A timestamp literal compared with a `timestamp without time zone` column is written without zone (neutral timestamps are UTC). */
  private timestampHint(operands: readonly Operand[]): TimestampKind {
    for (const o of operands) {
      if (o.kind !== 'column') continue;
      const c = this.column(o.name);
      if (c.type === 'timestamp' && c.nativeType && !/with time zone$|^timestamptz/.test(c.nativeType.trim().toLowerCase())) return 'plain';
    }
    return 'tz';
  }

  /** A column by exact stored name, else by a unique case-insensitive match. */
  private column(name: string): ExprColumn & { ref: string } {
    const exact = this.ctx.columns.find((c) => c.name === name);
    if (exact) return { ...exact, ref: quoteIdent(exact.name) };
    const folded = this.ctx.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (folded.length !== 1) throw new Error(folded.length ? `column '${name}' is ambiguous: ${folded.map((c) => c.name).join(', ')}` : `unknown column '${name}'`);
    return { ...folded[0]!, ref: quoteIdent(folded[0]!.name) };
  }
}

type TimestampKind = 'tz' | 'plain';

/** Exact decimal text; it must be one (it comes from the parser's canonical form). */
function numberText(value: string): string {
  const canonical = canonicalDecimal(value);
  if (canonical === undefined) throw new Error(`not a decimal number: ${value}`);
  return canonical;
}

/** `TIMESTAMPTZ '2024-01-31 12:00:00.5+00'` or `TIMESTAMP '2024-01-31 12:00:00.5'` from canonical UTC text. */
function timestampLiteral(canonical: string, kind: TimestampKind): string {
  const parsed = parseTimestampText(canonical, false);
  if (!parsed.ok) throw new Error(`not a timestamp: ${canonical}`);
  const [seconds, fraction = ''] = parsed.value.replace(/Z$/, '').replace('T', ' ').split('.');
  const trimmed = fraction.replace(/0+$/, '');
  const text = trimmed ? `${seconds}.${trimmed}` : seconds!;
  return kind === 'tz' ? `TIMESTAMPTZ ${quoteLiteral(`${text}+00`)}` : `TIMESTAMP ${quoteLiteral(text)}`;
}

/**
 * A group's attribute value as a literal of the attribute's declared type, read the way the
 * oracle reads it (value.ts `toValue`); a value that cannot be read as that type can never
 * match, so it is left out.
 */
export function attributeLiteral(v: AttributeScalar, type: AttributeType, hint: TimestampKind = 'tz'): string | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? quoteLiteral(v) : typeof v === 'number' ? quoteLiteral(String(v)) : undefined;
    case 'number': {
      const d = typeof v === 'number' ? decimalFromNumber(v) : typeof v === 'string' ? parseDecimalLoose(v) : undefined;
      return d === undefined ? undefined : formatDecimal(d);
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
      const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
      return t === 't' || t === 'true' ? 'TRUE' : t === 'f' || t === 'false' ? 'FALSE' : undefined;
    }
    case 'date': {
      const d = typeof v === 'string' ? parseDateText(v) : undefined;
      return d === undefined ? undefined : `DATE ${quoteLiteral(d)}`;
    }
    case 'timestamp': {
      const t = typeof v === 'string' ? parseTimestampText(v, false) : undefined;
      return t?.ok ? timestampLiteral(t.value, hint) : undefined;
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
