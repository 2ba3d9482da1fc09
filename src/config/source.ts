import { createRequire } from 'node:module';
import type { Document, Node, Pair, YAMLMap } from 'yaml';

/**
 * The `yaml` package, loaded on first use: policy files in the plain subset are read by the fast
 * reader (fast-yaml.ts), and a repository of them never needs it (a tenth of `validate`'s start-up).
 */
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
const isAlias = (n: unknown) => yaml().isAlias(n);
const isMap = (n: unknown): n is YAMLMap => yaml().isMap(n);
const isPair = (n: unknown): n is Pair => yaml().isPair(n);
const isScalar = (n: unknown): n is import('yaml').Scalar => yaml().isScalar(n);
const isSeq = (n: unknown): n is import('yaml').YAMLSeq => yaml().isSeq(n);

/** Offsets to `line:col` (1-based), exactly as yaml's LineCounter.linePos answers. */
interface LinePositions {
  linePos(offset: number): { line: number; col: number };
}

/** The fast reader's line starts as LinePositions: the same binary search as yaml's LineCounter, without loading it. */
class FastLines implements LinePositions {
  constructor(private readonly lineStarts: readonly number[]) {}
  linePos(offset: number): { line: number; col: number } {
    let low = 0;
    let high = this.lineStarts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (offset < this.lineStarts[mid]!) high = mid;
      else low = mid + 1;
    }
    if (this.lineStarts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    const start = this.lineStarts[low - 1]!;
    return { line: low, col: offset - start + 1 };
  }
}
import type { SourcePos } from '../model/neutral-types.js';
import type { Diagnostics } from './diagnostics.js';
import { readFast, type FastDoc, type FastNode } from './fast-yaml.js';

export type Path = readonly (string | number)[];

/**
 * Bounds of one YAML document (issue 8: a hostile file must end in a diagnostic, not in a stack
 * overflow or an exponential expansion). A policy document nests about 7 levels deep; aliases
 * are rare and small.
 */
export const YAML_LIMITS = {
  /** Nesting of maps and sequences. */
  maxDepth: 64,
  /** Nodes that aliases add when expanded, over one document ("billion laughs"). */
  maxAliasNodes: 100_000,
} as const;

/** A node as positions need it: where it starts, and for a scalar whether it is quoted or a block. */
interface Located {
  readonly start: number | undefined;
  readonly scalar?: 'plain' | 'quoted' | 'block';
}

/** What SourceDoc needs of a parsed document: its value and the nodes along a path. */
interface Tree {
  /** The document's value, as `Document.toJS()` gives it (may throw, e.g. on a bad alias). */
  value(): unknown;
  /** Start of the document's content. */
  rootStart(): number | undefined;
  /** Follows `path` from the root; `deepest` is the last node reached on the way. */
  walk(path: Path): { node: Located | undefined; deepest: Located | undefined };
  /** Start of the key of the map entry at `path`, if there is one and it is a plain value. */
  keyStart(path: Path): number | undefined;
}

/**
 * One YAML document with its source positions. Loading keeps the parsed document so that any
 * later stage can turn a path into `file:line:col`. Lookups go through an index built in the one
 * walk over the document (see `indexDocument`, or the fast reader's maps): a path costs
 * O(length), never a scan of a map's keys, so loading a file of 100k groups stays linear.
 */
export class SourceDoc {
  protected constructor(
    readonly file: string,
    private readonly lines: LinePositions,
    private readonly tree: Tree,
  ) {}

  /** A document read by the fast reader. */
  static fromFast(file: string, fast: FastDoc): SourceDoc {
    return new SourceDoc(file, new FastLines(fast.lineStarts), new FastTree(fast));
  }

  /** The document's value, as `Document.toJS()` gives it; throws on what `toJS` refuses. */
  value(): unknown {
    return this.tree.value();
  }

  /** Position of an offset in the file. */
  posAt(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. */
  pos(path: Path): SourcePos {
    const node = this.tree.walk(path).deepest;
    return this.posAt(node?.start ?? this.tree.rootStart() ?? 0);
  }

  /** Position of the key of the map entry at `path` (nicer for `name: {...}` entries). */
  keyPos(path: Path): SourcePos {
    if (path.length === 0) return this.pos(path);
    const start = this.tree.keyStart(path);
    return start !== undefined ? this.posAt(start) : this.pos(path);
  }

  /**
   * Position of the first character of a string scalar's text (inside quotes), so that an offset
   * into the string maps to a column; exact for single-line scalars.
   */
  textPos(path: Path, offset = 0): SourcePos {
    const node = this.tree.walk(path).node;
    if (node?.scalar && node.start !== undefined) {
      if (node.scalar === 'block') return this.posAt(node.start);
      return this.posAt(node.start + (node.scalar === 'quoted' ? 1 : 0) + offset);
    }
    return this.pos(path);
  }
}

/** A document parsed by the `yaml` package, which keeps its Document. */
export class YamlSourceDoc extends SourceDoc {
  constructor(
    file: string,
    readonly doc: Document.Parsed,
    lines: LinePositions,
    index: DocIndex = indexDocument(doc).index,
  ) {
    super(file, lines, new YamlTree(doc, index));
  }
}

/** A `yaml` Document and its index. */
class YamlTree implements Tree {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly index: DocIndex,
  ) {}

  value(): unknown {
    // Aliases were bounded when the document was indexed; the library's own count (count ×
    // depth > 100) would refuse modest, legitimate reuse.
    return this.doc.toJS({ maxAliasCount: -1 });
  }

  rootStart(): number | undefined {
    return this.doc.contents?.range?.[0];
  }

  walk(path: Path): { node: Located | undefined; deepest: Located | undefined } {
    const { node, deepest } = this.nodes(path);
    return { node: node && located(node), deepest: deepest && located(deepest) };
  }

  keyStart(path: Path): number | undefined {
    const parent = this.nodes(path.slice(0, -1)).node;
    const pair = isMap(parent) ? this.index.pair(parent, String(path[path.length - 1])) : undefined;
    return pair && isScalar(pair.key) && pair.key.range ? pair.key.range[0] : undefined;
  }

  private nodes(path: Path): { node: Node | undefined; deepest: Node | undefined } {
    let node = this.index.deref(this.doc.contents as Node | null);
    let deepest = node;
    for (const segment of path) {
      if (isMap(node)) node = this.index.deref(this.index.pair(node, String(segment))?.value as Node | null | undefined);
      else if (isSeq(node) && typeof segment === 'number') node = this.index.deref(node.items[segment] as Node | undefined);
      else node = undefined;
      if (!node) return { node: undefined, deepest };
      deepest = node;
    }
    return { node, deepest };
  }
}

function located(node: Node): Located {
  const start = node.range?.[0];
  if (!isScalar(node) || !node.range) return { start };
  const type = node.type;
  const scalar = type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED' ? 'block' : type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? 'quoted' : 'plain';
  return { start, scalar };
}

/** A document from the fast reader. */
class FastTree implements Tree {
  constructor(private readonly fast: FastDoc) {}

  value(): unknown {
    return this.fast.value;
  }

  rootStart(): number {
    return this.fast.root.start;
  }

  walk(path: Path): { node: Located | undefined; deepest: Located | undefined } {
    const { node, deepest } = this.nodes(path);
    return { node: node && fastLocated(node), deepest: deepest && fastLocated(deepest) };
  }

  keyStart(path: Path): number | undefined {
    const parent = this.nodes(path.slice(0, -1)).node;
    return parent?.kind === 'map' ? parent.entries.get(String(path[path.length - 1]))?.keyStart : undefined;
  }

  private nodes(path: Path): { node: FastNode | undefined; deepest: FastNode | undefined } {
    let node: FastNode | undefined = this.fast.root;
    let deepest: FastNode = node;
    for (const segment of path) {
      if (node.kind === 'map') node = node.entries.get(String(segment))?.value;
      else if (node.kind === 'seq' && typeof segment === 'number') node = node.items[segment];
      else node = undefined;
      if (!node) return { node: undefined, deepest };
      deepest = node;
    }
    return { node, deepest };
  }
}

function fastLocated(node: FastNode): Located {
  return node.kind === 'scalar' ? { start: node.start, scalar: node.quoted ? 'quoted' : 'plain' } : { start: node.start };
}

/** Maps of more entries than this get a key index; smaller ones are scanned. */
const INDEXED_MAP = 8;

/** Lookups into one document: map entries by key (as `toJS` names them) and aliases resolved. */
export class DocIndex {
  private readonly maps = new Map<YAMLMap, Map<string, Pair>>();
  private readonly aliases = new Map<Node, Node>();

  /** The entry of `map` whose key reads `key` in the JS value. */
  pair(map: YAMLMap, key: string): Pair | undefined {
    const indexed = this.maps.get(map);
    if (indexed) return indexed.get(key);
    for (const p of map.items) if (isPair(p) && jsKey(p.key) === key) return p;
    return undefined;
  }

  /** The node an alias stands for (itself for any other node). */
  deref(node: Node | null | undefined): Node | undefined {
    if (!node) return undefined;
    return isAlias(node) ? this.aliases.get(node) : node;
  }

  /** @internal used while indexing */
  setMap(map: YAMLMap, keys: Map<string, Pair>): void {
    this.maps.set(map, keys);
  }

  /** @internal used while indexing */
  setAlias(alias: Node, target: Node): void {
    this.aliases.set(alias, target);
  }
}

/** The property name `toJS` gives a scalar key; undefined for a collection or alias key. */
function jsKey(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (!isScalar(key)) return undefined;
  if (key.value === null) return '';
  return typeof key.value === 'object' ? undefined : String(key.value);
}

/** A problem found while indexing: where (an offset) and what. */
export interface IndexProblem {
  readonly offset: number;
  readonly message: string;
  readonly hint: string;
}

/**
 * One iterative walk over a document (no recursion, so any nesting is safe): builds the key
 * index of every large map and resolves every alias, and finds what must not load — a key that
 * `toJS` would merge with another (duplicates, including `1` and `"1"`), a key that is not a
 * plain value, nesting deeper than YAML_LIMITS.maxDepth (aliases expanded), an alias that
 * contains itself, and aliases that expand to more than YAML_LIMITS.maxAliasNodes nodes.
 */
export function indexDocument(doc: Document.Parsed): { index: DocIndex; problems: IndexProblem[] } {
  const index = new DocIndex();
  const problems: IndexProblem[] = [];
  const anchors = new Map<string, Node>();
  /** Size (nodes) and height (levels) with aliases expanded, of every node whose walk is complete. */
  const extent = new Map<Node, Extent>();
  const open = new Set<Node>();
  let aliasNodes = 0;
  let aliasLimitHit = false;
  let depthHit = false;

  type Extent = { size: number; height: number };
  type Frame = { node: Node; depth: number; children: Node[]; next: number; size: number; height: number };
  const stack: Frame[] = [];
  const LEAF: Extent = { size: 1, height: 1 };
  const offsetOf = (n: Node | null | undefined, fallback = 0): number => n?.range?.[0] ?? fallback;
  const tooDeep = (offset: number, message = `YAML: nesting deeper than ${YAML_LIMITS.maxDepth} levels`): void => {
    if (!depthHit) problems.push({ offset, message, hint: 'a policy document nests a few levels; flatten it' });
    depthHit = true;
  };

  /** Visits `node`: returns its extent at once (scalars, aliases) or pushes a frame (collections). */
  const enter = (node: Node | null | undefined, depth: number, parentOffset: number): Extent | undefined => {
    if (!node) return LEAF;
    if (isAlias(node)) {
      const at = offsetOf(node, parentOffset);
      const target = anchors.get(node.source);
      if (!target) {
        problems.push({ offset: at, message: `YAML: alias *${node.source} has no anchor &${node.source} before it`, hint: `define &${node.source} first, or write the value out` });
        return LEAF;
      }
      index.setAlias(node, target);
      if (open.has(target)) {
        problems.push({ offset: at, message: `YAML: alias *${node.source} refers to a node that contains it`, hint: 'a policy document cannot be recursive; write the value out' });
        return LEAF;
      }
      const e = extent.get(target) ?? LEAF;
      // Expanded in place, the alias's value nests below `depth` as deep as its anchor does.
      if (depth + e.height - 1 > YAML_LIMITS.maxDepth) tooDeep(at, `YAML: alias *${node.source} nests deeper than ${YAML_LIMITS.maxDepth} levels where it is used`);
      aliasNodes += e.size;
      if (aliasNodes > YAML_LIMITS.maxAliasNodes && !aliasLimitHit) {
        aliasLimitHit = true;
        problems.push({ offset: at, message: `YAML: aliases expand to more than ${YAML_LIMITS.maxAliasNodes} nodes`, hint: 'write the values out instead of nesting aliases (an alias bomb is refused)' });
      }
      return e;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      extent.set(node, LEAF);
      return LEAF;
    }
    if (depth > YAML_LIMITS.maxDepth) {
      tooDeep(offsetOf(node, parentOffset));
      extent.set(node, LEAF);
      return LEAF;
    }
    const children: Node[] = [];
    if (isMap(node)) {
      const keys = node.items.length > INDEXED_MAP ? new Map<string, Pair>() : undefined;
      const seen = keys ?? new Map<string, Pair>();
      for (const pair of node.items) {
        const key = jsKey(pair.key);
        if (key === undefined) {
          problems.push({ offset: offsetOf(pair.key as Node, offsetOf(node)), message: 'YAML: a map key must be a plain value', hint: 'write the key as a string' });
        } else if (seen.has(key)) {
          problems.push({ offset: offsetOf(pair.key as Node, offsetOf(node)), message: 'YAML: Map keys must be unique', hint: 'fix the YAML syntax' });
        } else seen.set(key, pair);
        children.push(pair.key as Node, pair.value as Node);
      }
      if (keys) index.setMap(node, keys);
    } else if (isSeq(node)) {
      for (const item of node.items) children.push(item as Node);
    }
    open.add(node);
    stack.push({ node, depth, children, next: 0, size: 1, height: 1 });
    return undefined;
  };

  const add = (frame: Frame, e: Extent): void => {
    frame.size += e.size;
    frame.height = Math.max(frame.height, e.height + 1);
  };
  enter(doc.contents as Node | null, 1, 0);
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.children.length) {
      const e = enter(frame.children[frame.next++], frame.depth + 1, offsetOf(frame.node));
      if (e) add(frame, e);
      continue;
    }
    stack.pop();
    open.delete(frame.node);
    const e = { size: frame.size, height: frame.height };
    extent.set(frame.node, e);
    const parent = stack[stack.length - 1];
    if (parent) add(parent, e);
  }
  return { index, problems };
}

/** A UTF-8 byte order mark, which editors do not count as a column. */
const BOM = '\uFEFF';

/**
 * Reads one policy file: with the fast reader (fast-yaml.ts) when the file keeps to its plain
 * subset, else with `parseYamlFile`. Both give the same value and positions; only `yaml` reports
 * problems.
 */
export function readYamlFile(file: string, text: string, diags: Diagnostics): SourceDoc[] {
  const fast = readFast(normalise(text));
  return fast ? [SourceDoc.fromFast(file, fast)] : parseYamlFile(file, text, diags);
}

/** The text without a leading byte order mark, its line breaks `\n`. */
function normalise(text: string): string {
  return (text.startsWith(BOM) ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/**
 * Parses every document of one file; YAML syntax errors become diagnostics with positions.
 * A leading byte order mark is dropped and line breaks are read as `\n` (CRLF and CR alike), so
 * a file saved on Windows gives the same model and the same `line:col` as on Linux.
 */
export function parseYamlFile(file: string, text: string, diags: Diagnostics): YamlSourceDoc[] {
  const normalised = normalise(text);
  const lines = new (yaml().LineCounter)();
  // uniqueKeys: false — the library's own check scans every earlier key of the map (quadratic);
  // indexDocument finds duplicates in one pass, with the keys as toJS will name them.
  const docs = yaml().parseAllDocuments(normalised, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: YamlSourceDoc[] = [];
  for (const doc of docs) {
    let ok = doc.errors.length === 0;
    const at = (offset: number): SourcePos => {
      const { line, col } = lines.linePos(offset);
      return { file, line, col };
    };
    for (const e of doc.errors) {
      const deep = e.code === 'RESOURCE_EXHAUSTION';
      diags.error(
        'yaml-syntax',
        deep ? `YAML: nesting deeper than this parser can follow` : `YAML: ${firstLine(e.message)}`,
        at(e.pos[0]),
        deep ? 'a policy document nests a few levels; flatten it' : 'fix the YAML syntax',
      );
    }
    if (!ok || isEmptyDocument(doc)) continue;
    const { index, problems } = indexDocument(doc);
    for (const p of problems) diags.error('yaml-syntax', p.message, at(p.offset), p.hint);
    ok = problems.length === 0;
    if (ok) out.push(new YamlSourceDoc(file, doc, lines, index));
  }
  return out;
}

/** Nothing between two `---` (or after the last one): no content at all, not even `~`. */
function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null && c.source === '');
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
