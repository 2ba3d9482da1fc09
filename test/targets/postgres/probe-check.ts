import type { PGlite } from '@electric-sql/pglite';
import { evaluate } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { tableAccess } from '../../../src/resolve/access.js';
import { applyMask } from '../../../src/resolve/mask-methods.js';
import type { Resolved, ResolvedTable } from '../../../src/resolve/resolve.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { qualified } from '../../../src/targets/postgres/objects.js';
import { comparable } from './pg-values.js';

/**
 * What a principal sees through a managed view on PGlite vs. what the resolver says it must see:
 * readable or not, and the multiset of rows, each cell masked as `applyMask` masks the clear
 * value, each row visible iff the oracle's predicate is TRUE on the clear row.
 */
export interface ProbeResult {
  readonly readable: boolean;
  readonly rows: string[];
}

/** Queries `view` as a temporary role in `roles`, rolled back afterwards. */
export async function observe(
  db: PGlite,
  view: string,
  roles: readonly string[],
  columns: readonly { name: string; type: NeutralType }[],
  options: { savepoint?: boolean } = {},
): Promise<ProbeResult> {
  // Inside a caller's transaction a savepoint scopes the probe role and SET LOCAL ROLE.
  await db.exec(options.savepoint ? 'SAVEPOINT mw_probe' : 'BEGIN');
  try {
    await db.exec(`CREATE ROLE mw_test_probe NOLOGIN${roles.length ? ` IN ROLE ${roles.map(quoteIdent).join(', ')}` : ''}; SET LOCAL ROLE mw_test_probe;`);
    try {
      const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM ${view}`);
      return { readable: true, rows: rows.map((r) => rowText(r, columns)).sort() };
    } catch (e) {
      if (/permission denied/.test((e as Error).message)) return { readable: false, rows: [] };
      throw e;
    }
  } finally {
    await db.exec(options.savepoint ? 'ROLLBACK TO SAVEPOINT mw_probe; RELEASE SAVEPOINT mw_probe' : 'ROLLBACK');
  }
}

/** The oracle's answer for `groups` over the clear rows of the base table. */
export async function expected(db: PGlite, resolved: Resolved, table: ResolvedTable, groups: readonly string[]): Promise<ProbeResult> {
  const principal = resolved.principals.principal(groups);
  const access = tableAccess(table, principal);
  if (!access.readable) return { readable: false, rows: [] };
  const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM ${qualified(table.table.parts[1], table.table.parts[2])}`);
  const types = new Map(table.table.columns.map((c) => [c.key, c.type!]));
  const exprPrincipal = { attributes: principal.attributes, groups: principal.closure };
  const out: string[] = [];
  for (const row of rows) {
    if (access.predicate && evaluate(access.predicate, row, exprPrincipal, types) !== true) continue;
    const masked: Record<string, unknown> = {};
    access.columns.forEach((c, i) => {
      const column = table.table.columns[i]!;
      const value = row[column.name];
      masked[column.name] = c.access === 'clear' ? value : applyMask(c.access, { keep_last: c.keepLast }, value, column.type!);
    });
    out.push(rowText(masked, table.table.columns.map((c) => ({ name: c.name, type: c.type! }))));
  }
  return { readable: true, rows: out.sort() };
}

function rowText(row: Record<string, unknown>, columns: readonly { name: string; type: NeutralType }[]): string {
  return JSON.stringify(columns.map((c) => comparable(row[c.name], c.type)));
}
