/**
 * The row-filter (`allow`) expression tree. Nodes are a discriminated union on a snake_case
 * `kind` (Kysely's operation nodes); every node keeps the span of source text it came from, so
 * the type checker can point at the exact characters to fix. Nodes are plain data: targets
 * compile them per dialect, and nothing here knows SQL.
 */

/** Offsets into the expression source, `end` exclusive (UTF-16 code units, as JS strings index). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A column of the filtered table, by name as written (bare or double-quoted). */
export interface ColumnNode {
  readonly kind: 'column';
  readonly name: string;
  readonly span: Span;
}

/** Literal types; `null` is the untyped NULL. */
export type LiteralType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp' | 'null';

/**
 * A constant. Values are canonical text so that equal constants are equal data: numbers as exact
 * decimal text (`-12.5`), dates `YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC).
 */
export type LiteralNode =
  | { readonly kind: 'literal'; readonly type: 'string' | 'number' | 'date' | 'timestamp'; readonly value: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'boolean'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'null'; readonly value: null; readonly span: Span };

/**
 * `user.<attribute>` used as a plain operand. It is a set, so this is only ever a type error;
 * the parser keeps it (rather than failing) so the type checker can explain the right form.
 */
export interface UserAttrNode {
  readonly kind: 'user_attr';
  readonly attribute: string;
  readonly span: Span;
}

/** What may stand on either side of a comparison. */
export type Operand = ColumnNode | LiteralNode | UserAttrNode;

/** Comparison operators; `!=` is read as `<>`. */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** `left op right`. */
export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly left: Operand;
  readonly right: Operand;
  readonly span: Span;
}

/** `operand [NOT] IN (literal, …)`, never empty (an empty list has no SQL spelling). */
export interface InListNode {
  readonly kind: 'in_list';
  readonly operand: Operand;
  readonly values: readonly LiteralNode[];
  readonly negated: boolean;
  readonly span: Span;
}

/**
 * `operand [NOT] IN user.<attribute>`; `user.a = 'lit'` is parsed to this with the literal as
 * operand. `specialize` replaces it by an `in_list` over the principal's values, or by a
 * constant when the principal has none.
 */
export interface InUserNode {
  readonly kind: 'in_user';
  readonly operand: Operand;
  readonly attribute: string;
  /** Where `user.<attribute>` was written, for diagnostics about the attribute. */
  readonly attributeSpan: Span;
  readonly negated: boolean;
  readonly span: Span;
}

/** `operand IS [NOT] NULL`. */
export interface IsNullNode {
  readonly kind: 'is_null';
  readonly operand: Operand;
  readonly negated: boolean;
  readonly span: Span;
}

/** `in_group('g')`: true when g is in the principal's closure. */
export interface InGroupNode {
  readonly kind: 'in_group';
  readonly group: string;
  readonly span: Span;
}

/** n-ary AND (at least two items when parsed). */
export interface AndNode {
  readonly kind: 'and';
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** n-ary OR (at least two items when parsed). */
export interface OrNode {
  readonly kind: 'or';
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** NOT. */
export interface NotNode {
  readonly kind: 'not';
  readonly operand: Expr;
  readonly span: Span;
}

/** TRUE / FALSE as a whole condition (as an operand, `flag = TRUE`, it is a boolean literal). */
export interface BoolNode {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly span: Span;
}

/**
 * A condition. A bare operand is a condition too: a boolean column alone, `NULL` (which
 * constant folding can produce), or a misused `user.<a>` that the type checker rejects.
 */
export type Expr = CompareNode | InListNode | InUserNode | IsNullNode | InGroupNode | AndNode | OrNode | NotNode | BoolNode | Operand;

/** Every kind of node. */
export type ExprKind = Expr['kind'];

/** A parse or type error: where (offset and length into the source) and what to write instead. */
export interface ExprError {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly hint?: string;
}

/** A scalar attribute value as declared on groups. */
export type AttributeScalar = string | number | boolean;

/** What a filter is evaluated or specialised for: the principal's attribute union and group closure. */
export interface ExprPrincipal {
  readonly attributes: ReadonlyMap<string, readonly AttributeScalar[]>;
  readonly groups: ReadonlySet<string>;
}

/** The direct sub-conditions and operands of a node, in source order. */
export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'compare':
      return [expr.left, expr.right];
    case 'in_list':
      return [expr.operand, ...expr.values];
    case 'in_user':
    case 'is_null':
      return [expr.operand];
    case 'and':
    case 'or':
      return [...expr.items];
    case 'not':
      return [expr.operand];
    default:
      return [];
  }
}

/** Every node of the tree, pre-order. */
export function* walk(expr: Expr): Generator<Expr> {
  yield expr;
  for (const c of children(expr)) yield* walk(c);
}

/** Column names the expression reads, as written, first occurrence first, without repeats. */
export function columnsOf(expr: Expr): string[] {
  return unique([...walk(expr)].flatMap((n) => (n.kind === 'column' ? [n.name] : [])));
}

/** User attributes the expression reads (`user.<a>`), without repeats. */
export function attributesOf(expr: Expr): string[] {
  return unique([...walk(expr)].flatMap((n) => (n.kind === 'in_user' || n.kind === 'user_attr' ? [n.attribute] : [])));
}

/** Groups named by `in_group(…)`, without repeats. */
export function groupsOf(expr: Expr): string[] {
  return unique([...walk(expr)].flatMap((n) => (n.kind === 'in_group' ? [n.group] : [])));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/** The span covering two spans (used when a node is built from its parts). */
export function joinSpans(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
