import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256 } from '../../../src/plan/canonical.js';
import type { Finding, NativeObject } from '../../../src/targets/target.js';
import { stateHashOf } from '../../../src/targets/postgres/introspect.js';

/**
 * stateHashOf feeds the hash piece by piece (issue 10: no string of every spec at once); its
 * value must stay what it always was — sha256 of the canonical JSON of objects sorted by key,
 * findings and view fingerprints — or every plan saved before would be refused as stale.
 */
const reference = (current: readonly NativeObject[], findings: readonly Finding[], views: readonly [string, string][]) => {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const objects = [...current].sort((a, b) => cmp(a.key, b.key)).map((o) => ({ key: o.key, kind: o.kind, spec: o.spec }));
  return sha256(canonicalJson({ objects, findings, views: [...views].sort((a, b) => cmp(a[0], b[0])) }));
};

const text = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '\u0000', 'é', '😀', ' ', '1', '\n') });
const spec = fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
const object = fc.record({ key: text, kind: fc.constantFrom('view', 'grant', 'role', 'schema'), spec });
const finding = fc.record({ code: text, object: text, message: text, severity: fc.constantFrom('warning', 'error') });

describe('stateHashOf', () => {
  it('equals sha256 of the canonical JSON it always hashed, for any objects, findings and views', () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 8 }), fc.array(finding, { maxLength: 3 }), fc.array(fc.tuple(text, text), { maxLength: 4 }), (objs, findings, views) => {
        const current = objs as unknown as NativeObject[];
        expect(stateHashOf(current, findings as unknown as Finding[], views)).toBe(reference(current, findings as unknown as Finding[], views));
      }),
      { numRuns: 300 },
    );
  });

  it('changes when one spec value changes', () => {
    const a = [{ key: 'k', kind: 'role', spec: { name: 'x', login: false } }] as unknown as NativeObject[];
    const b = [{ key: 'k', kind: 'role', spec: { name: 'x', login: true } }] as unknown as NativeObject[];
    expect(stateHashOf(a, [], [])).not.toBe(stateHashOf(b, [], []));
  });
});
