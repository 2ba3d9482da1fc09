/**
 * The row-filter expression language (product.md, Row filters): parse, type-check, evaluate
 * (the oracle), specialise for a principal, and print. Targets compile the same AST per dialect.
 */
export type {
  AndNode,
  AttributeScalar,
  BoolNode,
  ColumnNode,
  CompareNode,
  CompareOp,
  Expr,
  ExprError,
  ExprKind,
  ExprPrincipal,
  InGroupNode,
  InListNode,
  InUserNode,
  IsNullNode,
  LiteralNode,
  LiteralType,
  NotNode,
  Operand,
  OrNode,
  Span,
  UserAttrNode,
} from './ast.js';
export { attributesOf, children, columnsOf, groupsOf, walk } from './ast.js';
export { parseExpr, RESERVED_WORDS } from './parser.js';
export { typeCheck, type AttributeInfo, type ColumnInfo, type TypeCheckContext } from './typecheck.js';
export { evaluate, ExprValueError, type Truth } from './evaluate.js';
export { isAlwaysFalse, specialize } from './specialize.js';
export { printExpr, printLiteral, printOperand, quoteIdent, quoteString } from './print.js';
export { canonicalDecimal, compareDecimal, formatDecimal, parseDecimal, type Decimal } from './decimal.js';
