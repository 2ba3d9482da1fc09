import { sqlSteps } from '../../plan/step.js';
import type { Change, JoinedSegment } from '../target.js';
import { createSql } from './render.js';
import { qualified, quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * Statement economy on Snowflake (issue 12, item 7): tag values of one table share one
 * `ALTER TABLE … MODIFY COLUMN a SET TAG …, COLUMN b SET TAG …` (or `ALTER TABLE … SET TAG …, …`
 * for the table's own tags) of at most MAX_TAG_ASSIGNMENTS assignments — Snowflake's limit per
 * statement (object-tagging quotas) — and attribute rows share one multi-row INSERT. A joined
 * statement belongs to one run of changes of one rank and the same hazards (plan.ts), whose order
 * and hazards it inherits. Grants are never joined: a Snowflake GRANT names one object and one role.
 */

/** Tag assignments Snowflake takes in one CREATE or ALTER statement. */
export const MAX_TAG_ASSIGNMENTS = 100;
/** Rows in one INSERT: keeps a statement's text small. */
export const MAX_ROWS = 1000;

type Spec = Readonly<Record<string, unknown>>;
const specOf = (c: Change): Spec => (c.action === 'remove' ? c.current! : c.desired!).spec;

export function joinClass(change: Change): string | null {
  if (change.kind === 'attribute') return change.action === 'add' ? 'attribute-add' : null;
  if (change.kind !== 'tag-value' || change.action === 'remove') return null;
  const spec = specOf(change);
  return `tag-set:${qualified(...(spec.table as string[]))}:${spec.column === undefined ? 'table' : 'columns'}`;
}

export function renderJoined(run: readonly Change[]): JoinedSegment[] {
  const cls = joinClass(run[0]!);
  if (cls === null || run.some((c) => joinClass(c) !== cls)) throw new Error(`changes of different join classes cannot share a statement (${run[0]!.key})`);
  if (cls === 'attribute-add') return chunks(run, MAX_ROWS).map((part) => ({ count: part.length, steps: sqlSteps(part.length === 1 ? createSql('attribute', specOf(part[0]!)) : [attributeInsert(part)]) }));
  return chunks(run, MAX_TAG_ASSIGNMENTS).map((part) => ({ count: part.length, steps: sqlSteps(part.length === 1 ? createSql('tag-value', specOf(part[0]!)) : [tagSet(part)]) }));
}

export function joinFloor(run: readonly Change[]): number {
  if (run.length === 0) return 0;
  return joinClass(run[0]!) === 'attribute-add' ? 1 : Math.ceil(run.length / MAX_TAG_ASSIGNMENTS);
}

function tagSet(part: readonly Change[]): string {
  const first = specOf(part[0]!);
  const table = qualified(...(first.table as string[]));
  const assign = (s: Spec) => `${qualified(...(s.tag as string[]))} = ${quoteLiteral(String(s.value))}`;
  if (first.column === undefined) return `ALTER TABLE ${table} SET TAG ${part.map((c) => assign(specOf(c))).join(', ')}`;
  // one COLUMN clause per column, its tags together, columns in the run's order
  const byColumn = new Map<string, Spec[]>();
  for (const c of part) {
    const s = specOf(c);
    byColumn.set(String(s.column), [...(byColumn.get(String(s.column)) ?? []), s]);
  }
  return `ALTER TABLE ${table} MODIFY ${[...byColumn].map(([column, specs]) => `COLUMN ${quoteIdent(column)} SET TAG ${specs.map(assign).join(', ')}`).join(', ')}`;
}

function attributeInsert(part: readonly Change[]): string {
  const table = qualified(...(specOf(part[0]!).table as string[]));
  return `INSERT INTO ${table} ("ROLE", "ATTRIBUTE", "VALUE") VALUES ${part.map((c) => specOf(c)).map((s) => `(${[s.role, s.attribute, s.value].map((v) => quoteLiteral(String(v))).join(', ')})`).join(', ')}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
