import type { CompareOp, ExprError } from './ast.js';
import { canonicalDecimal } from './decimal.js';

/**
 * Splits an `allow` expression into tokens. Keywords are not decided here: a bare word is an
 * `ident`, and the parser reads it as a keyword by case-insensitive match, so an error can say
 * "'date' is a keyword" with the word as written.
 */

/** One token with its source span. */
export type Token =
  | { readonly type: 'ident'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'quoted'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'string'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'number'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'op'; readonly text: CompareOp; readonly start: number; readonly end: number }
  | { readonly type: '(' | ')' | ',' | '.' | 'eof'; readonly text: string; readonly start: number; readonly end: number };

/** Tokens (ending with `eof`) and every lexical error found. */
export interface TokenizeResult {
  readonly tokens: Token[];
  readonly errors: ExprError[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)/y;
const EXPONENT = /[eE][+-]?\d+/y;

/** Operators people bring from other languages, with what to write instead. */
const FOREIGN_OPERATORS: ReadonlyArray<readonly [string, string]> = [
  ['==', "write '='"],
  ['&&', 'write AND'],
  ['||', 'write OR'],
  ['=<', "write '<='"],
  ['=>', "write '>='"],
];

/** Tokenizes the whole source; lexical errors are collected and scanning continues. */
export function tokenize(source: string): TokenizeResult {
  const tokens: Token[] = [];
  const errors: ExprError[] = [];
  let i = 0;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(source)?.[0];
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    const foreign = FOREIGN_OPERATORS.find(([op]) => source.startsWith(op, i));
    if (foreign) {
      errors.push({ offset: i, length: 2, message: `'${foreign[0]}' is not an operator; ${foreign[1]}` });
      i += 2;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=' || two === '!=') {
      tokens.push({ type: 'op', text: two === '!=' ? '<>' : two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      tokens.push({ type: 'op', text: ch, start, end: i + 1 });
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: ch, text: ch, start, end: i + 1 });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const r = quoted(source, i, ch);
      const bad = r.error ? undefined : (ch === '"' ? NOT_IN_NAME : NOT_IN_STRING).exec(r.text);
      if (r.error) errors.push(r.error);
      else if (ch === '"' && r.text === '') errors.push({ offset: i, length: r.end - i, message: 'empty quoted identifier', hint: 'write a column name between the double quotes' });
      else if (bad) errors.push(badCharacter(bad[0], ch === '"', i, r.end));
      else tokens.push({ type: ch === "'" ? 'string' : 'quoted', text: r.text, start, end: r.end });
      i = r.end;
      continue;
    }
    const number = at(NUMBER);
    if (number !== undefined) {
      i += number.length;
      const exponent = at(EXPONENT);
      if (exponent !== undefined) {
        i += exponent.length;
        errors.push({ offset: start, length: i - start, message: `exponent notation '${source.slice(start, i)}' is not supported`, hint: `write the number in full, e.g. ${canonicalDecimal(String(Number(source.slice(start, i)))) ?? '1000'}` });
        continue;
      }
      tokens.push({ type: 'number', text: number, start, end: i });
      continue;
    }
    if (ch === '.') {
      tokens.push({ type: '.', text: '.', start, end: i + 1 });
      i++;
      continue;
    }
    const ident = at(IDENT);
    if (ident !== undefined) {
      tokens.push({ type: 'ident', text: ident, start, end: i + ident.length });
      i += ident.length;
      continue;
    }
    const cp = String.fromCodePoint(source.codePointAt(i)!);
    errors.push(unexpectedCharacter(cp, i));
    i += cp.length;
  }
  tokens.push({ type: 'eof', text: '', start: source.length, end: source.length });
  return { tokens, errors };
}

/** Characters no target can hold in a name (control characters, unpaired surrogates) or in a text literal (NUL, unpaired surrogates). */
const NOT_IN_NAME = /[\p{Cc}\p{Cs}]/u;
const NOT_IN_STRING = /[\u0000\p{Cs}]/u;

/** `U+0000`: how a character that cannot be printed is named in a message. */
export function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function badCharacter(ch: string, name: boolean, start: number, end: number): ExprError {
  const code = codePoint(ch);
  return name
    ? { offset: start, length: end - start, message: `a column name cannot contain the control character ${code}`, hint: 'remove it from the name' }
    : { offset: start, length: end - start, message: `a string cannot contain the character ${code}: no warehouse stores it in text`, hint: 'remove it from the string' };
}

function unexpectedCharacter(ch: string, offset: number): ExprError {
  const hint =
    ch === '!' ? "write NOT, or '<>' for not-equal" :
    ch === '`' ? 'quote a column name with double quotes: "my column"' :
    ch === ';' ? 'an allow expression is a single condition; remove the semicolon' :
    ch === '\u2018' || ch === '\u2019' ? "use a plain single quote (') around strings" :
    ch === '\u201C' || ch === '\u201D' ? 'use a plain double quote (") around column names' :
    /\p{L}/u.test(ch) ? 'a name with letters outside A-Z must be double-quoted, e.g. "région"' :
    'write a column, a literal, user.<attribute>, an operator, AND, OR, NOT or parentheses';
  const shown = NOT_IN_NAME.test(ch) ? codePoint(ch) : `'${ch}'`;
  return { offset, length: ch.length, message: `unexpected character ${shown} at offset ${offset}`, hint };
}

/** A quoted run with doubled-quote escapes (SQL style), from the opening quote at `start`. */
function quoted(source: string, start: number, q: string): { text: string; end: number; error?: ExprError } {
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    if (source[i] === q) {
      if (source[i + 1] === q) {
        text += q;
        i += 2;
        continue;
      }
      return { text, end: i + 1 };
    }
    text += source[i++];
  }
  const what = q === "'" ? 'string literal' : 'quoted identifier';
  return {
    text,
    end: source.length,
    error: { offset: start, length: source.length - start, message: `unterminated ${what}; close it with ${q}`, hint: q === "'" ? "a quote inside a string is written twice: 'O''Brien'" : 'a quote inside a name is written twice: "say ""hi"""' },
  };
}
