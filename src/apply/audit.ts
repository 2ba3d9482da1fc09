import { resolve } from 'node:path';
import { chainHash, normalizeRecord, type AuditRecord } from '../audit/chain.js';
import { whoAmI } from '../audit/identity.js';
import { buildAcknowledgementRecord, buildGapRecord, unrecordedState } from '../audit/gap.js';
import { appendJournal, openJournal, readJournal } from '../audit/journal.js';
import { buildApplyRecord, type JournalRef } from '../audit/record.js';
import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { AuditRow, Connection } from '../targets/target.js';
import { errorsOf, type ApplyReport } from './apply.js';

/**
 * Appends the apply to the audit trail (issue 5): every apply, applied or failed, becomes one
 * record (record.ts) in two hash-chained copies — the target's table (`<gov>.audit` with the head
 * in `<gov>.meta`, one short transaction) and the local journal `.meshward/audit/<target>.jsonl`.
 *
 * When: right after the apply's own transaction(s) ended — committed or rolled back — still under
 * the apply lock, so records are in apply order. Not inside the apply transaction: the executor
 * may commit in several batches (one record must describe them all), the record must carry the
 * outcome of COMMIT itself, and a failed apply has to be written after its rollback anyway. The
 * cost is a window between COMMIT and the audit write (a crash there leaves an apply without a
 * record); `audit --verify` closes it by checking that no state was written after the newest
 * record (each record holds the state's `applied_at` as seen right after its apply).
 *
 * Never throws: an apply that happened is reported as it went, and a copy that could not be
 * written is said on stderr (the other copy still holds the record).
 */

export interface RecordedApply {
  /** The record as written (the table's copy when there is one). */
  readonly record: AuditRecord;
  /** Its seq on the target; null when it could not be written there. */
  readonly seq: number | null;
  readonly journal: string | null;
  /** Why the target's copy was not written, when it was not. */
  readonly notOnTarget?: string;
}

export interface RecordOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly argv?: readonly string[];
  /** Where notes go (default stderr). */
  readonly warn?: (message: string) => void;
}

export async function recordApply(session: TargetSession, plan: Plan, report: ApplyReport, options: RecordOptions = {}): Promise<RecordedApply> {
  const warn = options.warn ?? defaultWarn;
  const journal = journalOf(session, warn);
  const base = buildApplyRecord({ project: session.model.project.name, target: session.decl.name, engine: session.conn.driver, plan, report, journal: journal?.ref ?? null, env: options.env, argv: options.argv });
  const written = await writeRecord(session, base, journal, warn);
  if (written.seq === null) {
    const where = written.journal ? `it is in the local journal ${written.journal} only` : 'and not in the local journal either: this apply has NO audit record';
    warn(`the audit record of this apply was not written to target '${session.decl.name}' (${written.notOnTarget}); ${where}`);
  }
  return written;
}

/**
 * Before an apply changes anything (under the apply lock): state on the target that no record
 * covers — an earlier apply killed between its COMMIT and its record — is written into the chain
 * as a gap record (src/audit/gap.ts), so that this apply's record cannot cover it silently.
 * Returns the gap record written, or null when there is none. Throws when a gap exists but cannot
 * be recorded on the target: the apply must not go ahead then.
 */
export async function recordGaps(session: TargetSession, options: RecordOptions = {}): Promise<RecordedApply | null> {
  const store = session.target.state.audit;
  if (!store) return null;
  const warn = options.warn ?? defaultWarn;
  const snapshot = await store.read(session.conn, session.ctx);
  const gap = unrecordedState(snapshot);
  if (!gap) return null;
  const journal = journalOf(session, warn);
  const lastAt = snapshot.rows[snapshot.rows.length - 1]?.at ?? '';
  const journalOnly = journal
    ? readJournal(journal.path)
        .entries.filter((e) => e.record.seq === null && String(e.record.at ?? '') > lastAt && e.record.kind !== 'gap')
        .map((e) => ({ entry: e.entry, id: typeof e.record.id === 'string' ? e.record.id : null, at: typeof e.record.at === 'string' ? e.record.at : null, outcome: typeof e.record.outcome === 'string' ? e.record.outcome : null }))
    : [];
  const base = buildGapRecord({ project: session.model.project.name, target: session.decl.name, engine: session.conn.driver, gap, journalOnly, journal: journal?.ref ?? null, env: options.env, argv: options.argv });
  const written = await writeRecord(session, base, journal, warn, { retry: false });
  if (written.seq === null) {
    throw new Error(
      `target '${session.decl.name}': an earlier apply left no audit record (${String(base.message)}), and the gap could not be recorded on the target (${written.notOnTarget}); not applying, so that this apply cannot cover it. Fix the target's audit table, then apply again.`,
    );
  }
  warn(`${String(base.message)}. Recorded as gap seq ${written.seq}: meshward audit --verify reports it until it is acknowledged (meshward audit --acknowledge ${written.seq} --reason TEXT).`);
  return written;
}

/**
 * Appends an acknowledgement of gap `gapSeq` (a record of its own, with who and why). Refuses
 * a seq that is not an unacknowledged gap record.
 */
export async function acknowledgeGap(session: TargetSession, gapSeq: number, reason: string, options: RecordOptions = {}): Promise<RecordedApply> {
  const store = session.target.state.audit;
  if (!store) throw new Error(`target type ${session.target.type} keeps no audit table`);
  if (reason.trim() === '') throw new Error('--reason: say what the unrecorded apply was (who, what, why)');
  const snapshot = await store.read(session.conn, session.ctx);
  const row = snapshot.rows.find((r) => r.seq === gapSeq);
  if (!row || row.record.kind !== 'gap') {
    const gaps = snapshot.rows.filter((r) => r.record.kind === 'gap').map((r) => r.seq);
    throw new Error(`seq ${gapSeq} of target '${session.decl.name}' is not a gap record${gaps.length ? ` (gap records: seq ${gaps.join(', ')})` : ' (the trail has no gap records)'}`);
  }
  const done = snapshot.rows.find((r) => r.record.kind === 'acknowledgement' && r.record.gap_seq === gapSeq);
  if (done) throw new Error(`gap seq ${gapSeq} is already acknowledged, at seq ${done.seq}`);
  const warn = options.warn ?? defaultWarn;
  const journal = journalOf(session, warn);
  const base = buildAcknowledgementRecord({ project: session.model.project.name, target: session.decl.name, engine: session.conn.driver, gapSeq, reason: reason.trim(), journal: journal?.ref ?? null, env: options.env, argv: options.argv });
  const written = await writeRecord(session, base, journal, warn, { retry: false });
  if (written.seq === null) throw new Error(`the acknowledgement could not be written to target '${session.decl.name}': ${written.notOnTarget}`);
  return written;
}

const defaultWarn = (m: string) => void process.stderr.write(`meshward: audit: ${m}\n`);

interface OpenedJournal {
  readonly path: string;
  readonly ref: JournalRef;
}

function journalOf(session: TargetSession, warn: (m: string) => void): OpenedJournal | undefined {
  try {
    const journal = openJournal(resolve(session.root), session.decl.name, session.model.project.name);
    if (journal.id === null) warn(`the local journal ${journal.path} has a damaged header (meshward audit --verify reports it); appending anyway`);
    return { path: journal.path, ref: { id: journal.id, host: whoAmI().host, path: journal.path } };
  } catch (e) {
    warn(`cannot open the local journal under ${resolve(session.root, '.meshward', 'audit')}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Writes one record to the target's chain (sealed there: seq, prev, state_applied_at), then to the local journal. */
async function writeRecord(session: TargetSession, base: AuditRecord, journal: OpenedJournal | undefined, warn: (m: string) => void, opts: { retry?: boolean } = {}): Promise<RecordedApply> {
  let row: AuditRow | null = null;
  let notOnTarget: string | undefined;
  const store = session.target.state.audit;
  if (!store) notOnTarget = `target type ${session.target.type} keeps no audit table`;
  else {
    const append = (conn: Connection) =>
      store.append(conn, session.ctx, ({ seq, prev, stateAppliedAt, note }) => {
        const record = normalizeRecord<AuditRecord>({ ...base, seq, prev: prev.hash, state_applied_at: stateAppliedAt, ...(note ? { note } : {}) });
        return { record, hash: chainHash(prev.hash, record), at: record.at as string };
      });
    try {
      row = await append(session.conn);
    } catch (first) {
      // The apply's connection may be gone (e.g. lost during COMMIT): one more try on a new one.
      if (session.conn.reconnects && opts.retry !== false) {
        try {
          const fresh = await session.target.connect(session.ctx);
          try {
            row = await append(fresh);
          } finally {
            await fresh.close();
          }
        } catch (second) {
          notOnTarget = `${errorsOf(session).describe(first)}; again on a new connection: ${errorsOf(session).describe(second)}`;
        }
      } else notOnTarget = errorsOf(session).describe(first);
    }
    if (!row && !notOnTarget) notOnTarget = 'the target has no audit table yet (no apply has committed there)';
  }

  const record = row ? row.record : normalizeRecord<AuditRecord>({ ...base, not_on_target: notOnTarget });
  let journalPath: string | null = null;
  if (journal) {
    try {
      appendJournal(journal.path, record);
      journalPath = journal.path;
    } catch (e) {
      warn(`could not append to the local journal ${journal.path}: ${(e as Error).message}`);
    }
  }
  return { record, seq: row?.seq ?? null, journal: journalPath, ...(notOnTarget ? { notOnTarget } : {}) };
}
