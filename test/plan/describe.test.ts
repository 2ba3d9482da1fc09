import { describe, expect, it } from 'vitest';
import { describeAccessChange, policyPositions } from '../../src/plan/describe.js';
import type { AccessSummary } from '../../src/targets/target.js';
import { validateRepository } from '../../src/validate.js';

/** Issue 9, item 3: a view change in the model's words, from two neutral access summaries. */

const base: AccessSummary = {
  table: 'analytics.sales.customers',
  columns: ['id', 'email', 'phone', 'region'],
  masks: {
    email: [{ policy: 'pii-hash', method: 'hash', exempt: ['privacy_officers'] }],
    phone: [
      { policy: 'phone-last2', method: 'partial', keep_last: 2, exempt: [] },
      { policy: 'pii-phone-last4', method: 'partial', keep_last: 4, exempt: [] },
    ],
  },
  filters: [{ policy: 'own-region', allow: 'region IN user.region', exempt: ['sales_leads'] }],
};
const at = (p: string) => ({ 'phone-last2': 'domains/sales.yaml:31:5', 'own-region': 'domains/sales.yaml:18:5', 'pii-hash': 'global.yaml:4:5', 'pii-phone-last4': 'global.yaml:9:5' })[p];

describe('describeAccessChange', () => {
  it('names a changed mask parameter per column, with the policy and its position', () => {
    const after = { ...base, masks: { ...base.masks, phone: [{ ...base.masks.phone![0]!, keep_last: 3 }, base.masks.phone![1]!] } };
    expect(describeAccessChange(base, after, at)).toEqual(['phone: partial last 2 → partial last 3 (phone-last2, domains/sales.yaml:31:5)']);
  });

  it('names filters added, removed and changed, and exemptions', () => {
    const none = { ...base, filters: [] };
    expect(describeAccessChange(none, base, at)).toEqual(['rows: + region IN user.region, exempt: sales_leads (own-region, domains/sales.yaml:18:5)']);
    expect(describeAccessChange(base, none, () => undefined)).toEqual(['rows: - region IN user.region, exempt: sales_leads (own-region, no longer in the model)']);
    const changed = { ...base, filters: [{ policy: 'own-region', allow: "region = 'EMEA'", exempt: ['sales_leads', 'auditors'] }] };
    expect(describeAccessChange(base, changed, at)).toEqual(["rows: region IN user.region → region = 'EMEA', exempt + auditors (own-region, domains/sales.yaml:18:5)"]);
    const exemptOnly = { ...base, masks: { ...base.masks, email: [{ policy: 'pii-hash', method: 'hash', exempt: [] }] } };
    expect(describeAccessChange(base, exemptOnly, at)).toEqual(['email: hash, exempt - privacy_officers (pii-hash, global.yaml:4:5)']);
  });

  it('names columns added and removed, masks added and removed, and a method change', () => {
    const after: AccessSummary = {
      ...base,
      columns: ['id', 'email', 'phone', 'region', 'notes'],
      masks: { email: [{ policy: 'pii-hash', method: 'nullify', exempt: ['privacy_officers'] }], notes: [{ policy: 'pii-hash', method: 'redact', exempt: [] }] },
    };
    expect(describeAccessChange(base, after, at)).toEqual([
      'columns: + notes',
      'email: hash → nullify (pii-hash, global.yaml:4:5)',
      'phone: - partial last 2 (phone-last2, domains/sales.yaml:31:5)',
      'phone: - partial last 4 (pii-phone-last4, global.yaml:9:5)',
      'notes: + redact (pii-hash, global.yaml:4:5)',
    ]);
    expect(describeAccessChange(after, { ...after, columns: ['id', 'email'] }, at)).toEqual(['columns: - phone, - region, - notes']);
  });

  it('says nothing when the summaries agree or one side has none', () => {
    expect(describeAccessChange(base, structuredClone(base), at)).toEqual([]);
    expect(describeAccessChange(undefined, base, at)).toEqual([]);
  });

  it('finds policy positions in the model as explain shows them', () => {
    const { model } = validateRepository({ dir: 'policies' });
    const positions = policyPositions(model!);
    expect(positions('phone-last2')).toMatch(/^domains\/sales\.yaml:\d+:5$/);
    expect(positions('pii-phone-last4')).toBe('global.yaml:11:5');
    expect(positions('no-such-policy')).toBeUndefined();
  });
});
