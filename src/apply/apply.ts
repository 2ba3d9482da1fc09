import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import type { StatementResult } from '../targets/target.js';

export interface ApplyOptions {
  /** Per-statement lock wait; a statement that cannot lock its object in time fails the apply. */
  readonly lockTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number, sql: string) => void;
}

export interface ApplyReport {
  readonly ok: boolean;
  readonly statements: readonly StatementResult[];
  /** Statements of the plan that did not run (after a failure). */
  readonly notRun: readonly string[];
  /** Set when the transaction was rolled back: nothing of the plan remains applied. */
  readonly rolledBack: boolean;
  readonly error?: string;
  readonly lockProblem?: string;
  readonly ms: number;
}

/**
 * Applies a plan in ONE transaction (PostgreSQL DDL is transactional): either every statement
 * and the recorded state commit together, or nothing does — no half-applied target and no
 * moment where another session sees a partial change.
 */
export async function applyPlan(session: TargetSession, plan: Plan, options: ApplyOptions = {}): Promise<ApplyReport> {
  const started = performance.now();
  const all = plan.changes.flatMap((c) => c.sql);
  const results: StatementResult[] = [];
  const conn = session.conn;
  await conn.exec('BEGIN');
  try {
    for (const sql of session.target.applyPreamble({ lockTimeoutMs: options.lockTimeoutMs ?? 10_000 })) await conn.exec(sql);
    for (const [i, sql] of all.entries()) {
      const t = performance.now();
      try {
        await conn.exec(sql);
      } catch (e) {
        results.push({ sql, ok: false, ms: performance.now() - t, error: errorText(e) });
        throw Object.assign(new Error(errorText(e)), { statementIndex: i, cause: e });
      }
      results.push({ sql, ok: true, ms: performance.now() - t });
      options.onProgress?.(i + 1, all.length, sql);
    }
    await session.target.recordState(conn, session.desired, session.ctx);
    await conn.exec('COMMIT');
    return { ok: true, statements: results, notRun: [], rolledBack: false, ms: performance.now() - started };
  } catch (e) {
    await conn.exec('ROLLBACK').catch(() => undefined);
    const failedAt = (e as { statementIndex?: number }).statementIndex ?? results.length;
    const cause = (e as { cause?: unknown }).cause ?? e;
    return {
      ok: false,
      statements: results,
      notRun: all.slice(failedAt + 1),
      rolledBack: true,
      error: errorText(cause),
      lockProblem: isLockTimeout(cause) ? `could not lock the object of statement ${failedAt + 1} within ${options.lockTimeoutMs ?? 10_000} ms: ${all[failedAt]?.split('\n')[0]}` : undefined,
      ms: performance.now() - started,
    };
  }
}

/** The driver's message without the statement text (postgres.md: errors carry the whole script). */
export function errorText(e: unknown): string {
  const err = e as { message?: string; code?: string };
  const message = (err.message ?? String(e)).split('\n')[0]!;
  return err.code ? `${message} (SQLSTATE ${err.code})` : message;
}

function isLockTimeout(e: unknown): boolean {
  return (e as { code?: string }).code === '55P03';
}
