import type { ApplyReport } from '../../src/apply/apply.js';
import { sqlSteps } from '../../src/plan/step.js';
import { GENESIS } from '../../src/audit/chain.js';
import type { Plan } from '../../src/plan/plan.js';
import type { TargetSession } from '../../src/session/open-target.js';
import type { AuditHead, AuditRow, AuditSnapshot, AuditStateWrite, AuditStorage } from '../../src/targets/target.js';

/** An in-memory copy of the target's audit table and head, with the same append contract as postgres. */
export class MemoryAudit implements AuditStorage {
  rows: AuditRow[] = [];
  head: AuditHead | null = null;
  stateAppliedAt: string | null = null;
  /** The state's writes, as the postgres target reports them (left out when null). */
  stateWrites: AuditStateWrite[] | null = null;
  available = true;
  failNext: Error | null = null;

  async append(_conn: unknown, _ctx: unknown, seal: Parameters<AuditStorage['append']>[2]): Promise<AuditRow | null> {
    if (!this.available) return null;
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    const prev = this.head ?? { seq: 0, hash: GENESIS };
    const seq = prev.seq + 1;
    const sealed = seal({ seq, prev, stateAppliedAt: this.stateAppliedAt });
    const row = { seq, at: sealed.at, record: sealed.record, hash: sealed.hash };
    this.rows.push(row);
    this.head = { seq, hash: sealed.hash };
    return row;
  }

  async read(): Promise<AuditSnapshot> {
    return this.snapshot();
  }

  /** A deep copy, as a read from the database would give. */
  snapshot(): AuditSnapshot {
    return JSON.parse(JSON.stringify({ available: this.available, where: '"mw_meta"."audit"', rows: this.rows, head: this.head, stateAppliedAt: this.stateAppliedAt, ...(this.stateWrites ? { stateWrites: this.stateWrites } : {}) })) as AuditSnapshot;
  }
}

export function fakeSession(root: string, audit: AuditStorage | undefined, target = 'local'): TargetSession {
  return {
    root,
    decl: { name: target },
    model: { project: { name: 'acme' } },
    conn: { driver: 'pglite' },
    ctx: {},
    target: { type: 'postgres', state: { audit } },
  } as unknown as TargetSession;
}

export function fakePlan(statements: readonly string[] = ['CREATE ROLE "mw_a" NOLOGIN', 'GRANT SELECT ON TABLE "mw_s"."v" TO "mw_a"']): Plan {
  return {
    format: 2,
    target: 'local',
    project: 'acme',
    state_hash: 'a'.repeat(64),
    desired_hash: 'b'.repeat(64),
    changes: statements.map((sql, i) => ({ action: 'add', kind: 'role', key: `role:${i}`, object: `role ${i}`, domain: null, table: null, policy: [], reason: 'new', hazards: [], steps: sqlSteps([sql]) })),
    findings: [],
    summary: { add: statements.length, change: 0, remove: 0, hazards: 0, widening: 0, steps: statements.length, statements: statements.length, api_calls: 0 },
    new_target: false,
    options: { revoke_unmanaged: false },
    created_at: '2026-01-01T00:00:00.000Z',
  } as Plan;
}

/** A report as the executor gives it: all applied, or failed at statement `failAt` (1-based) and rolled back. */
export function fakeReport(plan: Plan, failAt?: number): ApplyReport {
  const steps = plan.changes.flatMap((c) => c.steps);
  const outcomes = steps.map((s, i) => ({
    index: i + 1,
    change: plan.changes[i]!.key,
    batch: 1,
    step: s,
    outcome: failAt === undefined ? 'applied' : i + 1 < failAt ? 'rolled_back' : i + 1 === failAt ? 'failed' : 'not_run',
    ms: failAt !== undefined && i + 1 > failAt ? null : 1.25 + i,
    ...(failAt === i + 1 ? { error: 'role "mw_a" already exists (SQLSTATE 42710)' } : {}),
  }));
  const failed = failAt !== undefined;
  return {
    ok: !failed,
    outcome: failed ? 'failed' : 'applied',
    mode: 'transaction',
    statements: outcomes.filter((o) => o.outcome !== 'not_run').map((o) => ({ step: o.step, ok: o.outcome !== 'failed', ms: o.ms ?? 0, ...(o.error ? { error: o.error } : {}) })),
    notRun: outcomes.filter((o) => o.outcome === 'not_run').map((o) => o.step),
    rolledBack: failed,
    ...(failed ? { error: 'role "mw_a" already exists (SQLSTATE 42710)' } : {}),
    ms: 12.5,
    outcomes,
    applied: failed ? [] : steps,
    notApplied: failed ? steps : [],
    unknown: [],
    changes: [],
    batches: [{ index: 1, changes: plan.changes.length, statements: steps.length, lockEstimate: null, outcome: failed ? 'rolled_back' : 'applied' }],
    lock: null,
    failure: failed ? { phase: 'statement', index: failAt, change: `role:${failAt - 1}`, step: steps[failAt - 1]!, batch: 1, error: 'role "mw_a" already exists (SQLSTATE 42710)', code: '42710' } : null,
    next: '',
  } as ApplyReport;
}

/** An apply's transaction writing the state at `at` (the rows it wrote), as the executor does before the record. */
export function writeState(store: MemoryAudit, at: string, keys: readonly string[]): void {
  store.stateAppliedAt = at;
  store.stateWrites = [...(store.stateWrites ?? []), { applied_at: at, rows: keys.length, keys: [...keys].sort().slice(0, 50) }];
}
