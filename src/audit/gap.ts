import type { AuditSnapshot, AuditStateWrite } from '../targets/target.js';
import { normalizeRecord, type AuditRecord } from './chain.js';
import { recordHead, type RecordContext } from './record.js';

/**
 * Applies that left no record (issue 8, item 6). An apply writes its recorded state in the same
 * transaction(s) as its changes, and its audit record only afterwards; killed (or its connection
 * lost) in between — after batch 1 of 2 committed, or right after its only COMMIT — it leaves
 * state on the target that no record covers. Each record keeps the state's `applied_at` as seen
 * when it was written (`state_applied_at`), so "the state is newer than what the newest record
 * saw" is exactly such an apply.
 *
 * `audit --verify` reports it; and the next apply, under the apply lock and before it changes
 * anything, writes a **gap record** (kind `gap`) describing it into both copies of the chain —
 * otherwise that apply's own record would cover the newer state and the trail would look intact.
 * A gap record stays in the chain for ever, and verify fails on it until someone acknowledges it
 * with a record of their own (kind `acknowledgement`, naming the gap's seq and a reason).
 */

/** State on the target that no audit record covers. */
export interface UnrecordedState {
  /** The newest record's seq (0 when the table has none). */
  readonly afterSeq: number;
  /** The state time that record saw (null: none). */
  readonly recordedStateAppliedAt: string | null;
  /** When the state was last written. */
  readonly stateAppliedAt: string;
  /** The writes after `recordedStateAppliedAt` still in the state, oldest first (when the target can tell). */
  readonly writes: readonly AuditStateWrite[];
}

/** What the snapshot's state says about applies after the newest record; null when every state write is covered. */
export function unrecordedState(s: AuditSnapshot): UnrecordedState | null {
  if (!s.available || s.stateAppliedAt === null) return null;
  const last = s.rows[s.rows.length - 1];
  const seen = last?.record.state_applied_at;
  const recorded = typeof seen === 'string' ? seen : null;
  if (last && recorded === s.stateAppliedAt) return null;
  const writes = (s.stateWrites ?? []).filter((w) => recorded === null || w.applied_at > recorded);
  return { afterSeq: last?.seq ?? 0, recordedStateAppliedAt: recorded, stateAppliedAt: s.stateAppliedAt, writes };
}

/** One line: what the unrecorded writes were. */
export function describeWrites(writes: readonly AuditStateWrite[]): string {
  if (writes.length === 0) return 'the state rows it wrote were rewritten since';
  const rows = writes.reduce((n, w) => n + w.rows, 0);
  const keys = writes.flatMap((w) => w.keys);
  const shown = keys.slice(0, 3).join(', ');
  const removed = writes.flatMap((w) => w.removed ?? []);
  const removal = writes.some((w) => w.removed !== undefined) ? `; a transaction removed recorded-state rows${removed.length ? `: ${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''}` : ''}` : '';
  return `${rows} recorded-state row${rows === 1 ? '' : 's'} in ${writes.length} transaction${writes.length === 1 ? '' : 's'} (${writes.map((w) => w.applied_at).join(', ')})${rows ? `: ${shown}${rows > 3 ? ', …' : ''}` : ''}${removal}`;
}

export interface GapRecordInput extends RecordContext {
  readonly gap: UnrecordedState;
  /** Records of the local journal that never reached the target and came after the newest table record. */
  readonly journalOnly: readonly { entry: number; id: string | null; at: string | null; outcome: string | null }[];
}

/**
 * The gap record (format 1):
 * { format: 1, kind: "gap", id, seq, prev, at, project, target, engine, who, command,
 *   detected_by: "apply", after_seq, recorded_state_applied_at,
 *   unrecorded: { state_applied_at, rows, writes: [ { applied_at, rows, keys } ] },
 *   journal_only: [ { entry, id, at, outcome } ], message, state_applied_at, journal }
 */
export function buildGapRecord(input: GapRecordInput): AuditRecord {
  const { gap } = input;
  const after = gap.afterSeq === 0 ? 'before the first record' : `after seq ${gap.afterSeq}`;
  const journalNote = input.journalOnly.length
    ? `; the local journal holds ${input.journalOnly.length} record${input.journalOnly.length === 1 ? '' : 's'} that never reached the target (entr${input.journalOnly.length === 1 ? 'y' : 'ies'} ${input.journalOnly.map((j) => j.entry).join(', ')}), which may describe it`
    : '';
  return normalizeRecord({
    ...recordHead('gap', input),
    detected_by: 'apply',
    after_seq: gap.afterSeq,
    recorded_state_applied_at: gap.recordedStateAppliedAt,
    unrecorded: { state_applied_at: gap.stateAppliedAt, rows: gap.writes.reduce((n, w) => n + w.rows, 0), writes: gap.writes },
    journal_only: input.journalOnly,
    message: `an apply ${after} wrote the target's recorded state (last at ${gap.stateAppliedAt}) and left no audit record — killed, or its connection lost, between its COMMIT and its record: ${describeWrites(gap.writes)}${journalNote}`,
    state_applied_at: null,
    journal: input.journal,
  });
}

/**
 * The acknowledgement of a gap (format 1): someone looked at the unrecorded apply and says what it
 * was. It is a record of its own in the chain; verify then reports the gap as acknowledged.
 * { format: 1, kind: "acknowledgement", id, seq, prev, at, project, target, engine, who, command,
 *   gap_seq, reason, state_applied_at, journal }
 */
export function buildAcknowledgementRecord(input: RecordContext & { readonly gapSeq: number; readonly reason: string }): AuditRecord {
  return normalizeRecord({ ...recordHead('acknowledgement', input), gap_seq: input.gapSeq, reason: input.reason, state_applied_at: null, journal: input.journal });
}
