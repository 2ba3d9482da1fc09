import type { Expr, ExprError, InUserNode, LiteralNode, Operand, Span, UserAttrNode } from './ast.js';
import { canonicalDecimal } from './decimal.js';
import { parseDateText, parseTimestampText } from './temporal.js';
import { tokenize, type Token } from './tokenizer.js';

/**
 * Recursive-descent parser for `allow` expressions (grammar in product.md, Row filters):
 *   expr    := and (OR and)*
 *   and     := not (AND not)*
 *   not     := NOT not | primary
 *   primary := '(' expr ')' | in_group('g') | operand [op operand | [NOT] IN (…) | [NOT] IN user.a | IS [NOT] NULL]
 * It stops at the first syntax error: later errors after a wrong token are mostly noise.
 */

/** Words with a meaning of their own; a column so named must be double-quoted. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'date', 'timestamp', 'user']);

const EXPECT_OPERAND = 'expected a column, a literal or user.<attribute>';

/**
 * How deep parentheses and NOT may nest. The parser recurses once per level, and so does every
 * walk over the tree (type check, evaluate, specialise, print, the targets' compilers): bounding
 * the depth here keeps all of them far from the stack limit. No real filter comes close.
 */
export const MAX_EXPR_DEPTH = 64;

/** Thrown inside the parser to unwind at the first error; never escapes parseExpr. */
class Stop extends Error {}

/** Parses an `allow` expression; `expr` is undefined exactly when `errors` is non-empty. */
export function parseExpr(source: string): { expr: Expr | undefined; errors: ExprError[] } {
  const { tokens, errors } = tokenize(source);
  // A lexical error leaves a hole in the token stream; parsing around it would only add noise.
  if (errors.length) return { expr: undefined, errors };
  const parser = new Parser(source, tokens);
  try {
    return { expr: parser.parseAll(), errors: [] };
  } catch (e) {
    if (e instanceof Stop) return { expr: undefined, errors: parser.errors };
    throw e;
  }
}

class Parser {
  readonly errors: ExprError[] = [];
  private pos = 0;
  private depth = 0;
  /** The next '(' directly follows a NOT and shares its level. */
  private parenOfNot = false;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseAll(): Expr {
    if (this.peek().type === 'eof') this.fail(this.peek(), 'empty expression', "write a condition, e.g. region IN user.region");
    const expr = this.parseOr();
    if (this.peek().type !== 'eof') this.unexpected(this.peek(), 'expected AND, OR or the end of the expression');
    return expr;
  }

  // Spans of AND/OR/NOT run from their first to their last token, parentheses included.

  private parseOr(): Expr {
    const start = this.peek().start;
    const items = [this.parseAnd()];
    while (this.isWord('or')) {
      this.pos++;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items, span: span(start, this.lastEnd()) };
  }

  private parseAnd(): Expr {
    const start = this.peek().start;
    const items = [this.parseNot()];
    while (this.isWord('and')) {
      this.pos++;
      items.push(this.parseNot());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items, span: span(start, this.lastEnd()) };
  }

  private parseNot(): Expr {
    if (!this.isWord('not')) return this.parsePrimary();
    const not = this.next();
    this.deeper(not);
    // `NOT (…)` is one level: printExpr writes every NOT of a non-atom that way, so the canonical
    // text of an accepted filter never nests deeper than the filter as written.
    if (this.peek().type === '(') this.parenOfNot = true;
    const operand = this.parseNot();
    this.depth--;
    return { kind: 'not', operand, span: span(not.start, this.lastEnd()) };
  }

  /** Enters one level of nesting at `t` (a '(', a NOT, or a NOT and its '('); fails past MAX_EXPR_DEPTH. */
  private deeper(t: Token): void {
    if (++this.depth > MAX_EXPR_DEPTH) {
      this.fail(t, `parentheses and NOT nest deeper than ${MAX_EXPR_DEPTH} levels at offset ${t.start}`, 'simplify the condition: remove redundant parentheses, or combine terms with AND / OR');
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (t.type === '(') {
      this.pos++;
      const shared = this.parenOfNot;
      this.parenOfNot = false;
      if (!shared) this.deeper(t);
      const inner = this.parseOr();
      if (!shared) this.depth--;
      const close = this.peek();
      if (close.type !== ')') this.unexpected(close, `expected AND, OR or ')' to close the '(' at offset ${t.start}`);
      this.pos++;
      return inner;
    }
    if (t.type === 'ident' && !RESERVED_WORDS.has(t.text.toLowerCase()) && this.tokens[this.pos + 1]?.type === '(') return this.parseCall();
    const left = this.parseOperand();
    const op = this.peek();
    if (op.type === 'op') {
      this.pos++;
      return this.comparison(left, op.text, this.parseOperand());
    }
    if (this.isWord('not')) {
      const not = this.next();
      if (!this.isWord('in')) this.fail(not, `expected IN after NOT at offset ${not.start}`, 'write NOT (a = b) to negate a comparison, or a NOT IN (…)');
      return this.parseIn(left, true);
    }
    if (this.isWord('in')) return this.parseIn(left, false);
    if (this.isWord('is')) return this.parseIsNull(left);
    return this.bare(left);
  }

  /** `user.a = 'lit'` is sugar for `'lit' IN user.a`; every other comparison stays as written. */
  private comparison(left: Operand, op: (Token & { type: 'op' })['text'], right: Operand): Expr {
    const whole = span(left.span.start, right.span.end);
    const sugar = (user: Operand, lit: Operand): InUserNode | undefined =>
      op === '=' && user.kind === 'user_attr' && lit.kind === 'literal' && lit.type !== 'null'
        ? { kind: 'in_user', operand: lit, attribute: user.attribute, attributeSpan: user.span, negated: false, span: whole }
        : undefined;
    return sugar(left, right) ?? sugar(right, left) ?? { kind: 'compare', op, left, right, span: whole };
  }

  private parseIn(operand: Operand, negated: boolean): Expr {
    this.pos++; // IN
    const t = this.peek();
    if (t.type === 'ident' && t.text.toLowerCase() === 'user') {
      const user = this.parseOperand() as UserAttrNode;
      return { kind: 'in_user', operand, attribute: user.attribute, attributeSpan: user.span, negated, span: span(operand.span.start, user.span.end) };
    }
    if (t.type !== '(') this.unexpected(t, "expected '(' or user.<attribute> after IN", 'write x IN (1, 2) or x IN user.<attribute>');
    this.pos++;
    if (this.peek().type === ')') this.fail(this.peek(), 'an IN list needs at least one value', "write x IN ('a', 'b')");
    const values: LiteralNode[] = [];
    for (;;) {
      const v = this.parseOperand();
      if (v.kind === 'column') this.fail(v, `IN (…) takes literals only, but '${v.name}' is a column`, 'compare columns with = and combine with OR');
      if (v.kind === 'user_attr') this.fail(v, `user.${v.attribute} is a set and cannot be an element of an IN list`, `write x IN user.${v.attribute}`);
      values.push(v as LiteralNode);
      const sep = this.next();
      if (sep.type === ')') return { kind: 'in_list', operand, values, negated, span: span(operand.span.start, sep.end) };
      if (sep.type !== ',') this.unexpected(sep, "expected ',' or ')' in the IN list");
    }
  }

  private parseIsNull(operand: Operand): Expr {
    this.pos++; // IS
    let negated = false;
    if (this.isWord('not')) {
      this.pos++;
      negated = true;
    }
    const t = this.peek();
    if (!this.isWord('null')) {
      const hint = this.isWord('true') || this.isWord('false') ? `write ${this.text(operand)} = ${t.text.toUpperCase()}` : 'write IS NULL or IS NOT NULL';
      this.unexpected(t, 'expected NULL after IS', hint);
    }
    this.pos++;
    return { kind: 'is_null', operand, negated, span: span(operand.span.start, t.end) };
  }

  /** An operand with nothing after it: a condition only if it can be one. */
  private bare(operand: Operand): Expr {
    if (operand.kind !== 'literal' || operand.type === 'null') return operand;
    if (operand.type === 'boolean') return { kind: 'bool', value: operand.value, span: operand.span };
    return this.fail(operand, `a ${operand.type} literal alone is not a condition`, `compare it with a column, e.g. col = ${this.text(operand)}`);
  }

  private parseCall(): Expr {
    const name = this.next();
    if (name.text.toLowerCase() !== 'in_group') {
      this.fail(name, `unknown function '${name.text}'; only in_group('<group>') may be called`, 'row filters take columns, literals, user.<attribute> and in_group; no other functions or raw SQL');
    }
    this.pos++; // (
    const group = this.next();
    const close = this.next();
    if (group.type !== 'string' || close.type !== ')') {
      this.fail(group.type === 'string' ? close : group, 'in_group takes one group name in single quotes', "write in_group('admins')");
    }
    return { kind: 'in_group', group: group.text, span: span(name.start, close.end) };
  }

  private parseOperand(): Operand {
    const t = this.next();
    const s = span(t.start, t.end);
    switch (t.type) {
      case 'string':
        return { kind: 'literal', type: 'string', value: t.text, span: s };
      case 'number':
        return { kind: 'literal', type: 'number', value: canonicalDecimal(t.text)!, span: s };
      case 'quoted':
        return this.column(t.text, s);
      case 'ident':
        break;
      default:
        return this.unexpected(t, EXPECT_OPERAND);
    }
    const word = t.text.toLowerCase();
    if (word === 'true' || word === 'false') return { kind: 'literal', type: 'boolean', value: word === 'true', span: s };
    if (word === 'null') return { kind: 'literal', type: 'null', value: null, span: s };
    if (word === 'date' || word === 'timestamp') return this.temporal(t, word);
    if (word === 'user') return this.userAttr(t);
    if (RESERVED_WORDS.has(word)) {
      const hint = this.peek().type === 'op' || this.isWord('in') || this.isWord('is') ? `to name a column called ${t.text}, write "${t.text}"` : undefined;
      return this.unexpected(t, EXPECT_OPERAND, hint);
    }
    return this.column(t.text, s);
  }

  private column(name: string, s: Span): Operand {
    if (this.peek().type === '.') {
      const dot = this.peek();
      this.fail(dot, `qualified names are not supported at offset ${dot.start}`, `a filter reads the columns of its own table; write the column name alone`);
    }
    return { kind: 'column', name, span: s };
  }

  private temporal(keyword: Token, word: 'date' | 'timestamp'): LiteralNode {
    const lit = this.peek();
    const example = word === 'date' ? "DATE '2024-01-31'" : "TIMESTAMP '2024-01-31 12:00:00'";
    if (lit.type !== 'string') {
      this.fail(keyword, `${keyword.text.toUpperCase()} must be followed by a quoted ${word}, e.g. ${example}`, `to name a column called ${keyword.text}, write "${keyword.text}"`);
    }
    this.pos++;
    const s = span(keyword.start, lit.end);
    if (word === 'date') {
      const value = parseDateText(lit.text);
      if (!value) this.fail(lit, `invalid date '${lit.text}'`, "write DATE 'YYYY-MM-DD' with a real calendar date");
      return { kind: 'literal', type: 'date', value: value!, span: s };
    }
    const parsed = parseTimestampText(lit.text, true);
    if (!parsed.ok) this.fail(lit, `invalid timestamp '${lit.text}': ${parsed.reason}`, "write TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC");
    return { kind: 'literal', type: 'timestamp', value: parsed.ok ? parsed.value : '', span: s };
  }

  private userAttr(user: Token): UserAttrNode {
    if (this.peek().type !== '.') {
      this.fail(user, "'user' alone is not a value; write user.<attribute>", 'to name a column called user, write "user"');
    }
    this.pos++;
    const attr = this.next();
    if (attr.type !== 'ident' && attr.type !== 'quoted') this.unexpected(attr, 'expected an attribute name after user.', 'write user.<attribute>, e.g. user.region');
    return { kind: 'user_attr', attribute: attr.text, span: span(user.start, attr.end) };
  }

  /** End of the last token consumed. */
  private lastEnd(): number {
    return this.tokens[this.pos - 1]?.end ?? 0;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.type === 'ident' && t.text.toLowerCase() === word;
  }

  private text(node: { span: Span }): string {
    return this.source.slice(node.span.start, node.span.end);
  }

  private unexpected(t: Token, expected: string, hint?: string): never {
    const what = t.type === 'eof' ? 'unexpected end of expression' : `unexpected ${this.describe(t)} at offset ${t.start}`;
    return this.fail(t, `${what}; ${expected}`, hint);
  }

  private describe(t: Token): string {
    const text = this.source.slice(t.start, t.end);
    if (t.type === 'string') return `string ${text}`;
    if (t.type === 'number') return `number ${text}`;
    if (t.type === 'ident' && RESERVED_WORDS.has(t.text.toLowerCase())) return t.text.toUpperCase();
    return `'${text}'`;
  }

  private fail(at: Token | { span: Span }, message: string, hint?: string): never {
    const s = 'span' in at ? at.span : { start: at.start, end: at.end };
    this.errors.push({ offset: s.start, length: s.end - s.start, message, ...(hint ? { hint } : {}) });
    throw new Stop();
  }
}

function span(start: number, end: number): Span {
  return { start, end };
}
