import type { Expr, LiteralNode, Operand } from './ast.js';
import type { NeutralType } from '../neutral-types.js';

/**
 * The shape every target's row-filter SQL shares (SQL's own three-valued AND / OR / NOT, =, IN,
 * IS NULL, with explicit parentheses); what differs per engine — how a column, a literal, group
 * membership and `IN user.a` are written — comes from the target's dialect. `H` is a hint the
 * dialect derives from the operands of one comparison (PostgreSQL: whether a timestamp literal is
 * written with a zone).
 */
export interface FilterSqlDialect<H> {
  hint(operands: readonly Operand[]): H;
  column(name: string): string;
  literal(l: LiteralNode, hint: H): string;
  memberOf(group: string): string;
  inUser(operand: Operand, attribute: string, hint: H): string;
  /** A NULL of the boolean type (`CAST(NULL AS boolean)`). */
  readonly nullCondition: string;
}

export function filterSql<H>(e: Expr, d: FilterSqlDialect<H>): string {
  const operand = (o: Operand, hint: H): string => {
    if (o.kind === 'column') return d.column(o.name);
    if (o.kind === 'literal') return d.literal(o, hint);
    throw new Error(`user.${o.attribute} is a set; write <column> IN user.${o.attribute}`);
  };
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.items.map((i) => filterSql(i, d)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${filterSql(e.operand, d)})`;
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'in_group':
      return d.memberOf(e.group);
    case 'compare': {
      const hint = d.hint([e.left, e.right]);
      return `(${operand(e.left, hint)} ${e.op} ${operand(e.right, hint)})`;
    }
    case 'in_list': {
      if (e.values.length === 0) return e.negated ? 'TRUE' : 'FALSE'; // the parser never builds one; `IN ()` is a syntax error
      const hint = d.hint([e.operand]);
      return `(${operand(e.operand, hint)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => d.literal(v, hint)).join(', ')}))`;
    }
    case 'in_user': {
      const sql = d.inUser(e.operand, e.attribute, d.hint([e.operand]));
      return e.negated ? `(NOT ${sql})` : sql;
    }
    case 'is_null':
      return `(${operand(e.operand, d.hint([e.operand]))} IS ${e.negated ? 'NOT NULL' : 'NULL'})`;
    case 'column':
      return d.column(e.name);
    case 'literal':
      if (e.type === 'boolean') return e.value ? 'TRUE' : 'FALSE';
      if (e.type === 'null') return d.nullCondition;
      throw new Error(`a ${e.type} literal is not a condition`);
    case 'user_attr':
      throw new Error(`user.${e.attribute} is a set, not a condition`);
  }
}

/** An operand as SQL through a dialect (for a dialect's own `inUser`). */
export function operandSql<H>(o: Operand, hint: H, d: Pick<FilterSqlDialect<H>, 'column' | 'literal'>): string {
  if (o.kind === 'column') return d.column(o.name);
  if (o.kind === 'literal') return d.literal(o, hint);
  throw new Error(`user.${o.attribute} is a set; write <column> IN user.${o.attribute}`);
}

/** One column of a filtered table, as a target's filter dialect knows it. */
export interface FilterColumn {
  /** Exact stored name. */
  readonly name: string;
  readonly type?: NeutralType;
  /** The engine's type as its catalog prints it. */
  readonly nativeType?: string;
}

/** The column a filter names: by exact stored name, else by the one case-insensitive match (a filter may write it in any case). */
export function findColumn<C extends FilterColumn>(columns: readonly C[], name: string): C {
  const exact = columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (folded.length !== 1) throw new Error(folded.length ? `column '${name}' is ambiguous: ${folded.map((c) => c.name).join(', ')}` : `unknown column '${name}'`);
  return folded[0]!;
}
