import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { stepText } from '../../../src/plan/step.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { planFor } from '../../../src/session/plan-for.js';
import { runImport, type ImportResult } from '../../../src/import/run.js';
import { validateRepository } from '../../../src/validate.js';
import { errorsOf } from '../../import/support.js';
import { open, pendingChanges, planAndApply } from '../../support/e2e-session.js';
import { ENGINES } from '../../support/e2e-target.js';
import { makeEstate, q, type Estate } from '../../import/estate-fixture.js';

/**
 * Issue 5, part 5 (1): adopting a hand-built estate that meshward has never seen.
 *
 * The imported model's groups are the EXISTING roles (analysts, leads, finance); meshward
 * manages prefixed roles and views next to them and never touches the existing ones — so "re-plan
 * to zero changes" cannot mean the first draft against the untouched estate (its desired objects
 * do not exist yet). It means: import, apply the draft once, import the now-managed estate again,
 * and that second draft plans NO change (and holds the same model as the first) — while the
 * original roles keep exactly the access they had (their grants and memberships untouched).
 */

/** Everything the original roles hold: relation and column privileges, schema USAGE, memberships, PUBLIC's grants. */
async function accessOf(e: Estate): Promise<unknown> {
  const roles = ['analysts', 'leads', 'finance', 'alice', 'etl'].map(e.role);
  return {
    relations: await e.sql(
      `SELECT n.nspname::text || '.' || c.relname::text AS rel, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee, a.privilege_type::text AS privilege
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
        WHERE a.grantee = 0 OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1)) ORDER BY 1, 2, 3`,
      [roles],
    ),
    columns: await e.sql(
      `SELECT c.relname::text AS rel, at.attname::text AS col, pg_get_userbyid(x.grantee)::text AS grantee, x.privilege_type::text AS privilege
         FROM pg_class c JOIN pg_attribute at ON at.attrelid = c.oid, aclexplode(at.attacl) x
        WHERE x.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1)) ORDER BY 1, 2, 3, 4`,
      [roles],
    ),
    schemas: await e.sql(
      `SELECT n.nspname::text AS schema, pg_get_userbyid(a.grantee)::text AS grantee FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY ($1)) ORDER BY 1, 2`,
      [roles],
    ),
    memberships: await e.sql(
      `SELECT r.rolname::text AS role, m.rolname::text AS member FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
        WHERE r.rolname = ANY ($1) OR m.rolname = ANY ($1) ORDER BY 1, 2`,
      [roles],
    ),
    policies: await e.sql(`SELECT polname::text AS name, pg_get_expr(polqual, polrelid) AS qual FROM pg_policy ORDER BY 1`),
  };
}

/** The YAML documents of a draft, comments left out (what the model holds). */
function documents(result: ImportResult): Record<string, unknown> {
  return Object.fromEntries([...result.draft.files].filter(([p]) => p.endsWith('.yaml') && p !== 'meshward.yaml').map(([p, text]) => [p, YAML.parse(text)]));
}

describe.each(ENGINES)('adopting an unmanaged estate on %s', (engine) => {
  let e: Estate;
  let first: ImportResult;
  let before: unknown;
  const outs: string[] = [];
  const freshOut = () => {
    const d = mkdtempSync(join(tmpdir(), 'meshward-estate-import-'));
    outs.push(d);
    rmSync(d, { recursive: true });
    return d;
  };

  beforeAll(async () => {
    e = await makeEstate(engine);
    before = await accessOf(e);
    first = await runImport({ dir: e.dir, target: e.target, env: e.env, out: freshOut() });
  }, 180_000);

  afterAll(async () => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
    await e?.cleanup();
  });

  it('imports to a repository that validates with no error and lists what the model cannot hold', () => {
    const r = e.role;
    const v = validateRepository({ dir: first.outDir });
    expect(errorsOf(v)).toEqual([]);
    expect(first.estate.project).toBeNull();
    expect(first.estate.groups.map((g) => [g.name, g.memberOf, g.managed])).toEqual(
      [
        [r('analysts'), [], false],
        [r('finance'), [], false],
        [r('leads'), [r('analysts')], false],
      ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
    expect(first.estate.tables.map((t) => [t.name, t.readers])).toEqual([
      ['analytics.finance.invoices', [r('finance'), r('leads')].sort()],
      ['analytics.finance.ledger', [r('finance')]],
      ['analytics.sales.customers', [r('analysts')]],
      ['analytics.sales.orders', [r('analysts')]],
    ]);
    expect(first.estate.unrepresentable.map((u) => `${u.kind} ${u.object}`)).toEqual([
      'column_grant finance.ledger',
      'function public.mask_email(e text)',
      'privilege sales.orders',
      'public_grant scratch.tmp',
      'rls_policy finance.invoices',
      'view sales.big_orders',
    ]);
    expect(first.draft.summary).toMatchObject({ groups: 3, domains: 2, tables: 4, policies: 0 });
    expect(first.draft.summary.unrepresentable).toHaveLength(6);
    // bulk reading: roles, schemas, relations, RLS policies, functions, inventory — no governance yet
    expect(first.estate.queryCount).toBe(6);
    const principals = readFileSync(join(first.outDir, 'principals.yaml'), 'utf8');
    expect(principals).toContain(`# login role ${r('alice')} is a member of ${r('leads')}`);
    expect(YAML.parse(principals).groups[r('leads')]).toEqual({ member_of: [r('analysts')] });
    const report = readFileSync(join(first.outDir, 'IMPORT-REPORT.md'), 'utf8');
    for (const u of first.estate.unrepresentable) expect(report).toContain(`\`${u.object}\``);
    expect(readFileSync(join(first.outDir, 'domains', 'finance.yaml'), 'utf8')).toMatch(/# - rls_policy finance\.invoices: row-level security policy "emea_only"/);
    expect(readFileSync(join(first.outDir, 'meshward.yaml'), 'utf8')).toContain(engine === 'pglite' ? 'bootstrap:' : '${env:MESHWARD_E2E_URL}');
  });

  it('applied once and imported again, it plans no change; the original roles keep their access', async () => {
    const r = e.role;
    // Adopt in place: the draft replaces the repository's files (an embedded target's data lives there).
    const adopted = await runImport({ dir: e.dir, target: e.target, env: e.env, out: e.dir, force: true });
    expect(documents(adopted)).toEqual(documents(first));

    let session = await open(e);
    try {
      const { plan } = await planFor(session);
      expect(plan.changes.length).toBeGreaterThan(0);
      // meshward creates its own roles, schemas and views; it never names an existing role
      const asRole = (n: string) => new RegExp(`\\b(?:TO|FROM|ROLE|GRANT)\\s+${q(r(n)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\.)`);
      for (const c of plan.changes) for (const sql of c.steps.map(stepText)) for (const n of ['analysts', 'leads', 'finance', 'alice', 'etl']) expect(sql).not.toMatch(asRole(n));
      // the existing SELECT grants on what is now governed contradict the model: reported, not revoked
      const contradicting = plan.findings.filter((f) => f.code === 'BYPASS_GRANT').map((f) => `${f.object} ${f.grantee}${f.columnLevel ? ' (columns)' : ''}`);
      expect(contradicting.sort()).toEqual(
        [
          `"finance"."invoices" ${r('finance')}`,
          `"finance"."invoices" ${r('leads')}`,
          `"finance"."ledger" ${r('analysts')} (columns)`,
          `"finance"."ledger" ${r('finance')}`,
          `"sales"."customers" ${r('analysts')}`,
          `"sales"."orders" ${r('analysts')}`,
        ].sort(),
      );
      await planAndApply(session);
      expect(await pendingChanges(session)).toEqual([]);
    } finally {
      await session.close();
    }

    const second = await runImport({ dir: e.dir, target: e.target, env: e.env, out: freshOut() });
    expect(second.estate.project).toMatchObject({ prefix: e.prefix });
    expect(second.estate.groups.map((g) => [g.name, g.managed])).toEqual(first.estate.groups.map((g) => [g.name, true]));
    expect(documents(second)).toEqual(documents(first));
    expect(second.estate.unrepresentable.filter((u) => u.kind === 'contradicting_grant')).toHaveLength(6);
    expect(second.estate.queryCount).toBe(7);

    // the second draft, in place of the first, plans zero changes
    await runImport({ dir: e.dir, target: e.target, env: e.env, out: e.dir, force: true });
    session = await open(e);
    try {
      expect(await pendingChanges(session)).toEqual([]);
    } finally {
      await session.close();
    }
    expect(await accessOf(e)).toEqual(before);
  }, 180_000);
});
