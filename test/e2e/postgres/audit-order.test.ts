import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordApply } from '../../../src/apply/audit.js';
import { verifyAudit } from '../../../src/audit/verify.js';
import { readAudit } from '../../../src/cli/commands/audit.js';
import type { AuditRow } from '../../../src/targets/target.js';
import { fakePlan, fakeReport } from '../../audit/helpers.js';
import { cli, ensureBuilt } from '../../support/e2e-cli.js';
import { open, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 8, item 2: a trail of dozens of records, on a real engine. seq is a bigint, read as text:
 * ordered by the text it sorted 1, 10, 11, …, 2, so --verify reported tampering on an untouched
 * trail of 10 records and `audit` listed them out of order (and an append after a lost head
 * continued after seq 9). Ordered by the column, every number in place.
 */
describe.each(ENGINES)('an audit trail of dozens of records on %s', (engine) => {
  let t: E2eTarget;
  const N = 32;
  const meshward = (args: string[]) => cli([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  beforeAll(async () => {
    const built = ensureBuilt();
    t = await makeTarget(engine);
    await built;
    const first = await meshward(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    const session = await open(t);
    try {
      const plan = fakePlan();
      for (let i = 2; i <= N; i++) await recordApply(session, plan, fakeReport(plan, i % 7 === 0 ? 1 : undefined), { warn: () => undefined });
    } finally {
      await session.close();
    }
  }, 240_000);
  afterAll(async () => t?.cleanup());

  const seqs = Array.from({ length: N }, (_, i) => i + 1);

  it('reads them in seq order, and --verify finds the untouched trail intact', async () => {
    const { snapshot, journal } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    expect(snapshot.rows.map((r) => r.seq)).toEqual(seqs);
    expect(snapshot.head?.seq).toBe(N);
    const report = verifyAudit(snapshot, journal);
    expect(report.problems).toEqual([]);
    const r = await meshward(['audit', '--verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${N} records, head seq ${N}`));
    expect(r.stdout).toMatch(/✓ intact/);
  });

  it('`audit` lists them in seq order (text and JSON)', async () => {
    const json = JSON.parse((await meshward(['audit', '--json'])).stdout);
    expect(json.records.map((r: AuditRow) => r.seq)).toEqual(seqs);
    const text = (await meshward(['audit'])).stdout;
    const listed = [...text.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(seqs);
  });

  it('an append after the head was lost continues after the highest seq, not the highest as text', async () => {
    const session = await open(t);
    try {
      await session.conn.exec(`DELETE FROM ${q(`${t.prefix}meta`)}."meta" WHERE key = 'audit_head'`);
      const plan = fakePlan();
      const r = await recordApply(session, plan, fakeReport(plan), { warn: () => undefined });
      expect(r.seq).toBe(N + 1);
      expect(r.record.note).toMatch(new RegExp(`continues after seq ${N}$`));
    } finally {
      await session.close();
    }
    const { snapshot } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    expect(snapshot.rows.map((r) => r.seq)).toEqual([...seqs, N + 1]);
  });
});
