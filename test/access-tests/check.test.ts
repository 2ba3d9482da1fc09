import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAccessTests } from '../../src/access-tests/check.js';
import { validateRepository } from '../../src/validate.js';

const BROKEN = `kind: AccessTests
tests:
  - name: wrong readability
    group: marketing_analysts
    table: analytics.sales.customers
    readable: true
  - name: wrong column method
    group: sales_analysts
    table: analytics.sales.customers
    columns: { email: hash, region: clear, phone: masked }
  - name: wrong row expectation
    groups: [sales_analysts, sales_analysts_us]
    table: analytics.sales.customers
    rows:
      - { row: { region: AMER }, visible: false }
      - { row: { region: APAC }, visible: false }
  - name: row lacking a filtered column
    group: sales_analysts
    table: analytics.sales.orders
    rows:
      - { row: { region: EMEA }, visible: true }
  - name: row with a value of the wrong type
    group: finance_analysts
    table: analytics.finance.payment_cards
    rows:
      - { row: { expiry_year: soon }, visible: false }
`;

function withBrokenTests(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-tests-'));
  cpSync('policies', dir, { recursive: true });
  writeFileSync(join(dir, 'tests', 'broken.yaml'), BROKEN);
  return dir;
}

describe('meshward test against the model', () => {
  it('passes every shipped access test of the example', () => {
    const outcomes = checkAccessTests(validateRepository({ dir: 'policies' }).resolved!);
    expect(outcomes.length).toBeGreaterThanOrEqual(40);
    expect(outcomes.filter((o) => o.failures.length)).toEqual([]);
  });

  it('reports each failed expectation at its position', () => {
    const resolved = validateRepository({ dir: withBrokenTests() }).resolved!;
    const failures = checkAccessTests(resolved)
      .filter((o) => o.test.at.file === 'tests/broken.yaml')
      .flatMap((o) => o.failures.map((f) => `${f.at.file}:${f.at.line}:${f.at.col}: ${f.message}`));
    expect(failures).toEqual([
      'tests/broken.yaml:3:5: expected readable, but it is not readable',
      'tests/broken.yaml:10:16: column email: expected hash, got email_domain (policy pii-email-domain)',
      'tests/broken.yaml:15:9: sample row {"region":"AMER"}: expected hidden, got visible (row predicate: own-region)',
      'tests/broken.yaml:21:9: sample row lacks \'channel\', read by filter real-orders-only; add it to the row',
      'tests/broken.yaml:26:9: sample row {"expiry_year":"soon"}: "soon" is not a number (column expiry_year)',
    ]);
  });

  it('the CLI exits 1 and prints file:line:col for failures', () => {
    const cli = join('dist', 'src', 'cli', 'main.js');
    if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json']);
    const dir = withBrokenTests();
    const run = spawnSync('node', [cli, 'test', '--dir', dir], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('✗ wrong readability');
    expect(run.stdout).toMatch(/tests\/broken\.yaml:3:5: expected readable, but it is not readable/);
    expect(run.stdout).toMatch(/42 passed, 5 failed/);
    const ok = spawnSync('node', [cli, 'test', '--dir', 'policies', '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ format: 1, failed: 0 });
    void readFileSync;
  });
});
