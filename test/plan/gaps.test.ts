import { describe, expect, it } from 'vitest';
import { markAutoCommitGaps } from '../../src/plan/gaps.js';
import { classifyHazards, type AccessDialect, type AccessRole } from '../../src/plan/hazards.js';
import type { Change, NativeObject } from '../../src/targets/target.js';

/** What no order covers on an auto-commit engine: a filter testing the principal under a negation, while memberships or attribute values change. */
const dialect: AccessDialect = { roleOf: (o) => o.kind as AccessRole };
const object = (kind: AccessRole, allow?: string): NativeObject => ({
  key: `${kind}:${allow ?? ''}`,
  kind,
  label: kind,
  spec: {},
  ...(allow ? { access: { table: 'd.s.t', columns: ['region'], masks: {}, filters: [{ policy: 'f', allow, exempt: [] }] } } : {}),
});
const planned = (action: Change['action'], o: NativeObject): Change => {
  const c = { action, kind: o.kind, key: o.key, ...(action === 'remove' ? { current: o } : { desired: o }), reason: '' };
  return { ...c, hazards: classifyHazards(c, dialect) };
};
const gapsWith = (allow: string) => {
  const changes = [planned('add', object('membership')), planned('remove', object('attribute')), planned('add', object('grant'))];
  markAutoCommitGaps(changes, [object('policy', allow)], dialect);
  return changes.map((c) => c.hazards.includes('REPLACE_GAP'));
};

describe('REPLACE_GAP for auto-commit engines', () => {
  it('a filter that negates user.<attribute> or in_group() makes every membership and attribute-value change a gap', () => {
    for (const allow of ["NOT in_group('x')", 'region NOT IN user.region', "NOT (region IN user.region AND status = 'open')", "status = 'open' OR NOT in_group('y')"]) expect(gapsWith(allow), allow).toEqual([true, true, false]);
  });

  it('positive tests of the principal, and negations of columns only, are ordered safely: no gap', () => {
    for (const allow of ['region IN user.region', "in_group('x') OR status = 'open'", "NOT (status = 'open')", "NOT NOT in_group('x')", "region NOT IN ('a')"]) expect(gapsWith(allow), allow).toEqual([false, false, false]);
  });
});
