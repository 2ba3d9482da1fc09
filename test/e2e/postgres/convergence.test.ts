import { cpSync, rmSync } from 'node:fs';
import { sqlSteps, stepText } from '../../../src/plan/step.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import type { Hazard } from '../../../src/targets/target.js';
import { keys } from '../../../src/targets/postgres/objects.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { changeOf, edit, open, outOfBand, pendingChanges, planAndApply } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Convergence: the example is applied, then the model is edited step by step (groups, masks,
 * filters, grants, a rename, a keep_last, a member_of link) and applied again. After every apply
 * the engine must match the resolver for every group × governed table, a new plan must be empty
 * and drift must be in sync; and each step's plan must carry the hazards its edit implies.
 */
describe.each(ENGINES)('convergence on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;
  const view = (schema: string, table: string) => `view:"${p}${schema}"."${table}"`;
  const viewGrant = (schema: string, table: string, group: string) => `grant:SELECT:view:"${p}${schema}"."${table}":${p}${group}`;
  const usage = (schema: string, group: string) => `grant:USAGE:schema:"${p}${schema}":${p}${group}`;
  const membership = (parent: string, member: string) => `membership:${p}${parent}:${p}${member}`;

  /** Closes the session, edits the repository, reopens, plans and applies; returns the applied plan. */
  async function step(edits: () => void): Promise<Plan> {
    await session.close();
    edits();
    session = await open(t);
    const { plan } = await planAndApply(session);
    return plan;
  }

  async function assertConverged(): Promise<void> {
    await assertEnforced(session);
    expect(await pendingChanges(session)).toEqual([]);
    expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
  }

  const hazardsOf = (plan: Plan, key: string): readonly Hazard[] => changeOf(plan, key).hazards;

  beforeAll(async () => {
    t = await makeTarget(engine);
    p = t.prefix;
    // The AccessTests describe the unedited example (they name data_scientists, which a step removes).
    rmSync(join(t.dir, 'tests'), { recursive: true, force: true });
    session = await open(t);
    await planAndApply(session);
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('the example converges: enforced, empty plan, no drift', async () => {
    await assertConverged();
  });

  it('adding a group with a grant creates its role, membership and grants (AUTHZ_WIDEN)', async () => {
    const plan = await step(() => {
      edit(t, 'principals.yaml', [/\s*$/, '\n  logistics_planners:\n    description: added by the convergence test\n    member_of: [employees]\n    attributes: { region: [EMEA], department: [sales] }\n']);
      edit(t, 'domains/sales.yaml', ['grants:\n', 'grants:\n  - groups: [logistics_planners]\n    read: [analytics.sales.orders, analytics.sales.stores]\n']);
    });
    const role = changeOf(plan, `role:${p}logistics_planners`);
    expect(role).toMatchObject({ action: 'add', kind: 'role', hazards: [] });
    expect(role.steps.map(stepText).join('\n')).toMatch(new RegExp(`CREATE ROLE "${p}logistics_planners" NOLOGIN`));
    for (const key of [membership('employees', 'logistics_planners'), viewGrant('sales', 'orders', 'logistics_planners'), viewGrant('sales', 'stores', 'logistics_planners'), usage('sales', 'logistics_planners')]) {
      expect(changeOf(plan, key)).toMatchObject({ action: 'add', hazards: ['AUTHZ_WIDEN'] });
    }
    // the two new view grants are adjacent and share their grantee: one statement, held by the first
    const orders = changeOf(plan, viewGrant('sales', 'orders', 'logistics_planners'));
    expect(orders.steps.map(stepText)).toEqual([`GRANT SELECT ON TABLE "${p}sales"."orders", "${p}sales"."stores" TO "${p}logistics_planners";`]);
    expect(changeOf(plan, viewGrant('sales', 'stores', 'logistics_planners'))).toMatchObject({ steps: sqlSteps([]), served_by: plan.changes.indexOf(orders) });
    expect(plan.changes.filter((c) => c.action === 'remove')).toEqual([]);
    await assertConverged();
  });

  it('removing a group drops its role (DROPS_MANAGED) and revokes its grants and membership (AUTHZ_NARROW)', async () => {
    const plan = await step(() => {
      edit(t, 'principals.yaml', [/\n  data_scientists:\n(?: {4}.*\n)+/, '\n']);
      edit(t, 'domains/sales.yaml', ['[sales_analysts, sales_analysts_us, sales_analysts_apac, data_scientists]', '[sales_analysts, sales_analysts_us, sales_analysts_apac]']);
      edit(t, 'domains/marketing.yaml', ['[marketing_analysts, data_scientists]', '[marketing_analysts]']);
    });
    const role = changeOf(plan, `role:${p}data_scientists`);
    expect(role).toMatchObject({ action: 'remove', kind: 'role', hazards: ['DROPS_MANAGED'] });
    expect(role.steps.map(stepText)).toEqual([`DROP ROLE "${p}data_scientists";`]);
    const revokes = [
      ...['customers', 'order_items', 'orders', 'products', 'stores'].map((x) => viewGrant('sales', x, 'data_scientists')),
      ...['campaigns', 'newsletter_subscribers', 'web_sessions'].map((x) => viewGrant('marketing', x, 'data_scientists')),
      usage('sales', 'data_scientists'),
      usage('marketing', 'data_scientists'),
      membership('employees', 'data_scientists'),
    ];
    for (const key of revokes) expect(changeOf(plan, key), key).toMatchObject({ action: 'remove', hazards: ['AUTHZ_NARROW'] });
    // Nothing may still reach the role when it is dropped: the drop comes last.
    const dropAt = plan.changes.findIndex((c) => c.key === `role:${p}data_scientists`);
    expect(plan.changes.slice(dropAt + 1).map((c) => c.key)).toEqual([]);
    // The role's attribute values are rows the views read: deleted before the role is dropped, and
    // no view is rewritten (none names a group's role for user.region).
    const values = plan.changes.filter((c) => c.kind === 'attribute');
    expect(values.map((c) => `${c.action} ${c.key}`)).toEqual(
      ['data', 'AMER', 'EMEA'].map((v) => `remove ${keys.attributeValue({ role: `${p}data_scientists`, attribute: v === 'data' ? 'department' : 'region', type: 'string', value: v })}`),
    );
    expect(values.every((c) => c.hazards.join() === 'AUTHZ_NARROW')).toBe(true);
    expect(plan.changes.filter((c) => c.kind === 'view')).toEqual([]);
    expect(plan.changes.filter((c) => c.hazards.includes('AUTHZ_WIDEN'))).toEqual([]);
    const db = await outOfBand(t, session);
    expect((await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${p}data_scientists`])).rows).toEqual([]);
    await db.close();
    await assertConverged();
  });

  it('adding a mask narrows the view in place (AUTHZ_NARROW)', async () => {
    const plan = await step(() => {
      edit(t, 'domains/sales.yaml', [/\s*$/, '\n  - name: sales-birth-date-nullify\n    mask: { columns: [analytics.sales.customers.birth_date], method: nullify }\n']);
    });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`change ${view('sales', 'customers')}`]);
    const c = changeOf(plan, view('sales', 'customers'));
    expect(c.hazards).toEqual(['AUTHZ_NARROW']);
    expect(c.policy).toContain('sales-birth-date-nullify');
    expect(c.steps.map(stepText)[0]).toMatch(/^CREATE OR REPLACE VIEW/);
    await assertConverged();
  });

  it('removing a mask widens the view (AUTHZ_WIDEN)', async () => {
    const plan = await step(() => {
      edit(t, 'domains/sales.yaml', [/\n  - name: phone-last2\n(?: {4}.*\n?)+/, '\n']);
    });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`change ${view('sales', 'customers')}`]);
    expect(hazardsOf(plan, view('sales', 'customers'))).toEqual(['AUTHZ_WIDEN']);
    await assertConverged();
  });

  it('adding a row filter narrows, removing one widens; the narrowing runs first', async () => {
    const plan = await step(() => {
      edit(t, 'domains/marketing.yaml', [/\s*$/, '\n  - name: active-campaigns\n    row_filter: { tables: [analytics.marketing.campaigns], allow: "is_active = true" }\n']);
      edit(t, 'domains/sales.yaml', [/\n  - name: real-orders-only\n(?: {4}.*\n)+/, '\n']);
    });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`change ${view('marketing', 'campaigns')}`, `change ${view('sales', 'orders')}`]);
    expect(hazardsOf(plan, view('marketing', 'campaigns'))).toEqual(['AUTHZ_NARROW']);
    expect(hazardsOf(plan, view('sales', 'orders'))).toEqual(['AUTHZ_WIDEN']);
    await assertConverged();
  });

  it('adding a grant widens, removing one narrows; revoke before grant (exposure-window harness)', async () => {
    const plan = await step(() => {
      edit(t, 'domains/finance.yaml', ['  - groups: [sales_leads]\n    read: [analytics.finance.invoices]\n', '  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`remove ${viewGrant('finance', 'invoices', 'sales_leads')}`, `add ${viewGrant('finance', 'budgets', 'auditors')}`]);
    expect(hazardsOf(plan, viewGrant('finance', 'budgets', 'auditors'))).toEqual(['AUTHZ_WIDEN']);
    expect(hazardsOf(plan, viewGrant('finance', 'invoices', 'sales_leads'))).toEqual(['AUTHZ_NARROW']);
    expect(changeOf(plan, viewGrant('finance', 'invoices', 'sales_leads')).steps.map(stepText)).toEqual([`REVOKE SELECT ON TABLE "${p}finance"."invoices" FROM "${p}sales_leads";`]);
    await assertConverged();
  });

  it('renaming a policy replaces the views it reaches and nothing else', async () => {
    const plan = await step(() => {
      edit(t, 'domains/sales.yaml', ['  - name: own-region\n', '  - name: own-region-by-user\n']);
    });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`).sort()).toEqual([`change ${view('sales', 'customers')}`, `change ${view('sales', 'orders')}`]);
    for (const c of plan.changes) {
      expect(c.policy).toContain('own-region-by-user');
      expect(c.policy).not.toContain('own-region');
      expect(c.steps.map(stepText)[0]).toMatch(/^CREATE OR REPLACE VIEW/);
      // The summaries differ by policy name only: reported conservatively, never as a drop.
      expect(c.hazards.every((h) => h === 'AUTHZ_WIDEN' || h === 'AUTHZ_NARROW')).toBe(true);
    }
    await assertConverged();
  });

  it('a smaller keep_last narrows every view it reaches; a new member_of link widens', async () => {
    const plan = await step(() => {
      edit(t, 'global.yaml', ['method: partial, keep_last: 4, exempt: [privacy_officers] }', 'method: partial, keep_last: 3, exempt: [privacy_officers] }']);
      edit(t, 'principals.yaml', ['description: Internal audit; the books, all periods\n    member_of: [employees]', 'description: Internal audit; the books, all periods\n    member_of: [employees, sales_analysts]']);
    });
    expect(hazardsOf(plan, view('hr', 'employees'))).toEqual(['AUTHZ_NARROW']);
    expect(hazardsOf(plan, view('sales', 'customers'))).toEqual(['AUTHZ_NARROW']);
    const link = changeOf(plan, membership('sales_analysts', 'auditors'));
    expect(link).toMatchObject({ action: 'add', kind: 'membership', hazards: ['AUTHZ_WIDEN'] });
    expect(link.steps.map(stepText)).toEqual([`GRANT "${p}sales_analysts" TO "${p}auditors";`]);
    // Tighten sooner, loosen later: the narrowing view changes run before the membership.
    const at = (key: string) => plan.changes.findIndex((c) => c.key === key);
    expect(at(view('hr', 'employees'))).toBeLessThan(at(membership('sales_analysts', 'auditors')));
    expect(plan.changes.map((c) => c.key).sort()).toEqual([membership('sales_analysts', 'auditors'), view('hr', 'employees'), view('sales', 'customers')].sort());
    await assertConverged();
  });

  it('reverting every edit converges back to the example', async () => {
    const plan = await step(() => {
      const pristine = join(import.meta.dirname, '..', '..', '..', 'policies');
      for (const f of ['principals.yaml', 'global.yaml', 'domains/sales.yaml', 'domains/marketing.yaml', 'domains/finance.yaml']) cpSync(join(pristine, f), join(t.dir, f));
    });
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(changeOf(plan, `role:${p}data_scientists`).action).toBe('add');
    expect(changeOf(plan, `role:${p}logistics_planners`)).toMatchObject({ action: 'remove', hazards: ['DROPS_MANAGED'] });
    await assertConverged();
    // An apply of an empty plan changes nothing (and still records the state).
    const { plan: empty } = await planFor(session);
    expect(empty.changes).toEqual([]);
    expect((await applyPlan(session, empty)).ok).toBe(true);
  });
});

