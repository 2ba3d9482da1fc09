import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { validateRepository } from '../../src/validate.js';
import { desiredOf, errorsOf, explainMatrix, importDraft, snapshotAfterApply, specs, validateDraft } from './support.js';

/**
 * The example repository (policies/), compiled and "applied" as recorded state rows, imported
 * back without a database: the draft validates, compiles to the same objects (so a plan is
 * empty) and explains the same for every group and pair of groups × governed table. Also pins
 * the shape of what the draft says about the example: global tag policies come back as tag
 * policies, domain policies as explicit selectors, attributes as the groups declared them.
 */
describe('importing the example from its recorded state', () => {
  const original = validateRepository({ dir: 'policies' });
  const resolved = original.resolved!;
  const desired = desiredOf(resolved);
  const { draft, estate } = importDraft(snapshotAfterApply(resolved, desired, original.inventory!, 'analytics'), { name: 'acme', prefix: 'mw_' });
  const imported = validateDraft(draft, original.inventory!);

  it('drafts a repository that validates with no error', () => {
    expect(errorsOf(original)).toEqual([]);
    expect(errorsOf(imported)).toEqual([]);
    expect([...draft.files.keys()]).toEqual(['meshward.yaml', 'catalog.yaml', 'principals.yaml', 'global.yaml', 'domains/finance.yaml', 'domains/hr.yaml', 'domains/marketing.yaml', 'domains/sales.yaml', 'inventory.json', 'IMPORT-REPORT.md']);
    expect(draft.summary).toMatchObject({ groups: 14, domains: 4, tables: 18, unrepresentable: [] });
    expect(estate.notes).toEqual([]);
  });

  it('compiles to exactly the objects that were applied (a plan of the draft is empty)', () => {
    expect(specs(desiredOf(imported.resolved!))).toEqual(specs(desired));
  });

  it('explains the same access, parameters and row predicate for every group and pair × table', () => {
    expect(explainMatrix(imported.resolved!, true)).toEqual(explainMatrix(resolved, true));
  });

  it('writes global tag policies back as tag policies, domain ones with explicit selectors', () => {
    const global = YAML.parse(draft.files.get('global.yaml')!) as { policies: { name: string; mask?: Record<string, unknown>; row_filter?: Record<string, unknown> }[] };
    const byName = new Map(global.policies.map((p) => [p.name, p]));
    expect(byName.get('pii-email-domain')!.mask).toEqual({ tags: { pii: 'email' }, method: 'email_domain', exempt: ['privacy_officers'] });
    expect(byName.get('restricted-rows')!.row_filter).toEqual({ tables_tagged: { sensitivity: 'restricted' }, allow: "user.clearance = 'high'" });
    const sales = YAML.parse(draft.files.get('domains/sales.yaml')!) as { policies: { name: string; row_filter?: Record<string, unknown> }[]; grants: unknown[] };
    expect(sales.policies.find((p) => p.name === 'own-region')!.row_filter).toEqual({ tables: ['analytics.sales.customers', 'analytics.sales.orders'], allow: 'region IN user.region', exempt: ['sales_leads'] });
    const principals = YAML.parse(draft.files.get('principals.yaml')!) as { groups: Record<string, { attributes?: Record<string, unknown>; member_of?: string[] }> };
    expect(principals.groups.sales_directors).toEqual({ member_of: ['sales_analysts_apac', 'sales_analysts_us', 'sales_leads'] });
    expect(principals.groups.hr_admins!.attributes).toEqual({ clearance: ['high'], region: ['AMER', 'APAC'] });
  });
});
