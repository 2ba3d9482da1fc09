import type { Resolved } from '../resolve/resolve.js';
import { sqlSteps, stepText, type Step } from '../plan/step.js';
import { checkExact, checkObservation, tableAnswer, type BaseRows, type Observation, type StepViolation, type TableAnswer } from './check.js';

export type { BaseRows, Observation, ObservedRow, StepViolation } from './check.js';
export { allowedValues, checkCell, checkExact, checkStep, stricterOrEqual, tableAnswer } from './check.js';
export { keyText, normalizeValue } from './values.js';

/**
 * The exposure-window harness (product.md, Safety rules, "No exposure window"): a plan's
 * statements are run one at a time, and after every prefix of them every principal (every group
 * and every pair of groups) reads every governed table; each cell it sees must be allowed by the
 * old or by the new model for that same cell (`check.ts`). This proves the apply ORDER: what
 * another session would see if each statement committed on its own — which is what a
 * non-transactional engine does, and what `--no-transaction` does.
 *
 * The harness is target-neutral; a target takes part by implementing `ExposureProbe`:
 *
 * - `begin` isolates the run so that nothing survives it unless asked (PostgreSQL: BEGIN, or a
 *   SAVEPOINT inside a caller's transaction; then the apply preamble).
 * - `clearRows` reads a governed table's clear rows and primary key as the applying identity.
 * - `execute` runs one plan statement exactly as `apply` would.
 * - `observe` reads what each principal sees of each table *now*, through what consumers query,
 *   without changing the state (PostgreSQL: a savepoint, temporary probe roles that are members
 *   of the groups' roles, `SET LOCAL ROLE`, the managed views, `ROLLBACK TO SAVEPOINT`). A table
 *   the principal may not read (or that does not exist yet) is `readable: false`. Cells are
 *   normalised with `normalizeValue` and rows keyed with `keyText` over the primary key.
 * - `end` rolls back (or commits, when the probe was built to).
 *
 * Engines whose DDL is not transactional take part the same way, with the isolation moved:
 * Snowflake — `begin` makes a zero-copy `CLONE` of the governed databases, `execute` runs there,
 *   `observe` uses `USE ROLE` / `USE SECONDARY ROLES` of test users holding each group (pair),
 *   `end` drops the clone.
 * Databricks Unity Catalog — a shallow-cloned catalog; `observe` through test service
 *   principals that are members of the account groups (is_account_group_member is evaluated
 *   per caller), one per group and per pair.
 * BigQuery — a scratch copy of the datasets; `observe` impersonates one service account per
 *   group (pair) with the jobs API; `end` deletes the copy.
 * The checker, the counts and the tests stay the same for every target.
 */
export interface ExposureProbe {
  /** Isolates the run (before the first statement). */
  begin(): Promise<void>;
  /** Clear rows and primary key of a governed table (by neutral name), read inside the run. */
  clearRows(table: string): Promise<BaseRows>;
  /** Runs one step of the plan (a statement, or an API call) as apply would, each committed on its own in the run. */
  execute(step: Step): Promise<void>;
  /**
   * What every principal sees of every table now, `result[p][t]` for `principals[p]` on
   * `tables[t]`; must leave the state exactly as it was. One call per step lets a probe set
   * every principal up at once. A probe may hand back the very same Observation object as at the
   * previous step when it knows nothing that observation depends on changed (PostgreSQL: a
   * catalog fingerprint); the runner then reuses that check's result.
   */
  observe(principals: readonly (readonly string[])[], tables: readonly string[]): Promise<Observation[][]>;
  /** Ends the run: `ok` false (a statement failed) always rolls back. */
  end(ok: boolean): Promise<void>;
}

/** A cell, row or table that was exposed after `step` statements (or an end state that differs). */
export interface Violation extends StepViolation {
  /**
   * `exposure`: allowed by neither model; `initial-state` / `final-state`: before the first / after
   * the last statement the observation is not exactly the old / new model's answer.
   */
  readonly kind: 'exposure' | 'initial-state' | 'final-state';
  /** Statements applied when it was observed (0 = none yet). */
  readonly step: number;
  /** The step applied last (its text: stepText), null before the first. */
  readonly sql: string | null;
}

export interface ExposureRun {
  readonly probe: ExposureProbe;
  /** The model the target is at; null for a target meshward has never applied. */
  readonly oldResolved: Resolved | null;
  readonly newResolved: Resolved;
  /** The plan's steps in apply order (`plan.changes.flatMap(c => c.steps)`); or `statements`, SQL text. */
  readonly steps?: readonly Step[];
  readonly statements?: readonly string[];
  /** Default: every group of either model alone, and every pair of them. */
  readonly principals?: readonly (readonly string[])[];
  /** Neutral names; default: every table either model governs. */
  readonly tables?: readonly string[];
  /**
   * Also require the state before the first statement to be exactly the old model's answer and
   * after the last exactly the new model's (default true): a harness that observed nothing would
   * otherwise pass every check.
   */
  readonly exactEnds?: boolean;
  /** Called after each step's checks (steps 0..statements.length). */
  readonly onStep?: (step: number, total: number, violations: number) => void;
}

export interface ExposureReport {
  /** (statement prefix, principal, table) triples checked; prefixes 0..n, so (n+1) × P × T. */
  readonly checks: number;
  /** Observed cells checked, summed over every step. */
  readonly cells: number;
  /** Triples in which the principal could read the table. */
  readonly readable: number;
  /** Statement prefixes observed (statements + 1). */
  readonly steps: number;
  readonly principals: number;
  readonly tables: number;
  readonly violations: readonly Violation[];
}

/** Every group alone and every pair of distinct groups, sorted. */
export function groupsAndPairs(groups: Iterable<string>): string[][] {
  const sorted = [...new Set(groups)].sort();
  const pairs = sorted.flatMap((a, i) => sorted.slice(i + 1).map((b) => [a, b]));
  return [...sorted.map((g) => [g]), ...pairs];
}

/** Groups of either model, alone and in pairs. */
export function defaultPrincipals(oldResolved: Resolved | null, newResolved: Resolved): string[][] {
  return groupsAndPairs([...(oldResolved?.model.groups.keys() ?? []), ...newResolved.model.groups.keys()]);
}

/** Tables either model governs, by neutral name, sorted. */
export function defaultTables(oldResolved: Resolved | null, newResolved: Resolved): string[] {
  const names = new Map<string, string>();
  for (const r of [newResolved, oldResolved]) for (const t of r?.tables ?? []) if (!names.has(t.table.key)) names.set(t.table.key, t.table.name);
  return [...names.values()].sort();
}

/**
 * Applies `statements` one by one through the probe and, before the first and after each,
 * checks every principal × table against the old and the new model. Ends the probe's run
 * (rolled back unless the probe commits); a failing statement is rethrown naming its step.
 */
export async function runExposureCheck(run: ExposureRun): Promise<ExposureReport> {
  const { probe, oldResolved, newResolved } = run;
  const statements: readonly Step[] = run.steps ?? sqlSteps(run.statements ?? []);
  const principals = run.principals ?? defaultPrincipals(oldResolved, newResolved);
  const tables = run.tables ?? defaultTables(oldResolved, newResolved);
  const exactEnds = run.exactEnds ?? true;
  const violations: Violation[] = [];
  let checks = 0;
  let cells = 0;
  let readable = 0;
  let ok = false;
  await probe.begin();
  try {
    const bases: BaseRows[] = [];
    for (const t of tables) bases.push(await probe.clearRows(t));
    // The models' answers do not change while statements run: computed once per principal × table.
    const answers = principals.map((p) => bases.map((b) => [tableAnswer('old', oldResolved, b, p), tableAnswer('new', newResolved, b, p)] as [TableAnswer, TableAnswer]));
    // The probe may hand back the very same observation when nothing it read changed: its
    // exposure violations are then the same too.
    const last: { observed: Observation; violations: readonly StepViolation[] }[][] = principals.map(() => []);
    for (let step = 0; step <= statements.length; step++) {
      const current = step === 0 ? null : statements[step - 1]!;
      const sql = current === null ? null : stepText(current);
      if (current !== null) {
        try {
          await probe.execute(current);
        } catch (e) {
          throw new Error(`step ${step} of ${statements.length} failed: ${(e as Error).message}\n${sql}`, { cause: e });
        }
      }
      const seen = await probe.observe(principals, tables);
      const before = violations.length;
      for (const [p, principal] of principals.entries()) {
        for (const [t, base] of bases.entries()) {
          const observed = seen[p]![t]!;
          const [oldAnswer, newAnswer] = answers[p]![t]!;
          checks++;
          if (observed.readable) readable++;
          for (const r of observed.rows) cells += Object.keys(r.cells).length;
          const at = { step, sql };
          const previous = last[p]![t];
          const found = previous?.observed === observed ? previous.violations : checkObservation([oldAnswer, newAnswer], base, principal, observed);
          last[p]![t] = { observed, violations: found };
          for (const v of found) violations.push({ ...v, ...at, kind: 'exposure' });
          if (exactEnds && step === 0) for (const v of checkExact(oldAnswer, base, principal, observed)) violations.push({ ...v, ...at, kind: 'initial-state' });
          if (exactEnds && step === statements.length) for (const v of checkExact(newAnswer, base, principal, observed)) violations.push({ ...v, ...at, kind: 'final-state' });
        }
      }
      run.onStep?.(step, statements.length, violations.length - before);
    }
    ok = true;
  } finally {
    await probe.end(ok);
  }
  return { checks, cells, readable, steps: statements.length + 1, principals: principals.length, tables: tables.length, violations };
}

/** One violation in one line, for reports and test failures. */
export function describeViolation(v: Violation): string {
  const where = `${v.principal.join('+')} on ${v.table}${v.pk !== undefined ? ` row ${v.pk}` : ''}${v.column ? ` column ${v.column}` : ''}`;
  const value = v.value !== undefined ? ` = ${v.value}` : '';
  const after = v.sql === null ? 'before the first step' : `after step ${v.step}: ${v.sql.split('\n')[0]}`;
  return `[${v.kind}] ${where}${value}: ${v.why} — ${after}`;
}
