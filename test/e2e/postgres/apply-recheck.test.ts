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

  // Two ways apply checks under the lock: by default the convergence-stamp counters taken before
  // the plan's read (one query: a change since makes them differ, and the live state is read
  // again); with --no-stamp by reading the live state again. The DBA strikes just before either.
  it.each([
    ['the counters taken before the plan', [] as string[]],
    ['a second read (--no-stamp)', ['--no-stamp']],
  ])('a change between the plan and the lock stops the apply: exit 1, "changed while the plan was being confirmed", nothing applied — %s', async (_how, flags) => {
    const group = flags.length ? 'hr_partners' : 'auditors'; // each case a grant of its own to apply
    edit(t, 'domains/finance.yaml', ['grants:\n', `grants:\n  - groups: [${group}]\n    read: [analytics.finance.budgets]\n`]);
    const session = await open(t);
    const analysts = roleOf(session, 'sales_analysts');
    await session.close();
    const revoke = `REVOKE SELECT ON ${q(`${t.prefix}sales`)}.${q('orders')} FROM ${q(analysts)}`; // the DBA, just before the lock's check
    const stamps = target.state.stamps!;
    const unchanged = stamps.unchanged;
    let reads = 0;
    let checks = 0;
    target.introspect = async function (conn, ctx, desired) {
      if (++reads === 2 && flags.length) await conn.exec(revoke);
      return introspect.call(this, conn, ctx, desired);
    };
    (stamps as { unchanged: typeof unchanged }).unchanged = async (conn, ctx, probe) => {
      if (++checks === 1) await conn.exec(revoke);
      return unchanged.call(stamps, conn, ctx, probe);
    };
    try {
      const r = await run('apply', '--yes', ...flags);
      expect(reads).toBe(2);
      expect(checks).toBe(flags.length ? 0 : 1);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/changed while the plan was being confirmed \(state [0-9a-f]{8} → [0-9a-f]{8}\); nothing was applied — run meshward plan again/);
    } finally {
      target.introspect = introspect;
      (stamps as { unchanged: typeof unchanged }).unchanged = unchanged;
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
