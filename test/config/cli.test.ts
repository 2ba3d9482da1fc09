import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/cli-inprocess.js';

/** `meshward validate` as a person runs it (in-process, from the directory they are in) on a copy of policies/. */

const ROOT = join(import.meta.dirname, '..', '..');
const POLICIES = join(ROOT, 'policies');

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of policies/ (without engine data directories) in a fresh temp dir. */
function copyPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-cli-'));
  temps.push(dir);
  cpSync(POLICIES, dir, { recursive: true, filter: (src) => !src.slice(POLICIES.length).split(/[\\/]/).some((p) => p.startsWith('.')) });
  return dir;
}

/** Replaces the first `find` in a file and returns the 1-based line and column where `token` starts. */
function breakFile(dir: string, file: string, find: string, replacement: string, token: string): { line: number; col: number } {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(find);
  expect(at, `${find} in ${file}`).toBeGreaterThanOrEqual(0);
  const changed = text.slice(0, at) + replacement + text.slice(at + find.length);
  writeFileSync(path, changed);
  const offset = at + replacement.indexOf(token);
  const before = changed.slice(0, offset);
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}

/** In-process (runCli, as main.ts calls it), from `cwd`: the spawned CLI is covered by the first test. */
async function validate(dir: string, cwd = dir, ...extra: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await runInProcess(['validate', '--dir', dir, ...extra], { cwd });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

describe('meshward validate', () => {
  it('exits 0 on the example repository', async () => {
    const run = await validate('policies', ROOT);
    expect(run.stderr).not.toMatch(/^policies\/.*:\d+:\d+: (?!warning:)/m); // no error lines
    expect(run.stdout).toMatch(/^✓ valid · \d+ domains · \d+ governed tables/);
    expect(run.status).toBe(0);
  });

  it('a broken reference: exit 1, file:line:col: message; did-you-mean', async () => {
    const dir = copyPolicies();
    const { line, col } = breakFile(dir, 'domains/sales.yaml', 'groups: [sales_analysts,', 'groups: [sales_analyst,', 'sales_analyst,');
    const run = await validate(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`domains/sales.yaml:${line}:${col}: unknown group 'sales_analyst' in a grant of domain 'sales'; did you mean 'sales_analysts'?\n`);
    expect(run.stderr).toMatch(/✗ 1 error\b/);
    expect(run.stdout).toBe('');
  });

  it('every problem of the run, sorted by file then line', async () => {
    const dir = copyPolicies();
    // Broken in reverse order of how they are printed.
    const g = breakFile(dir, 'principals.yaml', 'member_of: [sales_analysts]', 'member_of: [sales_analyst]', 'sales_analyst]');
    const s2 = breakFile(dir, 'domains/sales.yaml', 'allow: "region IN user.region"', 'allow: "region IN user.regoin"', 'user.regoin');
    const s1 = breakFile(dir, 'domains/sales.yaml', 'owners: [sales_leads]', 'owners: [sales_lead]', 'sales_lead]');
    const f = breakFile(dir, 'domains/finance.yaml', 'tags: { sensitivity: restricted }', 'tags: { sensitivity: restriced }', 'restriced');
    const run = await validate(dir);
    expect(run.status).toBe(1);
    const errors = run.stderr.split('\n').filter((l) => /^[\w/.-]+\.yaml:\d+:\d+: (?!warning:)/.test(l));
    expect(errors).toEqual([
      `domains/finance.yaml:${f.line}:${f.col}: 'restriced' is not a value of tag 'sensitivity'; did you mean 'restricted'?`,
      `domains/sales.yaml:${s1.line}:${s1.col}: unknown group 'sales_lead' in owners of domain 'sales'; did you mean 'sales_leads'?`,
      `domains/sales.yaml:${s2.line}:${s2.col}: policy 'own-region' on analytics.sales.customers, analytics.sales.orders: unknown attribute 'user.regoin'; did you mean 'user.region'?`,
      `principals.yaml:${g.line}:${g.col}: unknown group 'sales_analyst' in member_of of 'sales_leads'; did you mean 'sales_analysts'?`,
    ]);
    expect(run.stderr).toMatch(/✗ 4 errors\b/);
  });

  it('--json gives the same diagnostics with positions', async () => {
    const dir = copyPolicies();
    const { line, col } = breakFile(dir, 'domains/sales.yaml', 'groups: [sales_analysts,', 'groups: [sales_analyst,', 'sales_analyst,');
    const run = await validate(dir, dir, '--json');
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { ok: boolean; diagnostics: { severity: string; code: string; file: string; line: number; col: number; hint: string }[] };
    expect(out.ok).toBe(false);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      { severity: 'error', code: 'unknown-group', message: "unknown group 'sales_analyst' in a grant of domain 'sales'", hint: "did you mean 'sales_analysts'?", file: 'domains/sales.yaml', line, col },
    ]);
  });

  // Issue 8: whatever a repository holds, validate ends with `file:line:col: message; hint` lines and exit 1.
  const hostile: [string, (dir: string) => string][] = [
    [
      'a policy file linked from outside the repository',
      (dir) => {
        const outside = mkdtempSync(join(tmpdir(), 'meshward-outside-'));
        temps.push(outside);
        renameSync(join(dir, 'global.yaml'), join(outside, 'global.yaml'));
        symlinkSync(join(outside, 'global.yaml'), join(dir, 'global.yaml'));
        return `global.yaml:1:1: global.yaml is a link to ${join(outside, 'global.yaml')}, outside the repository: it is not read; copy the file into the repository, or link to a file inside it`;
      },
    ],
    [
      'an alias bomb',
      (dir) => {
        const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
        for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
        writeFileSync(join(dir, 'bomb.yaml'), `kind: AccessTests\n${lines.join('\n')}\ntests: []\n`);
        return 'bomb.yaml:6:45: YAML: aliases expand to more than 100000 nodes; write the values out instead of nesting aliases (an alias bomb is refused)';
      },
    ],
    [
      '10 000 nested parentheses in allow',
      (dir) => {
        const { line, col } = breakFile(dir, 'domains/sales.yaml', 'allow: "region IN user.region"', `allow: "${'('.repeat(10_000)}TRUE${')'.repeat(10_000)}"`, '(');
        return `domains/sales.yaml:${line}:${col + 64}: policy 'own-region': parentheses and NOT nest deeper than 64 levels at offset 64; simplify the condition: remove redundant parentheses, or combine terms with AND / OR`;
      },
    ],
    [
      'a file that is not UTF-8',
      (dir) => {
        writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('kind: AccessTests\n# caf\u00e9\ntests: []\n', 'latin1'));
        return 'latin1.yaml:2:6: latin1.yaml is not valid UTF-8 (byte 23); save it as UTF-8';
      },
    ],
  ];
  it.each(hostile)('%s: exit 1 with a positioned error, never an internal error', async (_, edit) => {
    const dir = copyPolicies();
    const expected = edit(dir);
    const run = await validate(dir);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(`${expected}\n`);
    expect(run.stderr + run.stdout).not.toMatch(/internal error|RangeError|ReferenceError|\n\s+at /);
  });
});
