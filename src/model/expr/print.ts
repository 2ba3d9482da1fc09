import type { Expr, LiteralNode, Operand } from './ast.js';
import { RESERVED_WORDS } from './parser.js';

/**
 * Canonical neutral text of an expression: what `explain` shows and what `parseExpr` reads back
 * to the same tree. Parentheses appear only where precedence (OR < AND < NOT < predicate) needs
 * them, plus around a nested AND/OR of the same kind (the parser flattens `a OR b OR c`, so
 * keeping those parentheses keeps the tree) and around anything but an atom after NOT, for
 * readability: `NOT (status = 'void')`.
 */

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Canonical text of a condition. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'or':
      return e.items.map((i) => (i.kind === 'or' ? `(${printExpr(i)})` : printExpr(i))).join(' OR ');
    case 'and':
      return e.items.map((i) => (i.kind === 'or' || i.kind === 'and' ? `(${printExpr(i)})` : printExpr(i))).join(' AND ');
    case 'not':
      return `NOT ${isAtom(e.operand) ? printExpr(e.operand) : `(${printExpr(e.operand)})`}`;
    case 'compare':
      return `${printOperand(e.left)} ${e.op} ${printOperand(e.right)}`;
    case 'in_list':
      return `${printOperand(e.operand)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map(printLiteral).join(', ')})`;
    case 'in_user':
      // `user.a = 'lit'` is how people write a single-value test; print it back that way.
      if (e.operand.kind === 'literal' && e.operand.type !== 'null' && !e.negated) return `${printUser(e.attribute)} = ${printLiteral(e.operand)}`;
      return `${printOperand(e.operand)} ${e.negated ? 'NOT IN' : 'IN'} ${printUser(e.attribute)}`;
    case 'is_null':
      return `${printOperand(e.operand)} IS ${e.negated ? 'NOT NULL' : 'NULL'}`;
    case 'in_group':
      return `in_group(${quoteString(e.group)})`;
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    default:
      return printOperand(e);
  }
}

function isAtom(e: Expr): boolean {
  return e.kind === 'column' || e.kind === 'literal' || e.kind === 'user_attr' || e.kind === 'bool' || e.kind === 'in_group';
}

/** Text of an operand: column, literal or `user.<attribute>`. */
export function printOperand(o: Operand): string {
  if (o.kind === 'column') return quoteIdent(o.name);
  if (o.kind === 'user_attr') return printUser(o.attribute);
  return printLiteral(o);
}

/** Text of a literal: `'it''s'`, `-12.5`, `TRUE`, `NULL`, `DATE '2024-01-31'`, `TIMESTAMP '2024-01-31 12:00:00.5'`. */
export function printLiteral(l: LiteralNode): string {
  switch (l.type) {
    case 'string':
      return quoteString(l.value);
    case 'number':
      return l.value;
    case 'boolean':
      return l.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'date':
      return `DATE ${quoteString(l.value)}`;
    case 'timestamp': {
      // Canonical form is YYYY-MM-DDTHH:MM:SS.ffffffZ; print the SQL spelling, fraction trimmed. Neutral timestamps are UTC.
      const [seconds, fraction = ''] = l.value.replace(/Z$/, '').replace('T', ' ').split('.');
      const trimmed = fraction.replace(/0+$/, '');
      return `TIMESTAMP ${quoteString(trimmed ? `${seconds}.${trimmed}` : seconds!)}`;
    }
  }
}

/** A column name, double-quoted only when it is not a plain identifier or is a keyword. */
export function quoteIdent(name: string): string {
  return BARE.test(name) && !RESERVED_WORDS.has(name.toLowerCase()) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal with `''` escaping. */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function printUser(attribute: string): string {
  // After `user.` any word is an attribute name, keywords included.
  return `user.${BARE.test(attribute) ? attribute : `"${attribute.replaceAll('"', '""')}"`}`;
}
