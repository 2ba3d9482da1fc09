import { recordHintOf, type Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { RecordOptions, StatementResult } from '../targets/target.js';
import { LockBudgetError } from './batches.js';
import { applyLayout, type ApplyLayout, type ApplyMode, type LockBudget } from './budget.js';
import { isConnectionLost, nextStep } from './outcome.js';
import { setPhase } from '../progress.js';

export type { ApplyMode, LockBudget } from './budget.js';

export interface ApplyOptions {
  /** Per-statement lock wait; a statement that cannot lock its object in time fails the apply. */
  readonly lockTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number, sql: string) => void;
  /** false: each change in a transaction of its own, committed with its recorded state (`--no-transaction`). */
  readonly transaction?: boolean;
  /** Lock entries one transaction may use; default half the server's lock table. Over it, the plan runs in batches. */
  readonly lockBudget?: number;
  /** Told before anything starts when the plan does not run as one transaction. */
  readonly onNotice?: (message: string) => void;
}

/** What became of one statement of the plan. */
export type StatementOutcome =
  /** committed */
  | 'applied'
  /** ran, then its transaction was rolled back */
  | 'rolled_back'
  /** this statement failed */
  | 'failed'
  /** never sent */
  | 'not_run'
  /** sent in a transaction whose COMMIT lost its connection: committed or not, only a new plan can tell */
  | 'unknown';

export interface StatementReport {
  /** 1-based position among the plan's statements. */
  readonly index: number;
  /** Key of the change it belongs to. */
  readonly change: string;
  /** 1-based transaction it belongs to (always 1 in transaction mode). */
  readonly batch: number;
  readonly sql: string;
  readonly outcome: StatementOutcome;
  /** Null when it never ran. */
  readonly ms: number | null;
  readonly error?: string;
}

export interface ChangeReport {
  readonly key: string;
  readonly action: string;
  readonly object: string;
  readonly batch: number;
  readonly outcome: 'applied' | 'failed' | 'not_applied' | 'unknown';
}

export interface BatchReport {
  /** 1-based. */
  readonly index: number;
  readonly changes: number;
  readonly statements: number;
  /** Estimated lock entries (null when the target has no lock model). */
  readonly lockEstimate: number | null;
  readonly outcome: 'applied' | 'rolled_back' | 'not_run' | 'unknown';
}

export interface FailureReport {
  /** Where it failed: before starting (lock budget), opening a transaction, a statement, recording the state, or COMMIT. */
  readonly phase: 'prepare' | 'begin' | 'statement' | 'record' | 'commit';
  /** The failing statement (phase `statement`). */
  readonly index: number | null;
  readonly change: string | null;
  readonly sql: string | null;
  readonly batch: number | null;
  readonly error: string;
  /** SQLSTATE (or the socket error code) when the driver gave one. */
  readonly code: string | null;
}

export interface ApplyReport {
  readonly ok: boolean;
  /** `applied`: all of it committed; `failed`: it stopped, and what committed is known exactly; `unknown`: a COMMIT lost its connection. */
  readonly outcome: 'applied' | 'failed' | 'unknown';
  readonly mode: ApplyMode;
  /** Statements that were sent, in order, with how they went (the failing one last). */
  readonly statements: readonly StatementResult[];
  /** Statements of the plan that were never sent (after a failure). */
  readonly notRun: readonly string[];
  /** Set when the failure left nothing of the plan applied (everything that ran was rolled back). */
  readonly rolledBack: boolean;
  readonly error?: string;
  readonly lockProblem?: string;
  readonly ms: number;
  /** Every statement of the plan with its outcome. */
  readonly outcomes: readonly StatementReport[];
  /** Committed statements, in order. */
  readonly applied: readonly string[];
  /** Statements known not to be applied (rolled back, failed, never sent), in order. */
  readonly notApplied: readonly string[];
  /** Statements of a transaction whose COMMIT lost its connection. */
  readonly unknown: readonly string[];
  readonly changes: readonly ChangeReport[];
  readonly batches: readonly BatchReport[];
  readonly lock: LockBudget | null;
  readonly failure: FailureReport | null;
  /** What to do next, in one sentence or two. */
  readonly next: string;
}

interface Failure {
  readonly phase: FailureReport['phase'];
  readonly cause: unknown;
  /** 0-based plan position of the failing statement (phase `statement`). */
  readonly statement?: number;
}

/** One statement of the plan while the apply runs. */
interface Slot {
  readonly change: number;
  readonly batch: number;
  readonly sql: string;
  outcome: StatementOutcome;
  ms: number | null;
  error?: string;
}

/**
 * Applies a plan. By default in ONE transaction (PostgreSQL DDL is transactional): every
 * statement and the recorded state commit together, or nothing does. When that transaction would
 * need more lock entries than the budget, in batches (budget.ts, batches.ts); with `transaction:
 * false`, one change per transaction. Every transaction records the state of what it applied,
 * keeping the old records of what has not run, so after any failure the next plan is exactly
 * the rest. Nothing is ever retried: a statement sent twice could have a different effect, and
 * a COMMIT whose connection was lost may have committed (outcome `unknown`).
 */
export async function applyPlan(session: TargetSession, plan: Plan, options: ApplyOptions = {}): Promise<ApplyReport> {
  const started = performance.now();
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  let layout: Pick<ApplyLayout, 'mode' | 'units' | 'estimates' | 'lock'>;
  let failure: Failure | undefined;
  try {
    const planned = await applyLayout(session, plan, options);
    if (planned.notice) options.onNotice?.(planned.notice);
    layout = planned;
  } catch (e) {
    layout = { mode: options.transaction === false ? 'no-transaction' : 'transaction', units: [plan.changes.map((_, i) => i)], estimates: [null], lock: null };
    failure = { phase: 'prepare', cause: e };
  }

  const firstOf = firstStatements(plan);
  const batchOf = new Map<number, number>();
  layout.units.forEach((unit, u) => unit.forEach((i) => batchOf.set(i, u + 1)));
  const slots: Slot[] = plan.changes.flatMap((c, change) => c.sql.map((sql) => ({ change, batch: batchOf.get(change)!, sql, outcome: 'not_run' as StatementOutcome, ms: null })));
  const sent: number[] = []; // plan positions, in the order they were sent
  const conn = session.conn;
  let committed = 0;

  /** One transaction: BEGIN, the statements, the recorded state, COMMIT. */
  const runUnit = async (positions: readonly number[], record: RecordOptions | undefined): Promise<Failure | undefined> => {
    // What an interruption would leave (progress.ts): one transaction rolls back whole; after a
    // batch or a change has committed, what committed stays.
    setPhase(committed > 0 || layout.units.length > 1 ? 'committing' : 'transaction');
    try {
      await conn.exec('BEGIN');
      for (const sql of session.target.applyPreamble({ lockTimeoutMs })) await conn.exec(sql);
    } catch (e) {
      return { phase: 'begin', cause: e };
    }
    for (const p of positions) {
      const slot = slots[p]!;
      const t = performance.now();
      sent.push(p);
      try {
        await conn.exec(slot.sql);
      } catch (e) {
        Object.assign(slot, { outcome: 'failed', ms: performance.now() - t, error: errorText(e) });
        return { phase: 'statement', cause: e, statement: p };
      }
      Object.assign(slot, { outcome: 'rolled_back', ms: performance.now() - t }); // until its COMMIT succeeds
      options.onProgress?.(sent.length, slots.length, slot.sql);
    }
    try {
      await session.target.recordState(conn, session.desired, session.ctx, record);
    } catch (e) {
      return { phase: 'record', cause: e };
    }
    try {
      await conn.exec('COMMIT');
    } catch (e) {
      // A COMMIT answered with an error rolled back; one that lost its connection may have committed.
      return { phase: 'commit', cause: e };
    }
    return undefined;
  };

  const runKeys = layout.units.flat().map((i) => plan.changes[i]!.key);
  const keyed = keyedRecords(session, plan, layout.units);
  let done = 0; // changes of the units before this one
  for (const [u, unit] of (failure ? [] : layout.units).entries()) {
    const positions = unit.flatMap((i) => plan.changes[i]!.sql.map((_, k) => firstOf[i]! + k));
    done += unit.length;
    // With the plan's record hint, every transaction writes only the rows its changes and the
    // hint name (keyedRecords). Without: the last transaction records everything; an earlier one
    // keeps the records of what is still to run — in --no-transaction mode cheaply, by writing
    // only the rows of its own change.
    const last = u === layout.units.length - 1;
    const record: RecordOptions | undefined = keyed
      ? { ...ownRows(keyed.keys(u), runKeys, done), fresh: keyed.fresh }
      : last
        ? undefined
        : layout.mode === 'no-transaction'
          ? ownRows(unit.map((i) => plan.changes[i]!.key), runKeys, done)
          : { pending: runKeys.slice(done) };
    failure = await runUnit(positions, record);
    const settle = (outcome: StatementOutcome) => {
      for (const p of positions) if (slots[p]!.outcome === 'rolled_back') slots[p]!.outcome = outcome;
    };
    if (!failure) {
      settle('applied');
      committed = u + 1;
      continue;
    }
    if (failure.phase === 'commit') {
      if (isConnectionLost(failure.cause)) settle('unknown');
    } else await conn.exec('ROLLBACK').catch(() => undefined);
    break;
  }
  setPhase('idle');
  return buildReport(plan, layout, slots, sent, committed, failure, lockTimeoutMs, started);
}

/**
 * The keys each transaction's record writes when the plan carries a record hint (plan.ts): the
 * rows of its own changes, the governance rows (every record leaves a row with its time: the
 * audit's gap check reads it), and the rows the hint says a full record would write differently
 * though no change is planned for them — a view's in every transaction (its fingerprint is read
 * live, as a full record would), any other's in the first (it is written from the desired spec,
 * which no later transaction changes), and the rows of recorded objects no longer desired are
 * deleted in the first. A key whose change has not run yet is never among them: its row stays
 * (`pending`). So the state after every transaction is exactly what a full record keeping the
 * rows of what is still to run would write (test/e2e/postgres/record-keyed.test.ts), and an apply
 * of a few changes among 10,000 tables reads and writes a few rows (issue 10). The first apply to
 * an empty target writes the rows of its changes, which are all of them. Undefined — every
 * record full — without a hint, or when the plan changes the governance layout (which records
 * the state in its new form).
 */
function keyedRecords(session: TargetSession, plan: Plan, units: readonly (readonly number[])[]): { keys: (unit: number) => string[]; fresh: boolean } | undefined {
  const changeKeys = new Set(plan.changes.map((c) => c.key));
  const own = (u: number) => units[u]!.map((i) => plan.changes[i]!.key);
  // The first apply to a target where nothing is managed: every desired object is a change, and
  // nothing recorded can differ — each transaction writes the rows of its own changes.
  // (The governance change, which creates the state table, must be in the first transaction: a
  // record before it records nothing, and a later one only its own rows.)
  const governanceFirst = plan.changes.every((c, i) => c.kind !== 'governance' || units[0]!.includes(i));
  if (plan.new_target && governanceFirst && session.desired.every((o) => changeKeys.has(o.key))) return { keys: own, fresh: true };
  const hint = recordHintOf(plan);
  if (!hint || plan.changes.some((c) => c.kind === 'governance')) return undefined;
  const wanted = new Set([...hint.restate, ...hint.forget].filter((k) => !changeKeys.has(k)));
  const views = new Set<string>();
  if (wanted.size) for (const o of session.desired) if (o.kind === 'view' && wanted.has(o.key)) views.add(o.key);
  const first = [...wanted].filter((k) => !views.has(k));
  const every = [...new Set([...hint.always, ...views])].filter((k) => !changeKeys.has(k));
  return { keys: (u) => [...new Set([...own(u), ...every, ...(u === 0 ? first : [])])], fresh: false };
}

/** Record the rows of `only`; `pending` (the keys from `from` on) is computed only if the target asks — a copy per change would be quadratic. */
function ownRows(only: readonly string[], runKeys: readonly string[], from: number): RecordOptions {
  return {
    only,
    get pending() {
      return runKeys.slice(from);
    },
  };
}

function firstStatements(plan: Plan): number[] {
  const firstOf: number[] = [];
  plan.changes.reduce((n, c, i) => ((firstOf[i] = n), n + c.sql.length), 0);
  return firstOf;
}

function buildReport(
  plan: Plan,
  layout: Pick<ApplyLayout, 'mode' | 'units' | 'estimates' | 'lock'>,
  slots: readonly Slot[],
  sent: readonly number[],
  committed: number,
  failure: Failure | undefined,
  lockTimeoutMs: number,
  started: number,
): ApplyReport {
  const unknownCommit = failure?.phase === 'commit' && isConnectionLost(failure.cause);
  const outcome: ApplyReport['outcome'] = !failure ? 'applied' : unknownCommit ? 'unknown' : 'failed';
  const outcomes: StatementReport[] = slots.map((s, p) => ({
    index: p + 1,
    change: plan.changes[s.change]!.key,
    batch: s.batch,
    sql: s.sql,
    outcome: s.outcome,
    ms: s.ms,
    ...(s.error !== undefined ? { error: s.error } : {}),
  }));
  const failed = failure?.statement !== undefined ? outcomes[failure.statement] : undefined;
  const failedChange = failure?.statement !== undefined ? slots[failure.statement]!.change : -1;
  const batchOf = new Map<number, number>();
  layout.units.forEach((unit, u) => unit.forEach((i) => batchOf.set(i, u + 1)));
  const changeOutcome = (i: number): ChangeReport['outcome'] => {
    const batch = batchOf.get(i)!;
    if (i === failedChange || (failedChange >= 0 && plan.changes[i]!.served_by === failedChange)) return 'failed'; // with the changes its joined statement makes
    if (batch <= committed) return 'applied';
    return unknownCommit && batch === committed + 1 ? 'unknown' : 'not_applied';
  };
  const cause = failure?.cause;
  const error = failure ? (failure.phase === 'record' ? `recording the applied state failed: ${errorText(cause)}` : errorText(cause)) : undefined;
  const sentSet = new Set(sent);
  const firstOf = firstStatements(plan);
  const runOrder = layout.units.flatMap((unit) => unit.flatMap((i) => plan.changes[i]!.sql.map((_, k) => firstOf[i]! + k)));

  const report: Omit<ApplyReport, 'next'> = {
    ok: !failure,
    outcome,
    mode: layout.mode,
    statements: sent.map((p) => ({ sql: slots[p]!.sql, ok: slots[p]!.outcome !== 'failed', ms: slots[p]!.ms ?? 0, ...(slots[p]!.error !== undefined ? { error: slots[p]!.error } : {}) })),
    notRun: failure ? runOrder.filter((p) => !sentSet.has(p)).map((p) => slots[p]!.sql) : [],
    rolledBack: outcome === 'failed' && committed === 0 && sent.length > 0,
    ...(error !== undefined ? { error } : {}),
    ...(codeOf(cause) === '55P03' && failed ? { lockProblem: `could not lock the object of statement ${failed.index} within ${lockTimeoutMs} ms: ${failed.sql.split('\n')[0]}` } : {}),
    ms: performance.now() - started,
    outcomes,
    applied: outcomes.filter((s) => s.outcome === 'applied').map((s) => s.sql),
    notApplied: outcomes.filter((s) => s.outcome === 'rolled_back' || s.outcome === 'failed' || s.outcome === 'not_run').map((s) => s.sql),
    unknown: outcomes.filter((s) => s.outcome === 'unknown').map((s) => s.sql),
    changes: plan.changes.map((c, i) => ({ key: c.key, action: c.action, object: c.object, batch: batchOf.get(i)!, outcome: changeOutcome(i) })),
    batches: layout.units.map((unit, u) => ({
      index: u + 1,
      changes: unit.length,
      statements: unit.reduce((n, i) => n + plan.changes[i]!.sql.length, 0),
      lockEstimate: layout.estimates[u] ?? null,
      outcome: u < committed ? 'applied' : failure && failure.phase !== 'prepare' && u === committed ? (unknownCommit ? 'unknown' : 'rolled_back') : 'not_run',
    })),
    lock: layout.lock,
    failure: failure
      ? {
          phase: failure.phase,
          index: failed?.index ?? null,
          change: failed?.change ?? null,
          sql: failed?.sql ?? null,
          batch: failure.phase === 'prepare' ? null : committed + 1,
          error: error!,
          code: codeOf(cause),
        }
      : null,
  };
  return { ...report, next: nextStep(report, cause instanceof LockBudgetError) };
}

/** The driver's message without the statement text (postgres.md: errors carry the whole script). */
export function errorText(e: unknown): string {
  const err = e as { message?: string; code?: string };
  const message = (err.message ?? String(e)).split('\n')[0]!;
  const code = codeOf(e);
  if (!code) return message;
  return /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : `${message} (${code})`;
}

export function codeOf(e: unknown): string | null {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : null;
}
