import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cli, ensureBuilt } from '../../support/e2e-cli.js';
import { ENGINES } from '../../support/e2e-target.js';
import { makeEstate, type Estate } from '../../import/estate-fixture.js';

/**
 * `meshward import` as a user runs it: inside the repository whose target it reads, the summary
 * it prints (counts and every unrepresentable item), the refusal to write into a non-empty
 * directory without --force, --json, and (servers) --url without a repository.
 */
describe.each(ENGINES)('meshward import (CLI) on %s', (engine) => {
  let e: Estate;
  let work: string;

  beforeAll(async () => {
    await ensureBuilt();
    e = await makeEstate(engine);
    work = mkdtempSync(join(tmpdir(), 'meshward-import-cli-'));
  }, 180_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await e?.cleanup();
  });

  it('drafts ./imported inside the repository and prints the summary', async () => {
    const r = await cli(['import', '--target', e.target], { cwd: e.dir, env: e.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Imported target '(local|server)' into imported: 3 groups, 2 domains, 4 tables, 0 policies, 6 unrepresentable\n/);
    for (const line of [
      '  unrepresentable (left unmanaged, never touched):',
      '    - column_grant finance.ledger: column-level SELECT ("account", "id") to ',
      '    - function public.mask_email(e text): function: ',
      '    - privilege sales.orders: INSERT to ',
      '    - public_grant scratch.tmp: SELECT to PUBLIC',
      '    - rls_policy finance.invoices: row-level security policy "emea_only"',
      '    - view sales.big_orders: hand-written view',
      '  wrote meshward.yaml, principals.yaml, domains/finance.yaml, domains/sales.yaml, inventory.json, IMPORT-REPORT.md',
    ]) {
      expect(r.stdout).toContain(line);
    }
    expect(existsSync(join(e.dir, 'imported', 'IMPORT-REPORT.md'))).toBe(true);
    const v = await cli(['validate', '--dir', join(e.dir, 'imported')], { env: e.env });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('✓ valid · 2 domains · 4 governed tables · 3 groups · 0 policies');
  }, 120_000);

  it('refuses a non-empty --out unless --force, and --force replaces what it drafted', async () => {
    const out = join(work, 'draft');
    const first = await cli(['import', '--dir', e.dir, '--target', e.target, '--out', out, '--json'], { env: e.env });
    expect(first.code, first.stderr).toBe(0);
    const json = JSON.parse(first.stdout) as { format: number; summary: Record<string, number>; unrepresentable: { kind: string }[]; files: string[]; query_count: number };
    expect(json).toMatchObject({ format: 1, summary: { groups: 3, domains: 2, tables: 4, policies: 0, unrepresentable: 6, contradictions: 0 }, query_count: 6 });
    expect(json.files).toContain('principals.yaml');

    writeFileSync(join(out, 'domains', 'stale.yaml'), '# Drafted by meshward import from an older run\nkind: Domain\nname: stale\nschemas: [analytics.stale]\n');
    writeFileSync(join(out, 'notes.yaml'), 'kind: AccessTests\ntests: []\n'); // the user's own file: kept
    const again = await cli(['import', '--dir', e.dir, '--target', e.target, '--out', out], { env: e.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty: choose another --out, or pass --force/);
    const forced = await cli(['import', '--dir', e.dir, '--target', e.target, '--out', out, '--force'], { env: e.env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(out, 'domains', 'stale.yaml'))).toBe(false);
    expect(existsSync(join(out, 'notes.yaml'))).toBe(true);
  }, 120_000);

  it('needs a repository or --url', async () => {
    const r = await cli(['import', '--out', join(work, 'nowhere')], { cwd: work, env: e.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no meshward\.yaml in .* run import inside a policy repository .* or pass --url/);
  });

  it.runIf(engine === 'server')('imports from --url without a repository, naming the project with --project', async () => {
    const out = join(work, 'from-url');
    const r = await cli(['import', '--url', e.env.MESHWARD_E2E_URL!, '--target', 'warehouse', '--project', 'adopted', '--database', 'analytics', '--out', out], { cwd: work, env: e.env });
    expect(r.code, r.stderr).toBe(0);
    const project = readFileSync(join(out, 'meshward.yaml'), 'utf8');
    expect(project).toContain('name: adopted');
    expect(YAML.parse(project).targets).toEqual({ warehouse: { type: 'postgres', url: e.env.MESHWARD_E2E_URL, database: 'analytics' } });
    const v = await cli(['validate', '--dir', out], { env: e.env });
    expect(v.code, v.stderr).toBe(0);
  }, 120_000);
});
