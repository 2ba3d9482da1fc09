import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Diagnostics, formatPos } from '../../src/config/diagnostics.js';
import { loadFromFiles } from '../../src/config/load.js';
import { parseYamlFile, YAML_LIMITS } from '../../src/config/source.js';
import type { YAMLMap } from 'yaml';
import { append, BASE, replace, seen, validateFixture, withFile } from '../support/repo-fixture.js';

/**
 * Issue 8, items 10 and 12 and the YAML side of 11: a hostile YAML file ends in positioned
 * diagnostics — never a ReferenceError, a stack overflow or a run that does not finish — and a
 * key that would silently replace another is an error.
 */

const bomb = (levels: number) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `kind: AccessTests\n${lines.join('\n')}\ntests: []\n`;
};

describe('alias bombs', () => {
  it('"billion laughs" is a positioned diagnostic, not "Excessive alias count"', () => {
    const result = validateFixture(withFile(BASE, 'bomb.yaml', bomb(9)));
    // Aliases up to a3 add 12 330 nodes; each *a3 in a4 adds 11 111: the 8th crosses 100 000.
    expect(result.diagnostics.errors.map(seen)).toEqual([
      {
        severity: 'error',
        code: 'yaml-syntax',
        at: 'bomb.yaml:6:45',
        message: `YAML: aliases expand to more than ${YAML_LIMITS.maxAliasNodes} nodes`,
        hint: 'write the values out instead of nesting aliases (an alias bomb is refused)',
      },
    ]);
    expect(result.model).toBeUndefined();
  });

  it('reports at the alias that crosses the limit', () => {
    const diags = new Diagnostics();
    const text = bomb(12);
    parseYamlFile('bomb.yaml', text, diags);
    const at = diags.errors[0]!.at!;
    const line = text.split('\n')[at.line - 1]!;
    expect(line.slice(at.col - 1, at.col + 2)).toMatch(/^\*a\d/);
  });

  it('an alias inside its own anchor (a recursive document) is refused', () => {
    const diags = new Diagnostics();
    expect(parseYamlFile('r.yaml', 'kind: AccessTests\ntests: &t [*t]\n', diags)).toEqual([]);
    expect(diags.errors.map(seen)).toEqual([
      { severity: 'error', code: 'yaml-syntax', at: 'r.yaml:2:12', message: 'YAML: alias *t refers to a node that contains it', hint: 'a policy document cannot be recursive; write the value out' },
    ]);
  });

  it('modest alias reuse still loads, with positions of the anchor', () => {
    const fixture = replace(
      replace(BASE, 'global.yaml', 'exempt: [privacy_officers] }', 'exempt: &officers [privacy_officers] }'),
      'global.yaml',
      `allow: "user.clearance = 'high'" }`,
      `allow: "user.clearance = 'high'", exempt: *officers }`,
    );
    const result = validateFixture(fixture);
    expect(result.diagnostics.errors).toEqual([]);
    const restricted = result.model!.globalPolicies.find((p) => p.name === 'restricted-rows')!;
    expect(restricted.exempt.map((r) => [r.name, formatPos(r.at)])).toEqual([['privacy_officers', 'global.yaml:4:77']]);
  });

  it('many aliases of one small anchor (beyond the library default of 100) load', () => {
    const groups = Array.from({ length: 300 }, (_, i) => `  g${i}: { member_of: *base }`).join('\n');
    const fixture = append(BASE, 'principals.yaml', `  base_group: { member_of: &base [sales_analysts] }`, groups);
    const result = validateFixture(fixture);
    expect(result.diagnostics.errors).toEqual([]);
    expect(result.model!.groups.get('g299')!.memberOf.map((r) => r.name)).toEqual(['sales_analysts']);
  });
});

describe('nesting', () => {
  it(`a document nested deeper than ${YAML_LIMITS.maxDepth} levels is a diagnostic`, () => {
    const depth = YAML_LIMITS.maxDepth + 1;
    const result = validateFixture(withFile(BASE, 'deep.yaml', `kind: AccessTests\ntests: ${'['.repeat(depth)}${']'.repeat(depth)}\n`));
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'yaml-syntax', at: `deep.yaml:2:${8 + YAML_LIMITS.maxDepth - 1}`, message: `YAML: nesting deeper than ${YAML_LIMITS.maxDepth} levels`, hint: 'a policy document nests a few levels; flatten it' },
    ]);
  });

  it.each([1_000, 20_000, 200_000])('%i levels of [ are a positioned diagnostic, never a stack overflow', (depth) => {
    const result = validateFixture(withFile(BASE, 'deep.yaml', `kind: AccessTests\ntests: ${'['.repeat(depth)}${']'.repeat(depth)}\n`));
    expect(result.diagnostics.errors.length).toBeGreaterThan(0);
    for (const d of result.diagnostics.errors) expect(formatPos(d.at)).toMatch(/^deep\.yaml:\d+:\d+$/);
    expect(result.model).toBeUndefined();
  });

  it('aliases cannot build depth: an anchor 40 deep used 40 deep is refused at the alias', () => {
    const anchor = `${'['.repeat(40)}x${']'.repeat(40)}`;
    const text = `kind: AccessTests\na: &deep ${anchor}\ntests: ${'['.repeat(40)}*deep${']'.repeat(40)}\n`;
    const diags = new Diagnostics();
    expect(parseYamlFile('d.yaml', text, diags)).toEqual([]);
    expect(diags.errors.map(seen)).toEqual([
      { severity: 'error', code: 'yaml-syntax', at: 'd.yaml:3:48', message: `YAML: alias *deep nests deeper than ${YAML_LIMITS.maxDepth} levels where it is used`, hint: 'a policy document nests a few levels; flatten it' },
    ]);
  });

  it('a chain of anchors, each nesting the last, stays bounded (no stack overflow in toJS or zod)', () => {
    const lines = ['kind: AccessTests', `a0: &a0 ${'['.repeat(30)}x${']'.repeat(30)}`];
    for (let i = 1; i < 50; i++) lines.push(`a${i}: &a${i} ${'['.repeat(30)}*a${i - 1}${']'.repeat(30)}`);
    const result = validateFixture(withFile(BASE, 'chain.yaml', `${lines.join('\n')}\ntests: []\n`));
    expect(result.diagnostics.errors.map((d) => `${d.code} ${formatPos(d.at)}`)).toEqual(['yaml-syntax chain.yaml:4:39']);
  });

  it('deep block mappings are a positioned diagnostic', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}k:`);
    const result = validateFixture(withFile(BASE, 'deep.yaml', `kind: AccessTests\ntests:\n${lines.map((l) => ` ${l}`).join('\n')} 1\n`));
    expect(result.diagnostics.errors.map((d) => d.code)).toEqual(['yaml-syntax']);
  });
});

describe('keys that would replace another', () => {
  it.each<[string, string, string]>([
    ['the same key twice', '  sales_analysts: {}', 'principals.yaml:11:3'],
    ['1 and "1" (both the JS property "1")', '  1: {}\n  "1": {}', 'principals.yaml:12:3'],
    ['~ and null (both "")', '  ~: {}\n  null: {}', 'principals.yaml:12:3'],
  ])('%s is an error at the second key', (_, extra, at) => {
    const result = validateFixture(append(BASE, 'principals.yaml', extra));
    expect(result.diagnostics.errors.map(seen)).toEqual([{ severity: 'error', code: 'yaml-syntax', at, message: 'YAML: Map keys must be unique', hint: 'fix the YAML syntax' }]);
    expect(result.model).toBeUndefined();
  });

  it('a duplicate key in a map of more than 8 entries (the indexed path) is found too', () => {
    const many = Array.from({ length: 20 }, (_, i) => `  extra_${i}: {}`).join('\n');
    const result = validateFixture(append(BASE, 'principals.yaml', many, '  extra_3: {}'));
    expect(result.diagnostics.errors.map((d) => formatPos(d.at))).toEqual(['principals.yaml:31:3']);
  });

  it('a collection as a key is refused', () => {
    const result = validateFixture(append(BASE, 'principals.yaml', '  ? [a, b]\n  : {}'));
    expect(result.diagnostics.errors.map(seen)).toEqual([{ severity: 'error', code: 'yaml-syntax', at: 'principals.yaml:11:5', message: 'YAML: a map key must be a plain value', hint: 'write the key as a string' }]);
  });
});

describe('positions are found without scanning (issue 8, item 12)', () => {
  const principals = (n: number, offset = 0) =>
    `kind: Principals\ngroups:\n${Array.from({ length: n }, (_, i) => `  g${i + offset}: { member_of: [g0], attributes: { region: [EMEA] } }`).join('\n')}\n`;

  it('the position of the last of 12 000 groups is exact', () => {
    const result = loadFromFiles('/virtual', [...BASE.files.filter((f) => f.path !== 'principals.yaml'), { path: 'principals.yaml', text: principals(12_000) }]);
    const g = result.model!.groups.get('g11999')!;
    expect(formatPos(g.at)).toBe('principals.yaml:12002:3');
    expect(formatPos(g.memberOf[0]!.at)).toBe('principals.yaml:12002:25');
  });

  it('a lookup in a large map never scans its entries (the quadratic search this replaces did, once per key)', () => {
    const n = 2_000;
    const [source] = parseYamlFile('principals.yaml', principals(n), new Diagnostics());
    const groups = (source!.doc.contents as YAMLMap).items[1]!.value as YAMLMap;
    const items = groups.items;
    let scans = 0;
    Object.defineProperty(groups, 'items', { get: () => (scans++, items) });
    for (let i = 0; i < n; i++) {
      source!.keyPos(['groups', `g${i}`]);
      source!.pos(['groups', `g${i}`, 'member_of', 0]);
      source!.keyPos(['groups', `g${i}`, 'attributes', 'region']);
    }
    expect(formatPos(source!.keyPos(['groups', `g${n - 1}`]))).toBe(`principals.yaml:${n + 2}:3`);
    expect(scans).toBe(0);
  });
});

describe('random YAML never throws', () => {
  const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constantFrom('~', 'null', '*a', '&a x', '[', '{', ': ', '- ', '"', "'", '\t', '\\0', '\u0000'));
  const token = fc.oneof(scalar, fc.constantFrom('\n', '\n  ', '\n    ', '---\n', '&a ', '*a', '&b [', ']', '{', '}', ', ', ': ', '- ', '? ', '!!str ', '%YAML 1.1\n', '\r\n', '\uFEFF'));
  const text = fc.array(token, { maxLength: 60 }).map((t) => t.join(''));

  it('parseYamlFile: documents or positioned diagnostics', () => {
    fc.assert(
      fc.property(text, (t) => {
        const diags = new Diagnostics();
        const docs = parseYamlFile('r.yaml', t, diags);
        for (const d of diags.items) expect(formatPos(d.at)).toMatch(/^r\.yaml:\d+:\d+$/);
        for (const doc of docs) doc.doc.toJS({ maxAliasCount: -1 });
      }),
      { numRuns: 400 },
    );
  });

  it('a whole repository with a random file: a model or positioned errors, never a throw', () => {
    fc.assert(
      fc.property(text, (t) => {
        const result = validateFixture(withFile(BASE, 'random.yaml', `kind: AccessTests\ntests:\n${t}`));
        for (const d of result.diagnostics.errors) expect(formatPos(d.at), d.message).toMatch(/^\w+\.yaml:\d+:\d+$|^domains\/\w+\.yaml:\d+:\d+$/);
        if (!result.diagnostics.hasErrors) expect(result.resolved).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });

  it('random deep nesting of flow and block collections, with aliases', () => {
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'large', maxDepth: 120 },
        fc.constantFrom('x', '*a', '1'),
        tie('node').map((n) => `[${n}, ${n}]`),
        tie('node').map((n) => `{k: ${n}}`),
        tie('node').map((n) => `&a [${n}]`),
      ),
    })).node;
    fc.assert(
      fc.property(node, (n) => {
        const diags = new Diagnostics();
        const docs = parseYamlFile('n.yaml', `v: ${n}\n`, diags);
        expect(docs.length + diags.errors.length).toBeGreaterThan(0);
        for (const doc of docs) doc.doc.toJS({ maxAliasCount: -1 });
      }),
      { numRuns: 200 },
    );
  });
});
