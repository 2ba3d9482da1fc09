import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainReport } from '../../src/explain/report.js';
import { tableAccess } from '../../src/resolve/access.js';
import { validateRepository } from '../../src/validate.js';
import { checkGolden } from '../support/golden.js';

/**
 * Golden `explain --json` outputs for the example. Review a changed golden file like code; set
 * UPDATE_GOLDEN=1 to rewrite them after an intended change (a missing golden fails).
 */
const CASES: [string[], string][] = [
  [['sales_analysts'], 'analytics.sales.customers'],
  [['sales_leads'], 'analytics.sales.customers'],
  [['sales_analysts', 'privacy_officers'], 'analytics.sales.customers'],
  [['marketing_analysts'], 'analytics.sales.customers'],
  [['finance_controllers'], 'analytics.finance.ledger_entries'],
  [['finance_analysts'], 'analytics.finance.payment_cards'],
  [['hr_partners'], 'analytics.hr.salaries'],
  [['hr_admins'], 'analytics.hr.employees'],
  [['data_scientists'], 'analytics.marketing.web_sessions'],
];

const dir = join(import.meta.dirname, 'golden');
const resolved = validateRepository({ dir: 'policies' }).resolved!;

describe('explain --json golden files', () => {
  it.each(CASES)('%s on %s', (groups, table) => {
    const report = explainReport(resolved, tableAccess(resolved.table(table)!, resolved.principals.principal(groups)), resolved.model.project.targets[0]);
    const text = JSON.stringify(report, null, 2) + '\n';
    const file = join(dir, `${groups.join('+')}@${table}.json`);
    checkGolden(file, text);
  });

  it('the CLI prints exactly the golden JSON', () => {
    const cli = join('dist', 'src', 'cli', 'main.js');
    if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json']);
    const out = execFileSync('node', [cli, 'explain', '--dir', 'policies', '--group', 'sales_analysts', 'privacy_officers', '--table', 'analytics.sales.customers', '--json'], { encoding: 'utf8' });
    expect(out).toBe(readFileSync(join(dir, 'sales_analysts+privacy_officers@analytics.sales.customers.json'), 'utf8'));
  });
});
