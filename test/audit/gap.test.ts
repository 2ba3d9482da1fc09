import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledgeGap, recordApply, recordGaps } from '../../src/apply/audit.js';
import { unrecordedState } from '../../src/audit/gap.js';
import { journalPath, readJournal } from '../../src/audit/journal.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { fakePlan, fakeReport, fakeSession, MemoryAudit, writeState } from './helpers.js';

/**
 * Issue 8, item 6: an apply killed after batch 1 of 2 committed (or between its COMMIT and its
 * record) leaves recorded state that no audit record covers. verify reports it; the next apply
 * writes a gap record before it changes anything, and verify keeps failing on that gap — it is
 * never healed silently — until someone acknowledges it with a record of their own.
 */

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const quiet = { warn: () => undefined };

describe('an apply that left no record', () => {
  let root: string;
  let store: MemoryAudit;
  const plan = fakePlan();
  const session = () => fakeSession(root, store);
  const verify = () => verifyAudit(store.snapshot(), readJournal(journalPath(root, 'local')));

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'mw-gap-'));
    roots.push(root);
    store = new MemoryAudit();
    writeState(store, '2026-01-01T00:00:01.000001Z', ['governance:mw_meta', 'role:a']);
    await recordApply(session(), plan, fakeReport(plan), quiet);
    // the killed apply: batch 1 committed its changes and their state, then kill -9
    writeState(store, '2026-01-01T00:00:02.000002Z', ['view:analytics.sales.customers', 'view:analytics.sales.orders', 'grant:x']);
  });

  it('verify fails right away, naming the state written after the newest record', () => {
    const r = verify();
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ where: 'table', seq: 2 });
    expect(r.problems[0]!.message).toMatch(/state was written at 2026-01-01T00:00:02.000002Z.*newest record \(seq 1\).*3 recorded-state rows/);
  });

  it('the next apply records a gap before it runs; verify keeps failing on it after that apply succeeded', async () => {
    const warnings: string[] = [];
    const gap = await recordGaps(session(), { warn: (m) => warnings.push(m) });
    expect(gap?.seq).toBe(2);
    expect(warnings.join('\n')).toMatch(/left no audit record.*Recorded as gap seq 2/);
    expect(gap!.record).toMatchObject({
      kind: 'gap',
      seq: 2,
      after_seq: 1,
      recorded_state_applied_at: '2026-01-01T00:00:01.000001Z',
      state_applied_at: '2026-01-01T00:00:02.000002Z',
      unrecorded: { state_applied_at: '2026-01-01T00:00:02.000002Z', rows: 3, writes: [{ applied_at: '2026-01-01T00:00:02.000002Z', rows: 3 }] },
    });
    expect((gap!.record.unrecorded as { writes: { keys: string[] }[] }).writes[0]!.keys).toContain('view:analytics.sales.customers');
    // the apply itself, then recorded: its record alone would make the chain look whole
    writeState(store, '2026-01-01T00:00:03.000003Z', ['view:analytics.sales.customers']);
    await recordApply(session(), plan, fakeReport(plan), quiet);
    expect(store.rows.map((r) => [r.seq, r.record.kind])).toEqual([
      [1, 'apply'],
      [2, 'gap'],
      [3, 'apply'],
    ]);
    const r = verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ where: 'table', seq: 2 });
    expect(r.problems[0]!.message).toMatch(/seq 2 records a gap.*left no audit record.*meshward audit --acknowledge 2 --reason/);
    expect(r.gaps).toEqual([expect.objectContaining({ seq: 2, acknowledged: null })]);
    // and it stays so, apply after apply
    for (let i = 4; i <= 6; i++) {
      expect(await recordGaps(session(), quiet)).toBeNull(); // nothing new to record
      writeState(store, `2026-01-01T00:00:0${i}.00000${i}Z`, ['role:a']);
      await recordApply(session(), plan, fakeReport(plan), quiet);
    }
    expect(verify()).toMatchObject({ ok: false, problems: [expect.objectContaining({ seq: 2 })] });
    // the journal holds the gap too
    expect(readJournal(journalPath(root, 'local')).entries.map((e) => e.record.kind)).toEqual(['apply', 'gap', 'apply', 'apply', 'apply', 'apply']);
  });

  it('deleting the gap record from the table is found like any deletion', async () => {
    await recordGaps(session(), quiet);
    writeState(store, '2026-01-01T00:00:03.000003Z', ['role:a']);
    await recordApply(session(), plan, fakeReport(plan), quiet);
    store.rows.splice(1, 1);
    const r = verify();
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.seq).toBe(2);
  });

  it('an acknowledgement (who and why, a record of its own) turns the gap into a warning', async () => {
    await recordGaps(session(), quiet);
    writeState(store, '2026-01-01T00:00:03.000003Z', ['role:a']);
    await recordApply(session(), plan, fakeReport(plan), quiet);
    await expect(acknowledgeGap(session(), 3, 'x')).rejects.toThrow(/seq 3 .* is not a gap record \(gap records: seq 2\)/);
    await expect(acknowledgeGap(session(), 2, '  ')).rejects.toThrow(/--reason/);
    const ack = await acknowledgeGap(session(), 2, 'ana: CI runner OOM-killed during batch 2 of the 2026-01-01 deploy', quiet);
    expect(ack.record).toMatchObject({ kind: 'acknowledgement', seq: 4, gap_seq: 2 });
    const r = verify();
    expect(r.ok).toBe(true);
    expect(r.gaps).toEqual([expect.objectContaining({ seq: 2, acknowledged: expect.objectContaining({ seq: 4, reason: expect.stringMatching(/OOM-killed/) }) })]);
    expect(r.warnings.join('\n')).toMatch(/seq 2 records a gap .*acknowledged at seq 4/);
    await expect(acknowledgeGap(session(), 2, 'again')).rejects.toThrow(/already acknowledged, at seq 4/);
  });

  it('a gap that cannot be written to the target stops the apply (it would otherwise be covered)', async () => {
    store.failNext = new Error('permission denied for table audit');
    await expect(recordGaps(session(), quiet)).rejects.toThrow(/left no audit record.*could not be recorded on the target.*permission denied.*not applying/);
  });

  it('no gap: nothing is written', async () => {
    store.stateAppliedAt = store.rows[0]!.record.state_applied_at as string;
    expect(unrecordedState(store.snapshot())).toBeNull();
    expect(await recordGaps(session(), quiet)).toBeNull();
    expect(store.rows).toHaveLength(1);
  });

  it('a first apply killed before any record: the gap is recorded at seq 1', async () => {
    root = mkdtempSync(join(tmpdir(), 'mw-gap-'));
    roots.push(root);
    store = new MemoryAudit();
    writeState(store, '2026-01-01T00:00:01.000001Z', ['governance:mw_meta']);
    expect(verify().ok).toBe(false);
    const gap = await recordGaps(session(), quiet);
    expect(gap!.record).toMatchObject({ kind: 'gap', seq: 1, after_seq: 0, recorded_state_applied_at: null });
    expect(verify().problems.map((p) => p.seq)).toEqual([1]);
  });
});
