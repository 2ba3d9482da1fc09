import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { stepText } from '../../src/plan/step.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply.js';
import type { FaultKind } from '../../src/targets/postgres/faults.js';
import { planFor } from '../../src/session/plan-for.js';
import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import { openTarget, type TargetSession } from '../../src/session/open-target.js';
import { makeTarget, type E2eTarget } from '../support/e2e-target.js';

/**
 * Fresh embedded databases for the fault suites, fast: the example is bootstrapped once into a
 * template repository (about 5 s), and every scenario gets a copy of it (data directory
 * included) — a new database in well under a second.
 */

/** The example repository with its embedded database created (closed again). */
export async function templateTarget(): Promise<E2eTarget> {
  const t = await makeTarget('pglite');
  const session = await openTarget({ dir: t.dir, target: t.target, env: t.env });
  await session.close();
  return t;
}

/** A copy of a closed template: its own directory and database. */
export function cloneTarget(template: E2eTarget): E2eTarget {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-faults-'));
  cpSync(template.dir, dir, { recursive: true, filter: (p) => !p.endsWith('.lock') });
  if (!existsSync(join(dir, '.meshward', template.target, 'PG_VERSION'))) throw new Error(`the template ${template.dir} has no embedded database`);
  return { ...template, dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

export function openSession(t: E2eTarget): Promise<TargetSession> {
  return openTarget({ dir: t.dir, target: t.target, env: t.env });
}

/** A plan's changes as `action key` with their statements: what "the same plan" means. */
export function changesOf(changes: readonly PlannedChange[]): string[] {
  return changes.map((c) => `${c.action} ${c.key}\n${c.steps.map(stepText).join('\n')}`);
}

/** Transactions of a --no-transaction apply before change `i`: one per change, the changes of one joined statement sharing one. */
export function unitsBefore(plan: Plan, i: number): number {
  return plan.changes.slice(0, i).filter((c) => c.served_by === undefined).length;
}

/** 1-based plan position of the first statement of each change. */
export function firstStatements(plan: Plan): number[] {
  const out: number[] = [];
  plan.changes.reduce((n, c, i) => ((out[i] = n + 1), n + c.steps.map(stepText).length), 0);
  return out;
}

/** The change (0-based) that holds plan statement `n` (1-based). */
export function changeAt(plan: Plan, n: number): number {
  let seen = 0;
  return plan.changes.findIndex((c) => (seen += c.steps.map(stepText).length) >= n);
}

/** Statements of the plan, in plan order. */
export const statementsOf = (plan: Plan): string[] => plan.changes.flatMap((c) => c.steps.map(stepText));

/** The next plan must be exactly the remainder: the same changes with the same statements, in order. */
export async function expectRemainder(session: TargetSession, remainder: readonly PlannedChange[]): Promise<Plan> {
  const { plan } = await planFor(session);
  expect(changesOf(plan.changes)).toEqual(changesOf(remainder));
  return plan;
}

/** Asserts what a failed apply's report says was applied and what was not, from the plan and where it stopped. */
export function expectStopped(r: ApplyReport, plan: Plan, appliedChanges: number, failedAt: number, code: string): void {
  const all = plan.changes.flatMap((c) => c.steps);
  const firstNotApplied = appliedChanges === 0 ? 0 : firstStatements(plan)[appliedChanges]! - 1;
  expect(r.ok).toBe(false);
  expect(r.outcome).toBe('failed');
  expect(r.failure).toMatchObject({ phase: 'statement', index: failedAt, step: all[failedAt - 1], change: plan.changes[changeAt(plan, failedAt)]!.key, code });
  expect(r.error).toContain(code);
  expect(r.applied).toEqual(all.slice(0, firstNotApplied));
  expect(r.notApplied).toEqual(all.slice(firstNotApplied));
  expect(r.unknown).toEqual([]);
  expect(r.notRun).toEqual(all.slice(failedAt));
  expect(r.outcomes.map((s) => s.outcome)).toEqual(all.map((_, i) => (i < firstNotApplied ? 'applied' : i < failedAt - 1 ? 'rolled_back' : i === failedAt - 1 ? 'failed' : 'not_run')));
  // the failing statement's change fails with every change its joined statement makes (served_by)
  const failing = changeAt(plan, failedAt);
  expect(r.changes.map((c) => c.outcome)).toEqual(plan.changes.map((c, i) => (i < appliedChanges ? 'applied' : (c.served_by ?? i) === failing ? 'failed' : 'not_applied')));
  expect(r.rolledBack).toBe(appliedChanges === 0);
}

export type Position = 'first' | 'middle' | 'last' | 'inside a change';

/** Plan statement (1-based) for a position; `inside a change` is the 2nd statement of the middle view change. */
export function statementAt(plan: Plan, position: Position): number {
  const n = statementsOf(plan).length;
  if (position === 'first') return 1;
  if (position === 'last') return n;
  if (position === 'middle') return Math.ceil(n / 2);
  const views = plan.changes.flatMap((c, i) => (c.kind === 'view' && c.steps.map(stepText).length > 1 ? [i] : []));
  if (views.length === 0) throw new Error('the plan has no view change of several statements');
  return firstStatements(plan)[views[Math.floor(views.length / 2)]!]! + 1;
}

/** The fault classes of the matrix, with the SQLSTATE each reports. */
export const KINDS: [FaultKind, string][] = [
  ['permission-denied', '42501'],
  ['object-missing', '42P01'],
  ['connection-lost', '57P01'],
];
