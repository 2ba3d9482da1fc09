import { canonicalAttributeValue, utcWallClock } from '../../model/expr/attribute-text.js';
import { canonicalDecimal } from '../../model/expr/decimal.js';
import type { AttributeScalar, Expr, LiteralNode, Operand } from '../../model/expr/ast.js';
import { filterSql, findColumn, operandSql, type FilterColumn, type FilterSqlDialect } from '../../model/expr/to-sql.js';
import { parseTimestampText } from '../../model/expr/temporal.js';
import { literalAs } from '../../model/expr/value.js';
import type { AttributeType } from '../../model/neutral-types.js';
import type { Model } from '../../model/types.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * Row-filter AST (src/model/expr/ast.ts) -> a Snowflake boolean expression, the body of a row
 * access policy whose arguments are the filtered table's columns (bound positionally by
 * `ADD ROW ACCESS POLICY … ON (…)`; security-row-intro). Meaning is product.md's Row filters,
 * with `evaluate()` as the oracle; three-valued logic is Snowflake's own (a NULL body hides the
 * row, create-row-access-policy).
 *
 * - `member of g` is `IS_ROLE_IN_SESSION('<role>')`: TRUE when the primary or a secondary role
 *   is the role or inherits it (is_role_in_session) — the `member_of` closure.
 * - `x IN user.a` reads the governance table of group attribute values with the policy owner's
 *   rights (security-row-intro, mapping tables): `x IN (SELECT value FROM attributes WHERE
 *   attribute = 'a' AND IS_ROLE_IN_SESSION(role))`, the union over the closure; an empty set is
 *   FALSE (an EXISTS guard), a NULL x over a non-empty set NULL, as `evaluate()`.
 * - Timestamps are UTC: a TIMESTAMP_NTZ column compares with NTZ literals. A TIMESTAMP_TZ or
 *   TIMESTAMP_LTZ column in a filter is refused for now (its comparison in UTC is not yet
 *   proven on the simulator).
 */

/** One column of the filtered table; its native type as INFORMATION_SCHEMA.COLUMNS shows it (e.g. TIMESTAMP_NTZ). */
export type ExprColumn = FilterColumn;

export interface ExprSqlContext {
  /** The table's columns; a filter names them by their stored name (the policy's arguments carry the same names). */
  readonly columns: readonly ExprColumn[];
  /** The quoted, qualified governance table of group attribute values (columns ROLE, ATTRIBUTE, VALUE). */
  readonly attributesTable: string;
  /** Snowflake role name (stored, exact case) of a model group. */
  readonly roleOf: (group: string) => string;
  readonly attributes: Model['attributes'];
  /** How a column is referenced in the body (default: its quoted name — the policy argument of the same name). */
  readonly ref?: (column: string) => string;
}

/** `IS_ROLE_IN_SESSION('<role>')`: the session's primary or a secondary role is the role or inherits it. */
export function memberOfSql(role: string): string {
  return `IS_ROLE_IN_SESSION(${quoteLiteral(role)})`;
}

/** The Snowflake text of a filter condition. */
export function exprSql(expr: Expr, ctx: ExprSqlContext): string {
  return filterSql(expr, new SnowflakeFilterDialect(ctx));
}

class SnowflakeFilterDialect implements FilterSqlDialect<null> {
  readonly nullCondition = 'CAST(NULL AS BOOLEAN)';
  constructor(private readonly ctx: ExprSqlContext) {}

  hint(): null {
    return null; // every timestamp is TIMESTAMP_NTZ here (column() refuses the others)
  }

  memberOf(group: string): string {
    return memberOfSql(this.ctx.roleOf(group));
  }

  inUser(operand: Operand, attribute: string): string {
    const declared = this.ctx.attributes.get(attribute);
    if (!declared) throw new Error(`unknown attribute user.${attribute}`);
    const value = attributeValueSql('A."VALUE"', declared.type);
    const rows = `FROM ${this.ctx.attributesTable} AS A WHERE A."ATTRIBUTE" = ${quoteLiteral(attribute)} AND IS_ROLE_IN_SESSION(A."ROLE")`;
    if (operand.kind === 'literal' && operand.type !== 'null') {
      const mine = literalAs(operand, declared.type);
      const lit = mine == null ? undefined : attributeLiteral(operand.value as AttributeScalar, declared.type);
      if (lit === undefined) return 'FALSE';
      return `EXISTS (SELECT 1 ${rows} AND ${value} = ${lit})`;
    }
    // an empty set is FALSE even for a NULL operand (as evaluate()): said with EXISTS, so it does
    // not rest on how the engine reads `NULL IN (<no rows>)` (the SQL standard: FALSE)
    return `(CASE WHEN EXISTS (SELECT 1 ${rows}) THEN ${operandSql(operand, null, this)} IN (SELECT ${value} ${rows}) ELSE FALSE END)`;
  }

  literal(l: LiteralNode): string {
    switch (l.type) {
      case 'string':
        return quoteLiteral(l.value);
      case 'number': {
        const canonical = canonicalDecimal(l.value);
        if (canonical === undefined) throw new Error(`not a decimal number: ${l.value}`);
        return canonical;
      }
      case 'boolean':
        return l.value ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      case 'date':
        return `TO_DATE(${quoteLiteral(l.value)})`;
      case 'timestamp':
        return `TO_TIMESTAMP_NTZ(${quoteLiteral(utcText(l.value))})`;
    }
  }

  /** A column by exact stored name, else by a unique case-insensitive match. */
  column(name: string): string {
    const c = findColumn(this.ctx.columns, name);
    if (c.type === 'timestamp' && c.nativeType && /^TIMESTAMP_(TZ|LTZ)/i.test(c.nativeType.trim())) {
      throw new Error(`column '${c.name}' is ${c.nativeType}: meshward compares timestamps in filters as TIMESTAMP_NTZ (UTC) only, for now`);
    }
    return this.ctx.ref ? this.ctx.ref(c.name) : quoteIdent(c.name);
  }
}

/** `2024-01-31 12:00:00.5` from a canonical UTC timestamp text. */
function utcText(canonical: string): string {
  const parsed = parseTimestampText(canonical, false);
  if (!parsed.ok) throw new Error(`not a timestamp: ${canonical}`);
  return utcWallClock(parsed.value);
}

/** A group's attribute value as the text stored in the attributes table (timestamps as UTC wall-clock text); undefined: never matches. */
export function attributeValueText(v: AttributeScalar, type: AttributeType): string | undefined {
  const text = canonicalAttributeValue(v, type);
  return text !== undefined && type === 'timestamp' ? utcWallClock(text) : text;
}

/** A group's attribute value as a literal of the declared type (undefined: never matches). */
function attributeLiteral(v: AttributeScalar, type: AttributeType): string | undefined {
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
      return `TO_DATE(${quoteLiteral(text)})`;
    case 'timestamp':
      return `TO_TIMESTAMP_NTZ(${quoteLiteral(text)})`;
  }
}

/** A stored attribute value (VARCHAR) as the declared type. */
function attributeValueSql(text: string, type: AttributeType): string {
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return `TO_NUMBER(${text}, 38, 10)`;
    case 'boolean':
      return `TO_BOOLEAN(${text})`;
    case 'date':
      return `TO_DATE(${text})`;
    case 'timestamp':
      return `TO_TIMESTAMP_NTZ(${text})`;
  }
}
