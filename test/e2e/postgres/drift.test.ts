import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepText } from '../../../src/plan/step.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import type { DriftItem } from '../../../src/targets/target.js';
import { cli, ensureBuilt, type CliResult } from '../../support/e2e-cli.js';
import { assertEnforced, enforcement } from '../../support/e2e-enforce.js';
import { changeOf, open, outOfBand, pendingChanges, planAndApply, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Drift: after an apply, a DBA changes things with plain SQL as the superuser. Each change must
 * be detected and named by `drift` (API and CLI, every format); `apply` then repairs what
 * meshward manages, and the one unmanaged change (a PUBLIC grant on a base table) stays,
 * reported as a bypass by plan and drift and never revoked.
 */
describe.each(ENGINES)('drift on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;

  const keys = () => ({
    extraViewGrant: `grant:SELECT:view:"${p}finance"."invoices":${p}marketing_analysts`,
    /** Every grant on the base table sales.customers; the PUBLIC one is found by its status (its key spells PUBLIC as the driver reads grantee 0). */
    customersTableGrant: 'grant:SELECT:table:"sales"."customers":',
    managedBypass: `grant:SELECT:table:"hr"."salaries":${p}hr_partners`,
    replacedView: `view:"${p}sales"."customers"`,
    droppedView: `view:"${p}marketing"."newsletter_subscribers"`,
    droppedViewGrants: ['data_scientists', 'marketing_analysts'].map((g) => `grant:SELECT:view:"${p}marketing"."newsletter_subscribers":${p}${g}`),
    revokedMembership: `membership:${p}sales_analysts:${p}sales_leads`,
  });

  /** Runs the CLI on the target; PGlite's directory is single-process, so our session is closed meanwhile. */
  async function driftCli(format: 'text' | 'json' | 'markdown'): Promise<CliResult> {
    if (engine === 'pglite') await session.close();
    try {
      return await cli(['drift', '--dir', t.dir, '--target', t.target, '--format', format], { env: t.env });
    } finally {
      if (engine === 'pglite') session = await open(t);
    }
  }

  const byKey = (items: readonly DriftItem[]) => new Map(items.map((i) => [i.key, i]));

  beforeAll(async () => {
    const built = ensureBuilt();
    t = await makeTarget(engine);
    p = t.prefix;
    session = await open(t);
    await planAndApply(session);
    await built;
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('right after apply: in sync (API, and the CLI exits 0 in every format)', async () => {
    const { items, queryCount } = await session.target.drift(session.conn, session.ctx);
    expect(items).toEqual([]);
    expect(queryCount).toBe(6);
    const json = await driftCli('json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ format: 1, target: t.target, in_sync: true, items: [] });
    const md = await driftCli('markdown');
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/in sync with the last apply/);
    const text = await driftCli('text');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/in sync with the last apply/);
  });

  it('each out-of-band change is detected and named by drift', async () => {
    const k = keys();
    const db = await outOfBand(t, session);
    try {
      // (a) SELECT on a managed view to a managed group the model does not grant it to
      await db.exec(`GRANT SELECT ON ${q(`${p}finance`)}.invoices TO ${q(`${p}marketing_analysts`)}`);
      // (b) SELECT on governed base tables: to PUBLIC (unmanaged) and to a managed group role
      await db.exec('GRANT SELECT ON sales.customers TO PUBLIC');
      await db.exec(`GRANT SELECT ON hr.salaries TO ${q(`${p}hr_partners`)}`);
      // (c) the view replaced by one that shows every column in clear; the marker comment survives
      const { rows: cols } = await db.query(
        `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
          WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [`${q(`${p}sales`)}.customers`],
      );
      const select = cols.map((c) => `${q(String(c.name))}::${String(c.type)} AS ${q(String(c.name))}`).join(', ');
      await db.exec(`CREATE OR REPLACE VIEW ${q(`${p}sales`)}.customers AS SELECT ${select} FROM sales.customers`);
      const comment = await db.query(`SELECT obj_description($1::regclass, 'pg_class') AS c`, [`${q(`${p}sales`)}.customers`]);
      expect(String(comment.rows[0]!.c)).toMatch(/^meshward:/);
      // (d) a managed view dropped
      await db.exec(`DROP VIEW ${q(`${p}marketing`)}.newsletter_subscribers`);
      // (e) a member_of membership between managed roles revoked
      await db.exec(`REVOKE ${q(`${p}sales_analysts`)} FROM ${q(`${p}sales_leads`)}`);
    } finally {
      await db.close();
    }

    const { items } = await session.target.drift(session.conn, session.ctx);
    const bypasses = items.filter((i) => i.status === 'bypass');
    expect(bypasses).toHaveLength(1);
    const publicBypass = bypasses[0]!;
    expect(publicBypass.key.startsWith(k.customersTableGrant)).toBe(true);
    expect(publicBypass).toMatchObject({ kind: 'grant', table: 'analytics.sales.customers' });
    expect(publicBypass.detail).toMatch(/^GRANT SELECT to PUBLIC on the base table analytics\.sales\.customers bypasses the managed view/);
    const got = byKey(items.filter((i) => i !== publicBypass));
    expect([...got.keys()].sort()).toEqual([k.extraViewGrant, k.managedBypass, k.replacedView, k.droppedView, ...k.droppedViewGrants, k.revokedMembership].sort());
    expect(got.get(k.extraViewGrant)).toMatchObject({ status: 'extra', kind: 'grant' });
    expect(got.get(k.extraViewGrant)!.detail).toMatch(new RegExp(`GRANT SELECT ON view "${p}finance"."invoices" TO "${p}marketing_analysts" was made outside meshward`));
    expect(got.get(k.managedBypass)).toMatchObject({ status: 'extra', kind: 'grant', table: 'analytics.hr.salaries' });
    expect(got.get(k.managedBypass)!.detail).toMatch(/bypasses the managed view/);
    expect(got.get(k.replacedView)).toMatchObject({ status: 'altered', kind: 'view', table: 'analytics.sales.customers', object: `view "${p}sales"."customers"` });
    expect(got.get(k.replacedView)!.detail).toMatch(/definition|options|columns/);
    expect(got.get(k.droppedView)).toMatchObject({ status: 'missing', kind: 'view', table: 'analytics.marketing.newsletter_subscribers' });
    expect(got.get(k.droppedView)!.detail).toMatch(/dropped since the last apply/);
    for (const g of k.droppedViewGrants) expect(got.get(g)).toMatchObject({ status: 'missing', kind: 'grant' });
    expect(got.get(k.revokedMembership)).toMatchObject({ status: 'missing', kind: 'membership' });
    expect(got.get(k.revokedMembership)!.detail).toMatch(new RegExp(`"${p}sales_leads" is no longer a member of "${p}sales_analysts"`));

    // The replaced view really leaks: sales analysts now see e-mail addresses in clear.
    const now = await enforcement(session, [['sales_analysts']], ['analytics.sales.customers']);
    expect(now.problems.some((x) => /on analytics\.sales\.customers: row .* column email: expected XXXXX@/.test(x))).toBe(true);
  });

  // PUBLIC is read as grantee '' (a role may be named "PUBLIC"); the item must still say PUBLIC.
  it('the PUBLIC bypass item names its grantee PUBLIC in the object', async () => {
    const { items } = await session.target.drift(session.conn, session.ctx);
    const bypass = items.find((i) => i.status === 'bypass');
    expect(bypass?.object).toBe('SELECT on table "sales"."customers" → PUBLIC');
  });

  it('the CLI names the same drift: json and markdown and text, exit 2', async () => {
    const { items } = await session.target.drift(session.conn, session.ctx);
    const json = await driftCli('json');
    expect(json.code, json.stderr).toBe(2);
    const report = JSON.parse(json.stdout) as { format: number; target: string; in_sync: boolean; items: DriftItem[] };
    expect(report).toMatchObject({ format: 1, target: t.target, in_sync: false });
    expect(report.items).toEqual(items);

    const md = await driftCli('markdown');
    expect(md.code, md.stderr).toBe(2);
    const lines = md.stdout.split('\n');
    expect(lines).toContain('| status | object | table | what differs |');
    expect(lines).toContain('| --- | --- | --- | --- |');
    const rows = lines.filter((l) => /^\| (missing|altered|extra|bypass) \|/.test(l));
    expect(rows).toHaveLength(items.length);
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^\\| missing \\| view "${p}marketing"\\."newsletter_subscribers" \\| analytics\\.marketing\\.newsletter_subscribers \\| `)));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^\\| altered \\| view "${p}sales"\\."customers" \\| analytics\\.sales\\.customers \\| `)));
    expect(rows).toContainEqual(expect.stringMatching(/^\| bypass \| SELECT on table "sales"\."customers" → .*\| analytics\.sales\.customers \| GRANT SELECT to PUBLIC on the base table/));

    const text = await driftCli('text');
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toMatch(new RegExp(`${items.length} drifted objects`));
    for (const i of items) expect(text.stdout).toContain(i.object);
  });

  it('plan lists the repairs and reports the PUBLIC grant as a finding, never as a change', async () => {
    const k = keys();
    const { plan } = await planFor(session);
    expect(changeOf(plan, k.extraViewGrant)).toMatchObject({ action: 'remove', hazards: ['AUTHZ_NARROW'] });
    expect(changeOf(plan, k.managedBypass)).toMatchObject({ action: 'remove', hazards: ['AUTHZ_NARROW'] });
    expect(changeOf(plan, k.replacedView).action).toBe('change');
    expect(changeOf(plan, k.droppedView).action).toBe('add');
    for (const g of k.droppedViewGrants) expect(changeOf(plan, g)).toMatchObject({ action: 'add', hazards: ['AUTHZ_WIDEN'] });
    expect(changeOf(plan, k.revokedMembership)).toMatchObject({ action: 'add', hazards: ['AUTHZ_WIDEN'] });
    expect(plan.changes.filter((c) => c.key.startsWith(k.customersTableGrant) || c.steps.map(stepText).some((s) => /PUBLIC/.test(s)))).toEqual([]);
    expect(plan.findings).toContainEqual(expect.objectContaining({ code: 'BYPASS_GRANT', object: '"sales"."customers"', table: 'analytics.sales.customers' }));
    // The replaced view is put back first: tightening runs before anything is granted.
    const at = (key: string) => plan.changes.findIndex((c) => c.key === key);
    expect(at(k.replacedView)).toBeLessThan(at(k.revokedMembership));
  });

  it('apply repairs what meshward manages; enforcement holds again; only the PUBLIC bypass remains', async () => {
    const k = keys();
    await planAndApply(session);
    await assertEnforced(session);
    expect(await pendingChanges(session)).toEqual([]);
    const { items } = await session.target.drift(session.conn, session.ctx);
    expect(items.map((i) => `${i.status} ${i.table}`)).toEqual(['bypass analytics.sales.customers']);
    expect(items[0]!.detail).toMatch(/to PUBLIC/);
    const { plan } = await planFor(session);
    expect(plan.findings.filter((f) => f.code === 'BYPASS_GRANT').map((f) => f.object)).toEqual(['"sales"."customers"']);
    const db = await outOfBand(t, session);
    try {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = 'sales.customers'::regclass AND a.grantee = 0 AND a.privilege_type = 'SELECT'`,
      );
      expect(rows[0]!.n).toBe(1); // never revoked: meshward did not make it
      const leaked = await db.query(`SELECT has_table_privilege(${`'${p}hr_partners'`}, 'hr.salaries', 'SELECT') AS can`);
      expect(leaked.rows[0]!.can).toBe(false);
    } finally {
      await db.close();
    }
    const json = await driftCli('json');
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { items: DriftItem[] }).items.map((i) => i.status)).toEqual(['bypass']);
  });

  it('once the DBA revokes the PUBLIC grant, drift is in sync (exit 0)', async () => {
    const db = await outOfBand(t, session);
    await db.exec('REVOKE SELECT ON sales.customers FROM PUBLIC');
    await db.close();
    expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
    const json = await driftCli('json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ in_sync: true, items: [] });
  });
});
