import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { stepText } from '../../../src/plan/step.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/plan.js';
import { HAZARDS } from '../../../src/targets/target.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { cli, ensureBuilt, REPO } from '../../support/e2e-cli.js';
import { dbaExec, edit, open, outOfBand, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * The CLI as a user and a CI job run it: `node dist/src/cli/main.js` in a child process on a
 * temporary copy of the example, stdin a pipe (never a TTY), exit codes and output checked.
 * PGlite's directory belongs to one process at a time, so nothing else holds it while the CLI runs.
 */
describe.each(ENGINES)('the CLI on %s', (engine) => {
  let t: E2eTarget;
  let p: string;
  let allChanges: number;
  // In-process (the same runCli main.ts calls); spawned where argv, the TTY and exit codes of a real process matter.
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });
  const spawned = (...args: string[]) => cli([...args, '--dir', t.dir, '--target', t.target], { env: t.env, cwd: t.dir, spawn: true });
  const at = (file: string) => join(t.dir, file);
  const json = <T>(stdout: string): T => JSON.parse(stdout) as T;

  /** Out-of-band SQL as the superuser, between two CLI runs. */
  const dba = (...statements: string[]) => dbaExec(t, ...statements);

  async function dbaQuery(sql: string): Promise<Record<string, unknown>[]> {
    const session = await open(t);
    const db = await outOfBand(t, session);
    try {
      return (await db.query(sql)).rows;
    } finally {
      await db.close();
      await session.close();
    }
  }

  beforeAll(async () => {
    await ensureBuilt();
    t = await makeTarget(engine);
    p = t.prefix;
  }, 240_000);

  afterAll(async () => {
    await t?.cleanup();
  });

  it('compile --domain sales prints only what sales causes, without connecting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshward-e2e-compile-'));
    try {
      cpSync(t.dir, dir, { recursive: true, filter: (x) => !x.includes('/.meshward') });
      const env = { ...t.env };
      delete env.MESHWARD_E2E_URL; // no url: a server target could not even be reached
      const r = await cli(['compile', '--dir', dir, '--target', t.target, '--domain', 'sales'], { env, cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dir, '.meshward')), 'no embedded database is created').toBe(false);
      expect(r.stdout).toMatch(/domain sales/);
      expect(r.stdout).toContain(`CREATE VIEW "${p}sales"."customers"`);
      // Nothing of the finance domain: no schema, table or view of it (a row filter may name the
      // role of a group such as finance_analysts: groups belong to no domain).
      expect(r.stdout).not.toMatch(new RegExp(`"(${p})?finance"`));
      for (const table of ['invoices', 'payment_cards', 'bank_accounts', 'ledger_entries', 'budgets', 'fx_rates']) expect(r.stdout).not.toContain(table);
      expect(r.stdout).not.toMatch(/CREATE ROLE|analytics\.finance/);
      const schemas = [...r.stdout.matchAll(/\b(?:VIEW|TABLE|SCHEMA) "([^"]+)"/g)].map((m) => m[1]);
      expect(schemas.length).toBeGreaterThan(10);
      expect(new Set(schemas)).toEqual(new Set([`${p}sales`, 'sales']));
      for (const other of ['hr', 'marketing']) expect(r.stdout).not.toMatch(new RegExp(`"(${p})?${other}"\\.`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plan --json has the stable shape (format 2), and --detailed-exitcode exits 2 with changes', async () => {
    const r = await run('plan', '--json', '--detailed-exitcode');
    expect(r.code, r.stderr).toBe(2);
    const plan = json<Plan>(r.stdout);
    expect(plan).toMatchObject({ format: 2, target: t.target });
    expect(plan.state_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.changes.length).toBeGreaterThan(100);
    for (const c of plan.changes) {
      expect(['add', 'change', 'remove']).toContain(c.action);
      expect(typeof c.kind).toBe('string');
      expect(typeof c.object).toBe('string');
      expect(c.domain === null || typeof c.domain === 'string').toBe(true);
      expect(c.table === null || typeof c.table === 'string').toBe(true);
      expect(Array.isArray(c.policy)).toBe(true);
      for (const h of c.hazards) expect(HAZARDS).toContain(h);
      // a change either has its statements or is made by an earlier change's joined statement
      if (c.served_by === undefined) expect(c.steps.map(stepText).length).toBeGreaterThan(0);
      else {
        expect(c.steps.map(stepText)).toEqual([]);
        expect(plan.changes[c.served_by]!.steps.map(stepText).length).toBeGreaterThan(0);
      }
      for (const s of c.steps.map(stepText)) expect(s.trimEnd().endsWith(';'), s).toBe(true);
    }
    expect(plan.changes.some((c) => c.served_by !== undefined)).toBe(true);
    expect(plan.summary.floor).toBeLessThanOrEqual(plan.summary.statements);
    const customers = plan.changes.find((c) => c.kind === 'view' && c.table === 'analytics.sales.customers')!;
    expect(customers).toMatchObject({ action: 'add', domain: 'sales', object: `view "${p}sales"."customers"` });
    expect(customers.policy).toEqual(expect.arrayContaining(['own-region', 'phone-last2', 'pii-email-domain']));
    const count = (a: string) => plan.changes.filter((c) => c.action === a).length;
    expect(plan.summary).toMatchObject({
      add: count('add'),
      change: count('change'),
      remove: count('remove'),
      hazards: plan.changes.reduce((n, c) => n + c.hazards.length, 0),
      statements: plan.changes.reduce((n, c) => n + c.steps.map(stepText).length, 0),
    });
    expect(plan.summary.add).toBe(plan.changes.length);
    allChanges = plan.changes.length;
  });

  it('apply without --yes and without a TTY refuses (exit 1) and applies nothing', async () => {
    const r = await spawned('apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to apply without confirmation.*--yes/);
    expect(r.stdout).not.toMatch(/^Applied/m);
    const again = await run('plan', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(json<Plan>(again.stdout).changes).toHaveLength(allChanges);
  });

  it('plan --out saves a plan; apply plan.json applies it; then plan --detailed-exitcode exits 0', async () => {
    const saved = await spawned('plan', '--out', 'plan.json');
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain(`Saved to plan.json — apply it with: meshward apply plan.json --target ${t.target} --dir ${t.dir}`);
    expect(json<Plan>(readFileSync(join(t.dir, 'plan.json'), 'utf8')).changes).toHaveLength(allChanges);
    const applied = await spawned('apply', 'plan.json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied \d+ statements to '.*' in \d+ ms \(one transaction\)\./m);
    const after = await run('plan', '--detailed-exitcode');
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(/No changes/);
    const yes = await run('apply', '--yes');
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/Nothing to apply/);
  });

  it('inventory --target prints the tables and columns of policies/inventory.json', async () => {
    const r = await run('inventory');
    expect(r.code, r.stderr).toBe(0);
    type Inv = { format: number; tables: { name: string; native: string; columns: { name: string; type: string; native_type: string }[] }[] };
    const byName = (inv: Inv) => [...inv.tables].sort((a, b) => (a.name < b.name ? -1 : 1));
    const live = json<Inv>(r.stdout);
    const file = json<Inv>(readFileSync(join(REPO, 'policies', 'inventory.json'), 'utf8'));
    expect(live.format).toBe(1);
    expect(byName(live)).toEqual(byName(file));
  });

  it('query --as runs consumer SQL as the group: sales analysts see EMEA customers only', async () => {
    const r = await run('query', '--as', 'sales_analysts', '--json', 'SELECT region FROM analytics.sales.customers');
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ sql: string; rows: { region: string }[] }>(r.stdout);
    expect(out.sql).toBe(`SELECT region FROM "${p}sales"."customers"`);
    expect(out.rows.length).toBeGreaterThan(10);
    expect(new Set(out.rows.map((x) => x.region))).toEqual(new Set(['EMEA']));
    const text = await run('query', '--as', 'sales_analysts', 'SELECT count(*) AS n FROM analytics.sales.customers');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${out.rows.length}\\s*$`, 'm'));
  });

  it('query --as a group without a grant exits 1 with permission denied', async () => {
    const r = await run('query', '--as', 'marketing_analysts', 'SELECT region FROM analytics.sales.customers');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/query failed as marketing_analysts: permission denied/);
    expect(r.stdout).toBe('');
  });

  it('a saved plan is refused as stale when the live state changed since it was made', async () => {
    edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    const saved = await run('plan', '--out', at('stale.json'), '--json');
    expect(saved.code, saved.stderr).toBe(0);
    expect(json<Plan>(saved.stdout).changes.map((c) => c.key)).toEqual([`grant:SELECT:view:"${p}finance"."budgets":${p}auditors`]);
    await dba(`GRANT SELECT ON ${q(`${p}hr`)}.salaries TO ${q(`${p}employees`)}`);
    const r = await run('apply', at('stale.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stale\.json is stale: target '.*' changed since the plan was made/);
    expect(r.stdout).not.toMatch(/^Applied/m);
    const granted = await dbaQuery(`SELECT has_table_privilege('${p}auditors', '${q(`${p}finance`)}.budgets', 'SELECT') AS can`);
    expect(granted[0]!.can).toBe(false);
    // A fresh plan repairs the drift and applies the edit.
    const fix = await run('apply', '--yes');
    expect(fix.code, fix.stderr).toBe(0);
    expect((await dbaQuery(`SELECT has_table_privilege('${p}employees', '${q(`${p}hr`)}.salaries', 'SELECT') AS can`))[0]!.can).toBe(false);
  });

  it('a saved plan is refused when the model changed since it was made', async () => {
    edit(t, 'domains/finance.yaml', ['  - groups: [auditors]\n    read: [analytics.finance.budgets]\n', '']);
    const saved = await run('plan', '--out', at('old-model.json'), '--json');
    expect(saved.code, saved.stderr).toBe(0);
    expect(json<Plan>(saved.stdout).changes.map((c) => `${c.action} ${c.key}`)).toEqual([`remove grant:SELECT:view:"${p}finance"."budgets":${p}auditors`]);
    edit(t, 'domains/hr.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.hr.departments]\n']);
    const r = await run('apply', at('old-model.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/old-model\.json is stale: it was made from another version of the policy repository/);
    expect(r.stdout).not.toMatch(/^Applied/m);
    const still = await dbaQuery(`SELECT has_table_privilege('${p}auditors', '${q(`${p}finance`)}.budgets', 'SELECT') AS can`);
    expect(still[0]!.can).toBe(true);
    edit(t, 'domains/hr.yaml', ['  - groups: [auditors]\n    read: [analytics.hr.departments]\n', '']);
    const fix = await run('apply', '--yes');
    expect(fix.code, fix.stderr).toBe(0);
  });

  it('test --target passes on the example, and fails with file:line:col after a GRANT that makes a test readable', async () => {
    const ok = await run('test');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^\d+ passed, 0 failed \(model and live target '.*'\)$/m);
    await dba(`GRANT SELECT ON ${q(`${p}finance`)}.invoices TO ${q(`${p}sales_analysts`)}`);
    const bad = await run('test');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ sales analysts cannot read invoices/);
    expect(bad.stdout).toMatch(/tests\/finance\.yaml:\d+:\d+: live: expected not readable, but querying as sales_analysts returned rows/);
    expect(bad.stdout).toMatch(/^\d+ passed, 1 failed/m);
    const fix = await run('apply', '--yes');
    expect(fix.code, fix.stderr).toBe(0);
    const again = await run('test');
    expect(again.code, again.stdout).toBe(0);
  });

  it('test --target fails on a governed base table whose RLS or columns change what the views return (issue 8, item 9)', async () => {
    await dba('ALTER TABLE sales.orders ENABLE ROW LEVEL SECURITY');
    try {
      const rls = await run('test');
      expect(rls.code, rls.stdout + rls.stderr).toBe(1);
      expect(rls.stdout).toMatch(/^✗ BASE_TABLE_RLS: row-level security is enabled on the governed base table analytics\.sales\.orders .*; meshward never changes base tables: disable row-level security/m);
      expect(rls.stdout).toMatch(/^\d+ passed, \d+ failed, 1 finding contradicts the model \(model and live target '.*'\)$/m);
      const asJson = await run('test', '--json');
      expect(asJson.code).toBe(1);
      expect(json<{ contradicting: number; bypasses: { code: string }[] }>(asJson.stdout)).toMatchObject({ contradicting: 1, bypasses: [{ code: 'BASE_TABLE_RLS' }] });
    } finally {
      await dba('ALTER TABLE sales.orders DISABLE ROW LEVEL SECURITY');
    }
    await dba('ALTER TABLE sales.stores RENAME COLUMN city TO town');
    try {
      const renamed = await run('test');
      expect(renamed.code).toBe(1);
      expect(renamed.stdout).toMatch(/^✗ BASE_TABLE_COLUMNS: .*analytics\.sales\.stores.*column "city" is gone/m);
    } finally {
      await dba('ALTER TABLE sales.stores RENAME COLUMN town TO city');
    }
    const fine = await run('test');
    expect(fine.code, fine.stdout).toBe(0);
    expect(fine.stdout).not.toMatch(/contradict/);
  });
});
