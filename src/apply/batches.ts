/**
 * Splitting a plan that is too big for one transaction's lock budget into batches, each one
 * transaction (postgres.md, Traps: "Lock limit").
 *
 * The plan order is what keeps every moment safe (product.md: no exposure window — it holds
 * after every statement), so a batch boundary is only ever a commit point inside that order,
 * with one freedom: between two changes that serve no table (platform changes — roles,
 * memberships, schemas, schema grants, governance), the changes of different tables may be
 * regrouped by table, because what a table's view, grants and tags do concerns that table only.
 * Each table keeps its own changes in plan order, and no change moves across a platform change
 * (memberships among them: they carry grants and exemptions across tables). So the platform
 * changes that open the plan (roles, schemas, governance) are in the first batch, and the drops
 * that close it (views, schemas, roles) in the last batches.
 */

/** One planned change as batching sees it. */
export interface BatchItem {
  /** Position in the plan (0-based). */
  readonly index: number;
  /** Neutral table the change serves; null for a platform change. */
  readonly table: string | null;
  /** Objects it locks (the target's ids; equal ids are one lock entry). */
  readonly objects: readonly string[];
  /** Set for the changes one joined statement makes (plan `served_by`): their first change's position. A group is never split. */
  readonly group?: number;
}

export interface Batch {
  /** Plan positions of its changes, in the order they run. */
  readonly changes: readonly number[];
  /** Estimated lock entries: the baseline plus its distinct objects. */
  readonly estimate: number;
}

/** A single change needs more lock entries than one transaction may use. */
export class LockBudgetError extends Error {
  override readonly name = 'LockBudgetError';
  constructor(
    readonly index: number,
    readonly estimate: number,
    readonly budget: number,
  ) {
    super(`change ${index + 1} of the plan alone needs about ${estimate} lock entries, more than the budget of ${budget}`);
  }
}

/** Estimated lock entries of a set of changes run in one transaction. */
export function estimateLocks(items: readonly BatchItem[], baseline: number): number {
  const objects = new Set<string>();
  for (const item of items) for (const o of item.objects) objects.add(o);
  return baseline + objects.size;
}

/**
 * Units that may be regrouped: a platform change is a unit of its own; a run of table changes
 * between two platform changes becomes one unit per table (in order of first appearance).
 */
export function unitsOf(items: readonly BatchItem[]): BatchItem[][] {
  const units: BatchItem[][] = [];
  let run = new Map<string, BatchItem[]>();
  const flush = () => {
    units.push(...run.values());
    run = new Map();
  };
  for (const item of items) {
    if (item.group !== undefined) {
      // the changes of one joined statement: one unit, in its place in the order
      const last = units[units.length - 1];
      if (run.size === 0 && last?.[0]!.group === item.group) last.push(item);
      else {
        flush();
        units.push([item]);
      }
      continue;
    }
    if (item.table === null) {
      flush();
      units.push([item]);
      continue;
    }
    const group = run.get(item.table);
    if (group) group.push(item);
    else run.set(item.table, [item]);
  }
  flush();
  return units;
}

/**
 * Packs the units greedily, in order, into batches whose estimate stays within `budget`; a unit
 * that does not fit in a batch of its own is split change by change (still in plan order).
 * Throws LockBudgetError when one change alone is over budget.
 */
export function splitIntoBatches(items: readonly BatchItem[], budget: number, baseline: number): Batch[] {
  const batches: Batch[] = [];
  let current: BatchItem[] = [];
  let objects = new Set<string>();
  const close = () => {
    if (current.length) batches.push({ changes: current.map((c) => c.index), estimate: baseline + objects.size });
    current = [];
    objects = new Set();
  };
  const fits = (unit: readonly BatchItem[]) => {
    const extra = new Set<string>();
    for (const item of unit) for (const o of item.objects) if (!objects.has(o)) extra.add(o);
    return baseline + objects.size + extra.size <= budget;
  };
  const add = (unit: readonly BatchItem[]) => {
    current.push(...unit);
    for (const item of unit) for (const o of item.objects) objects.add(o);
  };
  for (const unit of unitsOf(items)) {
    if (fits(unit)) {
      add(unit);
      continue;
    }
    close();
    if (fits(unit)) {
      add(unit);
      continue;
    }
    if (unit[0]!.group !== undefined) throw new LockBudgetError(unit[0]!.index, estimateLocks(unit, baseline), budget);
    for (const item of unit) {
      if (!fits([item])) close();
      if (!fits([item])) throw new LockBudgetError(item.index, estimateLocks([item], baseline), budget);
      add([item]);
    }
  }
  close();
  return batches;
}
