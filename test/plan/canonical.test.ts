import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalSpec, sameJson } from '../../src/plan/canonical.js';

/** The definition canonicalJson is written to match: JSON.stringify of a copy with every object's keys sorted. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        // defineProperty: an own `__proto__` key is data, as JSON.stringify prints it (assignment would set the prototype)
        if (x !== undefined) Object.defineProperty(out, k, { value: sortKeys(x), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('is JSON.stringify of the key-sorted value, for any JSON-like value (undefined members too)', () => {
    const anyValue = fc.anything({ withObjectString: true, withNullPrototype: true, withSparseArray: true, values: [fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)] });
    fc.assert(fc.property(anyValue, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }), { numRuns: 500 });
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }] })).toBe('{"a":[null,{"c":"x"}],"b":1}');
  });

  it('writes a value already in key order (its native JSON) like one that is not, and never trusts toJSON, prototypes or index keys', () => {
    const sorted = { a: [1, { b: 'x', c: [{ d: null }] }], e: { f: undefined, g: () => 1 }, h: '"q"\n' };
    expect(canonicalJson(sorted)).toBe(reference(sorted));
    expect(canonicalJson(sorted)).toBe(JSON.stringify(sorted));
    const cases: unknown[] = [
      { a: 1, b: { d: 1, c: 2 } }, // sorted outside, not inside
      { a: new Date(0), b: new String('xy'), c: new Number(3) },
      { '1': 'x', a: 'y', '0': 'z' },
      { a: Object.assign(Object.create(null) as object, { y: 1, x: 2 }) },
      [{ b: 1, a: 2 }, [{ d: [], c: {} }]],
      Object.assign([1, 2], { extra: 3 }),
      { z: 1, y: [{ a: 1, b: [true] }], x: null, w: undefined, v: 'é"\u2028' }, // flat but unsorted: only its keys need sorting
      { z: 1, y: { b: 1, a: 2 } }, // unsorted inside too
      JSON.parse('{"b":1,"__proto__":{"d":1,"c":2},"a":3}') as unknown, // an own __proto__ key is data
    ];
    for (const v of cases) expect(canonicalJson(v)).toBe(reference(v));
    // a toJSON member is a function: left out, never called (as before the native path)
    expect(canonicalJson({ a: { toJSON: () => 'no' }, b: 1 })).toBe('{"a":{},"b":1}');
  });

  it('a spec is serialised once and gives the same text', () => {
    const spec = { z: 1, a: { y: [2, 'x'] } };
    expect(canonicalSpec(spec)).toBe(canonicalJson(spec));
    expect(canonicalSpec(spec)).toBe(canonicalSpec(spec));
  });
});

describe('sameJson', () => {
  it('is canonicalJson(a) === canonicalJson(b), for any two values (and a value and a changed copy)', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 2 }), fc.constantFrom(0, -0, NaN, Infinity, null, undefined, true, false, 'null', '0'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', '0', '1', 'c'), tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(sameJson(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('compares objects listing the same keys in the same order like any others (members left out, in any order)', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: undefined, b: 1 }, { a: 2, b: 1 }],
      [{ a: undefined, b: 1 }, { a: () => 1, b: 1 }],
      [{ a: undefined, b: 1 }, { b: 1 }],
      [{ a: 1, b: { c: [1, { d: 'x' }] } }, { a: 1, b: { c: [1, { d: 'y' }] } }],
      [{ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 }],
      [{ a: 1, b: 2 }, { b: 1, a: 2 }],
      [{ '1': 'x', a: null }, { a: null, '1': 'x' }],
    ];
    for (const [a, b] of pairs) expect(sameJson(a, b), `${canonicalJson(a)} vs ${canonicalJson(b)}`).toBe(canonicalJson(a) === canonicalJson(b));
  });
});
