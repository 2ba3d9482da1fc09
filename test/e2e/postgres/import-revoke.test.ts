import { mkdtempSync, rmSync } from 'node:fs';
import { stepText } from '../../../src/plan/step.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../../src/session/plan-for.js';
import { paint } from '../../../src/cli/output.js';
import { renderPlan } from '../../../src/cli/views/plan.js';
import { openTarget } from '../../../src/session/open-target.js';
import { cli, ensureBuilt } from '../../support/e2e-cli.js';
import { open, planAndApply, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 5, part 5 (3): unmanaged SELECT grants that contradict the model. After the example is
 * applied, a DBA grants SELECT on the governed base table sales.customers to PUBLIC and to an
 * unmanaged role (and a column-level SELECT on sales.orders). `plan` lists them as contradicting
 * the model and changes nothing; `--revoke-unmanaged` turns them into UNMANAGED_REVOKE changes;
 * apply refuses them without `--allow-hazard UNMANAGED_REVOKE` — a saved plan file does not
 * approve them either — and revokes them with it. Grants on an ungoverned table are never touched.
 */
describe.each(ENGINES)('--revoke-unmanaged on %s', (engine) => {
  let t: E2eTarget;
  let bypasser: string;
  let work: string;
  /** The role literally named "PUBLIC" is cluster-wide: only on the embedded database. */
  const publicRole = engine === 'pglite';

  async function sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    const s = await openTarget({ dir: t.dir, target: t.target, env: t.env, connectOnly: true });
    try {
      return (await s.conn.query(text, params)).rows;
    } finally {
      await s.close();
    }
  }

  /** SELECT grantees (table and column level) of a base table, PUBLIC as 'PUBLIC'. */
  async function selectors(table: string): Promise<string[]> {
    const rows = await sql(
      `SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE '"' || replace(pg_get_userbyid(a.grantee), '"', '""') || '"' END AS g
         FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = to_regclass($1) AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
       UNION
       SELECT DISTINCT '"' || replace(pg_get_userbyid(x.grantee), '"', '""') || '" (columns)' FROM pg_attribute at, aclexplode(at.attacl) x
        WHERE at.attrelid = to_regclass($1) AND x.privilege_type = 'SELECT'
       ORDER BY 1`,
      [table],
    );
    return rows.map((r) => String(r.g)).sort();
  }

  const run = (...args: string[]) => cli([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  beforeAll(async () => {
    await ensureBuilt();
    t = await makeTarget(engine);
    work = mkdtempSync(join(tmpdir(), 'meshward-revoke-'));
    bypasser = engine === 'pglite' ? 'bypasser' : `${t.prefix.replace(/^t/, 'b')}bypasser`;
    const session = await open(t);
    try {
      await planAndApply(session);
      await session.conn.exec(`CREATE ROLE ${q(bypasser)} NOLOGIN`);
      if (publicRole) await session.conn.exec(`CREATE ROLE "PUBLIC" NOLOGIN`);
      await session.conn.exec(`GRANT SELECT ON sales.customers TO PUBLIC`);
      await session.conn.exec(`GRANT SELECT ON sales.customers TO ${q(bypasser)}`);
      await session.conn.exec(`GRANT SELECT (order_id) ON sales.orders TO ${q(bypasser)}`);
      if (publicRole) await session.conn.exec(`GRANT SELECT ON sales.stores TO "PUBLIC"`);
      await session.conn.exec(`GRANT SELECT ON sales.tmp_order_import TO PUBLIC, ${q(bypasser)}`);
    } finally {
      await session.close();
    }
  }, 180_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    if (t && engine === 'server') {
      await sql(`DROP OWNED BY ${q(bypasser)}`).catch(() => undefined);
      await sql(`DROP ROLE IF EXISTS ${q(bypasser)}`).catch(() => undefined);
    }
    await t?.cleanup();
  });

  it('plan lists them as contradicting the model and changes nothing', async () => {
    const session = await open(t);
    try {
      const { plan } = await planFor(session);
      expect(plan.changes).toEqual([]);
      const bypasses = plan.findings.filter((f) => f.code === 'BYPASS_GRANT').map((f) => `${f.object} ${f.grantee === '' ? 'PUBLIC' : q(f.grantee!)}${f.columnLevel ? ' (columns)' : ''}`);
      expect(bypasses.sort()).toEqual(
        ['"sales"."customers" PUBLIC', `"sales"."customers" ${q(bypasser)}`, `"sales"."orders" ${q(bypasser)} (columns)`, ...(publicRole ? ['"sales"."stores" "PUBLIC"'] : [])].sort(),
      );
      const text = renderPlan(plan, paint(false));
      expect(text).toContain('contradicts the model (the target is not in sync until these are gone)');
    expect(text).toContain('No changes meshward makes unasked, but the target does not match the model');
      expect(text).toContain('GRANT SELECT to PUBLIC on the base table analytics.sales.customers bypasses the managed view');
      expect(text).not.toContain('tmp_order_import');
    } finally {
      await session.close();
    }
  });

  it('--revoke-unmanaged turns them into UNMANAGED_REVOKE changes', async () => {
    const session = await open(t);
    try {
      const { plan } = await planFor(session, { revokeUnmanaged: true });
      expect(plan.changes.map((c) => [c.action, c.kind, c.hazards, c.steps.map(stepText)]).sort()).toEqual(
        [
          ['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], ['REVOKE SELECT ON TABLE "sales"."customers" FROM PUBLIC;']],
          ['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], [`REVOKE SELECT ON TABLE "sales"."customers" FROM ${q(bypasser)};`]],
          ['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], [`REVOKE SELECT ON TABLE "sales"."orders" FROM ${q(bypasser)};`]],
          ...(publicRole ? [['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], ['REVOKE SELECT ON TABLE "sales"."stores" FROM "PUBLIC";']]] : []),
        ].sort(),
      );
      expect(plan.changes.every((c) => c.table !== null && c.domain === null)).toBe(true);
      expect(renderPlan(plan, paint(false))).toContain('→ revoked by this plan (UNMANAGED_REVOKE)');
    } finally {
      await session.close();
    }
  });

  it('apply refuses them without --allow-hazard UNMANAGED_REVOKE, even from a saved plan; nothing is applied', async () => {
    const before = [await selectors('sales.customers'), await selectors('sales.orders')];
    const planFile = join(work, 'plan.json');
    const saved = await run('plan', '--revoke-unmanaged', '--out', planFile);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain('UNMANAGED_REVOKE');

    const fromFile = await run('apply', planFile);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/UNMANAGED_REVOKE blocks apply: SELECT on table "sales"\."customers" → PUBLIC \(not made by meshward\).*pass --allow-hazard UNMANAGED_REVOKE/);

    const direct = await run('apply', '--yes', '--revoke-unmanaged');
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('UNMANAGED_REVOKE blocks apply');
    expect([await selectors('sales.customers'), await selectors('sales.orders')]).toEqual(before);
    expect(before[0]).toContain('PUBLIC');
  }, 120_000);

  it('with --allow-hazard UNMANAGED_REVOKE they are revoked; the ungoverned table keeps its grants', async () => {
    const ungoverned = await selectors('sales.tmp_order_import');
    expect(ungoverned).toEqual([q(bypasser), 'PUBLIC']);
    const applied = await run('apply', '--yes', '--revoke-unmanaged', '--allow-hazard', 'UNMANAGED_REVOKE');
    expect(applied.code, applied.stderr).toBe(0);
    expect(await selectors('sales.customers')).toEqual([q(`${t.prefix}owner`)]);
    expect(await selectors('sales.orders')).toEqual([q(`${t.prefix}owner`)]);
    if (publicRole) expect(await selectors('sales.stores')).toEqual([q(`${t.prefix}owner`)]);
    expect(await selectors('sales.tmp_order_import')).toEqual(ungoverned);

    const session = await open(t);
    try {
      const { plan } = await planFor(session, { revokeUnmanaged: true });
      expect(plan.changes).toEqual([]);
      expect(plan.findings.filter((f) => f.code === 'BYPASS_GRANT')).toEqual([]);
    } finally {
      await session.close();
    }
  }, 120_000);
});
