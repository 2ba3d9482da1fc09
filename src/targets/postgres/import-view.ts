import { walk as walkExpr, type Expr, type InUserNode } from '../../model/expr/index.js';
import { canonicalDecimal } from '../../model/expr/decimal.js';
import { parseTimestampText } from '../../model/expr/temporal.js';
import type { AttributeType } from '../../model/neutral-types.js';
import type { ImportScalar } from '../../import/estate.js';

/**
 * Reads back what only the compiled SELECT of a managed view knows: the groups' own values of
 * the user attributes its row filters use, and the order of the filters in its WHERE clause.
 *
 * The recorded ViewSpec keeps the neutral `allow` text of every filter; `user.<a>` is compiled
 * to a subquery over `<gov>.attributes` (expr.ts: `(<x> IN (SELECT … ))`, or `EXISTS (SELECT …)`
 * when the operand is a literal), whose rows are recorded objects of their own (import.ts reads
 * the groups' values from them). Views compiled before layout version 2 held the values
 * instead, as an OR over the groups that declare `a`: `(pg_has_role(current_user, '<role>',
 * 'MEMBER') AND <x> IN (<values>))`, or the membership test alone for a literal operand; those
 * are recovered here by walking the filter's tree and the SQL text side by side: the compiler
 * parenthesises every node, so each tree node owns exactly one SQL piece.
 */

/** A value some group holds for an attribute, as the compiled SQL shows it. */
export interface AttributeEvidence {
  readonly attribute: string;
  /** Undefined when the attribute is used but no group holds a matching value. */
  readonly group?: string;
  readonly value?: ImportScalar;
  /** The type the SQL literal (or the literal operand) has, when there is one. */
  readonly type?: AttributeType;
  /** The operand the attribute is compared with: a column (name) or a literal type, to type an attribute no group holds. */
  readonly operand?: { readonly column?: string; readonly literalType?: AttributeType };
}

export interface FilterToRead {
  readonly expr: Expr;
  /** Exempt groups, sorted and unique (as view.ts renders them). */
  readonly exempt: readonly string[];
}

export interface ViewFilterReading {
  /** WHERE position -> index into the filters given; -1 when that part matched no filter. */
  readonly order: readonly number[];
  /**
   * The WHERE part of each position, normalised: two filters whose SQL is identical (e.g.
   * `NOT (x IN user.a)` and `x NOT IN user.a`) cannot be told apart, so their positions are
   * interchangeable; an order is right when it reproduces these texts.
   */
  readonly parts: readonly string[];
  readonly evidence: readonly AttributeEvidence[];
  /** True when every filter was found in the WHERE clause. */
  readonly complete: boolean;
}

type Token =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'id'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'num'; readonly v: string }
  | { readonly t: 'punct'; readonly v: string };
interface Group {
  readonly t: 'group';
  readonly items: Item[];
}
type Item = Token | Group;

/** Reads the WHERE clause of a compiled view against its filters. */
export function readViewFilters(select: string, filters: readonly FilterToRead[], roleOf: (group: string) => string | undefined, groupOf: (role: string) => string | undefined): ViewFilterReading {
  let items: Item[];
  try {
    items = tree(tokenize(select));
  } catch {
    return { order: [], parts: [], evidence: [], complete: filters.length === 0 };
  }
  const where = items.findIndex((i) => isWord(i, 'WHERE'));
  if (where < 0) return { order: [], parts: [], evidence: [], complete: filters.length === 0 };
  const parts = splitWord(items.slice(where + 1), 'AND');
  const reader = new Reader(groupOf);
  // Which filters each part's SQL fits, and what it then says about the groups.
  const fits: Map<number, AttributeEvidence[]>[] = parts.map((part) => {
    const m = new Map<number, AttributeEvidence[]>();
    filters.forEach((f, i) => {
      const got = reader.part(part, f, roleOf);
      if (got) m.set(i, got);
    });
    return m;
  });
  // Every assignment of parts to distinct filters that places the most filters (filters are few
  // per table; the search is capped). A filter's position is known when all of them agree.
  const best: number[][] = [];
  let bestCount = -1;
  let steps = 0;
  const assign = (i: number, used: Set<number>, acc: number[]): void => {
    if (++steps > 20_000) return;
    if (i === parts.length) {
      const count = acc.filter((x) => x >= 0).length;
      if (count > bestCount) (bestCount = count), (best.length = 0);
      if (count === bestCount && best.length < 64) best.push([...acc]);
      return;
    }
    for (const f of fits[i]!.keys()) {
      if (used.has(f)) continue;
      used.add(f);
      acc.push(f);
      assign(i + 1, used, acc);
      acc.pop();
      used.delete(f);
    }
    acc.push(-1);
    assign(i + 1, used, acc);
    acc.pop();
  };
  assign(0, new Set(), []);
  const order = best[0] ?? parts.map(() => -1);
  const evidence = order.flatMap((f, pos) => (f >= 0 ? fits[pos]!.get(f)! : []));
  const placed = new Set(order.filter((f) => f >= 0));
  return { order, parts: parts.map(itemsText), evidence, complete: placed.size === filters.length };
}

class Reader {
  constructor(private readonly groupOf: (role: string) => string | undefined) {}

  /** One top-level part of the WHERE clause: `(<waived> OR … OR <allow>)` or `<allow>`. */
  part(part: Item[], f: FilterToRead, roleOf: (group: string) => string | undefined): AttributeEvidence[] | null {
    const k = f.exempt.length;
    if (k === 0) return this.match(f.expr, part);
    if (part.length !== 1 || !isGroup(part[0])) return null;
    const pieces = splitWord(part[0].items, 'OR');
    if (pieces.length !== k + 1) return null;
    for (let i = 0; i < k; i++) {
      const role = memberRole(pieces[i]!);
      if (role === undefined || role !== roleOf(f.exempt[i]!)) return null;
    }
    return this.match(f.expr, pieces[k]!);
  }

  match(e: Expr, piece: Item[]): AttributeEvidence[] | null {
    switch (e.kind) {
      case 'and':
      case 'or': {
        if (piece.length !== 1 || !isGroup(piece[0])) return null;
        const parts = splitWord(piece[0].items, e.kind === 'and' ? 'AND' : 'OR');
        if (parts.length !== e.items.length) return null;
        const out: AttributeEvidence[] = [];
        for (let i = 0; i < parts.length; i++) {
          const got = this.match(e.items[i]!, parts[i]!);
          if (!got) return null;
          out.push(...got);
        }
        return out;
      }
      case 'not': {
        const inner = notOperand(piece);
        return inner ? this.match(e.operand, inner) : null;
      }
      case 'in_user': {
        if (!e.negated) return this.inUser(e, piece);
        const inner = notOperand(piece);
        return inner ? this.inUser(e, inner) : null;
      }
      case 'in_group':
        return memberRole(piece) !== undefined ? [] : null;
      case 'compare':
      case 'in_list':
      case 'is_null':
        return piece.length === 1 && isGroup(piece[0]) && predicateShape(piece[0].items) === e.kind && sameAtoms(e, piece[0].items) ? [] : null;
      case 'bool':
        return piece.length === 1 && (isWord(piece[0], 'TRUE') || isWord(piece[0], 'FALSE')) ? [] : null;
      case 'column':
        return piece.length === 1 && piece[0]!.t === 'id' ? [] : null;
      case 'literal':
        if (e.type === 'boolean') return piece.length === 1 && (isWord(piece[0], 'TRUE') || isWord(piece[0], 'FALSE')) ? [] : null;
        if (e.type === 'null') return piece.length === 2 && isWord(piece[0], 'CAST') ? [] : null;
        return piece.length > 0 ? [] : null;
      case 'user_attr':
        return null;
    }
  }

  /** `FALSE`, one arm, or `(arm OR arm …)`; an arm is a membership test, with `AND <x> IN (values)` unless the operand is a literal. */
  private inUser(e: InUserNode, piece: Item[]): AttributeEvidence[] | null {
    const operand = e.operand.kind === 'column' ? { column: e.operand.name } : e.operand.kind === 'literal' && e.operand.type !== 'null' ? { literalType: literalTypeOf(e.operand.type) } : {};
    const none: AttributeEvidence[] = [{ attribute: e.attribute, operand }];
    if (piece.length === 1 && isWord(piece[0], 'FALSE')) return none;
    if (readsAttributeTable(piece)) return none;
    const literalOperand = e.operand.kind === 'literal' && e.operand.type !== 'null';
    const out: AttributeEvidence[] = [...none];
    if (literalOperand) {
      const lit = e.operand as Extract<Expr, { kind: 'literal' }>;
      const arms = memberRole(piece) !== undefined ? [piece] : piece.length === 1 && isGroup(piece[0]) ? splitWord(piece[0].items, 'OR') : null;
      if (!arms) return null;
      for (const arm of arms) {
        const role = memberRole(arm);
        if (role === undefined) return null;
        const group = this.groupOf(role);
        if (group === undefined) return null;
        out.push({ attribute: e.attribute, group, value: scalarOfLiteral(lit), type: literalTypeOf(lit.type), operand });
      }
      return out;
    }
    if (piece.length !== 1 || !isGroup(piece[0])) return null;
    const inner = piece[0].items;
    const arms = isWord(inner[0], 'pg_has_role') ? [inner] : splitWord(inner, 'OR').map((p) => (p.length === 1 && isGroup(p[0]) ? p[0].items : null));
    for (const arm of arms) {
      if (!arm) return null;
      // pg_has_role ( … ) AND <operand…> IN ( <literals> )
      const role = memberRole(arm.slice(0, 2));
      if (role === undefined || !isWord(arm[2], 'AND') || arm.length < 6 || !isWord(arm[arm.length - 2], 'IN')) return null;
      const list = arm[arm.length - 1]!;
      if (!isGroup(list)) return null;
      const group = this.groupOf(role);
      if (group === undefined) return null;
      for (const literal of splitPunct(list.items, ',')) {
        const v = sqlLiteral(literal);
        if (!v) return null;
        out.push({ attribute: e.attribute, group, value: v.value, type: v.type, operand });
      }
    }
    return out;
  }
}

/** `EXISTS (SELECT …)` or `(<x> IN (SELECT …))`: the form of layout version 2, whose values are rows. */
function readsAttributeTable(piece: Item[]): boolean {
  const subquery = (i: Item | undefined) => isGroup(i) && isWord(i.items[0], 'SELECT');
  if (piece.length === 2 && isWord(piece[0], 'EXISTS')) return subquery(piece[1]);
  if (piece.length !== 1 || !isGroup(piece[0])) return false;
  const inner = piece[0].items;
  return inner.length >= 3 && isWord(inner[inner.length - 2], 'IN') && subquery(inner[inner.length - 1]);
}

const COMPARE_OPS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * A predicate's columns and its string and number literals are the ones its compiled part names
 * (shape alone would pair `amount > 10` with `(region = 'EMEA')` and swap two filters' places).
 * Columns compare without case (a filter may write them in any); dates and timestamps are left out,
 * their compiled literals are written in another form.
 */
function sameAtoms(e: Expr, items: readonly Item[]): boolean {
  const want: string[] = [];
  for (const node of walkExpr(e)) {
    if (node.kind === 'column') want.push(`id:${node.name.toLowerCase()}`);
    else if (node.kind === 'literal' && node.type === 'string') want.push(`str:${String(node.value)}`);
    else if (node.kind === 'literal' && node.type === 'number') want.push(`num:${unsigned(String(node.value))}`);
  }
  const got: string[] = [];
  const visit = (list: readonly Item[]) => {
    for (const i of list) {
      if (i.t === 'group') visit(i.items);
      else if (i.t === 'id') got.push(`id:${i.v.toLowerCase()}`);
      else if (i.t === 'num') got.push(`num:${unsigned(i.v)}`);
      else if (i.t === 'str' && !isDateOrTime(list, i)) got.push(`str:${i.v}`);
    }
  };
  visit(items);
  return want.sort().join('\u0000') === got.sort().join('\u0000');
}

/** A number's canonical digits without its sign (a compiled `-3` may be read as `-` and `3`). */
function unsigned(text: string): string {
  const c = canonicalDecimal(text) ?? text;
  return c.startsWith('-') ? c.slice(1) : c;
}

/** A string token that is the text of a DATE / TIMESTAMP / TIMESTAMPTZ literal (its keyword just before it). */
function isDateOrTime(list: readonly Item[], token: Item): boolean {
  const at = list.indexOf(token);
  const before = at > 0 ? list[at - 1] : undefined;
  return before !== undefined && (isWord(before, 'DATE') || isWord(before, 'TIMESTAMP') || isWord(before, 'TIMESTAMPTZ'));
}

/** What a parenthesised predicate compiled by expr.ts is: `x op y`, `x [NOT] IN (…)`, `x IS [NOT] NULL`. */
function predicateShape(inner: Item[]): 'compare' | 'in_list' | 'is_null' | undefined {
  if (inner.some((i) => isWord(i, 'AND') || isWord(i, 'OR') || isWord(i, 'pg_has_role'))) return undefined;
  const n = inner.length;
  if (n >= 3 && isWord(inner[n - 1], 'NULL') && (isWord(inner[n - 2], 'IS') || (isWord(inner[n - 2], 'NOT') && isWord(inner[n - 3], 'IS')))) return 'is_null';
  const last = inner[n - 1];
  if (n >= 3 && isGroup(last) && isWord(inner[n - 2], 'IN')) return isWord(last.items[0], 'SELECT') ? undefined : 'in_list';
  if (inner.filter((i) => i.t === 'punct' && COMPARE_OPS.has(i.v)).length === 1) return 'compare';
  return undefined;
}

/** A canonical text of a token list (whitespace-insensitive). */
function itemsText(items: readonly Item[]): string {
  return items.map((i) => (i.t === 'group' ? `(${itemsText(i.items)})` : `${i.t}:${i.v}`)).join(' ');
}

function notOperand(piece: Item[]): Item[] | null {
  if (piece.length !== 1 || !isGroup(piece[0])) return null;
  const inner = piece[0].items;
  return isWord(inner[0], 'NOT') ? inner.slice(1) : null;
}

/** `pg_has_role(current_user, '<role>', 'MEMBER')` -> the role; else undefined. */
function memberRole(items: Item[]): string | undefined {
  if (items.length !== 2 || !isWord(items[0], 'pg_has_role') || !isGroup(items[1])) return undefined;
  const args = splitPunct(items[1].items, ',');
  if (args.length !== 3 || !isWord(args[0]![0], 'current_user')) return undefined;
  const role = args[1]!;
  const mode = args[2]!;
  if (role.length !== 1 || role[0]!.t !== 'str' || mode.length !== 1 || mode[0]!.t !== 'str' || mode[0]!.v !== 'MEMBER') return undefined;
  return role[0]!.v;
}

/** A stored attribute value (expr.ts `attributeValueText`) back to a neutral value of its type. */
export function attributeValueOfText(text: string, type: AttributeType): ImportScalar | undefined {
  switch (type) {
    case 'string':
    case 'date':
      return text;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? numberValue(text) : undefined;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'timestamp': {
      const parsed = parseTimestampText(text.replace(/\+00$/, 'Z'), false);
      return parsed.ok ? parsed.value : undefined;
    }
  }
}

/** A literal as expr.ts `attributeLiteral` writes it, back to a neutral attribute value. */
function sqlLiteral(items: Item[]): { value: ImportScalar; type: AttributeType } | undefined {
  const [a, b] = items;
  if (items.length === 1 && a!.t === 'str') return { value: a!.v, type: 'string' };
  if (items.length === 1 && a!.t === 'num') return { value: numberValue(a!.v), type: 'number' };
  if (items.length === 2 && a!.t === 'punct' && a!.v === '-' && b!.t === 'num') return { value: numberValue(`-${b!.v}`), type: 'number' };
  if (items.length === 1 && (isWord(a, 'TRUE') || isWord(a, 'FALSE'))) return { value: isWord(a, 'TRUE'), type: 'boolean' };
  if (items.length === 2 && isWord(a, 'DATE') && b!.t === 'str') return { value: b!.v, type: 'date' };
  if (items.length === 2 && (isWord(a, 'TIMESTAMPTZ') || isWord(a, 'TIMESTAMP')) && b!.t === 'str') {
    const text = isWord(a, 'TIMESTAMP') ? `${b!.v}Z` : b!.v;
    const parsed = parseTimestampText(text, false);
    return parsed.ok ? { value: parsed.value, type: 'timestamp' } : undefined;
  }
  return undefined;
}

/** A number that survives a round trip through JavaScript stays a number; else its exact text. */
function numberValue(text: string): ImportScalar {
  const n = Number(text);
  return Number.isFinite(n) && String(n) === text ? n : text;
}

function scalarOfLiteral(l: Extract<Expr, { kind: 'literal' }>): ImportScalar {
  if (l.type === 'boolean') return l.value;
  if (l.type === 'number') return numberValue(l.value);
  return String(l.value);
}

function literalTypeOf(type: string): AttributeType {
  return type === 'number' || type === 'boolean' || type === 'date' || type === 'timestamp' ? type : 'string';
}

function isWord(item: Item | undefined, word: string): boolean {
  return item !== undefined && item.t === 'word' && item.v.toUpperCase() === word.toUpperCase();
}

function isGroup(item: Item | undefined): item is Group {
  return item !== undefined && item.t === 'group';
}

function splitWord(items: Item[], word: string): Item[][] {
  const out: Item[][] = [[]];
  for (const i of items) {
    if (isWord(i, word)) out.push([]);
    else out[out.length - 1]!.push(i);
  }
  return out;
}

function splitPunct(items: Item[], p: string): Item[][] {
  const out: Item[][] = [[]];
  for (const i of items) {
    if (i.t === 'punct' && i.v === p) out.push([]);
    else out[out.length - 1]!.push(i);
  }
  return out;
}

/** The SQL meshward compiles, as tokens: quoted literals and identifiers, words, numbers, punctuation. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (q: string): string => {
    let v = '';
    i++;
    for (;;) {
      if (i >= text.length) throw new Error('unterminated quote');
      if (text[i] === q) {
        if (text[i + 1] === q) {
          v += q;
          i += 2;
          continue;
        }
        i++;
        return v;
      }
      v += text[i++];
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") out.push({ t: 'str', v: quoted("'") });
    else if (c === '"') out.push({ t: 'id', v: quoted('"') });
    else if (c === '(' || c === ')' || c === ',') (out.push({ t: 'punct', v: c }), i++);
    else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else {
      const m = /^[<>=!|+\-*/:;.%^~&#@?]+/.exec(text.slice(i));
      const v = m ? (m[0].startsWith('-') ? '-' : m[0]) : c;
      out.push({ t: 'punct', v });
      i += v.length;
    }
  }
  return out;
}

/** Tokens -> nested parenthesised groups. */
function tree(tokens: Token[]): Item[] {
  const stack: Item[][] = [[]];
  for (const tok of tokens) {
    if (tok.t === 'punct' && tok.v === '(') stack.push([]);
    else if (tok.t === 'punct' && tok.v === ')') {
      const items = stack.pop();
      if (!items || stack.length === 0) throw new Error('unbalanced parentheses');
      stack[stack.length - 1]!.push({ t: 'group', items });
    } else stack[stack.length - 1]!.push(tok);
  }
  if (stack.length !== 1) throw new Error('unbalanced parentheses');
  return stack[0]!;
}
