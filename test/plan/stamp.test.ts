import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/config/load.js';
import type { PolicyFile } from '../../src/config/files.js';
import { heldStamp, inputHash, planFromStamp, type CompileInput } from '../../src/plan/stamp.js';
import type { StampContent, StampProbe } from '../../src/targets/target.js';
import { MESHWARD_VERSION } from '../../src/version.js';

/**
 * The compile input hash decides whether a stamped plan may skip parsing and compiling the model
 * (plan/stamp.ts): it must change with any byte of any policy file, with the file set, the target
 * and the settings compile reads, never carry a connection secret, and fail closed (null) on a
 * setting JSON would not write faithfully.
 */
const example = loadRepository(join(import.meta.dirname, '..', '..', 'policies'));
const files = example.files!;
const decl = example.model!.project.targets[0]!;
const base: CompileInput = { files, decl, settings: { database: 'analytics' } };

describe('the compile input hash', () => {
  it('is stable for the same files, and changes with a byte of a file, a file renamed, added or removed, the target and the settings', () => {
    const h = inputHash(base)!;
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(inputHash({ ...base })).toBe(h);
    expect(inputHash({ ...base, files: loadRepository(join(import.meta.dirname, '..', '..', 'policies')).files! })).toBe(h); // read again
    const [first, ...rest] = files;
    expect(inputHash({ ...base, files: [{ ...first!, text: `${first!.text} ` }, ...rest] })).not.toBe(h);
    expect(inputHash({ ...base, files: [{ ...first!, path: `x/${first!.path}` }, ...rest] })).not.toBe(h);
    expect(inputHash({ ...base, files: rest })).not.toBe(h);
    expect(inputHash({ ...base, files: [...files, { path: 'domains/empty.yaml', text: '' }] })).not.toBe(h);
    // where one file ends and the next begins is part of the hash
    const two: PolicyFile[] = [{ path: 'a.yaml', text: 'ab' }, { path: 'b.yaml', text: 'c' }];
    const moved: PolicyFile[] = [{ path: 'a.yaml', text: 'a' }, { path: 'b.yaml', text: 'bc' }];
    expect(inputHash({ ...base, files: two })).not.toBe(inputHash({ ...base, files: moved }));
    expect(inputHash({ ...base, decl: { ...decl, name: 'other' } })).not.toBe(h);
    expect(inputHash({ ...base, settings: { database: 'other' } })).not.toBe(h);
  });

  it('never reads a target block’s written settings (a URL may carry a password): only what the target says compile reads', () => {
    const withSecret = { ...decl, settings: { ...decl.settings, url: 'postgres://u:hunter2@db/x' } };
    expect(inputHash({ ...base, decl: withSecret })).toBe(inputHash(base));
  });

  it('is null for a setting JSON would not write faithfully: a class instance, a RegExp, a Map, a function, a bigint', () => {
    class Odd {
      readonly x = 1;
    }
    for (const odd of [new Odd(), /re/, new Map([[1, 2]]), () => 1, 10n]) {
      expect(inputHash({ ...base, settings: { odd } as Record<string, unknown> }), String(odd)).toBeNull();
    }
  });
});

describe('a plan from a held stamp', () => {
  const content: StampContent = {
    meshward: MESHWARD_VERSION,
    plan: { input_hash: 'in', desired_hash: 'des', options: { revoke_unmanaged: false }, state_hash: 'st', findings: [], summary: { add: 0, change: 0, remove: 0, hazards: 0, widening: 0, statements: 0, floor: 0 }, new_target: false },
    drift: [],
    at: '2026-12-03T00:00:00.000Z',
  };
  const probe = (c: StampContent | null): StampProbe => ({ holds: c, why: c ? 'holds' : 'no stamp', token: undefined });
  const at = { target: 'local', project: 'p', input: 'in', desiredHash: () => 'des', request: { revoke_unmanaged: false } };

  it('is the stamped plan for the same compile input, else for the same desired hash, and null otherwise', () => {
    const p = planFromStamp(probe(content), at)!;
    expect(p).toMatchObject({ state_hash: 'st', desired_hash: 'des', changes: [], live_read: { from: 'stamp', stamped_at: content.at } });
    let compiled = 0;
    expect(planFromStamp(probe(content), { ...at, input: 'other', desiredHash: () => (compiled++, 'des') })).not.toBeNull();
    expect(compiled).toBe(1);
    expect(planFromStamp(probe(content), { ...at, input: null, desiredHash: () => 'other' })).toBeNull();
    expect(planFromStamp(probe(content), { ...at, request: { revoke_unmanaged: true } })).toBeNull();
    expect(planFromStamp(probe(null), at)).toBeNull();
  });

  it('never holds for another meshward version', () => {
    expect(heldStamp(probe({ ...content, meshward: '0.0.0-other' }))).toBeNull();
    expect(planFromStamp(probe({ ...content, meshward: '0.0.0-other' }), at)).toBeNull();
  });
});
