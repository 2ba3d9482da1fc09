import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTarget } from '../../../src/targets/postgres/index.js';
import type { Target } from '../../../src/targets/target.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { edit, pendingChanges, open, roleOf, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Under the apply lock, apply reads the live state again and compares its hash with the plan's
 * (issue 10: it no longer re-plans there — an equal hash re-derives the same plan). A change
 * made between the plan and the lock must still stop the apply before any statement: here a DBA
 * revokes a managed grant exactly then (the second read of the live state, inside the command).
 */
describe.each(ENGINES)('apply re-reads the live state under the lock on %s', (engine) => {
  let t: E2eTarget;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });
  const target = postgresTarget as { -readonly [K in keyof Target]: Target[K] };
  const introspect = target.introspect;

  beforeAll(async () => {
    t = await makeTarget(engine);
    const r = await run('apply', '--yes');
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    target.introspect = introspect;
    await t?.cleanup();
  });

  it('a change between the plan and the lock stops the apply: exit 1, "changed while the plan was being confirmed", nothing applied', async () => {
    edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    const session = await open(t);
    const analysts = roleOf(session, 'sales_analysts');
    await session.close();
    let reads = 0;
    target.introspect = async function (conn, ctx, desired) {
      if (++reads === 2) await conn.exec(`REVOKE SELECT ON ${q(`${t.prefix}sales`)}.${q('orders')} FROM ${q(analysts)}`); // the DBA, just before the lock's read
      return introspect.call(this, conn, ctx, desired);
    };
    try {
      const r = await run('apply', '--yes');
      expect(reads).toBe(2);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/changed while the plan was being confirmed \(state [0-9a-f]{8} → [0-9a-f]{8}\); nothing was applied — run meshward plan again/);
    } finally {
      target.introspect = introspect;
    }
    const s = await open(t);
    try {
      const pending = await pendingChanges(s);
      expect(pending.some((p) => p.startsWith('add grant:SELECT:view:') && p.includes('budgets'))).toBe(true); // the edit was not applied
      expect(pending.some((p) => p.includes('orders') && p.includes(analysts))).toBe(true); // the revoke is seen as drift
    } finally {
      await s.close();
    }
    const again = await run('apply', '--yes');
    expect(again.code, again.stderr).toBe(0);
    const s2 = await open(t);
    try {
      expect(await pendingChanges(s2)).toEqual([]);
    } finally {
      await s2.close();
    }
  });
});
