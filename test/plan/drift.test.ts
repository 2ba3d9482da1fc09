import { describe, expect, it } from 'vitest';
import { classifyDrift, sortDrift, type DriftDialect } from '../../src/plan/drift.js';
import type { DriftItem } from '../../src/targets/target.js';

/** The core's drift classes over plain rows: every target feeds it its recorded state and live objects. */
type Row = { spec: string; managed?: boolean };
const item = (key: string, status: DriftItem['status']): DriftItem => ({ key, kind: 'x', object: key, status, detail: status });
const dialect: DriftDialect<Row, Row> = {
  same: (r, l) => r.spec === l.spec,
  missing: (k) => item(k, 'missing'),
  altered: (k) => item(k, 'altered'),
  extra: (k, l) => (l.managed === false ? null : item(k, 'extra')),
};

describe('classifyDrift', () => {
  it('recorded and gone is missing, recorded and different is altered, live and unrecorded is extra, and out of scope is nothing', () => {
    const recorded = new Map([['a', { spec: '1' }], ['b', { spec: '1' }], ['c', { spec: '1' }]]);
    const live = new Map<string, Row>([['b', { spec: '1' }], ['c', { spec: '2' }], ['d', { spec: '1' }], ['e', { spec: '1', managed: false }]]);
    expect(sortDrift(classifyDrift(recorded, live, dialect)).map((i) => [i.key, i.status])).toEqual([['a', 'missing'], ['c', 'altered'], ['d', 'extra']]);
  });

  it('in sync is empty', () => {
    const same = new Map([['a', { spec: '1' }]]);
    expect(classifyDrift(same, new Map(same), dialect)).toEqual([]);
  });
});
