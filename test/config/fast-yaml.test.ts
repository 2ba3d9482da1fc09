import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Diagnostics, formatPos } from '../../src/config/diagnostics.js';
import { readFast } from '../../src/config/fast-yaml.js';
import { listPolicyFiles } from '../../src/config/load.js';
import { parseYamlFile, readYamlFile, SourceDoc, type Path } from '../../src/config/source.js';

/**
 * Issue 10: the fast reader (fast-yaml.ts) must give what the `yaml` package gives — the same
 * value and the same `file:line:col` for every path — for every text it accepts, and must leave
 * to `yaml` everything else (errors above all: only `yaml` reports them).
 */

/** Every path into a value, the paths of its entries' keys included, plus a few that do not exist. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix, [...prefix, 'missing'], [...prefix, 7]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Checks that an accepted text reads as `yaml` reads it; returns whether the fast reader accepted it. */
function agrees(text: string): boolean {
  const fast = readFast(text);
  if (!fast) return false;
  const diags = new Diagnostics();
  const docs = parseYamlFile('f.yaml', text, diags);
  expect(diags.items.map((d) => d.message), text).toEqual([]);
  expect(docs.length, text).toBe(1);
  const slow = docs[0]!;
  const value = slow.doc.toJS({ maxAliasCount: -1 });
  expect(fast.value, text).toStrictEqual(value);
  expect(JSON.stringify(fast.value), text).toBe(JSON.stringify(value)); // key order too
  const quick = SourceDoc.fromFast('f.yaml', fast);
  for (const p of paths(value)) {
    for (const f of ['pos', 'keyPos'] as const) expect(formatPos(quick[f](p)), `${f} ${JSON.stringify(p)} in\n${text}`).toBe(formatPos(slow[f](p)));
    for (const o of [0, 2]) expect(formatPos(quick.textPos(p, o)), `textPos ${JSON.stringify(p)} in\n${text}`).toBe(formatPos(slow.textPos(p, o)));
  }
  return true;
}

const ACCEPTED = [
  'kind: Domain\nname: d0\nowners: [d0_leads]\nschemas: [wh.s0]\ntables:\n  wh.s0.t0:\n    tags: { sensitivity: restricted }\n    columns:\n      salary: { finance: salary }\n',
  '# leading comment\n\nkind: Principals   # trailing\ngroups:\n  # inside\n  g1: {}\n  g2: { member_of: [g1], attributes: { region: [EMEA, AMER], level: 3 } }\n',
  'kind: GlobalPolicies\npolicies:\n- name: p\n  mask: { tags: { pii: email }, method: redact }\n-   name: q\n    row_filter:\n      allow: "region IN user.region"\n      exempt: [a, b]\n',
  "a:\n  - x\n  - 'y z'\n  - [1, 0, true, null, False]\n  - { \"q k\": 'v', k2: \"w\" }\n  - - nested\n    - seq\nb: value with spaces, commas [and] brackets\nc: a:b\nd: x#y\n",
  'k: ${env:PG_URL}\nl: "text # not a comment"\nm: /path/to\n"quoted key": 1\n\'single\': 2\n',
  'top:\n  deep:\n    deeper:\n      deepest: [[], {}, [{}], {a: []}]\n',
];

const REFUSED = [
  '', '# only a comment\n', '---\nkind: A\n', 'kind: A\n---\nkind: B\n', '%YAML 1.2\n---\nk: v\n', 'k: v\n...\n',
  'a: &x 1\nb: *x\n', 'k: !!str 1\n', 'k: |\n  text\n', 'k: >\n  text\n', 'k: "a\\nb"\n', "k: 'it''s'\n",
  'k: v\nk: w\n', 'k:\n', 'k:\nl: 1\n', 'k: 1.5\n', 'k: -1\n', 'k: 0x10\n', 'k: 007\n', 'k: .inf\n', 'k: ~\n',
  'k: a\n  continued\n', 'k: [a,\n  b]\n', 'k: { a: b, }\n', 'k: [a, ]\n', 'k: { a: b # c\n}\n', 'k : v\n',
  '1: v\n', 'true: v\n', 'k: a: b\n', '- a\n- b\n', 'scalar\n', '  indented: v\n', 'k:\tv\n', 'k: v\u0085\n',
  '__proto__: v\n', 'k: {a}\n', 'k: {a:b}\n', 'k: [a: b]\n', '? k\n: v\n', 'k: "unclosed\n', 'k:\n  - a\n   - b\n',
  'a:\n  b: 1\n c: 2\n', 'k: - a\n', 'k: @x\n', 'k: `x\n', 'k: *\n', 'k: "a" b\n', 'k: [a] b\n', 'k: [a]#c\n', "k: 'a'#c\n",
];

describe('fast YAML reader', () => {
  it('reads the plain subset as yaml does, values and positions', () => {
    for (const text of ACCEPTED) expect(agrees(text), text).toBe(true);
  });

  it('leaves everything else to yaml', () => {
    for (const text of REFUSED) expect(readFast(text), JSON.stringify(text)).toBeUndefined();
  });

  it('reads every file of the example repository as yaml does', () => {
    const root = join(__dirname, '..', '..', 'policies');
    for (const file of listPolicyFiles(root)) {
      const text = readFileSync(join(root, file), 'utf8').replace(/\r\n?/g, '\n');
      expect(agrees(text), file).toBe(true);
    }
  });

  it('readYamlFile falls back to yaml, which reports the error with its position', () => {
    const diags = new Diagnostics();
    expect(readYamlFile('e.yaml', 'k: v\nk: w\n', diags)).toEqual([]);
    expect(diags.errors.map((d) => `${formatPos(d.at)} ${d.message}`)).toEqual(['e.yaml:2:1 YAML: Map keys must be unique']);
  });

  /** Random documents in the subset's styles, then random edits: whatever is accepted agrees with yaml. */
  const key = fc.constantFrom('a', 'b', 'kind', 'wh.s0.t0', 'x y', 'k', '"q k"', "'s'", '${env:X}', 'a:b', 'x#y', 'null', '12');
  const word = fc.constantFrom('a', 'b', 'c', 'wh.s0.t0', 'x y', 'v', 'EMEA', 'k', '"q"', "'s'", '"a b"', "'c, d'", 'x#y', 'a:b', '${env:X}', '/p', '0', '12', '""',
    'null', 'True', 'FALSE', '007', '1.5', '-1', 'a #b', '~', '[e]', '{}', '[]');
  const tree: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 4 },
      word,
      fc.array(tie('node'), { maxLength: 3 }),
      fc.array(fc.tuple(key, tie('node')), { maxLength: 3 }).map((e) => new Map(e)),
    ),
  })).node;
  /** Block style where `flow` is false and the collection is not empty (the result then starts with a line break). */
  const render = (node: unknown, indent: number, flow: boolean): string => {
    const pad = ' '.repeat(indent);
    const nested = (v: unknown, style: boolean): string => {
      const r = render(v, indent + 2, style);
      return r.startsWith('\n') ? r : ` ${r}`;
    };
    if (node instanceof Map) {
      if (flow || node.size === 0) return `{ ${[...node].map(([k, v]) => `${k}: ${render(v, 0, true)}`).join(', ')} }`;
      return '\n' + [...node].map(([k, v]) => `${pad}${k}:${nested(v, k.length % 2 === 0)}`).join('\n');
    }
    if (Array.isArray(node)) {
      if (flow || node.length === 0) return `[${node.map((v) => render(v, 0, true)).join(', ')}]`;
      return '\n' + node.map((v) => `${pad}- ${render(v, 0, true)}`).join('\n');
    }
    return String(node);
  };
  const doc = fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 4 }).map((entries) => `kind: X${render(new Map(entries), 0, false)}\n`);
  const edit = fc.tuple(fc.nat(), fc.constantFrom(' ', '  ', '\n', '\n  ', ':', ': ', '- ', '#', ' #', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '\t', '---\n', 'x', ''), fc.nat({ max: 3 }));

  it('random documents: accepted means read as yaml reads it', () => {
    let accepted = 0;
    fc.assert(
      fc.property(doc, (text) => {
        if (agrees(text)) accepted++;
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(100); // the property is not vacuous
  });

  it('random edits of random documents: accepted means read as yaml reads it', () => {
    let accepted = 0;
    fc.assert(
      fc.property(doc, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => {
        for (const [at, insert, cut] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + cut);
        }
        if (agrees(text)) accepted++;
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(20); // the property is not vacuous (about 5 % are accepted)
  });
});
