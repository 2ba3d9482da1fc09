import { syntaxError } from './errors.js';
import { parseNameString } from './names.js';
import type { Token } from './lexer.js';
import type { Name } from './ast.js';
import { makeType, type SqlType } from './types.js';
import type { Value } from './values.js';

/**
 * Snowflake's reserved keywords (https://docs.snowflake.com/en/sql-reference/reserved-keywords):
 * they cannot be unquoted identifiers, so they end an expression or an alias.
 */
export const RESERVED = new Set(('ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WITH').split(' '));

/** Words that end a select item or a FROM item without being reserved. */
const ALIAS_STOP = new Set(['LIMIT', 'OFFSET', 'FETCH', 'EXCEPT', 'WINDOW', 'OUTER', 'MATCHED']);

/** The token stream of one statement, with its bind values (`?` in order, `:n` by position). */
export class Cursor {
  i = 0;
  private bindNext = 0;
  constructor(
    readonly toks: readonly Token[],
    readonly text: string,
    readonly binds: readonly Value[],
  ) {}

  peek(n = 0): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  atEnd(): boolean {
    const t = this.peek();
    return t.kind === 'eof' || (t.kind === 'op' && t.value === ';' && this.peek(1).kind === 'eof');
  }
  /** Throws Snowflake's syntax error at the current (or given) token. */
  fail(t: Token = this.peek()): never {
    throw syntaxError(t.line, t.col, t.kind === 'eof' ? '<EOF>' : t.raw);
  }
  isKw(word: string, n = 0): boolean {
    const t = this.peek(n);
    return t.kind === 'ident' && t.value === word;
  }
  isKws(...words: string[]): boolean {
    return words.every((w, k) => this.isKw(w, k));
  }
  acceptKw(...words: string[]): boolean {
    if (!this.isKws(...words)) return false;
    this.i += words.length;
    return true;
  }
  expectKw(...words: string[]): void {
    for (const w of words) {
      if (!this.isKw(w)) this.fail();
      this.i++;
    }
  }
  oneOf<T extends string>(...words: T[]): T | null {
    for (const w of words) if (this.isKw(w)) { this.i++; return w; }
    return null;
  }
  isOp(op: string, n = 0): boolean {
    const t = this.peek(n);
    return t.kind === 'op' && t.value === op;
  }
  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }
  expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail();
  }
  /** An identifier part: unquoted (not reserved) or quoted. */
  isIdent(n = 0): boolean {
    const t = this.peek(n);
    return t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.value));
  }
  ident(): string {
    const t = this.peek();
    if (t.kind === 'qident' || t.kind === 'ident') {
      if (t.kind === 'ident' && RESERVED.has(t.value)) this.fail();
      this.i++;
      return t.value;
    }
    this.fail();
  }
  /** Any word, reserved or not (for keyword-like positions such as privilege names). */
  word(): string {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail();
    this.i++;
    return t.value;
  }
  /** A dotted name of 1..max parts, or IDENTIFIER('<name>' | ?) (https://docs.snowflake.com/en/sql-reference/identifier-literal). */
  name(max = 3): Name {
    if (this.isKw('IDENTIFIER') && this.isOp('(', 1)) {
      const at = this.peek();
      this.i += 2;
      const text = this.string();
      this.expectOp(')');
      const parts = parseNameString(text);
      if (!parts || parts.length > max) throw syntaxError(at.line, at.col, text);
      return parts;
    }
    const parts = [this.ident()];
    while (this.isOp('.') && parts.length < max) {
      this.i++;
      parts.push(this.ident());
    }
    return parts;
  }
  string(): string {
    const t = this.peek();
    if (t.kind === 'string') { this.i++; return t.value; }
    if (t.kind === 'param') { this.i++; const v = this.bind(t); if (typeof v === 'string') return v; }
    this.fail(t);
  }
  integer(): number {
    const t = this.peek();
    if (t.kind === 'number' && /^[0-9]+$/.test(t.value)) { this.i++; return Number(t.value); }
    this.fail();
  }
  bind(t: Token): Value {
    const idx = t.value === '' ? this.bindNext++ : Number(t.value) - 1;
    if (idx < 0 || idx >= this.binds.length) throw syntaxError(t.line, t.col, t.raw);
    return this.binds[idx]!;
  }
  /** An optional alias: `AS x` or a bare non-reserved identifier. */
  alias(): string | null {
    if (this.acceptKw('AS')) return this.ident();
    const t = this.peek();
    if (t.kind === 'qident') { this.i++; return t.value; }
    if (t.kind === 'ident' && !RESERVED.has(t.value) && !ALIAS_STOP.has(t.value)) { this.i++; return t.value; }
    return null;
  }
  /** `= 'text'` after a property word (the `=` is optional in Snowflake's grammar). */
  propString(): string {
    this.acceptOp('=');
    return this.string();
  }
  propBool(): boolean {
    this.acceptOp('=');
    if (this.acceptKw('TRUE')) return true;
    if (this.acceptKw('FALSE')) return false;
    this.fail();
  }
  /** A data type: VARCHAR(10), NUMBER(38,0), TIMESTAMP_LTZ, TIMESTAMP WITH LOCAL TIME ZONE, DOUBLE PRECISION… */
  type(): SqlType {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail();
    this.i++;
    let word = t.value;
    if (word === 'DOUBLE') this.acceptKw('PRECISION');
    if ((word === 'CHARACTER' || word === 'CHAR') && this.acceptKw('VARYING')) word = 'VARCHAR';
    if (word === 'TIMESTAMP') {
      if (this.acceptKw('WITH', 'LOCAL', 'TIME', 'ZONE')) word = 'TIMESTAMP_LTZ';
      else if (this.acceptKw('WITH', 'TIME', 'ZONE')) word = 'TIMESTAMP_TZ';
      else if (this.acceptKw('WITHOUT', 'TIME', 'ZONE')) word = 'TIMESTAMP_NTZ';
    }
    const args: number[] = [];
    if (this.isOp('(')) {
      this.i++;
      args.push(this.integer());
      if (this.acceptOp(',')) args.push(this.integer());
      this.expectOp(')');
    }
    const type = makeType(word, args);
    if (!type) this.fail(t);
    return type;
  }
  /** The source text between two token indexes. */
  textOf(from: number, to: number): string {
    if (to <= from) return '';
    return this.text.slice(this.toks[from]!.start, this.toks[to - 1]!.end);
  }
}
