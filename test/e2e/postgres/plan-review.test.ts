import { readFileSync } from 'node:fs';
import { sqlSteps } from '../../../src/plan/step.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../../src/session/plan-for.js';
import { renderPlan } from '../../../src/cli/views/plan.js';
import type { Plan, PlannedChange } from '../../../src/plan/plan.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { readAs } from '../../support/e2e-read.js';
import { changeOf, edit, open, pendingChanges, planAndApply, q, type SqlClient, withOutOfBand } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 9 ("a plan a reviewer can trust"), items 1 and 3, on PGlite and a server:
 *   1. a removal is shown under the domain and table it served — in plan --json and in the human
 *      plan — taken from what was recorded with the object at the last apply;
 *   3. a view change says what changed per column mask and row filter, in the model's words with
 *      the policy's position, and its SQL is folded under that.
 */

const plain = { bold: (s: string) => s, dim: (s: string) => s, red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s };

/** The human plan's sections: header -> its lines. */
function sections(plan: Plan, options: { fullSql?: boolean; showSql?: boolean } = {}): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let head = '';
  for (const line of renderPlan(plan, plain as never, options).split('\n')) {
    if (line && !line.startsWith(' ')) out.set((head = line), []);
    else if (line) out.get(head)!.push(line);
  }
  return out;
}

describe.each(ENGINES)('a plan a reviewer can trust, on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;
  const role = (name: string) => `${p}${name}`;
  const view = (schema: string, table: string) => `${q(role(schema))}.${q(table)}`;

  const sql = <T>(fn: (db: SqlClient) => Promise<T>): Promise<T> => withOutOfBand(t, session, fn);
  async function reopen(): Promise<void> {
    await session.close();
    session = await open(t);
  }
  /** `file:line:col` of a policy, read from the file as the model should report it. */
  const positionOf = (file: string, policy: string): string => {
    const lines = readFileSync(join(t.dir, file), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(`- name: ${policy}`));
    return `${file}:${i + 1}:${lines[i]!.indexOf('name:') + 1}`;
  };
  const removals = (plan: Plan): PlannedChange[] => plan.changes.filter((c) => c.action === 'remove');

  beforeAll(async () => {
    t = await makeTarget(engine);
    p = t.prefix;
    session = await open(t);
    await planAndApply(session);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('1. a removed grant is shown under its domain and table (plan --json and the human plan)', async () => {
    const orderItems = view('sales', 'order_items');
    const marketing = role('marketing_analysts');
    expect(await sql((db) => readAs(db, marketing, orderItems))).not.toBe('denied');
    edit(t, 'domains/sales.yaml', ['read: [analytics.sales.orders, analytics.sales.order_items, analytics.sales.products', 'read: [analytics.sales.orders, analytics.sales.products']);
    await reopen();
    const { plan } = await planFor(session);
    const revoke = changeOf(plan, `grant:SELECT:view:${orderItems}:${marketing}`);
    expect(revoke).toMatchObject({ action: 'remove', domain: 'sales', table: 'analytics.sales.order_items', steps: sqlSteps([`REVOKE SELECT ON TABLE ${orderItems} FROM ${q(marketing)};`]) });
    for (const c of removals(plan)) expect(c.domain, c.key).not.toBeNull();
    const human = sections(plan);
    expect(human.get('domain sales · analytics.sales.order_items')!.join('\n')).toContain(`- grant      SELECT on view ${orderItems} → ${marketing}`);
    expect([...human.keys()].some((h) => h.startsWith('platform'))).toBe(false);

    await planAndApply(session);
    expect(await pendingChanges(session)).toEqual([]);
    expect(await sql((db) => readAs(db, marketing, orderItems))).toBe('denied');
  });

  it('1. un-governing a table: its view drop, grants, tag and the schema usage it needed are all under its domain', async () => {
    const fx = view('finance', 'fx_rates');
    edit(
      t,
      'domains/finance.yaml',
      ['  analytics.finance.fx_rates:\n    tags: { sensitivity: public }\n', ''],
      ['read: [analytics.finance.invoices, analytics.finance.ledger_entries, analytics.finance.fx_rates]', 'read: [analytics.finance.invoices, analytics.finance.ledger_entries]'],
      ['  - groups: [employees]\n    read: [analytics.finance.fx_rates]\n', ''],
    );
    await reopen();
    const { plan } = await planFor(session);
    const gone = removals(plan);
    expect(changeOf(plan, `view:${fx}`)).toMatchObject({ action: 'remove', domain: 'finance', table: 'analytics.finance.fx_rates', hazards: ['AUTHZ_NARROW', 'DROPS_MANAGED'] });
    for (const grantee of ['finance_analysts', 'auditors', 'employees']) {
      expect(changeOf(plan, `grant:SELECT:view:${fx}:${role(grantee)}`)).toMatchObject({ action: 'remove', domain: 'finance', table: 'analytics.finance.fx_rates' });
    }
    expect(changeOf(plan, `grant:SELECT:table:"finance"."fx_rates":${role('owner')}`)).toMatchObject({ domain: 'finance', table: 'analytics.finance.fx_rates' });
    expect(changeOf(plan, 'tag:analytics.finance.fx_rates:sensitivity')).toMatchObject({ domain: 'finance', table: 'analytics.finance.fx_rates' });
    expect(changeOf(plan, `grant:USAGE:schema:${q(role('finance'))}:${role('employees')}`)).toMatchObject({ action: 'remove', domain: 'finance', table: null });
    expect(gone.every((c) => c.domain === 'finance')).toBe(true);
    const human = sections(plan);
    const fxLines = human.get('domain finance · analytics.finance.fx_rates')!.join('\n');
    expect(fxLines).toContain(`- view       ${fx}`);
    // its three revokes are adjacent: one statement, under the view's table with the others pointing at it
    expect(fxLines).toContain(`REVOKE SELECT ON TABLE ${fx} FROM ${q(role('auditors'))}, ${q(role('employees'))}, ${q(role('finance_analysts'))};`);
    expect(fxLines).toContain(`(made by the statement of SELECT on view ${fx} → ${role('auditors')})`);
    expect(human.get('domain finance')!.join('\n')).toContain(`REVOKE USAGE ON SCHEMA ${q(role('finance'))} FROM ${q(role('employees'))};`);
    expect([...human.keys()].filter((h) => h.startsWith('platform') || h.startsWith('domain -'))).toEqual([]);

    await planAndApply(session);
    expect(await pendingChanges(session)).toEqual([]);
    expect(await sql(async (db) => (await db.query(`SELECT to_regclass($1) IS NULL AS gone`, [fx])).rows[0])).toEqual({ gone: true });
  });

  it('3. a view change is described per column mask and row filter, with the policy position; its SQL folded under it', async () => {
    const customers = view('sales', 'customers');
    const orders = view('sales', 'orders');
    const analyst = role('sales_analysts');
    edit(
      t,
      'domains/sales.yaml',
      ['method: partial, keep_last: 2 }', 'method: partial, keep_last: 3 }'],
      ['      tables: [analytics.sales.customers, analytics.sales.orders]\n      allow: "region IN user.region"', '      tables: [analytics.sales.customers]\n      allow: "region IN user.region"'],
    );
    await reopen();
    const { plan } = await planFor(session);
    const sales = 'domains/sales.yaml';
    expect(changeOf(plan, `view:${customers}`)).toMatchObject({
      action: 'change',
      domain: 'sales',
      table: 'analytics.sales.customers',
      details: [`phone: partial last 2 → partial last 3 (phone-last2, ${positionOf(sales, 'phone-last2')})`],
      hazards: ['AUTHZ_WIDEN'],
    });
    expect(changeOf(plan, `view:${orders}`).details).toEqual([`rows: - region IN user.region, exempt: sales_leads (own-region, ${positionOf(sales, 'own-region')})`]);

    const lines = sections(plan).get('domain sales · analytics.sales.customers')!;
    const at = lines.findIndex((l) => l.includes(`~ view`));
    expect(lines[at + 1]).toBe(`      phone: partial last 2 → partial last 3 (phone-last2, ${positionOf(sales, 'phone-last2')})`);
    // folded: the CREATE OR REPLACE VIEW is one line saying how many more it has; no SELECT body
    const create = lines.find((l) => l.includes('CREATE OR REPLACE VIEW'))!;
    expect(create).toMatch(/^ {8}CREATE OR REPLACE VIEW .* AS … \(\d+ more lines; plan --json shows the whole statement\)$/);
    expect(lines.some((l) => /^\s+FROM "sales"\."customers"/.test(l))).toBe(false);
    // in full when asked, and none with --no-sql
    expect(sections(plan, { fullSql: true }).get('domain sales · analytics.sales.customers')!.some((l) => /^\s+FROM "sales"\."customers"/.test(l))).toBe(true);
    expect(sections(plan, { showSql: false }).get('domain sales · analytics.sales.customers')!.some((l) => l.includes('CREATE'))).toBe(false);

    await planAndApply(session);
    expect(await pendingChanges(session)).toEqual([]);
    const shown = await sql(async (db) => {
      await db.exec('BEGIN');
      try {
        await db.exec(`SET LOCAL ROLE ${q(analyst)}`);
        return (await db.query(`SELECT phone FROM ${customers} WHERE phone IS NOT NULL LIMIT 1`)).rows[0]!.phone as string;
      } finally {
        await db.exec('ROLLBACK');
      }
    });
    expect(shown).toMatch(/^XXXXX.{3}$/);
  });

  it('state recorded before the facts were: no change, and a removal still names its table', async () => {
    await sql((db) => db.exec(`UPDATE ${q(role('meta'))}."state" SET spec = spec - '$about'`));
    expect(await pendingChanges(session)).toEqual([]);
    edit(t, 'domains/sales.yaml', ['read: [analytics.sales.orders, analytics.sales.products', 'read: [analytics.sales.products']);
    await reopen();
    const { plan } = await planFor(session);
    expect(changeOf(plan, `grant:SELECT:view:${view('sales', 'orders')}:${role('marketing_analysts')}`)).toMatchObject({ action: 'remove', table: 'analytics.sales.orders' });
    await planAndApply(session);
    // the apply recorded the facts again: removals have their domain once more
    edit(t, 'domains/sales.yaml', ['read: [analytics.sales.products', 'read: [analytics.sales.orders, analytics.sales.products']);
    await reopen();
    await planAndApply(session);
    edit(t, 'domains/sales.yaml', ['read: [analytics.sales.orders, analytics.sales.products', 'read: [analytics.sales.products']);
    await reopen();
    expect(changeOf((await planFor(session)).plan, `grant:SELECT:view:${view('sales', 'orders')}:${role('marketing_analysts')}`)).toMatchObject({ domain: 'sales', table: 'analytics.sales.orders' });
  });
});
