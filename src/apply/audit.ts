import { resolve } from 'node:path';
import { chainHash, normalizeRecord, type AuditRecord } from '../audit/chain.js';
import { whoAmI } from '../audit/identity.js';
import { appendJournal, openJournal } from '../audit/journal.js';
import { buildApplyRecord, type JournalRef } from '../audit/record.js';
import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { AuditRow, Connection } from '../targets/target.js';
import { errorText, type ApplyReport } from './apply.js';

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
  const warn = options.warn ?? ((m: string) => void process.stderr.write(`meshward: audit: ${m}\n`));
  const target = session.decl.name;
  const project = session.model.project.name;

  let journal: { path: string; id: string | null } | undefined;
  try {
    journal = openJournal(resolve(session.root), target, project);
    if (journal.id === null) warn(`the local journal ${journal.path} has a damaged header (meshward audit --verify reports it); appending anyway`);
  } catch (e) {
    warn(`cannot open the local journal under ${resolve(session.root, '.meshward', 'audit')}: ${(e as Error).message}`);
  }
  const ref: JournalRef | null = journal ? { id: journal.id, host: whoAmI().host, path: journal.path } : null;
  const base = buildApplyRecord({ project, target, engine: session.conn.driver, plan, report, journal: ref, env: options.env, argv: options.argv });

  let row: AuditRow | null = null;
  let notOnTarget: string | undefined;
  const store = session.target.audit;
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
      if (session.conn.driver === 'pg') {
        try {
          const fresh = await session.target.connect(session.ctx);
          try {
            row = await append(fresh);
          } finally {
            await fresh.close();
          }
        } catch (second) {
          notOnTarget = `${errorText(first)}; again on a new connection: ${errorText(second)}`;
        }
      } else notOnTarget = errorText(first);
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
  if (!row) {
    const where = journalPath ? `it is in the local journal ${journalPath} only` : 'and not in the local journal either: this apply has NO audit record';
    warn(`the audit record of this apply was not written to target '${target}' (${notOnTarget}); ${where}`);
  }
  return { record, seq: row?.seq ?? null, journal: journalPath, ...(notOnTarget ? { notOnTarget } : {}) };
}
