import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { SourcePos } from '../model/neutral-types.js';
import type { Diagnostics } from './diagnostics.js';

export type Path = readonly (string | number)[];

/**
 * One YAML document with its source positions. Loading keeps the parsed `yaml` Document so that
 * any later stage can turn a path into `file:line:col`.
 */
export class SourceDoc {
  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Position of an offset in the file. */
  posAt(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. */
  pos(path: Path): SourcePos {
    const node = this.nearestNode(path);
    return this.posAt(node?.range?.[0] ?? this.doc.contents?.range?.[0] ?? 0);
  }

  /** Position of the key of the map entry at `path` (nicer for `name: {...}` entries). */
  keyPos(path: Path): SourcePos {
    if (path.length === 0) return this.pos(path);
    const parent = this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last));
      if (pair && isScalar(pair.key) && pair.key.range) return this.posAt(pair.key.range[0]);
    }
    return this.pos(path);
  }

  /**
   * Position of the first character of a string scalar's text (inside quotes), so that an offset
   * into the string maps to a column; exact for single-line scalars.
   */
  textPos(path: Path, offset = 0): SourcePos {
    const node = this.doc.getIn(path, true);
    if (isScalar(node) && node.range) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      const start = node.range[0] + (quoted ? 1 : 0);
      if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return this.posAt(node.range[0]);
      return this.posAt(start + offset);
    }
    return this.pos(path);
  }

  private nearestNode(path: Path): Node | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node && (isScalar(node) || isMap(node) || isSeq(node))) return node;
    }
    return undefined;
  }
}

/** Parses every document of one file; YAML syntax errors become diagnostics with positions. */
export function parseYamlFile(file: string, text: string, diags: Diagnostics): SourceDoc[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: SourceDoc[] = [];
  for (const doc of docs) {
    const source = new SourceDoc(file, doc, lines);
    for (const e of doc.errors) {
      // The yaml library places a duplicate key after the previous value (end of its line when
      // that value is empty); the key itself starts at the next non-blank character.
      const offset = e.code === 'DUPLICATE_KEY' ? nextNonBlank(text, e.pos[0]) : e.pos[0];
      diags.error('yaml-syntax', `YAML: ${firstLine(e.message)}`, source.posAt(offset), 'fix the YAML syntax');
    }
    if (doc.errors.length === 0 && doc.contents !== null) out.push(source);
  }
  return out;
}

function nextNonBlank(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r')) i++;
  return i < text.length ? i : offset;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
