import { canonicalAttributeValue, utcWallClock } from '../../model/expr/attribute-text.js';
import { canonicalDecimal } from '../../model/expr/decimal.js';
import type { AttributeScalar, Expr, LiteralNode, Operand } from '../../model/expr/ast.js';
import { filterSql, findColumn, operandSql, type FilterColumn, type FilterSqlDialect } from '../../model/expr/to-sql.js';
import { parseTimestampText } from '../../model/expr/temporal.js';
import { literalAs } from '../../model/expr/value.js';
import type { AttributeType } from '../../model/neutral-types.js';
import type { Model } from '../../model/types.js';
import { quoteIdent } from './naming.js';
import { quoteLiteral } from './sql-text.js';

/**
 * Row-filter AST (src/model/expr/ast.ts) -> PostgreSQL boolean expression, evaluated inside the
 * managed definer view for the querying role (`current_user` there is the invoker).
 *
 * Meaning is product.md's Row filters, with `evaluate()` as the oracle: every node is standard
 * SQL with explicit parentheses, so three-valued logic is PostgreSQL's own; `x IN user.a` is
 * `x IN (SELECT value FROM <governance>.attributes WHERE the querying role is a member of its
 * role)`, the union over the closure including NULL handling and FALSE for an empty set; the
 * values are rows (compile.ts attributeValueObjects), so a group's values never enter a view.
 * Expressions reach here type-checked; a node that cannot be typed (`user.a` as a value) throws.
 */

/** One column of the filtered table. */
/** One column of the filtered table. */
export type ExprColumn = FilterColumn;

export interface ExprSqlContext {
  readonly columns: readonly ExprColumn[];
  /** The quoted, qualified governance table of group attribute values (`"mw_meta"."attributes"`). */
  readonly attributesTable: string;
  /** Native role name of a model group. */
  readonly roleOf: (group: string) => string;
  readonly attributes: Model['attributes'];
}

/** `pg_has_role(current_user, '<role>', 'MEMBER')`: the querying role is (transitively) a member of `role`. */
export function memberOfSql(role: string): string {
  return `pg_has_role(current_user, ${quoteLiteral(role)}, 'MEMBER')`;
}

/** The PostgreSQL text of a filter condition. */
export function exprSql(expr: Expr, ctx: ExprSqlContext): string {
  return filterSql(expr, new PostgresFilterDialect(ctx));
}

class PostgresFilterDialect implements FilterSqlDialect<TimestampKind> {
  readonly nullCondition = 'CAST(NULL AS boolean)';
  constructor(private readonly ctx: ExprSqlContext) {}

  memberOf(group: string): string {
    return memberOfSql(this.ctx.roleOf(group));
  }

  column(name: string): string {
    return this.columnOf(name).ref;
  }

  /**
   * `x IN (the values of every attribute row a role of the querying role holds)`, read from the
   * governance table at query time; `'lit' IN user.a` as EXISTS. Each row holds a group's own
   * values; pg_has_role(…, 'MEMBER') is transitive over role memberships, which are the groups'
   * member_of, so the rows reached are exactly those of the principal's closure: the union the
   * oracle takes. An empty set gives FALSE (`IN` over no rows, `EXISTS`), a NULL x over a
   * non-empty set NULL — as `evaluate()`. Values are stored in the canonical text of the declared
   * type (attributeValueText), so the CAST never fails on a row meshward wrote.
   */
  inUser(operand: Operand, attribute: string, hint: TimestampKind): string {
    const declared = this.ctx.attributes.get(attribute);
    if (!declared) throw new Error(`unknown attribute user.${attribute}`);
    const value = attributeValueSql('a."value"', declared.type, hint);
    const rows = `FROM ${this.ctx.attributesTable} AS a WHERE a."attribute" = ${quoteLiteral(attribute)} AND pg_has_role(current_user, a."role", 'MEMBER')`;
    if (operand.kind === 'literal' && operand.type !== 'null') {
      // `user.a = 'lit'`: the literal read as the declared type, the way the oracle reads it (literalAs)
      const mine = literalAs(operand, declared.type);
      const lit = mine == null ? undefined : attributeLiteral(operand.value as AttributeScalar, declared.type, hint);
      if (lit === undefined) return 'FALSE';
      return `EXISTS (SELECT 1 ${rows} AND ${value} = ${lit})`;
    }
    return `(${operandSql(operand, hint, this)} IN (SELECT ${value} ${rows}))`;
  }

  literal(l: LiteralNode, hint: TimestampKind): string {
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
  hint(operands: readonly Operand[]): TimestampKind {
    for (const o of operands) {
      if (o.kind !== 'column') continue;
      const c = this.columnOf(o.name);
      if (c.type === 'timestamp' && c.nativeType && !/with time zone$|^timestamptz/.test(c.nativeType.trim().toLowerCase())) return 'plain';
    }
    return 'tz';
  }

  /** A column by exact stored name, else by a unique case-insensitive match. */
  private columnOf(name: string): ExprColumn & { ref: string } {
    const c = findColumn(this.ctx.columns, name);
    return { ...c, ref: quoteIdent(c.name) };
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
  const text = timestampText(parsed.value);
  return kind === 'tz' ? `TIMESTAMPTZ ${quoteLiteral(text)}` : `TIMESTAMP ${quoteLiteral(text.replace(/\+00$/, ''))}`;
}

/** `2024-01-31 12:00:00.5+00` from a parsed UTC timestamp (`2024-01-31T12:00:00.500000Z`). */
function timestampText(parsed: string): string {
  return `${utcWallClock(parsed)}+00`;
}

/**
 * A group's attribute value as the canonical text of the attribute's declared type, read the way
 * the oracle reads it (value.ts `toValue`); a value that cannot be read as that type can never
 * match, so it is left out (undefined). Timestamps are UTC: `2024-01-31 12:00:00.5+00`.
 */
export function attributeValueText(v: AttributeScalar, type: AttributeType): string | undefined {
  const text = canonicalAttributeValue(v, type);
  return text !== undefined && type === 'timestamp' ? timestampText(text) : text;
}

/** A group's attribute value as a SQL literal of the declared type (undefined: never matches). */
export function attributeLiteral(v: AttributeScalar, type: AttributeType, hint: TimestampKind = 'tz'): string | undefined {
  const text = attributeValueText(v, type);
  if (text === undefined) return undefined;
  switch (type) {
    case 'string':
      return quoteLiteral(text);
    case 'number':
      return text;
    case 'boolean':
      return text.toUpperCase();
    case 'date':
      return `DATE ${quoteLiteral(text)}`;
    case 'timestamp':
      return hint === 'tz' ? `TIMESTAMPTZ ${quoteLiteral(text)}` : `TIMESTAMP ${quoteLiteral(text.replace(/\+00$/, ''))}`;
  }
}

/** A stored attribute value (text) as the declared type; a UTC timestamp without zone for a `timestamp without time zone` operand. */
function attributeValueSql(text: string, type: AttributeType, hint: TimestampKind): string {
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return `CAST(${text} AS numeric)`;
    case 'boolean':
      return `CAST(${text} AS boolean)`;
    case 'date':
      return `CAST(${text} AS date)`;
    case 'timestamp':
      return hint === 'tz' ? `CAST(${text} AS timestamp with time zone)` : `(CAST(${text} AS timestamp with time zone) AT TIME ZONE 'UTC')`;
  }
}
