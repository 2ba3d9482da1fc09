import { describe, expect, it } from 'vitest';
import { sqlSteps, stepText } from '../../src/plan/step.js';
import { paint } from '../../src/cli/output.js';
import { renderPlan } from '../../src/cli/views/plan.js';
import { blockingHazards, buildPlan } from '../../src/plan/plan.js';
import { hazards, rank } from '../../src/targets/postgres/hazards.js';
import { postgresTarget } from '../../src/targets/postgres/index.js';
import { objects } from '../../src/targets/postgres/objects.js';
import { render } from '../../src/targets/postgres/render.js';
import { revokeFinding } from '../../src/targets/postgres/unmanaged.js';
import type { Finding, RenderContext } from '../../src/targets/target.js';

/**
 * `--revoke-unmanaged`: a BYPASS_GRANT finding becomes a `remove` change of kind unmanaged_grant
 * with the blocking hazard UNMANAGED_REVOKE, rendered through its template with quoted names.
 */

const finding = (grantee: string, object = '"sales"."customers"', columnLevel = false): Finding => ({
  code: 'BYPASS_GRANT',
  object,
  table: 'analytics.sales.customers',
  message: `GRANT SELECT to ${grantee === '' ? 'PUBLIC' : `"${grantee}"`} on the base table analytics.sales.customers bypasses the managed view`,
  key: `grant:SELECT:${columnLevel ? 'columns' : 'table'}:${object}:${grantee}`,
  grantee,
  columnLevel,
});
const ctx = {} as RenderContext; // unmanaged_grant needs nothing from the context

describe('revoking unmanaged grants', () => {
  it('renders PUBLIC as the keyword and a role named "PUBLIC" as a quoted identifier', () => {
    expect(render({ ...revokeFinding(finding(''))!, hazards: [] }, ctx)).toEqual(['REVOKE SELECT ON TABLE "sales"."customers" FROM PUBLIC;']);
    expect(render({ ...revokeFinding(finding('PUBLIC'))!, hazards: [] }, ctx)).toEqual(['REVOKE SELECT ON TABLE "sales"."customers" FROM "PUBLIC";']);
    expect(render({ ...revokeFinding(finding('ro"le; DROP TABLE x', '"sa""les"."cu.st"'))!, hazards: [] }, ctx)).toEqual(['REVOKE SELECT ON TABLE "sa""les"."cu.st" FROM "ro""le; DROP TABLE x";']);
    // a column-level bypass: revoking the table privilege revokes the column privileges too
    expect(render({ ...revokeFinding(finding('etl', '"sales"."customers"', true))!, hazards: [] }, ctx)).toEqual(['REVOKE SELECT ON TABLE "sales"."customers" FROM "etl";']);
  });

  it('is a narrowing, blocking UNMANAGED_REVOKE change ranked with the revokes; other findings are not revocable', () => {
    const c = revokeFinding(finding('etl'))!;
    expect(c).toMatchObject({ action: 'remove', kind: 'unmanaged_grant', current: { table: 'analytics.sales.customers' } });
    expect(hazards(c)).toEqual(['AUTHZ_NARROW', 'UNMANAGED_REVOKE']);
    const managedRevoke = { action: 'remove' as const, key: 'k', kind: 'grant', current: objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'mw_g' }), reason: '' };
    expect(rank(c)).toBe(rank(managedRevoke));
    expect(revokeFinding({ code: 'FOREIGN_OBJECT', object: 'role "mw_x"', message: 'm' })).toBeUndefined();
    expect(revokeFinding({ code: 'UNMANAGED_GRANT', object: 'membership', message: 'm' })).toBeUndefined();
  });

  it('plans them as extra changes whose hazard blocks apply unless allowed; plan shows them as contradicting the model', () => {
    const findings = [finding(''), finding('etl')];
    const input = { target: postgresTarget, targetName: 'local', project: 'acme', desired: [], current: [], findings, stateHash: 'h', render: (ch: Parameters<typeof render>[0]) => sqlSteps(render(ch, ctx)) };
    const { plan: reported } = buildPlan(input);
    expect(reported.changes).toEqual([]);
    const text = renderPlan(reported, paint(false));
    expect(text).toContain('contradicts the model (the target is not in sync until these are gone)');
    expect(text).toContain('No changes meshward makes unasked, but the target does not match the model');
    expect(text).toContain('  ! BYPASS_GRANT GRANT SELECT to PUBLIC on the base table analytics.sales.customers bypasses the managed view\n');
    expect(text).toContain('→ meshward revokes unmanaged grants only when asked: meshward apply --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE');

    const { plan } = buildPlan({ ...input, extra: findings.map((f) => revokeFinding(f)!) });
    expect(plan.changes.map((c) => [c.action, c.kind, c.hazards, c.steps.map(stepText)])).toEqual([
      ['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], ['REVOKE SELECT ON TABLE "sales"."customers" FROM PUBLIC;']],
      ['remove', 'unmanaged_grant', ['AUTHZ_NARROW', 'UNMANAGED_REVOKE'], ['REVOKE SELECT ON TABLE "sales"."customers" FROM "etl";']],
    ]);
    expect(blockingHazards(plan, []).map((b) => b.hazard)).toEqual(['UNMANAGED_REVOKE', 'UNMANAGED_REVOKE']);
    expect(blockingHazards(plan, ['UNMANAGED_REVOKE'])).toEqual([]);
    const withRevokes = renderPlan(plan, paint(false));
    expect(withRevokes).toContain('bypasses the managed view → revoked by this plan (UNMANAGED_REVOKE)');
    expect(withRevokes).not.toContain('only when asked');
  });
});
