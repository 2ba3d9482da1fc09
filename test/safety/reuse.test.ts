import { describe, expect, it } from 'vitest';
import { ObservationCache, type StepPrints } from '../../src/safety/reuse.js';

/** The exposure harness's change tracking: read again only what a changed print reaches; hand back an untouched observation as the same object. */
const prints = (objects: Record<string, string>, principal: Record<string, string>): StepPrints => ({ objects: new Map(Object.entries(objects)), principal: (p) => principal[p.join('+')] ?? '' });
const row = (pk: string) => [{ pk, cells: { id: pk } }];

describe('ObservationCache', () => {
  it('reads everything first, then only the objects and principals whose print changed', () => {
    const cache = new ObservationCache();
    const a = ['a'];
    const b = ['b'];
    const step1 = prints({ v1: '1', v2: '1' }, { a: 'x', b: 'x' });
    expect(cache.stale([a, b], ['v1', 'v2'], step1)).toEqual([
      { principal: a, objects: ['v1', 'v2'] },
      { principal: b, objects: ['v1', 'v2'] },
    ]);
    for (const p of [a, b]) for (const v of ['v1', 'v2']) cache.put(p, v, row(v));
    cache.settle([a, b], step1);
    expect(cache.stale([a, b], ['v1', 'v2'], prints({ v1: '1', v2: '1' }, { a: 'x', b: 'x' }))).toEqual([]);
    expect(cache.stale([a, b], ['v1', 'v2'], prints({ v1: '1', v2: '2' }, { a: 'x', b: 'x' }))).toEqual([
      { principal: a, objects: ['v2'] },
      { principal: b, objects: ['v2'] },
    ]);
    expect(cache.stale([a, b], ['v1', 'v2'], prints({ v1: '1', v2: '1' }, { a: 'y', b: 'x' }))).toEqual([{ principal: a, objects: ['v1', 'v2'] }]);
    expect(cache.stale([a], ['v1'], undefined)).toEqual([{ principal: a, objects: ['v1'] }]); // no prints: always read
  });

  it('an observation none of whose reads changed is the same object; one with a new read is new', () => {
    const cache = new ObservationCache();
    cache.put(['a'], 'v1', row('1'));
    cache.put(['a'], 'v2', null);
    const first = cache.observations([['a']], ['t'], [['v1', 'v2']]);
    expect(first[0]![0]).toEqual({ readable: true, rows: row('1') });
    expect(cache.observations([['a']], ['t'], [['v1', 'v2']])[0]![0]).toBe(first[0]![0]);
    cache.put(['a'], 'v1', row('2'));
    const next = cache.observations([['a']], ['t'], [['v1', 'v2']])[0]![0];
    expect(next).not.toBe(first[0]![0]);
    expect(next).toEqual({ readable: true, rows: row('2') });
    cache.put(['a'], 'v1', null);
    expect(cache.observations([['a']], ['t'], [['v1', 'v2']])[0]![0]).toEqual({ readable: false, rows: [] });
  });
});
