import { readFileSync, writeFileSync } from 'node:fs';
import { applyPreamble } from '../../src/targets/postgres/transactions.js';
import { stepText } from '../../src/plan/step.js';
import { join } from 'node:path';
import { planFor } from '../../src/session/plan-for.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadFromFiles, loadRepository, type PolicyFile } from '../../src/config/load.js';
import type { Inventory } from '../../src/model/inventory.js';
import type { Plan } from '../../src/plan/plan.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import { describeViolation, runExposureCheck, type ExposureReport } from '../../src/safety/exposure.js';
import type { TargetSession } from '../../src/session/open-target.js';
import { postgresExposureProbe } from '../../src/targets/postgres/exposure.js';
import type { TargetContext } from '../../src/targets/target.js';
import { checkModel } from '../../src/validate.js';

/**
 * Exposure-harness plumbing shared by the e2e suites: a session for another model on the same
 * connection (no second open of an embedded database), and "plan to this model, run every
 * statement prefix through the harness".
 */

/** The session re-pointed at a model (re-read from the repository, or given as files); same connection and inventory. */
export function withModel(session: TargetSession, files?: readonly PolicyFile[], inventory: Inventory = session.inventory): TargetSession {
  const loaded = files ? loadFromFiles(session.root, files) : loadRepository(session.root);
  const diags = loaded.diagnostics;
  const checked = loaded.model && !diags.hasErrors ? checkModel(loaded.root, loaded.model, inventory, diags) : undefined;
  if (!loaded.model || !checked?.resolved || diags.hasErrors) throw new Error(`the model does not validate:\n${diags.errors.map(formatDiagnostic).join('\n')}`);
  const decl = loaded.model.project.targets.find((t) => t.name === session.decl.name) ?? loaded.model.project.targets[0]!;
  const ctx: TargetContext = { ...session.ctx, model: loaded.model, target: decl, diagnostics: diags };
  return { ...session, model: loaded.model, files: files ?? loaded.files ?? [], decl, ctx, inventory, resolved: checked.resolved, desired: session.target.compile(checked.resolved, ctx) };
}

export interface PlanExposure {
  readonly plan: Plan;
  readonly statements: readonly string[];
  readonly report: ExposureReport;
  /** Violations, one line each. */
  readonly problems: string[];
}

/**
 * Plans from what is live to `session`'s model and runs the plan through the harness on the
 * session's connection: every statement prefix × every group and pair of groups × every table
 * either model governs, against `oldResolved` (what is live; null = nothing applied yet).
 */
export async function planExposure(
  session: TargetSession,
  oldResolved: Resolved | null,
  options: { nested?: boolean; reorder?: (plan: Plan) => readonly string[]; reuseUnchanged?: boolean } = {},
): Promise<PlanExposure> {
  const { plan } = await planFor(session);
  const statements = options.reorder ? options.reorder(plan) : plan.changes.flatMap((c) => c.steps.map(stepText));
  const probe = postgresExposureProbe(session.conn, session.ctx, { old: oldResolved, new: session.resolved }, { nested: options.nested, reuseUnchanged: options.reuseUnchanged, preamble: applyPreamble(10_000) });
  const report = await runExposureCheck({ probe, oldResolved, newResolved: session.resolved, statements });
  return { plan, statements, report, problems: report.violations.map(describeViolation) };
}

/**
 * Applies a plan the way `apply` does in one transaction — preamble, statements, recorded state,
 * COMMIT (or, with `nested`, inside the caller's transaction and without COMMIT) — so these
 * suites do not depend on the executor's options.
 */
export async function applyStatements(session: TargetSession, statements: readonly string[], options: { nested?: boolean } = {}): Promise<void> {
  const conn = session.conn;
  await conn.exec(options.nested ? 'SAVEPOINT meshward_test_apply' : 'BEGIN');
  try {
    for (const sql of applyPreamble(10_000)) await conn.exec(sql);
    for (const sql of statements) await conn.exec(sql);
    await session.target.state.record(conn, session.desired, session.ctx);
    await conn.exec(options.nested ? 'RELEASE SAVEPOINT meshward_test_apply' : 'COMMIT');
  } catch (e) {
    await conn.exec(options.nested ? 'ROLLBACK TO SAVEPOINT meshward_test_apply; RELEASE SAVEPOINT meshward_test_apply' : 'ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Plans from what is live to the session's model and applies it (see applyStatements). */
export async function planAndApplyModel(session: TargetSession, options: { nested?: boolean } = {}): Promise<Plan> {
  const { plan } = await planFor(session);
  await applyStatements(session, plan.changes.flatMap((c) => c.steps.map(stepText)), options);
  return plan;
}

/** One edit of a repository file: `from` must occur exactly once. */
export type Edit = readonly [file: string, from: string, to: string];

/** Applies edits to the repository in `dir`; returns a function that restores every file edited. */
export function editRepo(dir: string, edits: readonly Edit[]): () => void {
  const saved = new Map<string, string>();
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    if (!saved.has(path)) saved.set(path, text);
    const n = text.split(from).length - 1;
    if (n !== 1) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}, found ${n}`);
    writeFileSync(path, text.replace(from, () => to));
  }
  return () => {
    for (const [path, text] of saved) writeFileSync(path, text);
  };
}
