import type { Plan } from '../plan/plan.js';
import type { TargetSession } from '../session/open-target.js';
import { estimateLocks, splitIntoBatches, type BatchItem } from './batches.js';

/**
 * How an apply runs: one transaction (the default), one transaction per change
 * (`--no-transaction`), or — when one transaction would need more lock-table entries than the
 * budget — batches of changes, each one transaction. Decided before anything starts, so that it
 * can be said first.
 */

/** `auto-commit`: the engine commits every step on its own (no transactional DDL); apply records the state around each change. */
export type ApplyMode = 'transaction' | 'no-transaction' | 'batches' | 'auto-commit';

export interface LockBudget {
  /** Estimated lock entries of the whole plan as one transaction. */
  readonly estimate: number;
  /** Entries one transaction may use. */
  readonly budget: number;
  /** Where the budget comes from, for messages. */
  readonly source: string;
}

export interface ApplyLayout {
  readonly mode: ApplyMode;
  /** Plan positions of the changes of each transaction, in the order they run. */
  readonly units: readonly (readonly number[])[];
  /** Estimated lock entries of each transaction (null when the target has no lock model). */
  readonly estimates: readonly (number | null)[];
  /** Null when the target has no lock model or in --no-transaction mode. */
  readonly lock: LockBudget | null;
  /** What to tell the user before starting, when the plan does not run as one transaction. */
  readonly notice?: string;
}

export interface LayoutOptions {
  /** false: every change commits on its own (`--no-transaction`). */
  readonly transaction?: boolean;
  /** Lock entries one transaction may use (`--lock-budget`, MESHWARD_LOCK_BUDGET); default half the server's lock table. */
  readonly lockBudget?: number;
}

/** Reads the budget (one query) and lays the plan out in transactions. Throws LockBudgetError when one change alone is over budget. */
export async function applyLayout(session: TargetSession, plan: Plan, options: LayoutOptions = {}): Promise<ApplyLayout> {
  const layout = await lockLayout(session, plan, options);
  const limit = session.target.capabilities.batchLimit;
  if (!limit || layout.mode === 'auto-commit' || layout.mode === 'no-transaction') return layout;
  return stepLimited(session, plan, layout, limit);
}

/**
 * The engine's own cap on steps per transaction (capabilities.batchLimit): a unit over it is cut
 * into transactions of at most that many steps, the changes one joined step makes kept together.
 */
function stepLimited(session: TargetSession, plan: Plan, layout: ApplyLayout, limit: number): ApplyLayout {
  const groups = joinedUnits(plan);
  const groupOf = new Map<number, readonly number[]>();
  for (const g of groups) for (const i of g) groupOf.set(i, g);
  const units: number[][] = [];
  for (const unit of layout.units) {
    let current: number[] = [];
    let steps = 0;
    for (const i of unit) {
      if (current.includes(i)) continue;
      const group = (groupOf.get(i) ?? [i]).filter((k) => unit.includes(k));
      const n = group.reduce((sum, k) => sum + plan.changes[k]!.steps.length, 0);
      if (current.length && steps + n > limit) (units.push(current), (current = []), (steps = 0));
      current.push(...group);
      steps += n;
    }
    if (current.length) units.push(current);
  }
  if (units.length === layout.units.length) return layout;
  const locks = session.target.locks;
  const items = batchItems(session, plan);
  return {
    ...layout,
    mode: 'batches',
    units,
    estimates: units.map((u) => (locks ? estimateLocks(u.map((i) => items[i]!), locks.baseline) : null)),
    notice: `Target type ${session.target.type} runs at most ${limit} steps in one transaction: this plan is applied in ${units.length} batches, each one transaction with its recorded state; a failure stops the apply and leaves the batches before it applied.`,
  };
}

/** One transaction, or batches when it would need more lock entries than the budget. */
async function lockLayout(session: TargetSession, plan: Plan, options: LayoutOptions): Promise<ApplyLayout> {
  const locks = session.target.locks;
  const items = batchItems(session, plan);
  const all = plan.changes.map((_, i) => i);
  if (!session.target.capabilities.transactionalDdl) {
    const units = joinedUnits(plan);
    return {
      mode: 'auto-commit',
      units,
      estimates: units.map(() => null),
      lock: null,
      ...(plan.changes.length
        ? { notice: `Target type ${session.target.type} commits every step on its own: ${plan.changes.length} changes are applied one by one, each recorded as it is made; a failure stops the apply, and meshward plan then shows exactly the rest.` }
        : {}),
    };
  }
  if (options.transaction === false) {
    // A joined statement and every change it makes commit together.
    const units = joinedUnits(plan);
    return {
      mode: 'no-transaction',
      units,
      estimates: units.map((unit) => (locks ? estimateLocks(unit.map((i) => items[i]!), locks.baseline) : null)),
      lock: null,
      notice: `Applying ${plan.changes.length} changes one by one (--no-transaction): each change commits on its own with its recorded state; a failure stops the apply and leaves the changes before it applied.`,
    };
  }
  if (!locks || plan.changes.length === 0) return { mode: 'transaction', units: [all], estimates: [null], lock: null };
  const estimate = estimateLocks(items, locks.baseline);
  let budget: number;
  let source: string;
  if (options.lockBudget !== undefined) {
    budget = options.lockBudget;
    source = 'the configured lock budget';
  } else {
    const table = await locks.table(session.conn);
    budget = Math.floor(table.entries / 2);
    source = `half of the server's lock table, ${table.source}`;
  }
  const lock = { estimate, budget, source };
  if (estimate <= budget) return { mode: 'transaction', units: [all], estimates: [estimate], lock };
  const batches = splitIntoBatches(items, budget, locks.baseline);
  return {
    mode: 'batches',
    units: batches.map((b) => b.changes),
    estimates: batches.map((b) => b.estimate),
    lock,
    notice:
      `This plan needs about ${estimate} lock entries in one transaction, more than the budget of ${budget} (${source}); ` +
      `it is applied in ${batches.length} batches, each one transaction with its recorded state. ` +
      `A failure stops the apply and leaves the batches before it applied; meshward plan then shows exactly the rest.`,
  };
}

/** Each change as the lock estimate and the batch split see it: what it locks, and the joined group it belongs to. */
function batchItems(session: TargetSession, plan: Plan): BatchItem[] {
  const locks = session.target.locks;
  return plan.changes.map((c, index) => ({ index, table: c.table, objects: locks ? locks.objects(c) : [], ...joinedGroup(plan, index) }));
}

/** The group of a change that a joined statement makes with others: its first change's position. */
function joinedGroup(plan: Plan, index: number): { group?: number } {
  const c = plan.changes[index]!;
  if (c.served_by !== undefined) return { group: c.served_by };
  return plan.changes[index + 1]?.served_by === index ? { group: index } : {};
}

/** One unit per change, except that the changes one joined statement makes share one. */
function joinedUnits(plan: Plan): number[][] {
  const units: number[][] = [];
  plan.changes.forEach((c, i) => {
    if (c.served_by !== undefined && units.length) units[units.length - 1]!.push(i);
    else units.push([i]);
  });
  return units;
}

/** Parses a lock budget given as text (option or environment); undefined when not given. */
export function parseLockBudget(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number of lock entries, not ${JSON.stringify(text)}`);
  return n;
}
