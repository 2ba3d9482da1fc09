import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/cli-inprocess.js';
import { edit } from '../../support/e2e-session.js';
import { makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 9: what a new user and a plan reviewer see, pinned on the embedded target (in-process).
 * Model errors never touch the target; the first plan summarises its widening instead of
 * flagging every line; labels do not repeat the kind; counts are singular when one; every hint
 * is a command that works where the user ran the previous one.
 */
describe('CLI conventions on the embedded target', () => {
  let t: E2eTarget;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  beforeAll(async () => {
    t = await makeTarget('pglite');
  }, 120_000);
  afterAll(async () => t?.cleanup());

  it('a model error is reported before connecting: no embedded database is created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-model-error-'));
    try {
      cpSync(t.dir, dir, { recursive: true, filter: (x) => !x.includes('/.meshward') });
      edit({ ...t, dir }, 'domains/sales.yaml', ['groups: [sales_analysts, ', 'groups: [sales_analyts, ']);
      for (const args of [['plan'], ['apply', '--yes'], ['test', '--target', 'local']]) {
        const r = await runInProcess([...args, '--dir', dir], { env: t.env });
        expect(r.code, args[0]).toBe(1);
        expect(r.stderr, args[0]).toMatch(/domains\/sales\.yaml:\d+:\d+: unknown group .sales_analyts./);
        expect(r.stderr, args[0]).toMatch(/did you mean 'sales_analysts'/);
      }
      expect(existsSync(join(dir, '.meshward'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the first plan says once that a new target widens access, and never repeats the kind', async () => {
    const r = await run('plan', '--no-sql');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('AUTHZ_WIDEN  ');
    expect(r.stdout).not.toMatch(/^\s+\+ \S+\s+.*AUTHZ_WIDEN$/m);
    expect(r.stdout).toMatch(/^\d+ changes widen access \(\d+ grants, \d+ attributes, \d+ memberships\): new target — nothing of project acme is applied here yet/m);
    expect(r.stdout).toMatch(/^ {2}\+ role {7}mw_auditors$/m);
    expect(r.stdout).not.toMatch(/role\s+role /);
    expect(r.stdout).not.toMatch(/view\s+view /);
    const json = JSON.parse((await run('plan', '--json')).stdout);
    expect(json.new_target).toBe(true);
    // the JSON keeps every hazard on its change
    expect(json.changes.filter((c: { hazards: string[] }) => c.hazards.includes('AUTHZ_WIDEN')).length).toBe(json.summary.widening);
  }, 120_000);

  it('plan --out prints a hint that works from where the user is, and apply --json with nothing to do invents nothing', async () => {
    const out = join(t.dir, 'p.json');
    const r = await run('plan', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Saved to ${out} — apply it with: meshward apply ${out} --target local --dir ${t.dir}\n`);
    const hint = /apply it with: meshward (.*)$/m.exec(r.stdout)![1]!.split(' ');
    const applied = await runInProcess(hint, { env: t.env }); // pasted as printed
    expect(applied.code, applied.stderr).toBe(0);
    const nothing = await run('apply', '--yes', '--json');
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(JSON.parse(nothing.stdout)).toMatchObject({ ok: true, outcome: 'nothing', mode: null, ms: null, steps: [] });
    expect(relative(t.dir, out)).toBe('p.json');
  }, 120_000);

  it('after the first apply, a widening change is flagged on its own line; one statement is "1 statement"', async () => {
    edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    const r = await run('plan');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\+ grant {6}SELECT on view "mw_finance"\."budgets" → mw_auditors {2}AUTHZ_WIDEN$/m);
    expect(r.stdout).not.toContain('new target');
    expect(r.stdout).toMatch(/· 1 hazard \(1 widening\) · 1 statement · state /);
    expect(readFileSync(join(t.dir, 'domains/finance.yaml'), 'utf8')).toContain('analytics.finance.budgets');
  }, 120_000);
});

describe('audit on a target nothing was applied to', () => {
  it('says there is no audit trail yet, instead of "intact"', async () => {
    const t = await makeTarget('pglite');
    try {
      const verify = await runInProcess(['audit', '--verify', '--dir', t.dir], { env: t.env });
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toContain("no audit trail yet: nothing has been applied to target 'local'");
      expect(verify.stdout).not.toContain('intact');
      const list = await runInProcess(['audit', '--dir', t.dir], { env: t.env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toBe("no audit trail yet: nothing has been applied to target 'local'\n");
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});

describe('configured names from the environment', () => {
  it('a governance_schema from ${env:VAR} that PostgreSQL cannot hold is refused before connecting', async () => {
    const t = await makeTarget('pglite');
    try {
      const dir = mkdtempSync(join(tmpdir(), 'mw-env-name-'));
      cpSync(t.dir, dir, { recursive: true, filter: (x) => !x.includes('/.meshward') });
      edit({ ...t, dir }, 'meshward.yaml', [/type: postgres\n/, 'type: postgres\n    governance_schema: ${env:MW_GOV}\n']);
      const r = await runInProcess(['plan', '--dir', dir], { env: { ...t.env, MW_GOV: 'g'.repeat(70) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/meshward\.yaml:\d+:\d+: .*governance_schema.*63/);
      expect(r.stderr.match(/governance_schema/g)?.length ?? 0).toBeLessThanOrEqual(2);
      expect(existsSync(join(dir, '.meshward'))).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});

describe('an unknown target is worded the same by every command', () => {
  it.each([['explain', '--group', 'sales_analysts'], ['compile'], ['plan'], ['apply', '--yes'], ['drift'], ['inventory'], ['test'], ['unlock'], ['audit'], ['import', '--out', '/nonexistent/x']])('%s', async (...args) => {
    const r = await runInProcess([...args, '--dir', 'policies', '--target', 'locl']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("unknown target 'locl'");
    expect(r.stderr).toContain("did you mean 'local'? (targets: local)");
  });
});

describe('a view change in the plan', () => {
  it('is described in the model\'s words, its SQL folded; --full-sql prints it whole', async () => {
    const t = await makeTarget('pglite');
    try {
      const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir], { env: t.env });
      expect((await run('apply', '--yes')).code).toBe(0);
      edit(t, 'domains/sales.yaml', ['method: partial, keep_last: 2 }', 'method: partial, keep_last: 3 }']);
      const folded = await run('plan');
      expect(folded.code, folded.stderr).toBe(0);
      expect(folded.stdout).toMatch(/^ {6}phone: partial last 2 → partial last 3 \(phone-last2, domains\/sales\.yaml:\d+:\d+\)$/m);
      expect(folded.stdout).toMatch(/CREATE OR REPLACE VIEW "mw_sales"\."customers" WITH \(security_barrier = true\) AS … \(\d+ more lines; plan --json shows the whole statement\)/);
      const whole = await run('plan', '--full-sql');
      expect(whole.stdout).not.toContain('more lines; plan --json');
      expect(whole.stdout).toMatch(/CASE\n/);
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});
