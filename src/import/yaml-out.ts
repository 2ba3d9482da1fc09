import YAML from 'yaml';

/**
 * YAML for people: block style, with short lists and small leaf maps in flow style
 * (`exempt: [privacy_officers]`, `tags: { pii: email }`), comments where a reviewer needs them,
 * no line folding (a long `allow` stays on one line). Quoting is the library's: any name from
 * the catalog is written so that it reads back to the same string.
 */

export interface Comments {
  /** Lines above the document. */
  readonly header?: readonly string[];
  /** Lines below the document. */
  readonly footer?: readonly string[];
  /** Lines above a key, by its path from the document root. */
  readonly before?: readonly { readonly path: readonly (string | number)[]; readonly lines: readonly string[] }[];
}

export function yamlText(value: Record<string, unknown>, comments: Comments = {}): string {
  const doc = new YAML.Document(value);
  YAML.visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => YAML.isScalar(i))) node.flow = true;
    },
  });
  YAML.visit(doc, {
    Map(_, node, path) {
      const collections = path.filter((p) => YAML.isMap(p) || YAML.isSeq(p));
      // leaf maps deep in the document, never a list item (grants, policies stay in block style)
      if (collections.length < 2 || YAML.isSeq(collections[collections.length - 1]) || node.items.length > 4) return;
      if (!node.items.every((p) => YAML.isScalar(p.value) || (YAML.isSeq(p.value) && p.value.flow) || (YAML.isMap(p.value) && p.value.items.length === 0))) return;
      if (flatLength(node) <= 72) node.flow = true;
    },
  });
  for (const { path, lines } of comments.before ?? []) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (YAML.isMap(parent)) {
      const pair = parent.items.find((p) => (YAML.isScalar(p.key) ? p.key.value : p.key) === last);
      if (pair && YAML.isScalar(pair.key)) pair.key.commentBefore = commentText(lines);
    } else if (YAML.isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      if (item && (YAML.isMap(item) || YAML.isScalar(item))) item.commentBefore = commentText(lines);
    }
  }
  if (comments.header?.length) doc.commentBefore = commentText(comments.header);
  if (comments.footer?.length) doc.comment = commentText(comments.footer);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** About how long a leaf collection is on one line. */
function flatLength(node: unknown): number {
  if (YAML.isScalar(node)) return String(node.value).length + 2;
  if (YAML.isSeq(node)) return node.items.reduce((n: number, i) => n + flatLength(i), 2);
  if (YAML.isMap(node)) return node.items.reduce((n: number, p) => n + flatLength(p.key) + flatLength(p.value), 2);
  return 0;
}

/** Comment lines as the library wants them: each prefixed with a space, none containing a newline. */
function commentText(lines: readonly string[]): string {
  return lines.flatMap((l) => l.split('\n')).map((l) => (l === '' ? '' : ` ${l}`)).join('\n');
}
