import { normalizeValue } from '../../safety/values.js';
import { evaluate } from '../../model/expr/index.js';
import type { NeutralType } from '../../model/neutral-types.js';
import { tableAccess } from '../../resolve/access.js';
import { applyMask } from '../../resolve/mask-methods.js';
import type { Resolved, ResolvedTable } from '../../resolve/resolve.js';
import type { Connection, TargetContext } from '../target.js';
import { quoteIdent } from './naming.js';
import { namesForResolved } from './native-names.js';
import { qualified } from './objects.js';
import { asPrincipal } from './probe.js';

/**
 * The enforcement oracle check: what a principal sees through the managed view, compared cell by
 * cell with what the resolver says it must see (readable; rows whose predicate is TRUE over the
 * clear data; each value masked exactly as the method says). Shared by `meshward test --target`
 * and the differential and exposure tests.
 */

/** What one principal sees of one table: readable, and rows keyed by primary key. */
export interface Observation {
  readonly readable: boolean;
  /** pk text -> column name -> normalised value text. */
  readonly rows: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface BaseTable {
  readonly table: ResolvedTable;
  readonly pk: readonly string[];
  readonly types: ReadonlyMap<string, NeutralType>;
  /** Clear rows as the driver returned them. */
  readonly rows: readonly Record<string, unknown>[];
}

/** A value in a form that compares equal across drivers, masks and the TypeScript oracle. */
export const normalize = normalizeValue;

/** Primary-key columns of every governed base table, in one catalog query. */
export async function primaryKeys(conn: Connection, tables: readonly ResolvedTable[]): Promise<Map<string, string[]>> {
  const names = tables.map((t) => `${quoteIdent(t.table.parts[1])}.${quoteIdent(t.table.parts[2])}`);
  const { rows } = await conn.query(
    `SELECT i.indrelid::regclass::text AS rel, array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS cols
       FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indisprimary AND i.indrelid = ANY (SELECT to_regclass(n)::oid FROM unnest($1::text[]) AS n)
      GROUP BY i.indrelid`,
    [names],
  );
  const byRel = new Map(rows.map((r) => [String(r.rel), r.cols as string[]]));
  const out = new Map<string, string[]>();
  for (const [i, t] of tables.entries()) {
    const rel = names[i]!;
    const cols = byRel.get(rel) ?? byRel.get(`${t.table.parts[1]}.${t.table.parts[2]}`) ?? byRel.get(t.table.parts[2]);
    if (cols) out.set(t.table.key, cols);
  }
  return out;
}

/** Reads the clear base rows of a table (as the connecting identity). */
export async function readBase(conn: Connection, table: ResolvedTable, pk: readonly string[]): Promise<BaseTable> {
  const base = `${quoteIdent(table.table.parts[1])}.${quoteIdent(table.table.parts[2])}`;
  const { rows } = await conn.query(`SELECT * FROM ${base}`);
  const types = new Map<string, NeutralType>(table.table.columns.map((c) => [c.name, c.type ?? 'other']));
  return { table, pk, types, rows };
}

function pkText(row: Record<string, unknown>, base: BaseTable): string {
  return base.pk.map((c) => normalize(row[c], base.types.get(c))).join('|');
}

/** What the resolver says this principal must see of the base rows. */
export function expected(resolved: Resolved, base: BaseTable, groups: readonly string[]): Observation {
  const access = tableAccess(base.table, resolved.principals.principal(groups));
  if (!access.readable) return { readable: false, rows: new Map() };
  const principal = { attributes: access.principal.attributes, groups: access.principal.closure };
  const columnTypes = new Map([...base.types].map(([k, v]) => [k.toLowerCase(), v]));
  const rows = new Map<string, Record<string, string>>();
  for (const row of base.rows) {
    if (!access.filters.every((f) => evaluate(f.candidate.expr, row, principal, columnTypes) === true)) continue;
    const cells: Record<string, string> = {};
    for (const c of access.columns) {
      const type = base.types.get(c.name) ?? 'other';
      const clear = row[c.name];
      cells[c.name] = normalize(c.access === 'clear' ? clear : applyMask(c.access, { keep_last: c.keepLast }, clear, type), type);
    }
    rows.set(pkText(row, base), cells);
  }
  return { readable: true, rows };
}

/** What `groups` see of one governed table through its managed view (see `observeAll`). */
export async function observe(conn: Connection, ctx: TargetContext, resolved: Resolved, base: BaseTable, groups: readonly string[]): Promise<Observation> {
  return (await observeAll(conn, ctx, resolved, [base], groups))[0]!;
}

/**
 * What `groups` see of each of `bases` through the managed views, in ONE principal transaction
 * (probe.ts's asPrincipal: created, used and rolled back), each SELECT in its own savepoint so
 * that a view it may not read (permission denied) is `readable: false` and the rest still read.
 */
export async function observeAll(conn: Connection, ctx: TargetContext, resolved: Resolved, bases: readonly BaseTable[], groups: readonly string[]): Promise<Observation[]> {
  return asPrincipal(conn, ctx, groups, async () => {
    const out: Observation[] = [];
    for (const base of bases) {
      const view = consumerView(resolved, ctx, base.table);
      await conn.exec('SAVEPOINT meshward_observe');
      try {
        const { rows } = await conn.query(`SELECT * FROM ${view}`);
        await conn.exec('RELEASE SAVEPOINT meshward_observe');
        const seen = new Map<string, Record<string, string>>();
        for (const row of rows) {
          const cells: Record<string, string> = {};
          for (const [k, v] of Object.entries(row)) cells[k] = normalize(v, base.types.get(k));
          // Key by the primary key's CLEAR value only when the key is not masked; else by position.
          seen.set(base.pk.map((c) => cells[c] ?? 'NULL').join('|'), cells);
        }
        out.push({ readable: true, rows: seen });
      } catch (e) {
        if ((e as { code?: string }).code === '42501' || /permission denied/i.test((e as Error).message)) {
          await conn.exec('ROLLBACK TO SAVEPOINT meshward_observe; RELEASE SAVEPOINT meshward_observe');
          out.push({ readable: false, rows: new Map() });
          continue;
        }
        throw e;
      }
    }
    return out;
  });
}

/** The managed view consumers query for a governed table. */
export function consumerView(resolved: Resolved, ctx: Pick<TargetContext, 'settings'>, table: ResolvedTable): string {
  return qualified(namesForResolved(resolved, ctx.settings).schema(table.table.parts[1]), table.table.parts[2]);
}

/** Differences between an observation and an expectation, in words. */
export function compare(observed: Observation, wanted: Observation): string[] {
  const out: string[] = [];
  if (observed.readable !== wanted.readable) return [`expected ${wanted.readable ? 'readable' : 'permission denied'}, got ${observed.readable ? 'readable' : 'permission denied'}`];
  for (const [pk, cells] of wanted.rows) {
    const got = observed.rows.get(pk);
    if (!got) {
      out.push(`row ${pk} expected, missing`);
      continue;
    }
    for (const [col, v] of Object.entries(cells)) if (got[col] !== v) out.push(`row ${pk} column ${col}: expected ${v}, got ${got[col]}`);
  }
  for (const pk of observed.rows.keys()) if (!wanted.rows.has(pk)) out.push(`row ${pk} visible but the model hides it`);
  return out;
}
