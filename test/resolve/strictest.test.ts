import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/model/types.js';
import { strictest, type MaskCandidate } from '../../src/resolve/strictest.js';

const at = { file: 'x.yaml', line: 1, col: 1 };
function candidate(name: string, method: MaskCandidate['method'], scope: 'global' | 'domain' = 'global', keepLast?: number): MaskCandidate {
  const policy = { name, scope, spec: { kind: 'mask', method, keepLast, methodAt: at }, exempt: [], refusedKeys: [], at } as unknown as Policy;
  return { policy, method, keepLast, exempt: [] };
}

describe('strictest wins', () => {
  it('orders nullify > redact > hash > middle', () => {
    expect(strictest([candidate('a', 'hash'), candidate('b', 'nullify'), candidate('c', 'redact')])!.method).toBe('nullify');
    expect(strictest([candidate('a', 'hash'), candidate('c', 'redact')])!.method).toBe('redact');
    expect(strictest([candidate('a', 'partial', 'global', 4), candidate('c', 'hash')])!.method).toBe('hash');
    expect(strictest([])).toBeUndefined();
  });

  it('two different middle methods resolve to hash and say which met', () => {
    const out = strictest([candidate('mail', 'email_domain'), candidate('last4', 'partial', 'domain', 4)])!;
    expect(out.method).toBe('hash');
    expect(out.conflict).toEqual(['email_domain', 'partial']);
    expect(out.winners.map((w) => w.policy.name)).toEqual(['mail', 'last4']);
  });

  it('same method, different keep_last: the smallest wins, ties listed winner first', () => {
    const out = strictest([candidate('z4', 'partial', 'global', 4), candidate('d2', 'partial', 'domain', 2), candidate('a2', 'partial', 'domain', 2)])!;
    expect(out.method).toBe('partial');
    expect(out.keepLast).toBe(2);
    expect(out.winners.map((w) => w.policy.name)).toEqual(['a2', 'd2']);
    expect(out.others.map((w) => w.policy.name)).toEqual(['z4']);
  });

  it('lists global before domain, then by name, when several give the winning result', () => {
    const out = strictest([candidate('b-dom', 'hash', 'domain'), candidate('z-glob', 'hash'), candidate('a-dom', 'hash', 'domain')])!;
    expect(out.winners.map((w) => w.policy.name)).toEqual(['z-glob', 'a-dom', 'b-dom']);
  });
});
