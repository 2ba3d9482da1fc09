import { expect } from 'vitest';
import type { TargetSession } from '../../src/session/open-target.js';
import { compare, expected, observeAll, primaryKeys, readBase, type BaseTable } from '../../src/targets/postgres/verify.js';

/**
 * The differential enforcement check shared by the e2e suites: every principal (by default every
 * group of the session's model, one at a time) × every governed table is queried AS that
 * principal through what consumers query, and compared cell by cell with the resolver (the oracle).
 */
export interface EnforcementResult {
  /** `group on table: what differs`, in words; empty when the engine enforces the model. */
  readonly problems: string[];
  /** Cells (row × column) the resolver expected, summed over principals and tables. */
  readonly cells: number;
  /** Principal × table pairs the engine let read. */
  readonly readable: number;
}

export async function enforcement(session: TargetSession, principals?: readonly (readonly string[])[], tables?: readonly string[]): Promise<EnforcementResult> {
  const who = principals ?? [...session.model.groups.keys()].sort().map((g) => [g]);
  const pks = await primaryKeys(session.conn, session.resolved.tables);
  const problems: string[] = [];
  let cells = 0;
  let readable = 0;
  const bases: BaseTable[] = [];
  for (const table of session.resolved.tables) {
    if (tables && !tables.includes(table.table.name)) continue;
    const pk = pks.get(table.table.key);
    if (!pk) {
      problems.push(`${table.table.name} has no primary key`);
      continue;
    }
    bases.push(await readBase(session.conn, table, pk));
  }
  // One principal transaction per principal, reading every table.
  for (const groups of who) {
    const seen = await observeAll(session.conn, session.ctx, session.resolved, bases, groups);
    for (const [i, base] of bases.entries()) {
      const want = expected(session.resolved, base, groups);
      const got = seen[i]!;
      if (got.readable) readable++;
      for (const p of compare(got, want)) problems.push(`${groups.join('+')} on ${base.table.table.name}: ${p}`);
      cells += [...want.rows.values()].reduce((n, r) => n + Object.keys(r).length, 0);
    }
  }
  return { problems, cells, readable };
}

/** Asserts the engine matches the resolver for every group × governed table (or the given principals). */
export async function assertEnforced(session: TargetSession, options: { principals?: readonly (readonly string[])[]; minCells?: number } = {}): Promise<EnforcementResult> {
  const result = await enforcement(session, options.principals);
  expect(result.problems.slice(0, 20), `${result.problems.length} enforcement problems`).toEqual([]);
  expect(result.cells).toBeGreaterThan(options.minCells ?? 1000);
  expect(result.readable).toBeGreaterThan(0);
  return result;
}
