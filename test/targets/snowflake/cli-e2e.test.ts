import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSnowflakeDriver, type DriverFactory } from '../../../src/targets/snowflake/connect.js';
import { quoteIdent } from '../../../src/targets/snowflake/sql-text.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import type { Simulator } from '../../support/snowflake-sim/index.js';
import { exampleInventory, exampleRepo, seedTables, snowflakeAccount } from '../../support/snowflake-example.js';

/**
 * The Snowflake target through the CLI, on the simulator behind snowflake-sdk's seam: plan from
 * empty, apply (auto-commit, the lease, write-ahead records), the next plan empty, drift clean; an
 * out-of-band edit reported by drift and put back by apply.
 */

describe('the example on Snowflake (simulator), through the CLI', () => {
  let dir: string;
  let sim: Simulator;
  let before: DriverFactory | null;
  const run = (...args: string[]) => runInProcess([...args, '--dir', dir, '--target', 'sf'], { env: { ...process.env, SF_PASSWORD: 'not-a-real-secret' } });

  beforeAll(() => {
    dir = exampleRepo('\n    type: snowflake\n    account: acme\n    user: MESHWARD\n    password: ${env:SF_PASSWORD}\n    role: ACCOUNTADMIN\n    warehouse: WH');
    sim = snowflakeAccount();
    seedTables(sim, exampleInventory());
    before = useSnowflakeDriver((options) => sim.createConnection({ account: options.account, username: options.username, ...(options.warehouse ? { warehouse: options.warehouse } : {}), ...(options.role ? { role: options.role } : {}) }) as never);
  });
  afterAll(() => {
    useSnowflakeDriver(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan, apply, and the next plan is empty; drift is clean', async () => {
    const plan = await run('plan', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout) as { changes: unknown[]; summary: { statements: number } };
    expect(p.changes.length).toBeGreaterThan(50);
    const apply = await run('apply', '--yes', '--json');
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    const again = await run('plan', '--json', '--detailed-exitcode');
    expect(again.code, again.stdout.slice(0, 2000)).toBe(0);
    expect((JSON.parse(again.stdout) as { changes: unknown[] }).changes).toEqual([]);
    const drift = await run('drift', '--format', 'json');
    expect(drift.code, drift.stdout).toBe(0);
    expect(apply.stdout + apply.stderr + plan.stdout).not.toContain('not-a-real-secret');
  });

  it('an out-of-band revoke and an unset mask are drift, and apply puts them back', async () => {
    sim.admin(`REVOKE SELECT ON TABLE "analytics"."sales"."customers" FROM ROLE ${quoteIdent('MW_SALES_ANALYSTS')}`);
    sim.admin(`ALTER TABLE "analytics"."sales"."customers" MODIFY COLUMN "email" UNSET TAG "analytics"."MW_META"."MW_MASK"`);
    const drift = await run('drift', '--format', 'json');
    expect(drift.code).toBe(2);
    const items = (JSON.parse(drift.stdout) as { items: { status: string; object: string }[] }).items;
    expect(items.map((i) => i.status).sort()).toEqual(['missing', 'missing']);
    const apply = await run('apply', '--yes');
    expect(apply.code, apply.stderr).toBe(0);
    expect((await run('plan', '--detailed-exitcode')).code).toBe(0);
    expect((await run('drift')).code).toBe(0);
  });

  it('what the target cannot do yet is refused with a message, never a stack trace', async () => {
    for (const args of [['query', '--as', 'sales_analysts', 'SELECT 1'], ['test', '--target', 'sf'], ['import']]) {
      const r = await runInProcess([...args, '--dir', dir, ...(args[0] === 'test' ? [] : ['--target', 'sf'])], { env: { ...process.env, SF_PASSWORD: 'x' } });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().length, args.join(' ')).toBeGreaterThan(10);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('the password is in no output, plan file, audit journal or error, a failed connection included', async () => {
    const secret = 'not-a-real-secret';
    const out = join(dir, 'plan.json');
    const outputs = [await run('plan', '--json', '--out', out), await run('apply', '--yes', '--json'), await run('drift', '--format', 'json')];
    const journal = readdirSync(join(dir, '.meshward', 'audit')).map((f) => readFileSync(join(dir, '.meshward', 'audit', f), 'utf8')).join('');
    expect(journal.length).toBeGreaterThan(0);
    for (const text of [...outputs.flatMap((r) => [r.stdout, r.stderr]), readFileSync(out, 'utf8'), journal]) expect(text).not.toContain(secret);
    // a user the account does not know: the error names the account and user, never the password
    const project = readFileSync(join(dir, 'meshward.yaml'), 'utf8');
    writeFileSync(join(dir, 'meshward.yaml'), project.replace('user: MESHWARD', 'user: NOBODY'));
    try {
      const failed = await run('plan');
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/cannot connect to Snowflake account acme as NOBODY/);
      expect(failed.stderr + failed.stdout).not.toContain(secret);
    } finally {
      writeFileSync(join(dir, 'meshward.yaml'), project);
    }
  });
});
