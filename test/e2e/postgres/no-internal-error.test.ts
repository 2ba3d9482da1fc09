import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileName } from '../../fixtures/hostile-names.js';
import { runInProcess, type InProcessResult } from '../../support/cli-inprocess.js';

/**
 * Issue 8: no command ever prints "internal error" or a stack trace for anything a user can do.
 * Every command runs over every hostile input of the issue — broken repositories (alias bombs,
 * deep nesting, NUL in a name, over-long configured names, links leaving the repository, loops,
 * non-UTF-8), bad option values, hostile `query --as` SQL, plan files that are not plans — and
 * must end with a message: exit 0, 1 or 2, never a crash.
 */

const STACK = /\n\s+at [^\n]+:\d+:\d+|internal error|TypeError|RangeError|ReferenceError|SyntaxError: /;

function expectClean(r: InProcessResult, what: string): void {
  expect([0, 1, 2], `${what}: exit code ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stdout + r.stderr, what).not.toMatch(STACK);
}

const base = mkdtempSync(join(tmpdir(), 'mw-no-internal-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A copy of the example repository with one hostile edit. */
function repo(name: string, edit: (dir: string) => void): string {
  const dir = join(base, name);
  cpSync('policies', dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
  edit(dir);
  return dir;
}

const append = (dir: string, file: string, text: string) => writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8') + text);
const replace = (dir: string, file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(join(dir, file), 'utf8');
  const next = text.replace(from, () => to);
  if (next === text) throw new Error(`${file}: ${String(from)} not found`);
  writeFileSync(join(dir, file), next);
};

const BROKEN: Record<string, (dir: string) => void> = {
  'alias bomb': (d) => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    writeFileSync(join(d, 'bomb.yaml'), `kind: AccessTests\n${lines.join('\n')}\ntests: []\n`);
  },
  'deeply nested allow': (d) =>
    append(d, 'global.yaml', `  - name: deep\n    row_filter: { tables_tagged: { sensitivity: restricted }, allow: "${'('.repeat(10_000)}TRUE${')'.repeat(10_000)}" }\n`),
  'deeply nested yaml': (d) => writeFileSync(join(d, 'deep.yaml'), `kind: AccessTests\ntests: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`),
  'NUL in a group name': (d) => replace(d, 'principals.yaml', /^groups:\n/m, 'groups:\n  "bad\\0name": {}\n'),
  'governance_schema over 63 bytes': (d) => replace(d, 'meshward.yaml', /type: postgres\n/, `type: postgres\n    governance_schema: ${'g'.repeat(70)}\n`),
  'a link leaving the repository': (d) => {
    writeFileSync(join(base, 'outside.yaml'), 'kind: AccessTests\ntests: []\n');
    symlinkSync(join(base, 'outside.yaml'), join(d, 'outside.yaml'));
  },
  'a link loop': (d) => {
    mkdirSync(join(d, 'loop'));
    symlinkSync('..', join(d, 'loop', 'up'));
  },
  'a dangling link': (d) => symlinkSync(join(d, 'nowhere.yaml'), join(d, 'dangling.yaml')),
  'a file that is not UTF-8': (d) => writeFileSync(join(d, 'latin1.yaml'), Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0x0a])),
  'a document without kind': (d) => writeFileSync(join(d, 'nokind.yaml'), 'tests: []\n'),
};

const MODEL_COMMANDS: string[][] = [
  ['validate'],
  ['explain', '--group', 'sales_analysts'],
  ['explain', '--table', 'analytics.sales.customers'],
  ['compile'],
  ['test'],
  ['plan'],
  ['apply', '--yes'],
  ['drift'],
  ['inventory'],
  ['query', '--as', 'sales_analysts', 'SELECT 1'],
  ['audit'],
  ['audit', '--verify'],
  ['unlock'],
];

describe('no command crashes on a broken repository', () => {
  for (const [name, edit] of Object.entries(BROKEN)) {
    it(name, async () => {
      const dir = repo(name.replace(/\W+/g, '-'), edit);
      for (const args of MODEL_COMMANDS) {
        const r = await runInProcess([...args, '--dir', dir]);
        expectClean(r, `${name}: meshward ${args.join(' ')}`);
        // a repository that does not load never reaches the target
        if (!['audit', 'unlock'].includes(args[0]!)) expect(r.code, `${name}: meshward ${args.join(' ')}\n${r.stderr}`).toBe(1);
      }
    }, 120_000);
  }
});

describe('no command crashes on bad options, plan files or SQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = repo('good', () => undefined);
    const r = await runInProcess(['plan', '--dir', dir]); // creates and bootstraps the embedded database once
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);

  const cases: [string, string[]][] = [
    ['apply a missing plan file', ['apply', '$DIR/missing.json']],
    ['apply a file that is not JSON', ['apply', '$DIR/principals.yaml']],
    ['apply a JSON file that is not a plan', ['apply', '$DIR/inventory.json']],
    ['--lock-timeout abc', ['apply', '--yes', '--lock-timeout', 'abc']],
    ['--lock-budget x', ['apply', '--yes', '--lock-budget', 'x']],
    ['--allow-hazard of an unknown code', ['apply', '--yes', '--allow-hazard', 'NOPE', '--lock-timeout', '-1']],
    ['plan --out into a missing directory', ['plan', '--out', '$DIR/no/such/dir/p.json']],
    ['test --target before any apply', ['test', '--target', 'local']],
    ['query: RESET ROLE then a read', ['query', '--as', 'sales_analysts', 'RESET ROLE; SELECT email FROM analytics.sales.customers']],
    ['query: COMMIT', ['query', '--as', 'sales_analysts', 'COMMIT']],
    ['query: GRANT', ['query', '--as', 'sales_analysts', 'GRANT SELECT ON analytics.sales.customers TO PUBLIC']],
    ['query: empty', ['query', '--as', 'sales_analysts', '']],
    ['query: two statements', ['query', '--as', 'sales_analysts', 'SELECT 1; SELECT 2']],
    ['query: not SQL', ['query', '--as', 'sales_analysts', 'this is not sql at all $$ ']],
    ['query: set_config role', ['query', '--as', 'sales_analysts', "SELECT set_config('role', 'postgres', false)"]],
    ['query as an unknown group', ['query', '--as', 'no_such_group', 'SELECT 1']],
    ['query without --as', ['query', 'SELECT 1']],
    ['explain an unknown group', ['explain', '--group', 'no_such_group']],
    ['explain an unknown table', ['explain', '--table', 'analytics.nope.nothing']],
    ['drift --format nope', ['drift', '--format', 'nope']],
    ['an unknown target', ['plan', '--target', 'nope']],
    ['audit --since not-a-date', ['audit', '--since', 'not-a-date']],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['plan', '--frobnicate']],
  ];

  for (const [name, args] of cases) {
    it(name, async () => {
      const r = await runInProcess([...args.map((a) => a.replace('$DIR', dir)), '--dir', dir]);
      expectClean(r, `meshward ${args.join(' ')}`);
      expect(r.code, `meshward ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr.trim().length, `meshward ${args.join(' ')} says why`).toBeGreaterThan(0);
    }, 120_000);
  }
});

/**
 * The generated inputs of the loader, parser and name tests, through the CLI: random YAML text,
 * random row-filter expressions and hostile group names, each written into a copy of the example
 * and run through the commands that stop before connecting. Every run ends in a message (exit 0
 * or 1), never a crash; every error names its file, line and column.
 */
describe('no command crashes on generated input', () => {
  const COMMANDS: string[][] = [['validate'], ['explain', '--table', 'analytics.sales.orders'], ['compile']];
  const POSITIONED = /^(?:\S+\.yaml):\d+:\d+: /;

  async function expectCleanRun(dir: string, what: string): Promise<void> {
    for (const args of COMMANDS) {
      const r = await runInProcess([...args, '--dir', dir]);
      expectClean(r, `${what}: meshward ${args.join(' ')}`);
      expect([0, 1], `${what}: meshward ${args.join(' ')}\n${r.stderr}`).toContain(r.code);
      for (const line of r.stderr.split('\n').filter((l) => /: error|^[^\s✗✓].*\.yaml:/.test(l))) expect(line, what).toMatch(POSITIONED);
    }
  }

  const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constantFrom('~', 'null', '*a', '&a x', '[', '{', ': ', '- ', '"', "'", '\t', '\\0'));
  const token = fc.oneof(scalar, fc.constantFrom('\n', '\n  ', '\n    ', '---\n', '&a ', '*a', '&b [', ']', '{', '}', ', ', ': ', '- ', '? ', '!!str ', '\r\n', '\uFEFF'));
  const yamlText = fc.array(token, { maxLength: 50 }).map((t) => t.join(''));
  const exprToken = fc.constantFrom('(', ')', 'NOT ', ' AND ', ' OR ', 'region', 'amount', ' IN ', 'user.region', " 'EMEA'", ' = ', ' <> ', ' > ', '1', '2.5', 'NULL', ' IS ', 'TRUE', ',', "'a''b'", '"x"', '\\', '$1');
  const expr = fc.oneof(fc.array(exprToken, { maxLength: 30 }).map((t) => t.join('')), fc.integer({ min: 1, max: 3000 }).map((n) => `${'('.repeat(n)}TRUE${')'.repeat(n)}`));

  /** A copy of the example where `write` puts one generated value; every value through the commands. */
  function generatedCase<T>(name: string, arb: fc.Arbitrary<T>, write: (dir: string, value: T) => void, what: (value: T) => string): void {
    it(name, async () => {
      const dir = repo(`gen-${name.replace(/\W+/g, '-')}`, () => undefined);
      await fc.assert(
        fc.asyncProperty(arb, async (value) => {
          write(dir, value);
          await expectCleanRun(dir, what(value));
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  }

  generatedCase('random YAML in a policy file', yamlText, (dir, t) => writeFileSync(join(dir, 'random.yaml'), `kind: AccessTests\ntests:\n${t}`), (t) => JSON.stringify(t));

  const global = readFileSync(join('policies', 'global.yaml'), 'utf8');
  generatedCase(
    'random row-filter expressions',
    expr,
    (dir, e) => writeFileSync(join(dir, 'global.yaml'), `${global}  - name: generated\n    row_filter: { tables_tagged: { sensitivity: restricted }, allow: ${JSON.stringify(e)} }\n`),
    (e) => JSON.stringify(e.slice(0, 200)),
  );

  const principals = readFileSync(join('policies', 'principals.yaml'), 'utf8');
  generatedCase(
    'hostile group names',
    fc.oneof(hostileName(80), fc.string({ maxLength: 20 })),
    (dir, name) => writeFileSync(join(dir, 'principals.yaml'), principals.replace(/^groups:\n/m, () => `groups:\n  ${JSON.stringify(name)}: { member_of: [employees] }\n`)),
    (name) => JSON.stringify(name),
  );
});
