import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateLocks, LockBudgetError, splitIntoBatches, unitsOf, type Batch, type BatchItem } from '../../src/apply/batches.js';
import type { PlannedChange } from '../../src/plan/plan.js';
import { postgresLockObjects, POSTGRES_LOCK_BASELINE } from '../../src/targets/postgres/budget.js';
import { change } from './fake.js';

/**
 * Batching a plan that is over the lock budget: every batch within the budget, every change
 * exactly once, each table's changes in plan order, platform changes never crossed (so the
 * platform changes that open the plan are in the first batch, and the drops that close it are in
 * the last), on a synthetic plan of many tables shaped like the PostgreSQL target's, and on
 * random plans.
 */

const q = (s: string) => `"${s}"`;

/**
 * A plan in the PostgreSQL target's rank order (hazards.ts RANK_RULES): roles, schemas and
 * governance; the owner's base-table grants and new views; revokes; membership removals; view
 * changes; new memberships; grants; tags; then the drops.
 */
function syntheticPlan(tables: number, groups: number): PlannedChange[] {
  const schemas = ['sales', 'finance', 'hr', 'ops'];
  const tableList = Array.from({ length: tables }, (_, i) => ({ schema: schemas[i % schemas.length]!, name: `t${String(i).padStart(4, '0')}` }));
  const neutral = (t: { schema: string; name: string }) => `db.${t.schema}.${t.name}`;
  const role = (g: number) => `mw_g${g}`;
  const view = (t: { schema: string; name: string }) => `"mw_${t.schema}".${q(t.name)}`;
  const gone = { schema: 'legacy', name: 'old_table' };
  const out: PlannedChange[] = [];
  for (let g = 0; g < groups; g++) out.push(change(`role:${role(g)}`, [`CREATE ROLE ${q(role(g))} NOLOGIN;`, `COMMENT ON ROLE ${q(role(g))} IS 'm';`]));
  out.push(change('role:mw_owner', ['CREATE ROLE "mw_owner" NOLOGIN;']));
  for (const s of schemas) out.push(change(`schema:mw_${s}`, [`CREATE SCHEMA "mw_${s}" AUTHORIZATION "mw_owner";`]));
  out.push(change('governance:mw_meta', ['CREATE SCHEMA IF NOT EXISTS "mw_meta" AUTHORIZATION "mw_owner";']));
  for (const t of tableList) out.push(change(`grant:SELECT:table:${q(t.schema)}.${q(t.name)}:mw_owner`, [`GRANT SELECT ON TABLE ${q(t.schema)}.${q(t.name)} TO "mw_owner";`], { table: neutral(t) }));
  for (const t of tableList) out.push(change(`view:${view(t)}`, ['CREATE VIEW …;', 'ALTER VIEW … OWNER TO "mw_owner";', 'COMMENT ON VIEW …;'], { table: neutral(t) }));
  // revokes: a table no longer governed, a group removed from the model, and every 10th table's old grant
  out.push(change(`grant:SELECT:view:${view(gone)}:mw_gone`, [`REVOKE SELECT ON TABLE ${view(gone)} FROM "mw_gone";`], { action: 'remove', table: neutral(gone) }));
  for (const t of tableList.filter((_, i) => i % 10 === 0)) out.push(change(`grant:SELECT:view:${view(t)}:mw_gone`, [`REVOKE SELECT ON TABLE ${view(t)} FROM "mw_gone";`], { action: 'remove', table: neutral(t) }));
  out.push(change('grant:USAGE:schema:"mw_legacy":mw_gone', ['REVOKE USAGE ON SCHEMA "mw_legacy" FROM "mw_gone";'], { action: 'remove' }));
  out.push(change('membership:mw_g0:mw_gone', ['REVOKE "mw_g0" FROM "mw_gone";'], { action: 'remove' }));
  for (let g = 1; g < groups; g++) out.push(change(`membership:${role(0)}:${role(g)}`, [`GRANT ${q(role(0))} TO ${q(role(g))};`]));
  for (const [i, t] of tableList.entries()) {
    for (const g of [i % groups, (i + 1) % groups]) out.push(change(`grant:SELECT:view:${view(t)}:${role(g)}`, [`GRANT SELECT ON TABLE ${view(t)} TO ${q(role(g))};`], { table: neutral(t) }));
  }
  for (const s of schemas) for (let g = 0; g < groups; g++) out.push(change(`grant:USAGE:schema:"mw_${s}":${role(g)}`, [`GRANT USAGE ON SCHEMA "mw_${s}" TO ${q(role(g))};`]));
  for (const t of tableList) out.push(change(`tag:${neutral(t)}:sensitivity`, ['INSERT INTO "mw_meta"."tags" …;'], { table: neutral(t) }));
  out.push(change(`view:${view(gone)}`, [`DROP VIEW ${view(gone)} RESTRICT;`], { action: 'remove', table: neutral(gone) }));
  out.push(change('schema:mw_legacy', ['DROP SCHEMA "mw_legacy" RESTRICT;'], { action: 'remove' }));
  out.push(change('role:mw_gone', ['DROP ROLE "mw_gone";'], { action: 'remove' }));
  return out;
}

const itemsOf = (plan: readonly PlannedChange[]): BatchItem[] => plan.map((c, index) => ({ index, table: c.table, objects: postgresLockObjects(c) }));

/** The properties every batching must have. */
function checkBatches(items: readonly BatchItem[], batches: readonly Batch[], budget: number, baseline: number): void {
  const order = batches.flatMap((b) => b.changes);
  // every change exactly once
  expect([...order].sort((a, b) => a - b)).toEqual(items.map((i) => i.index));
  for (const b of batches) {
    expect(b.changes.length).toBeGreaterThan(0);
    expect(b.estimate).toBe(estimateLocks(b.changes.map((i) => items[i]!), baseline));
    expect(b.estimate).toBeLessThanOrEqual(budget);
  }
  const position = new Map(order.map((i, p) => [i, p]));
  // each table's changes in plan order
  const byTable = new Map<string, number[]>();
  for (const i of order) {
    const t = items[i]!.table;
    if (t !== null) byTable.set(t, [...(byTable.get(t) ?? []), i]);
  }
  for (const list of byTable.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  // nothing crosses a platform change
  for (const p of items.filter((i) => i.table === null)) {
    for (const other of items) {
      if (other.index < p.index) expect(position.get(other.index)!).toBeLessThan(position.get(p.index)!);
      if (other.index > p.index) expect(position.get(other.index)!).toBeGreaterThan(position.get(p.index)!);
    }
  }
}

describe('splitting a plan of many tables into batches', () => {
  const plan = syntheticPlan(400, 12);
  const items = itemsOf(plan);
  const whole = estimateLocks(items, POSTGRES_LOCK_BASELINE);

  it('the whole plan is far over a small budget', () => {
    expect(plan.length).toBeGreaterThan(2000);
    expect(whole).toBeGreaterThan(900); // 400 views, 400 base tables, roles, schemas, governance, baseline
  });

  it.each([150, 250, 600])('budget %i: every batch within it, every change once, tables in order, platform changes never crossed', (budget) => {
    const batches = splitIntoBatches(items, budget, POSTGRES_LOCK_BASELINE);
    checkBatches(items, batches, budget, POSTGRES_LOCK_BASELINE);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(plan.length / 4); // tables are grouped, not one change per batch
    const batchOf = new Map(batches.flatMap((b, n) => b.changes.map((i) => [i, n])));
    // platform first: roles, the owner, schemas and governance open the first batch
    const firstTabled = plan.findIndex((c) => c.table !== null);
    for (let i = 0; i < firstTabled; i++) expect(batchOf.get(i), plan[i]!.key).toBe(0);
    expect(batches[0]!.changes.slice(0, firstTabled)).toEqual(Array.from({ length: firstTabled }, (_, i) => i));
    // drops last: the schema and role drops close the last batch
    const last = batches.at(-1)!.changes;
    expect(last.slice(-2).map((i) => plan[i]!.key)).toEqual(['schema:mw_legacy', 'role:mw_gone']);
    // a table's view is created before it is granted, in one batch or an earlier one
    for (const [i, c] of plan.entries()) {
      if (c.kind !== 'grant' || !c.key.startsWith('grant:SELECT:view:') || c.action !== 'add') continue;
      const view = plan.findIndex((x) => x.kind === 'view' && x.table === c.table);
      expect(batchOf.get(view)!).toBeLessThanOrEqual(batchOf.get(i)!);
    }
  });

  it('regroups the work of one table between two platform changes: its base grant and view run in one batch, its grants in one batch', () => {
    const batches = splitIntoBatches(items, 250, POSTGRES_LOCK_BASELINE);
    const batchOf = new Map(batches.flatMap((b, n) => b.changes.map((i) => [i, n])));
    const t = 'db.hr.t0002';
    const created = plan.flatMap((c, i) => (c.table === t && c.action === 'add' && (c.kind === 'view' || c.key.startsWith('grant:SELECT:table:')) ? [batchOf.get(i)] : []));
    const granted = plan.flatMap((c, i) => (c.table === t && c.action === 'add' && c.key.startsWith('grant:SELECT:view:') ? [batchOf.get(i)] : []));
    expect(created).toHaveLength(2);
    expect(new Set(created).size).toBe(1);
    expect(granted).toHaveLength(2);
    expect(new Set(granted).size).toBe(1);
  });

  it('a single change over the budget is refused', () => {
    expect(() => splitIntoBatches(items, POSTGRES_LOCK_BASELINE + 5, POSTGRES_LOCK_BASELINE)).toThrow(LockBudgetError);
    expect(() => splitIntoBatches(items, POSTGRES_LOCK_BASELINE + 5, POSTGRES_LOCK_BASELINE)).toThrow(/change 18 of the plan alone needs about 132 lock entries, more than the budget of 105/);
  });

  it('units: a run of table changes between two platform changes is grouped by table', () => {
    const it = (index: number, table: string | null): BatchItem => ({ index, table, objects: [] });
    const units = unitsOf([it(0, null), it(1, 'a'), it(2, 'b'), it(3, 'a'), it(4, null), it(5, 'b'), it(6, 'a')]);
    expect(units.map((u) => u.map((x) => x.index))).toEqual([[0], [1, 3], [2], [4], [5], [6]]);
  });

  it('random plans: the same properties hold', () => {
    const item = fc.record({ table: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: null }), objects: fc.uniqueArray(fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8', 'o9'), { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 40 }), fc.integer({ min: 4, max: 12 }), (raw, budget) => {
        const items = raw.map((r, index) => ({ index, ...r }));
        const batches = splitIntoBatches(items, budget, 0);
        checkBatches(items, batches, budget, 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('what a PostgreSQL change locks', () => {
  it('names each relation, schema and role once, whatever change touches it', () => {
    const view = change('view:"mw_sales"."customers"', ['CREATE VIEW …;'], { table: 'analytics.sales.customers' });
    expect(postgresLockObjects(view)).toEqual(['rel:mw_sales.customers', 'rel:mw_sales.customers:type', 'schema:mw_sales', 'base:analytics.sales.customers', 'role:(owner)']);
    const replaced = change('view:"mw_sales"."customers"', ['DROP VIEW …;', 'CREATE VIEW …;', 'GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_a";', 'GRANT SELECT ON TABLE "mw_sales"."customers" TO "mw_""b";'], { action: 'change', table: 'analytics.sales.customers' });
    expect(postgresLockObjects(replaced)).toEqual(['rel:mw_sales.customers', 'rel:mw_sales.customers:type', 'schema:mw_sales', 'base:analytics.sales.customers', 'role:(owner)', 'role:mw_a', 'role:mw_"b']);
    const baseGrant = change('grant:SELECT:table:"sales"."customers":mw_owner', ['GRANT …;'], { table: 'analytics.sales.customers' });
    expect(postgresLockObjects(baseGrant)).toEqual(['base:analytics.sales.customers', 'role:mw_owner']);
    expect(postgresLockObjects(change('grant:SELECT:view:"mw_sales"."x:y":mw_a', ['GRANT …;'], { table: 't' }))).toEqual(['rel:mw_sales.x:y', 'role:mw_a']);
    expect(postgresLockObjects(change('grant:USAGE:schema:"mw_sales":mw_a', ['GRANT …;']))).toEqual(['schema:mw_sales', 'role:mw_a']);
    expect(postgresLockObjects(change('grant:SELECT:table:"sales"."t":', ['GRANT … TO PUBLIC;'], { table: 'a.sales.t' }))).toEqual(['base:a.sales.t']);
    expect(postgresLockObjects(change('membership:mw_a:mw_b', ['GRANT "mw_a" TO "mw_b";']))).toEqual(['role:mw_a', 'role:mw_b']);
    expect(postgresLockObjects(change('role:mw_a', ['CREATE ROLE "mw_a" NOLOGIN;']))).toEqual(['role:mw_a']);
    expect(postgresLockObjects(change('schema:mw_sales', ['CREATE SCHEMA …;']))).toEqual(['schema:mw_sales', 'role:(owner)']);
    expect(postgresLockObjects(change('governance:mw_meta', ['…']))).toHaveLength(32); // schema, owner, 5 tables × 6
    expect(postgresLockObjects(change('tag:a.s.t.c:pii', ['…'], { table: 'a.s.t' }))).toHaveLength(4);
    expect(postgresLockObjects(change('attribute:["mw_a","region","string","EMEA"]', ['INSERT …;'], { kind: 'attribute' }))).toEqual(['rel:(governance).attributes', 'rel:(governance).attributes:pkey', 'rel:(governance).attributes:toast', 'rel:(governance).attributes:toast-index']);
    expect(postgresLockObjects(change('unmanaged_grant:SELECT:table:["sales","t"]:etl', ['REVOKE SELECT ON TABLE "sales"."t" FROM "etl";'], { action: 'remove', table: 'a.sales.t' }))).toEqual(['base:a.sales.t', 'role:etl']);
    expect(postgresLockObjects(change('strange:x', ['a;', 'b;']))).toEqual(['strange:x#0', 'strange:x#1']);
  });
});

describe('the changes of one joined statement (plan served_by)', () => {
  const item = (index: number, table: string | null, objects: string[], group?: number): BatchItem => ({ index, table, objects, ...(group !== undefined ? { group } : {}) });
  // two tables' views, then one GRANT for both views, then a view of a third table
  const items = [item(0, 'a', ['rel:a', 'base:a']), item(1, 'b', ['rel:b', 'base:b']), item(2, 'a', ['rel:a', 'role:g'], 2), item(3, 'b', ['rel:b', 'role:g'], 2), item(4, 'c', ['rel:c', 'base:c'])];

  it('are one unit in their place in the order, never regrouped by table', () => {
    expect(unitsOf(items).map((u) => u.map((i) => i.index))).toEqual([[0], [1], [2, 3], [4]]);
  });

  it('are never split by a batch boundary, and a group over the budget alone is refused', () => {
    for (const budget of [3, 4, 5, 6, 7]) {
      const batches: Batch[] = splitIntoBatches(items, budget, 0);
      const batchOf = new Map(batches.flatMap((b, n) => b.changes.map((c) => [c, n] as const)));
      expect(batchOf.get(2)).toBe(batchOf.get(3));
      expect(batches.flatMap((b) => b.changes)).toEqual([0, 1, 2, 3, 4]);
    }
    // the group locks rel:a, rel:b and role:g: at budget 2 it cannot run whole, and is not split
    expect(() => splitIntoBatches(items, 2, 0)).toThrow(LockBudgetError);
  });
});
