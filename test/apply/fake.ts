import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import { postgresErrors } from '../../src/targets/postgres/errors.js';
import { sqlSteps } from '../../src/plan/step.js';
import type { TargetSession } from '../../src/session/open-target.js';
import type { Connection, LockModel, RecordOptions, Target } from '../../src/targets/target.js';

/**
 * An in-memory engine for the executor's unit tests: a connection with transactions (what was
 * committed is exactly what a COMMIT made permanent) and a target whose recordState writes a
 * marker row into the same transaction. No SQL is interpreted; a statement is just text.
 */
export interface FakeEngine {
  /** Statements and `record(pending…)` markers that committed, in order. */
  readonly committed: string[];
  /** Every call the connection received, in order. */
  readonly calls: string[];
  readonly conn: Connection;
}

export function fakeEngine(): FakeEngine {
  const committed: string[] = [];
  const calls: string[] = [];
  let open: string[] | null = null;
  const conn: Connection = {
    driver: 'fake',
    async query(sql) {
      calls.push(sql);
      if (sql.startsWith('record')) (open ?? committed).push(sql);
      return { rows: [] };
    },
    async exec(sql) {
      calls.push(sql);
      if (sql === 'BEGIN') {
        if (open) throw new Error('already in a transaction');
        open = [];
      } else if (sql === 'COMMIT') {
        committed.push(...(open ?? []));
        open = null;
      } else if (sql === 'ROLLBACK') open = null;
      else if (!sql.startsWith('SET LOCAL')) (open ?? committed).push(sql);
    },
    async close() {},
  };
  return { committed, calls, conn };
}

/** A change as plan.json holds it. */
export function change(key: string, sql: string[], extra: Partial<PlannedChange> = {}): PlannedChange {
  return { action: 'add', kind: key.split(':')[0]!, key, object: key, domain: null, table: null, policy: [], reason: 'test', hazards: [], steps: sqlSteps(sql), ...extra };
}

export function planOf(changes: PlannedChange[]): Plan {
  return {
    format: 2,
    target: 'fake',
    project: 'p',
    state_hash: 'h',
    desired_hash: 'd',
    changes,
    findings: [],
    summary: { add: changes.length, change: 0, remove: 0, hazards: 0, widening: 0, ...stepTotals(changes) },
    new_target: false,
    options: { revoke_unmanaged: false },
    created_at: '2024-01-01T00:00:00.000Z',
  };
}

/** One lock object per change key (plus `table:<t>` when it serves one), baseline 10, lock table of `entries`. */
export const fakeLocks = (entries = 1_000_000): LockModel => ({
  table: async () => ({ entries, source: `fake lock table ${entries}` }),
  objects: (c) => [c.key, ...(c.table ? [`table:${c.table}`] : [])],
  baseline: 10,
});

/** A session over a connection (usually a fake engine's, possibly wrapped) with a target that records `record(pending=…)`. */
export function fakeSession(conn: Connection, options: { locks?: LockModel; recordFails?: boolean; batchLimit?: number } = {}): TargetSession {
  const target: Partial<Target> = {
    type: 'fake',
    capabilities: { transactionalDdl: true, atomicReplace: [], impersonation: 'none', lock: 'none', ...(options.batchLimit ? { batchLimit: options.batchLimit } : {}) },
    transactions: {
      async begin(c) {
        await c.exec('BEGIN');
        await c.exec('SET LOCAL lock_timeout = 5');
      },
      commit: (c) => c.exec('COMMIT'),
      rollback: (c) => c.exec('ROLLBACK').catch(() => undefined),
    },
    errors: postgresErrors, // the fake engine fails with SQLSTATE codes, as the fault layer injects them
    state: {
      async record(c: Connection, _desired: unknown, _ctx: unknown, o?: RecordOptions) {
        if (options.recordFails) throw Object.assign(new Error('permission denied for table state'), { code: '42501' });
        await c.query(o?.only ? `record(only=${o.only.join(',')})` : `record(pending=${(o?.pending ?? []).join(',')})`);
      },
    },
    locks: options.locks,
  };
  return { conn, target: target as Target, desired: [], ctx: {} as TargetSession['ctx'] } as unknown as TargetSession;
}

/** summary.steps, statements and api_calls of a list of changes. */
export function stepTotals(changes: readonly PlannedChange[]): { steps: number; statements: number; api_calls: number } {
  const steps = changes.flatMap((c) => c.steps);
  const statements = steps.filter((s) => s.kind === 'sql').length;
  return { steps: steps.length, statements, api_calls: steps.length - statements };
}
