import { describe, expect, it } from 'vitest';
import { ownershipOf } from '../../src/state/ownership.js';

/** The safety rule: the recorded state is the evidence, a marker only a hint. */
describe('ownershipOf', () => {
  it('marked and recorded is ours; marked alone is forged; unmarked is foreign, recorded or not', () => {
    expect(ownershipOf({ marked: true, recorded: true })).toBe('ours');
    expect(ownershipOf({ marked: true, recorded: false })).toBe('forged');
    expect(ownershipOf({ marked: false, recorded: true })).toBe('foreign');
    expect(ownershipOf({ marked: false, recorded: false })).toBe('foreign');
  });

  it("the store's own root is adopted on its marker while nothing is recorded; never without the marker", () => {
    expect(ownershipOf({ marked: true, recorded: false, adopted: true })).toBe('ours');
    expect(ownershipOf({ marked: false, recorded: false, adopted: true })).toBe('foreign');
  });

  it('a target without markers: the record alone decides', () => {
    expect(ownershipOf({ recorded: true })).toBe('ours');
    expect(ownershipOf({ recorded: false })).toBe('foreign');
  });
});
