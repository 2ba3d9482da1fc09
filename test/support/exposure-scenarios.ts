import { rmSync } from 'node:fs';
import { stepText } from '../../src/plan/step.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../src/session/plan-for.js';
import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import { openTarget, type TargetSession } from '../../src/session/open-target.js';
import { ENGINES, makeTarget, type E2eTarget } from './e2e-target.js';
import { editRepo, planAndApplyModel, planExposure, withModel, type Edit, type PlanExposure } from './exposure-session.js';

/**
 * The exposure-window suite on the example, in shards (one test file each, so that vitest runs
 * them side by side): the first apply onto an empty target, and the edits in two halves.
 *
 * The exposure window on the example (product.md, Safety rules): a first apply onto an empty
 * target, then one edit at a time onto the applied example. For each, the plan's statements run
 * one by one in one transaction (rolled back at the end) and after every statement prefix every
 * group and every pair of groups reads every governed table; each cell must be allowed by the old
 * or by the new model for that same cell. The end states must be exactly the two models.
 */

export const SCENARIOS: readonly (readonly [name: string, edits: readonly Edit[]])[] = [
  ['remove a mask (user-agent-redact: web_sessions.user_agent becomes clear)', [['domains/marketing.yaml', '  - name: user-agent-redact\n    description: Browser strings fingerprint people\n    mask: { columns: [analytics.marketing.web_sessions.user_agent], method: redact }\n', '']]],
  ['add a mask (hash sales.stores.city for everyone)', [['domains/sales.yaml', 'policies:\n', 'policies:\n  - name: city-hash\n    mask: { columns: [analytics.sales.stores.city], method: hash }\n']]],
  ['remove a filter exemption (own-region applies to sales_leads too)', [['domains/sales.yaml', '      exempt: [sales_leads]\n', '']]],
  ['add a filter exemption (real-orders-only waived for sales_leads)', [['domains/sales.yaml', `allow: "channel IN ('store', 'web', 'app')"\n`, `allow: "channel IN ('store', 'web', 'app')"\n      exempt: [sales_leads]\n`]]],
  ['remove a grant (marketing_analysts lose the sales tables)', [['domains/sales.yaml', '  - groups: [marketing_analysts]\n    read: [analytics.sales.orders, analytics.sales.order_items, analytics.sales.products, analytics.sales.stores]\n', '']]],
  ['add a grant (hr_partners read finance.invoices, row-filtered by region)', [['domains/finance.yaml', 'grants:\n', 'grants:\n  - groups: [hr_partners]\n    read: [analytics.finance.invoices]\n']]],
  [
    'remove a group (data_scientists, and its grants)',
    [
      ['principals.yaml', '  data_scientists:\n    description: Data science team (EMEA and AMER data only, by contract)\n    member_of: [employees]\n    attributes: { region: [EMEA, AMER], department: [data] }\n', ''],
      ['domains/sales.yaml', 'sales_analysts_apac, data_scientists]', 'sales_analysts_apac]'],
      ['domains/marketing.yaml', '[marketing_analysts, data_scientists]', '[marketing_analysts]'],
    ],
  ],
  ['add a group with member_of (sales_interns under sales_analysts_apac)', [['principals.yaml', '  sales_directors:\n', '  sales_interns:\n    member_of: [sales_analysts_apac]\n  sales_directors:\n']]],
  ['change keep_last, tighter (phone-last2 keeps 1)', [['domains/sales.yaml', 'method: partial, keep_last: 2 }', 'method: partial, keep_last: 1 }']]],
  ['change keep_last, looser (pci-card-last4 keeps 6)', [['global.yaml', 'method: partial, keep_last: 4 }\n\n  - name: iban-last4', 'method: partial, keep_last: 6 }\n\n  - name: iban-last4']]],
  ['change a filter expression (own-region also shows rows without a region)', [['domains/sales.yaml', 'allow: "region IN user.region"', 'allow: "region IN user.region OR region IS NULL"']]],
  ['rename a policy (pii-ip-hash -> pii-ip-sha256)', [['global.yaml', '- name: pii-ip-hash', '- name: pii-ip-sha256']]],
  ['remove a tag that a global mask selects (sales.customers.email loses pii: email)', [['domains/sales.yaml', '      email:          { pii: email }\n', '']]],
  ['remove a member_of link (sales_leads no longer under sales_analysts)', [['principals.yaml', '    member_of: [sales_analysts]\n  sales_directors:', '    member_of: [employees]\n  sales_directors:']]],
  ['change a mask method, looser (salary-nullify redacts)', [['global.yaml', 'method: nullify, exempt: [hr_admins, finance_controllers]', 'method: redact, exempt: [hr_admins, finance_controllers]']]],
  [
    'stop governing a table (finance.fx_rates: view dropped, grants revoked)',
    [
      ['domains/finance.yaml', '  analytics.finance.fx_rates:\n    tags: { sensitivity: public }\n', ''],
      ['domains/finance.yaml', 'read: [analytics.finance.invoices, analytics.finance.ledger_entries, analytics.finance.fx_rates]', 'read: [analytics.finance.invoices, analytics.finance.ledger_entries]'],
      ['domains/finance.yaml', '  - groups: [employees]\n    read: [analytics.finance.fx_rates]\n', ''],
    ],
  ],
  [
    'change a filter expression and grant the table to a new group (a view change that narrows and widens, plus a grant)',
    [
      ['domains/sales.yaml', 'allow: "region IN user.region"', `allow: "region IN user.region AND region <> 'EMEA'"`],
      ['domains/sales.yaml', '  - groups: [marketing_analysts]\n', '  - groups: [privacy_officers]\n    read: [analytics.sales.customers]\n  - groups: [marketing_analysts]\n'],
    ],
  ],
  [
    'a group joins another that loses a grant (hr_partners member_of marketing_analysts; marketing_analysts lose sales)',
    [
      ['principals.yaml', '    member_of: [employees]\n    attributes: { region: [EMEA], department: [hr] }', '    member_of: [employees, marketing_analysts]\n    attributes: { region: [EMEA], department: [hr] }'],
      ['domains/sales.yaml', '  - groups: [marketing_analysts]\n    read: [analytics.sales.orders, analytics.sales.order_items, analytics.sales.products, analytics.sales.stores]\n', ''],
    ],
  ],
  [
    'many edits at once (tighten and loosen on the same tables, a grant, a group)',
    [
      ['domains/sales.yaml', '      exempt: [sales_leads]\n', ''],
      ['domains/sales.yaml', 'allow: "region IN user.region"', 'allow: "region IN user.region OR region IS NULL"'],
      ['domains/sales.yaml', 'method: partial, keep_last: 2 }', 'method: hash }'],
      ['domains/marketing.yaml', '  - name: user-agent-redact\n    description: Browser strings fingerprint people\n    mask: { columns: [analytics.marketing.web_sessions.user_agent], method: redact }\n', ''],
      ['domains/finance.yaml', 'grants:\n', 'grants:\n  - groups: [hr_partners]\n    read: [analytics.finance.invoices]\n'],
      ['global.yaml', 'exempt: [privacy_officers, hr_partners]', 'exempt: [privacy_officers]'],
      ['principals.yaml', '  sales_directors:\n', '  sales_interns:\n    member_of: [sales_analysts_apac, hr_partners]\n  sales_directors:\n'],
    ],
  ],  // group attribute values are rows the views read: removed before the views change, added after
  ['change a group attribute (sales_analysts: region EMEA -> AMER, APAC)', [['principals.yaml', 'attributes: { region: [EMEA], department: [sales] }', 'attributes: { region: [AMER, APAC], department: [sales] }']]],
  [
    'change a group attribute and the filter that reads it (sales_analysts EMEA -> AMER; own-region also shows rows without a region)',
    [
      ['principals.yaml', 'attributes: { region: [EMEA], department: [sales] }', 'attributes: { region: [AMER], department: [sales] }'],
      ['domains/sales.yaml', 'allow: "region IN user.region"', 'allow: "region IN user.region OR region IS NULL"'],
    ],
  ],
];

/**
 * The apply order before the harness existed (tighten, grant, revoke, loosen): a view change
 * without AUTHZ_WIDEN at 50, grants and memberships at 60, revokes at 80/85, a view change with
 * AUTHZ_WIDEN (even one that also narrows) at 90. Kept to show what the harness caught.
 */
function legacyOrder(plan: Plan): string[] {
  const rank = (c: PlannedChange): number => {
    const widens = c.hazards.includes('AUTHZ_WIDEN');
    if (c.kind === 'role') return c.action === 'remove' ? 120 : 10;
    if (c.kind === 'schema') return c.action === 'remove' ? 110 : 20;
    if (c.kind === 'governance') return c.action === 'remove' ? 130 : 30;
    if (c.kind === 'grant' && c.action === 'add') return c.key.startsWith('grant:SELECT:table:') ? 40 : 60;
    if (c.kind === 'view') return c.action === 'add' ? 50 : c.action === 'remove' ? 100 : widens ? 90 : 50;
    if (c.kind === 'membership') return c.action === 'add' ? 60 : 85;
    if (c.kind === 'tag') return 70;
    return 80; // grant remove
  };
  return [...plan.changes].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).flatMap((c) => c.steps.map(stepText));
}

/** Scenarios whose plan, in the legacy order, exposes cells (each names the leak the harness found). */
export const LEGACY_LEAKS: readonly (readonly [scenario: string, leak: RegExp])[] = [
  ['change a filter expression and grant the table to a new group (a view change that narrows and widens, plus a grant)', /^\[exposure\] privacy_officers on analytics\.sales\.customers row \S+ column \w+ = .*allowed by neither model \(old: not readable; new: row hidden\).*GRANT SELECT ON TABLE/],
  ['a group joins another that loses a grant (hr_partners member_of marketing_analysts; marketing_analysts lose sales)', /^\[exposure\] hr_partners on analytics\.sales\.\w+: readable, but old and new grant no read — after step \d+: GRANT "\w*marketing_analysts" TO "\w*hr_partners";/],
  ['many edits at once (tighten and loosen on the same tables, a grant, a group)', /^\[exposure\] \S*sales_interns\S* on analytics\.sales\.customers row \S+ column (first_name|last_name|street_address|phone) = .*allowed by neither model.*GRANT "\w*(hr_partners|sales_analysts_apac)" TO "\w*sales_interns";/],
];

/** Totals over every engine of one test file (reset when its suite is made: workers reuse modules), printed at the end for the issue note. */
const totals = { scenarios: 0, statements: 0, checks: 0, cells: 0, violations: 0 };

function record(engine: string, name: string, r: PlanExposure): void {
  totals.scenarios++;
  totals.statements += r.statements.length;
  totals.checks += r.report.checks;
  totals.cells += r.report.cells;
  totals.violations += r.report.violations.length;
  console.log(
    `exposure [${engine}] ${name}: ${r.statements.length} statements, ${r.report.steps} prefixes × ${r.report.principals} principals × ${r.report.tables} tables = ${r.report.checks} checks, ${r.report.cells} cells, ${r.report.violations.length} violations`,
  );
}

function assertNoExposure(r: PlanExposure): void {
  expect(r.problems.slice(0, 25), `${r.problems.length} violations`).toEqual([]);
  expect(r.statements.length).toBeGreaterThan(0);
  expect(r.report.readable).toBeGreaterThan(0);
  expect(r.report.cells).toBeGreaterThan(0);
}

/** Which part of the suite a test file runs. */
export type ExposureShard = {
  readonly firstApply: boolean;
  readonly scenarios: readonly (readonly [string, readonly Edit[]])[];
  readonly legacy: boolean;
  /** The engines this shard runs on (default: every engine of this run). */
  readonly engine?: 'pglite' | 'server';
};

export function exposureSuite(shard: ExposureShard): void {
Object.assign(totals, { scenarios: 0, statements: 0, checks: 0, cells: 0, violations: 0 });
const present = ENGINES.filter((e) => shard.engine === undefined || e === shard.engine);
// A shard whose engine is absent (no MESHWARD_TEST_PG_URL) is reported as not run, not as passed.
const engines = present.length > 0 ? present : [shard.engine!];
describe.runIf(present.length > 0).each(engines)('exposure window, example scenarios on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let example: Resolved;
  let firstApply: PlanExposure;

  beforeAll(async () => {
    t = await makeTarget(engine);
    // The AccessTests describe the unedited example (one scenario removes a group they name).
    rmSync(join(t.dir, 'tests'), { recursive: true, force: true });
    session = await openTarget({ dir: t.dir, target: t.target, env: t.env });
    if (shard.firstApply) firstApply = await planExposure(session, null);
    await planAndApplyModel(session);
    example = session.resolved;
  }, 900_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
    if (engine === engines[engines.length - 1]) {
      console.log(
        `exposure scenarios, this shard: ${totals.scenarios} scenarios, ${totals.statements} statements, ${totals.checks} (scenario, statement-prefix, principal, table) checks, ${totals.cells} cells, ${totals.violations} violations`,
      );
    }
  });

  it.runIf(shard.firstApply)('first apply: an empty target becomes the example', () => {
    record(engine, 'first apply', firstApply);
    assertNoExposure(firstApply);
    expect(firstApply.report.principals).toBe(14 + (14 * 13) / 2);
    expect(firstApply.report.tables).toBe(18);
  });

  /** The session at an edited example (the repository is restored right away). */
  function edited(edits: readonly Edit[]): TargetSession {
    const restore = editRepo(t.dir, edits);
    try {
      return withModel(session);
    } finally {
      restore();
    }
  }

  if (shard.scenarios.length) it.each(shard.scenarios)('%s', async (name, edits) => {
    const next = edited(edits);
    const r = await planExposure(next, example);
    record(engine, name, r);
    assertNoExposure(r);
    // The harness rolled everything back: the target is still exactly the example (a plan reads
    // every managed object, grant, membership and attribute row; the exact reads as every
    // principal were made before the first statement of the next scenario's run).
    expect((await planFor(session)).plan.changes).toEqual([]);
  }, 600_000);

  if (shard.legacy) it.each(LEGACY_LEAKS)('the previous order (tighten, grant, revoke, loosen) leaks: %s', async (name, leak) => {
    const edits = SCENARIOS.find(([n]) => n === name)![1];
    const r = await planExposure(edited(edits), example, { reorder: legacyOrder });
    const exposed = r.problems.filter((p) => p.startsWith('[exposure]'));
    console.log(`exposure [${engine}] legacy order, ${name}: ${exposed.length} exposed cells; first: ${exposed[0]}`);
    expect(exposed.length).toBeGreaterThan(0);
    expect(exposed.some((p) => leak.test(p)), exposed.slice(0, 5).join('\n')).toBe(true);
  }, 600_000);
});
}
