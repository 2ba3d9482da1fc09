import { syntaxError } from './errors.js';

/**
 * Snowflake's lexical rules (https://docs.snowflake.com/en/sql-reference/identifiers-syntax,
 * https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants):
 * - unquoted identifiers start with a letter or `_`, continue with letters, digits, `_`, `$`, and
 *   are stored and resolved in UPPER case;
 * - "quoted" identifiers keep their case, `""` is one `"` (QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE
 *   upper-cases them too);
 * - single-quoted strings: `''` is one quote and backslash sequences are escapes (\' \" \\ \n \t
 *   \r \b \f \0 \ooo \xhh \uhhhh; any other `\c` is `c`);
 * - $$…$$ strings are taken literally;
 * - comments: `-- …`, `// …`, `/* … *\/`.
 */
export type TokKind = 'ident' | 'qident' | 'string' | 'number' | 'op' | 'param' | 'eof';

export interface Token {
  readonly kind: TokKind;
  /** Identifiers: the resolved name (unquoted → upper case). Strings: the decoded text. Ops: the operator. */
  readonly value: string;
  /** The source text of the token. */
  readonly raw: string;
  readonly line: number;
  /** 0-based column in its line, as Snowflake's "at position N". */
  readonly col: number;
  /** Offset in the statement text. */
  readonly start: number;
  readonly end: number;
}

const OPS = ['->>', '::', '||', '<=', '>=', '<>', '!=', '=>', '->', '(', ')', ',', '.', ';', '=', '<', '>', '+', '-', '*', '/', '%', ':', '[', ']', '{', '}', '?'];

export function tokenize(text: string, opts: { quotedIgnoreCase?: boolean } = {}): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const push = (kind: TokKind, value: string, start: number, startLine: number, startCol: number) => out.push({ kind, value, raw: text.slice(start, i), line: startLine, col: startCol, start, end: i });
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (text[k] === '\n') { line++; lineStart = k + 1; }
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') { i++; line++; lineStart = i; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if ((c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const stop = close < 0 ? n : close + 2;
      advanceLines(i, stop);
      i = stop;
      continue;
    }
    const start = i;
    const sl = line;
    const sc = i - lineStart;
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[i]!)) i++;
      push('ident', text.slice(start, i).toUpperCase(), start, sl, sc);
      continue;
    }
    if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw syntaxError(sl, sc, text.slice(start, start + 20));
        if (text[i] === '"') {
          if (text[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (text[i] === '\n') { line++; lineStart = i + 1; }
        v += text[i];
        i++;
      }
      if (v === '') throw syntaxError(sl, sc, '""');
      push('qident', opts.quotedIgnoreCase ? v.toUpperCase() : v, start, sl, sc);
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw syntaxError(sl, sc, text.slice(start, start + 20));
        const d = text[i]!;
        if (d === "'") {
          if (text[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n) {
          const [s, len] = backslash(text, i + 1);
          v += s;
          i += 1 + len;
          continue;
        }
        if (d === '\n') { line++; lineStart = i + 1; }
        v += d;
        i++;
      }
      push('string', v, start, sl, sc);
      continue;
    }
    if (c === '$' && /[0-9]/.test(text[i + 1] ?? '')) {
      // $1, $2: the results of earlier statements in a ->> chain (https://docs.snowflake.com/en/sql-reference/operators-flow).
      i++;
      while (i < n && /[0-9]/.test(text[i]!)) i++;
      push('ident', text.slice(start, i), start, sl, sc);
      continue;
    }
    if (c === '$' && text[i + 1] === '$') {
      const close = text.indexOf('$$', i + 2);
      if (close < 0) throw syntaxError(sl, sc, '$$');
      const v = text.slice(i + 2, close);
      advanceLines(i, close);
      i = close + 2;
      push('string', v, start, sl, sc);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < n && /[0-9]/.test(text[i]!)) i++;
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? '')) { i++; while (i < n && /[0-9]/.test(text[i]!)) i++; }
      else if (text[i] === '.' && !/[A-Za-z_]/.test(text[i + 1] ?? '')) i++;
      if (/[eE]/.test(text[i] ?? '') && /[-+0-9]/.test(text[i + 1] ?? '')) {
        i++;
        if (/[-+]/.test(text[i]!)) i++;
        while (i < n && /[0-9]/.test(text[i]!)) i++;
      }
      push('number', text.slice(start, i), start, sl, sc);
      continue;
    }
    if (c === ':' && /[0-9]/.test(text[i + 1] ?? '') && text[i - 1] !== ':') {
      i++;
      while (i < n && /[0-9]/.test(text[i]!)) i++;
      push('param', text.slice(start + 1, i), start, sl, sc);
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw syntaxError(sl, sc, c);
    i += op.length;
    if (op === '?') push('param', '', start, sl, sc);
    else push('op', op, start, sl, sc);
  }
  out.push({ kind: 'eof', value: '', raw: '', line, col: i - lineStart, start: i, end: i });
  return out;
}

/** One backslash escape starting after the backslash: its text and how many characters it used. */
function backslash(text: string, at: number): [string, number] {
  const d = text[at]!;
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', "'": "'", '"': '"', '\\': '\\' };
  if (/[0-7]/.test(d) && /[0-7]{3}/.test(text.slice(at, at + 3))) return [String.fromCharCode(parseInt(text.slice(at, at + 3), 8)), 3];
  if (d in simple) return [simple[d]!, 1];
  if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(at + 1, at + 3))) return [String.fromCharCode(parseInt(text.slice(at + 1, at + 3), 16)), 3];
  if (d === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) return [String.fromCharCode(parseInt(text.slice(at + 1, at + 5), 16)), 5];
  return [d, 1];
}

/** Splits a statement text on top-level `;` (for the one-statement-per-execute check). */
export function statementCount(tokens: readonly Token[]): number {
  let count = 0;
  let inStatement = false;
  for (const t of tokens) {
    if (t.kind === 'eof') break;
    if (t.kind === 'op' && t.value === ';') {
      if (inStatement) count++;
      inStatement = false;
    } else inStatement = true;
  }
  return count + (inStatement ? 1 : 0);
}
