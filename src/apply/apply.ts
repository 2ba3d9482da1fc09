import { recordHintOf, type Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { Connection, RecordOptions, StepResult } from '../targets/target.js';
import { plainErrors, type EngineErrors } from '../targets/capabilities.js';
import { runAutoCommit } from './auto-commit.js';
import { stepText, type Step } from '../plan/step.js';
import { LockBudgetError } from './batches.js';
import { applyLayout, type ApplyLayout, type ApplyMode, type LockBudget } from './budget.js';
import { nextStep } from './outcome.js';
import { setPhase } from '../progress.js';

export type { ApplyMode, LockBudget } from './budget.js';

export interface ApplyOptions {
  /** Per-statement lock wait; a statement that cannot lock its object in time fails the apply. */
  readonly lockTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number, step: Step) => void;
  /** false: each change in a transaction of its own, committed with its recorded state (`--no-transaction`). */
  readonly transaction?: boolean;
  /** Lock entries one transaction may use; default half the server's lock table. Over it, the plan runs in batches. */
  readonly lockBudget?: number;
  /** Told before anything starts when the plan does not run as one transaction. */
  readonly onNotice?: (message: string) => void;
  /** Called before each step is sent; a throw stops the apply there as a failed step (the lock's lease lost). */
  readonly beforeStep?: () => void;
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
  /** 1-based position among the plan's steps. */
  readonly index: number;
  /** Key of the change it belongs to. */
  readonly change: string;
  /** 1-based transaction it belongs to (always 1 in transaction mode). */
  readonly batch: number;
  readonly step: Step;
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
  /** `partial` (auto-commit): it stopped inside, and the steps before the failing one are live. */
  readonly outcome: 'applied' | 'rolled_back' | 'partial' | 'not_run' | 'unknown';
}

export interface FailureReport {
  /** Where it failed: before starting (lock budget), opening a transaction, a statement, recording the state, or COMMIT. */
  readonly phase: 'prepare' | 'begin' | 'statement' | 'record' | 'commit';
  /** The failing step (phase `statement`). */
  readonly index: number | null;
  readonly change: string | null;
  readonly step: Step | null;
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
  readonly statements: readonly StepResult[];
  /** Steps of the plan that were never sent (after a failure). */
  readonly notRun: readonly Step[];
  /** Set when the failure left nothing of the plan applied (everything that ran was rolled back). */
  readonly rolledBack: boolean;
  readonly error?: string;
  readonly lockProblem?: string;
  readonly ms: number;
  /** Every statement of the plan with its outcome. */
  readonly outcomes: readonly StatementReport[];
  /** Committed steps, in order. */
  readonly applied: readonly Step[];
  /** Steps known not to be applied (rolled back, failed, never sent), in order. */
  readonly notApplied: readonly Step[];
  /** Steps of a transaction whose COMMIT lost its connection. */
  readonly unknown: readonly Step[];
  readonly changes: readonly ChangeReport[];
  readonly batches: readonly BatchReport[];
  readonly lock: LockBudget | null;
  readonly failure: FailureReport | null;
  /** What to do next, in one sentence or two. */
  readonly next: string;
}

export interface Failure {
  readonly phase: FailureReport['phase'];
  readonly cause: unknown;
  /** 0-based plan position of the failing statement (phase `statement`). */
  readonly statement?: number;
}

/** One step of the plan while the apply runs. */
export interface Slot {
  readonly change: number;
  readonly batch: number;
  readonly step: Step;
  outcome: StatementOutcome;
  ms: number | null;
  error?: string;
}

/**
 * Applies a plan with the executor the target's capabilities choose. With transactional DDL, in
 * ONE transaction (PostgreSQL): every step and the recorded state commit together, or nothing
 * does; when that transaction would need more lock entries than the budget, in batches (budget.ts,
 * batches.ts); with `transaction: false`, one change per transaction. Every transaction records
 * the state of what it applied, keeping the old records of what has not run, so after any failure
 * the next plan is exactly the rest. Without transactional DDL (auto-commit.ts), every step commits
 * on its own and the state is recorded around each change. Nothing is ever retried: a step sent
 * twice could have a different effect, and a COMMIT (or a step) whose connection was lost may have
 * landed (outcome `unknown`).
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
    const mode: ApplyMode = !session.target.capabilities.transactionalDdl ? 'auto-commit' : options.transaction === false ? 'no-transaction' : 'transaction';
    layout = { mode, units: [plan.changes.map((_, i) => i)], estimates: [null], lock: null };
    failure = { phase: 'prepare', cause: e };
  }

  const firstOf = firstStatements(plan);
  const batchOf = new Map<number, number>();
  layout.units.forEach((unit, u) => unit.forEach((i) => batchOf.set(i, u + 1)));
  const slots: Slot[] = plan.changes.flatMap((c, change) => c.steps.map((step) => ({ change, batch: batchOf.get(change)!, step, outcome: 'not_run' as StatementOutcome, ms: null })));
  const run: ExecutorRun = { session, plan, layout, slots, sent: [], firstOf, options, lockTimeoutMs, committed: 0 };
  if (!failure) failure = layout.mode === 'auto-commit' ? await runAutoCommit(run) : await runTransactions(run, keyedRecords(session, plan, layout.units));
  setPhase('idle');
  return buildReport(run, failure, started);
}

/** What an executor works on, and what it leaves for the report: the slots' outcomes, what was sent, how many units committed. */
export interface ExecutorRun {
  readonly session: TargetSession;
  readonly plan: Plan;
  readonly layout: Pick<ApplyLayout, 'mode' | 'units' | 'estimates' | 'lock'>;
  readonly slots: Slot[];
  /** Plan positions, in the order they were sent. */
  readonly sent: number[];
  /** Each change's first plan position. */
  readonly firstOf: readonly number[];
  readonly options: ApplyOptions;
  readonly lockTimeoutMs: number;
  /** Units (transactions, or changes in auto-commit) that committed whole. */
  committed: number;
}

/** The transaction executor: each unit is BEGIN (the target's), its steps, the recorded state, COMMIT. */
async function runTransactions(run: ExecutorRun, keyed: ReturnType<typeof keyedRecords>): Promise<Failure | undefined> {
  const { session, plan, layout, slots, sent, firstOf, options } = run;
  const conn = session.conn;
  const tx = session.target.transactions;
  if (!tx) return { phase: 'prepare', cause: new Error(`target type ${session.target.type} declares transactional DDL but no transaction control`) };
  const runUnit = async (positions: readonly number[], record: RecordOptions | undefined): Promise<Failure | undefined> => {
    // What an interruption would leave (progress.ts): one transaction rolls back whole; after a
    // batch or a change has committed, what committed stays.
    setPhase(run.committed > 0 || layout.units.length > 1 ? 'committing' : 'transaction');
    try {
      await tx.begin(conn, { lockTimeoutMs: run.lockTimeoutMs });
    } catch (e) {
      return { phase: 'begin', cause: e };
    }
    for (const p of positions) {
      const slot = slots[p]!;
      const t = performance.now();
      sent.push(p);
      try {
        options.beforeStep?.();
        await runStep(conn, slot.step);
      } catch (e) {
        Object.assign(slot, { outcome: 'failed', ms: performance.now() - t, error: errorsOf(session).describe(e) });
        return { phase: 'statement', cause: e, statement: p };
      }
      Object.assign(slot, { outcome: 'rolled_back', ms: performance.now() - t }); // until its COMMIT succeeds
      options.onProgress?.(sent.length, slots.length, slot.step);
    }
    try {
      await session.target.state.record(conn, session.desired, session.ctx, record);
    } catch (e) {
      return { phase: 'record', cause: e };
    }
    try {
      await tx.commit(conn);
    } catch (e) {
      // A COMMIT answered with an error rolled back; one that lost its connection may have committed.
      return { phase: 'commit', cause: e };
    }
    return undefined;
  };

  const runKeys = layout.units.flat().map((i) => plan.changes[i]!.key);
  let done = 0; // changes of the units before this one
  for (const [u, unit] of layout.units.entries()) {
    const positions = unit.flatMap((i) => plan.changes[i]!.steps.map((_, k) => firstOf[i]! + k));
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
    const failure = await runUnit(positions, record);
    const settle = (outcome: StatementOutcome) => {
      for (const p of positions) if (slots[p]!.outcome === 'rolled_back') slots[p]!.outcome = outcome;
    };
    if (!failure) {
      settle('applied');
      run.committed = u + 1;
      continue;
    }
    if (failure.phase === 'commit') {
      if (errorsOf(session).lost(failure.cause)) settle('unknown');
    } else await tx.rollback(conn);
    return failure;
  }
  return undefined;
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
  plan.changes.reduce((n, c, i) => ((firstOf[i] = n), n + c.steps.length), 0);
  return firstOf;
}

function buildReport(run: ExecutorRun, failure: Failure | undefined, started: number): ApplyReport {
  const { plan, layout, slots, sent, committed, session } = run;
  const errors = errorsOf(session);
  const autoCommit = layout.mode === 'auto-commit';
  // A connection lost during a COMMIT (or, auto-commit, while a step was in flight): it may have landed.
  const lostInFlight = failure !== undefined && (failure.phase === 'commit' || (autoCommit && failure.phase === 'statement')) && errors.lost(failure.cause);
  if (lostInFlight && autoCommit && failure.statement !== undefined) slots[failure.statement]!.outcome = 'unknown';
  const outcome: ApplyReport['outcome'] = !failure ? 'applied' : lostInFlight ? 'unknown' : 'failed';
  const outcomes: StatementReport[] = slots.map((s, p) => ({
    index: p + 1,
    change: plan.changes[s.change]!.key,
    batch: s.batch,
    step: s.step,
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
    if (batch <= committed) return 'applied';
    const inFailed = i === failedChange || (failedChange >= 0 && plan.changes[i]!.served_by === failedChange); // with the changes its joined statement makes
    if (inFailed) return lostInFlight ? 'unknown' : 'failed';
    return lostInFlight && batch === committed + 1 ? 'unknown' : 'not_applied';
  };
  const cause = failure?.cause;
  const error = failure ? (failure.phase === 'record' ? `recording the applied state failed: ${errors.describe(cause)}` : errors.describe(cause)) : undefined;
  const sentSet = new Set(sent);
  const runOrder = layout.units.flatMap((unit) => unit.flatMap((i) => plan.changes[i]!.steps.map((_, k) => run.firstOf[i]! + k)));
  const code = failure ? errors.code(cause) : null;
  const unitOutcome = (u: number): BatchReport['outcome'] => {
    if (u < committed) return 'applied';
    if (!failure || failure.phase === 'prepare' || u !== committed) return 'not_run';
    if (lostInFlight) return 'unknown';
    // auto-commit: what ran of the unit stays; a transaction rolled back whole
    return autoCommit ? (layout.units[u]!.some((i) => plan.changes[i]!.steps.some((_, k) => slots[run.firstOf[i]! + k]!.outcome === 'applied')) ? 'partial' : 'not_run') : 'rolled_back';
  };

  const report: Omit<ApplyReport, 'next'> = {
    ok: !failure,
    outcome,
    mode: layout.mode,
    statements: sent.map((p) => ({ step: slots[p]!.step, ok: slots[p]!.outcome !== 'failed', ms: slots[p]!.ms ?? 0, ...(slots[p]!.error !== undefined ? { error: slots[p]!.error } : {}) })),
    notRun: failure ? runOrder.filter((p) => !sentSet.has(p)).map((p) => slots[p]!.step) : [],
    rolledBack: !autoCommit && outcome === 'failed' && committed === 0 && sent.length > 0,
    ...(error !== undefined ? { error } : {}),
    ...(errors.lockTimeout(code) && failed ? { lockProblem: `could not lock the object of step ${failed.index} within ${run.lockTimeoutMs} ms: ${stepText(failed.step).split('\n')[0]}` } : {}),
    ms: performance.now() - started,
    outcomes,
    applied: outcomes.filter((s) => s.outcome === 'applied').map((s) => s.step),
    notApplied: outcomes.filter((s) => s.outcome === 'rolled_back' || s.outcome === 'failed' || s.outcome === 'not_run').map((s) => s.step),
    unknown: outcomes.filter((s) => s.outcome === 'unknown').map((s) => s.step),
    changes: plan.changes.map((c, i) => ({ key: c.key, action: c.action, object: c.object, batch: batchOf.get(i)!, outcome: changeOutcome(i) })),
    batches: layout.units.map((unit, u) => ({
      index: u + 1,
      changes: unit.length,
      statements: unit.reduce((n, i) => n + plan.changes[i]!.steps.length, 0),
      lockEstimate: layout.estimates[u] ?? null,
      outcome: unitOutcome(u),
    })),
    lock: layout.lock,
    failure: failure
      ? {
          phase: failure.phase,
          index: failed?.index ?? null,
          change: failed?.change ?? null,
          step: failed?.step ?? null,
          batch: failure.phase === 'prepare' ? null : committed + 1,
          error: error!,
          code,
        }
      : null,
  };
  return { ...report, next: nextStep(report, errors, cause instanceof LockBudgetError) };
}

/** The target's error dialect (plain messages and codes when it declares none). */
export function errorsOf(session: Pick<TargetSession, 'target'>): EngineErrors {
  return session.target.errors ?? plainErrors;
}

/** Sends one step through the connection seam (where faults are injected): SQL by exec, an API call by call. */
export async function runStep(conn: Connection, step: Step): Promise<void> {
  if (step.kind === 'sql') return conn.exec(step.text);
  if (!conn.call) throw new Error(`the ${conn.driver} connection cannot send API calls (${step.method} ${step.service}/${step.path})`);
  await conn.call(step);
}
