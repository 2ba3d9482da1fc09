/**
 * A fast reader for the plain subset of YAML that policy repositories are written in (issue 10:
 * the `yaml` package reads about 1 MB/s here, most of `validate` at 10,000 tables). It accepts one
 * document of block maps and sequences, one-line flow collections (`{ a: b }`, `[a, b]`), plain
 * scalars that are clearly strings or small integers, quoted scalars without escapes, and
 * comments. Anything else — and anything it is not sure of, errors included — returns undefined,
 * and the caller reads the file with the `yaml` package as before: this reader never decides
 * that a file is wrong, and what it accepts gives the value and positions `yaml` gives
 * (test/config/fast-yaml.test.ts compares the two).
 */

/** A node: its start offset, as `yaml`'s `range[0]`. */
export type FastNode = FastMap | FastSeq | FastScalar;
export interface FastMap {
  readonly kind: 'map';
  readonly start: number;
  readonly entries: Map<string, FastEntry>;
}
export interface FastEntry {
  readonly keyStart: number;
  readonly value: FastNode;
}
export interface FastSeq {
  readonly kind: 'seq';
  readonly start: number;
  readonly items: FastNode[];
}
export interface FastScalar {
  readonly kind: 'scalar';
  readonly start: number;
  /** Inside quotes: the text starts one character after `start`. */
  readonly quoted: boolean;
}

export interface FastDoc {
  /** The document's value, as `Document.toJS()` gives it. */
  readonly value: Record<string, unknown>;
  readonly root: FastMap;
  /** Offsets at which lines start (0 first), as `yaml`'s LineCounter records them. */
  readonly lineStarts: number[];
}

/** Thrown inside the reader when the text leaves the subset; never escapes `readFast`. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

/** Characters that change a file's meaning or positions in ways the reader does not follow. */
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029\ud800-\udfff]/;
/** Indicators a plain scalar or key may not start with (a `-` or `.` is left to `yaml` too). */
const INDICATOR_START = new Set([...'-?:,[]{}#&*!|>\'"%@`. ']);
/** Words the core schema reads as null or booleans. */
const SPECIAL_WORDS = new Map<string, unknown>([
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);
const SMALL_INT = /^(?:0|[1-9][0-9]{0,14})$/;
/** Deeper documents are left to `yaml` and its nesting bound (source.ts). */
const MAX_DEPTH = 32;

interface Line {
  /** Offset of the first non-space character. */
  readonly start: number;
  /** Offset of the line break (or the end of the text). */
  readonly end: number;
  readonly indent: number;
}

/** The document of `text` (BOM dropped, line breaks `\n`), or undefined when it leaves the subset. */
export function readFast(text: string): FastDoc | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  try {
    return new Reader(text).read();
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

class Reader {
  private readonly lines: Line[] = [];
  private readonly lineStarts: number[] = [0];
  private next = 0;

  constructor(private readonly text: string) {}

  read(): FastDoc {
    const { text } = this;
    let at = 0;
    while (at <= text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      else this.lineStarts.push(end + 1);
      let start = at;
      while (start < end && text.charCodeAt(start) === 32) start++;
      const first = text[start];
      if (start < end && first !== '#') {
        const indent = start - at;
        if (indent === 0 && (first === '%' || text.startsWith('---', start) || text.startsWith('...', start))) throw NOT_PLAIN;
        this.lines.push({ start, end, indent });
      }
      at = end + 1;
    }
    const top = this.lines[0];
    if (!top || top.indent !== 0) throw NOT_PLAIN;
    const root = this.block(0, top.start, 1);
    if (root.node.kind !== 'map' || this.next !== this.lines.length) throw NOT_PLAIN;
    return { value: root.value as Record<string, unknown>, root: root.node, lineStarts: this.lineStarts };
  }

  /** The block node whose first line is `this.next`, its content starting at `start` (column `indent`). */
  private block(indent: number, start: number, depth: number): { node: FastNode; value: unknown } {
    if (depth > MAX_DEPTH) throw NOT_PLAIN;
    return this.isSeqItem(start) ? this.seq(indent, start, depth) : this.map(indent, start, depth);
  }

  private isSeqItem(at: number): boolean {
    return this.text[at] === '-' && this.text[at + 1] === ' ';
  }

  /**
   * The lines of one block collection at `indent`, the first one's content at `start`: yields
   * where each entry starts and its line's end; the caller consumes the entry's lines.
   */
  private *blockLines(indent: number, start: number, belongs: (at: number) => boolean): Generator<{ at: number; end: number; lineStart: number }> {
    let at = start;
    for (let first = true; this.next < this.lines.length; first = false) {
      const line = this.lines[this.next]!;
      if (!first) {
        if (line.indent !== indent || !belongs(line.start)) break;
        at = line.start;
      }
      const before = this.next;
      yield { at, end: line.end, lineStart: line.start - line.indent };
      if (this.next === before) throw NOT_PLAIN; // never loop on a line
    }
    const after = this.lines[this.next];
    if (after && after.indent > indent) throw NOT_PLAIN; // e.g. a scalar continued on the next line
  }

  /** A block sequence: lines at `indent` starting `- `, the first one's `-` at `start`. */
  private seq(indent: number, start: number, depth: number): { node: FastSeq; value: unknown[] } {
    const items: FastNode[] = [];
    const value: unknown[] = [];
    for (const { at: dash, end, lineStart } of this.blockLines(indent, start, (at) => this.isSeqItem(at))) {
      let at = dash + 1;
      while (this.text.charCodeAt(at) === 32) at++;
      if (at >= end) throw NOT_PLAIN; // `-` alone: the item is on the next lines
      const item = this.isInlineValue(at, end) ? this.inlineLine(at, end, depth) : this.block(at - lineStart, at, depth + 1);
      items.push(item.node);
      value.push(item.value);
    }
    return { node: { kind: 'seq', start, items }, value };
  }

  /** Whether the item text at `at` is a value on its own (not `key: …`, not `- …`). */
  private isInlineValue(at: number, end: number): boolean {
    const c = this.text[at];
    if (c === '{' || c === '[') return true;
    if (c === '-' && this.text[at + 1] === ' ') return false;
    if (c === '"' || c === "'") {
      const close = this.text.indexOf(c, at + 1);
      if (close < 0 || close >= end) throw NOT_PLAIN;
      return this.text[close + 1] !== ':';
    }
    const colon = this.keyEnd(at, end);
    return colon < 0;
  }

  /** Offset of the `:` ending a plain key that starts at `at` (followed by a space or the line's end), or -1. */
  private keyEnd(at: number, end: number): number {
    const { text } = this;
    for (let i = text.indexOf(':', at); i >= 0 && i < end; i = text.indexOf(':', i + 1)) {
      if (i + 1 === end || text.charCodeAt(i + 1) === 32) return i;
    }
    return -1;
  }

  /** A scalar or flow collection filling the rest of the line at `this.next`; consumes the line. */
  private inlineLine(at: number, end: number, depth: number): { node: FastNode; value: unknown } {
    const out = this.inline(at, end, depth);
    this.endOfLine(out.end, end);
    this.next++; // a deeper line after it (a continued scalar) stops the enclosing map: see map()
    return out;
  }

  /** After a value: only spaces and a comment (after a space) may follow on the line. */
  private endOfLine(at: number, end: number): void {
    const valueEnd = at;
    while (at < end && this.text.charCodeAt(at) === 32) at++;
    if (at < end && (this.text[at] !== '#' || at === valueEnd)) throw NOT_PLAIN;
  }

  /** A block map: lines at `indent`, the first one's key starting at `start`. */
  private map(indent: number, start: number, depth: number): { node: FastMap; value: Record<string, unknown> } {
    const entries = new Map<string, FastEntry>();
    const value: Record<string, unknown> = {};
    for (const { at: keyAt, end } of this.blockLines(indent, start, () => true)) {
      if (this.isSeqItem(keyAt)) throw NOT_PLAIN; // a sequence where a key belongs
      const key = this.blockKey(keyAt, end);
      if (entries.has(key.text) || key.text === '__proto__') throw NOT_PLAIN;
      let at = key.colon + 1;
      while (at < end && this.text.charCodeAt(at) === 32) at++;
      let item: { node: FastNode; value: unknown };
      if (at < end && this.text[at] !== '#') {
        if (this.text[at] === '-' && this.text[at + 1] === ' ') throw NOT_PLAIN; // `k: - x`
        item = this.inlineLine(at, end, depth);
      } else {
        this.next++;
        const below = this.lines[this.next];
        if (!below) throw NOT_PLAIN; // an empty value: left to `yaml`
        if (below.indent > indent) item = this.block(below.indent, below.start, depth + 1);
        else if (below.indent === indent && this.isSeqItem(below.start)) item = this.seq(indent, below.start, depth + 1);
        else throw NOT_PLAIN; // an empty value: left to `yaml`
      }
      entries.set(key.text, { keyStart: keyAt, value: item.node });
      value[key.text] = item.value;
    }
    return { node: { kind: 'map', start, entries }, value };
  }

  /** A key at `at` on a block line: its text and the offset of its `:`. */
  private blockKey(at: number, end: number): { text: string; colon: number } {
    const { text } = this;
    const c = text[at];
    if (c === '"' || c === "'") {
      const q = this.quoted(at, end);
      if (text[q.end] !== ':' || (q.end + 1 < end && text.charCodeAt(q.end + 1) !== 32)) throw NOT_PLAIN;
      return { text: q.value, colon: q.end };
    }
    const colon = this.keyEnd(at, end);
    if (colon < 0 || text.charCodeAt(colon - 1) === 32) throw NOT_PLAIN; // no key, or `key :`
    return { text: plainKey(text.slice(at, colon)), colon };
  }

  /** A quoted scalar starting at `at`: its value and the offset after the closing quote. */
  private quoted(at: number, end: number): { value: string; end: number } {
    const q = this.text[at]!;
    const close = this.text.indexOf(q, at + 1);
    if (close < 0 || close >= end) throw NOT_PLAIN; // unclosed on this line, or folded over lines
    const value = this.text.slice(at + 1, close);
    if (q === '"' && value.includes('\\')) throw NOT_PLAIN; // escapes: left to `yaml`
    if (q === "'" && this.text[close + 1] === "'") throw NOT_PLAIN; // `''` stands for a quote
    return { value, end: close + 1 };
  }

  /** A value inside one line: quoted, a flow collection or plain (ending differently inside a flow collection). */
  private inline(at: number, end: number, depth: number, inFlow = false): { node: FastNode; value: unknown; end: number } {
    const c = this.text[at];
    if (c === '{' || c === '[') return this.flow(at, end, depth + 1);
    if (c === '"' || c === "'") {
      const q = this.quoted(at, end);
      return { node: { kind: 'scalar', start: at, quoted: true }, value: q.value, end: q.end };
    }
    let raw: string;
    if (inFlow) {
      raw = this.text.slice(at, this.flowPlainEnd(at, end)).trimEnd();
      if (raw.includes(':')) throw NOT_PLAIN; // `[a: b]` and friends
    } else {
      let stop = this.text.indexOf(' #', at);
      if (stop < 0 || stop > end) stop = end;
      raw = this.text.slice(at, stop).trimEnd();
      if (raw.includes(': ') || raw.endsWith(':')) throw NOT_PLAIN;
    }
    return { node: { kind: 'scalar', start: at, quoted: false }, value: plainValue(raw), end: at + raw.length };
  }

  /** A flow collection on one line, starting at `at` (`{` or `[`). */
  private flow(at: number, end: number, depth: number): { node: FastNode; value: unknown; end: number } {
    if (depth > MAX_DEPTH) throw NOT_PLAIN;
    const { text } = this;
    const open = text[at];
    const close = open === '{' ? '}' : ']';
    let i = at + 1;
    const skip = (): void => {
      while (i < end && text.charCodeAt(i) === 32) i++;
    };
    /** After an item: true at `,` (another item follows), false at the closing bracket. */
    const more = (): boolean => {
      skip();
      if (text[i] === ',') {
        i++;
        skip();
        if (text[i] === close) throw NOT_PLAIN; // a trailing comma
        return true;
      }
      if (text[i] !== close) throw NOT_PLAIN;
      i++;
      return false;
    };
    skip();
    const empty = text[i] === close;
    if (empty) i++;
    if (open === '[') {
      const items: FastNode[] = [];
      const value: unknown[] = [];
      for (let go = !empty; go; go = more()) {
        const item = this.inline(i, end, depth, true);
        items.push(item.node);
        value.push(item.value);
        i = item.end;
      }
      return { node: { kind: 'seq', start: at, items }, value, end: i };
    }
    const entries = new Map<string, FastEntry>();
    const value: Record<string, unknown> = {};
    for (let go = !empty; go; go = more()) {
      const keyAt = i;
      let key: string;
      const c = text[i];
      if (c === '"' || c === "'") {
        const q = this.quoted(i, end);
        key = q.value;
        i = q.end;
      } else {
        const raw = text.slice(i, this.flowPlainEnd(i, end)).trimEnd();
        key = plainKey(raw);
        i += raw.length;
      }
      if (text[i] !== ':' || text.charCodeAt(i + 1) !== 32) throw NOT_PLAIN;
      if (entries.has(key) || key === '__proto__') throw NOT_PLAIN;
      i += 1;
      skip();
      const item = this.inline(i, end, depth, true);
      entries.set(key, { keyStart: keyAt, value: item.node });
      value[key] = item.value;
      i = item.end;
    }
    return { node: { kind: 'map', start: at, entries }, value, end: i };
  }

  /** Where a plain scalar in a flow collection ends: at `,`, a bracket, `: ` (for keys) or the line's end. */
  private flowPlainEnd(at: number, end: number): number {
    const { text } = this;
    for (let i = at; i < end; i++) {
      const c = text[i];
      if (c === ',' || c === '[' || c === ']' || c === '{' || c === '}') return i;
      if (c === ':' && text.charCodeAt(i + 1) === 32) return i;
      if (c === '#' && text.charCodeAt(i - 1) === 32) throw NOT_PLAIN; // a comment inside a flow collection
    }
    throw NOT_PLAIN; // a flow collection continued on the next line
  }
}

/** A plain key: only one that reads as a string (not a number, null or boolean). */
function plainKey(raw: string): string {
  const v = plainValue(raw);
  if (typeof v !== 'string') throw NOT_PLAIN;
  return v;
}

/**
 * The value of a plain scalar under the YAML 1.2 core schema, for the forms that are sure: text
 * starting with a letter or a character no number, null or boolean starts with, the null and
 * boolean words, and small decimal integers. Anything else is left to `yaml`.
 */
function plainValue(raw: string): unknown {
  if (raw.length === 0 || raw.includes('\t') || raw.includes(' #')) throw NOT_PLAIN;
  const c = raw[0]!;
  if (SPECIAL_WORDS.has(raw)) return SPECIAL_WORDS.get(raw);
  if (SMALL_INT.test(raw)) return Number(raw);
  if (INDICATOR_START.has(c) || (c >= '0' && c <= '9') || c === '+' || c === '~') throw NOT_PLAIN;
  return raw;
}
