import { describe, expect, it } from 'vitest';
import { stepText } from '../../../src/plan/step.js';
import { planFor } from '../../../src/session/plan-for.js';
import { keys } from '../../../src/targets/postgres/objects.js';
import { enforcement } from '../../support/e2e-enforce.js';
import { appliedExample, edit, pendingChanges, planAndApply, q, roleOf, withOutOfBand, type SqlClient } from '../../support/e2e-session.js';
import { ENGINES } from '../../support/e2e-target.js';

/**
 * Group attribute values are rows of `<gov>.attributes` that the managed views read
 * (`region IN user.region`): enforced as the resolver says when queried as a member; a change of
 * a group's value is a row change (no view statement) enforced after apply; a consumer cannot
 * read the table; a row added or deleted out of band is drift, and apply repairs it.
 */
describe.each(ENGINES)('group attribute values as data on %s', (engine) => {
  const suite = appliedExample(engine);
  const gov = () => `${suite.t.prefix}meta`;
  const customers = () => `${q(`${suite.t.prefix}sales`)}."customers"`;

  /** The distinct regions of the customers a member of `groups` reads through the view, or 'denied'. */
  async function regionsAs(db: SqlClient, groups: readonly string[], relation = customers()): Promise<string[] | 'denied'> {
    const probe = `${suite.t.prefix}probe_attrs`;
    await db.exec('BEGIN');
    try {
      await db.exec(`CREATE ROLE ${q(probe)} NOLOGIN IN ROLE ${groups.map((g) => q(roleOf(suite.session, g))).join(', ')}; SET LOCAL ROLE ${q(probe)};`);
      const { rows } = await db.query(`SELECT DISTINCT region::text AS r FROM ${relation} AS x ORDER BY 1`);
      return rows.map((r) => String(r.r));
    } catch (e) {
      if (/permission denied/i.test((e as Error).message)) return 'denied';
      throw e;
    } finally {
      await db.exec('ROLLBACK');
    }
  }
  const regions = (groups: readonly string[], relation?: string) => withOutOfBand(suite.t, suite.session, (db) => regionsAs(db, groups, relation));
  it('a member of a group with region EMEA reads exactly the EMEA rows; the union over several groups; as the resolver says', async () => {
    expect(await regions(['sales_analysts'])).toEqual(['EMEA']);
    expect(await regions(['sales_analysts_us'])).toEqual(['AMER']);
    expect(await regions(['sales_analysts', 'sales_analysts_us'])).toEqual(['AMER', 'EMEA']);
    const r = await enforcement(suite.session, [['sales_analysts'], ['sales_analysts_us'], ['sales_analysts', 'sales_analysts_us'], ['data_scientists'], ['sales_leads']], ['analytics.sales.customers', 'analytics.sales.orders']);
    expect(r.problems).toEqual([]);
    expect(r.readable).toBeGreaterThan(0);
  });

  it('a consumer cannot read the attributes table, only the view owner', async () => {
    expect(await regions(['sales_analysts'], `${q(gov())}."attributes"`)).toBe('denied');
    const acl = await withOutOfBand(suite.t, suite.session, (db) => db.query(`SELECT pg_get_userbyid(relowner)::text AS owner, relacl IS NULL AS default_acl FROM pg_class WHERE oid = '${q(gov())}."attributes"'::regclass`));
    expect(acl.rows).toEqual([{ owner: `${suite.t.prefix}owner`, default_acl: true }]);
  });

  it("changing a group's value in the model is a row change (no view statement), enforced after apply", async () => {
    edit(suite.t, 'principals.yaml', ['attributes: { region: [EMEA], department: [sales] }', 'attributes: { region: [AMER, APAC], department: [sales] }']);
    await suite.reopen();
    const { plan } = await planFor(suite.session);
    const role = roleOf(suite.session, 'sales_analysts');
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.hazards.join(',')}`)).toEqual(['remove attribute AUTHZ_NARROW', 'add attribute AUTHZ_WIDEN', 'add attribute AUTHZ_WIDEN']);
    expect(plan.changes.map((c) => c.key)).toEqual([
      keys.attributeValue({ role, attribute: 'region', type: 'string', value: 'EMEA' }),
      keys.attributeValue({ role, attribute: 'region', type: 'string', value: 'AMER' }),
      keys.attributeValue({ role, attribute: 'region', type: 'string', value: 'APAC' }),
    ]);
    expect(plan.changes.flatMap((c) => c.steps.map(stepText)).every((s) => /^(DELETE FROM|INSERT INTO) "[^"]+"\."attributes" /.test(s))).toBe(true);
    await planAndApply(suite.session);
    expect(await pendingChanges(suite.session)).toEqual([]);
    expect(await regions(['sales_analysts'])).toEqual(['AMER', 'APAC']);
    expect((await enforcement(suite.session, [['sales_analysts'], ['sales_leads']], ['analytics.sales.customers'])).problems).toEqual([]);
  });

  it('a row inserted or deleted out of band is drift; the leak is real until apply repairs it', async () => {
    const us = roleOf(suite.session, 'sales_analysts_us');
    await withOutOfBand(suite.t, suite.session, async (db) => {
      await db.exec(`INSERT INTO ${q(gov())}."attributes" (role, attribute, type, value) VALUES ('${us}', 'region', 'string', 'EMEA')`);
      await db.exec(`DELETE FROM ${q(gov())}."attributes" WHERE role = '${roleOf(suite.session, 'sales_analysts')}' AND value = 'APAC'`);
    });
    expect(await regions(['sales_analysts_us'])).toEqual(['AMER', 'EMEA']);
    const { items } = await suite.session.target.drift(suite.session.conn, suite.session.ctx);
    expect(items.map((i) => `${i.status} ${i.kind}`).sort()).toEqual(['extra attribute', 'missing attribute']);
    const extra = items.find((i) => i.status === 'extra')!;
    expect(extra.key).toBe(keys.attributeValue({ role: us, attribute: 'region', type: 'string', value: 'EMEA' }));
    expect(extra.detail).toMatch(/added to .*"attributes" outside meshward/);
    expect(items.find((i) => i.status === 'missing')!.detail).toMatch(/"APAC" of user.region .* was deleted/);
    const { plan } = await planFor(suite.session);
    expect(plan.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['remove attribute', 'add attribute']);
    await planAndApply(suite.session);
    expect((await suite.session.target.drift(suite.session.conn, suite.session.ctx)).items).toEqual([]);
    expect(await regions(['sales_analysts_us'])).toEqual(['AMER']);
    expect(await regions(['sales_analysts'])).toEqual(['AMER', 'APAC']);
  });
});
