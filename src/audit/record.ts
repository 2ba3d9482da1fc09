import { randomUUID } from 'node:crypto';
import type { ApplyReport } from '../apply/apply.js';
import { canonicalJson, sha256 } from '../plan/canonical.js';
import type { Plan } from '../plan/plan.js';
import { stepHash, type Step } from '../plan/step.js';
import { normalizeRecord, type AuditRecord } from './chain.js';
import { ciIdentity, commandLine, whoAmI } from './identity.js';

/**
 * One apply as the audit trail keeps it (format 1). Secrets never enter a record: who comes from
 * the OS and a fixed list of CI identifiers, the command line and every string have passwords of
 * URLs hidden, and no target setting (a `url` may carry a password) or environment value is read.
 *
 * {
 *   format: 1, kind: "apply", id, seq, prev, at, started_at, ms,
 *   project, target, engine,
 *   who: { user, host, ci: { system, actor, repository, run_id, commit, … } | null },
 *   command: ["meshward", "apply", "--yes", …],
 *   plan: { hash, state_hash, desired_hash, created_at, changes, summary },
 *   mode: "transaction" | "batches" | "no-transaction" (the executor's),
 *   outcome: "applied" | "failed" | "unknown" (a COMMIT lost its connection),
 *   rolled_back, error, lock_problem, failure: { phase, statement, batch, error, code } | null,
 *   batches: [ { n, changes, statements, outcome } ],
 *   statements: [ { n, sha256, batch, outcome: applied|rolled_back|failed|not_run|unknown, ms } ]
 *     (the failing one also with its change, its `sql` — or, for an API call, its `step` — and error),
 *   state_applied_at, journal: { id, host, path }, note?, not_on_target?
 * }
 *
 * A statement is recorded by its 1-based position in the plan and the sha256 of its text: the
 * plan (`plan.hash`; the saved plan file, or re-derived from the repository at that commit) is
 * the artifact that holds the text. Records before issue 10 carry every statement's `sql` and
 * `change`; both kinds verify alike (the chain hashes whatever a record holds).
 *
 * `seq` and `prev` are the target table's: the record's place in that chain (null when the record
 * could not be written there). `state_applied_at` is when the target's state was last written,
 * read right after the apply, so verify can tell when an apply is missing from the trail.
 */

export interface JournalRef {
  readonly id: string | null;
  readonly host: string;
  readonly path: string;
}

/** What every kind of record (apply, gap, acknowledgement) says about where and by whom. */
export interface RecordContext {
  readonly project: string;
  readonly target: string;
  readonly engine: string;
  readonly journal: JournalRef | null;
  readonly env?: NodeJS.ProcessEnv;
  readonly argv?: readonly string[];
  /** When the record is made (default: now). */
  readonly at?: Date;
}

export interface ApplyRecordInput extends RecordContext {
  readonly plan: Plan;
  readonly report: ApplyReport;
}

/** The fields every record starts with: format, kind, id, its place (set when written), when, where, who, the command line. */
export function recordHead(kind: string, input: RecordContext): Record<string, unknown> {
  const me = whoAmI();
  return {
    format: 1,
    kind,
    id: randomUUID(),
    seq: null,
    prev: null,
    at: (input.at ?? new Date()).toISOString(),
    project: input.project,
    target: input.target,
    engine: input.engine,
    who: { user: me.user, host: me.host, ci: ciIdentity(input.env ?? process.env) },
    command: commandLine(input.argv ?? process.argv),
  };
}

/** The sha256 of the canonical plan JSON: what was approved, byte for byte. */
export function planHash(plan: Plan): string {
  return sha256(canonicalJson(plan));
}

/** The executor's outcome: `applied`, `failed`, or `unknown` (a COMMIT lost its connection). */
export function outcomeOf(report: ApplyReport): string {
  const own = (report as { outcome?: unknown }).outcome;
  if (typeof own === 'string' && own !== '') return own;
  return report.ok ? 'applied' : 'failed';
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * One statement as the record keeps it: position, hash and outcome (a 10,000-table apply is tens
 * of thousands of statements — their text is the plan's); the failing one with its text (secrets
 * of URLs hidden, as in every string of a record), its change and the error.
 */
function statementEntry(n: number, step: Step, outcome: string, ms: number | null, batch: number | null, change: string | null, error: string | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = { n, sha256: stepHash(step), ...(batch !== null ? { batch } : {}), outcome, ms: ms === null ? null : round(ms) };
  // a SQL step keeps its `sql` (records stay format 1); an API call is kept as the step itself
  return outcome === 'failed' ? { ...entry, change, ...(step.kind === 'sql' ? { sql: step.text } : { step }), error: error ?? null } : entry;
}

/** The record of an apply, without its place in a chain (`seq`, `prev`, `state_applied_at` are set when it is written). */
export function buildApplyRecord(input: ApplyRecordInput): AuditRecord {
  const at = input.at ?? new Date();
  const { report, plan } = input;
  const mode = (report as { mode?: unknown }).mode;
  // Every statement of the plan with what became of it (the executor's outcomes; older reports: sent + not run).
  const statements = report.outcomes?.length
    ? report.outcomes.map((s) => statementEntry(s.index, s.step, s.outcome, s.ms, s.batch, s.change, s.error))
    : [
        ...report.statements.map((s, i) => statementEntry(i + 1, s.step, s.ok ? (report.ok ? 'applied' : 'rolled_back') : 'failed', s.ms, null, null, s.error)),
        ...report.notRun.map((step, i) => statementEntry(report.statements.length + i + 1, step, 'not_run', null, null, null, undefined)),
      ];
  return normalizeRecord({
    ...recordHead('apply', { ...input, at }),
    started_at: new Date(at.getTime() - report.ms).toISOString(),
    ms: round(report.ms),
    plan: {
      hash: planHash(plan),
      state_hash: plan.state_hash,
      desired_hash: plan.desired_hash,
      created_at: plan.created_at,
      changes: plan.changes.length,
      summary: plan.summary,
    },
    mode: typeof mode === 'string' ? mode : 'transaction',
    outcome: outcomeOf(report),
    rolled_back: report.rolledBack,
    error: report.error ?? null,
    lock_problem: report.lockProblem ?? null,
    failure: report.failure ? { phase: report.failure.phase, statement: report.failure.index, batch: report.failure.batch, error: report.failure.error, code: report.failure.code } : null,
    batches: report.batches?.map((b) => ({ n: b.index, changes: b.changes, statements: b.statements, outcome: b.outcome })) ?? null,
    statements,
    state_applied_at: null,
    journal: input.journal,
  });
}
