import { joinName } from '../../resolve/names.js';
import type { Inventory, InventoryColumn, InventoryTable } from '../../model/inventory.js';
import { neutralTypeOf } from './types.js';

/** Runs one statement with positional parameters; `pg`'s client and PGlite both fit. */
export type QueryFn = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export interface InventoryOptions {
  /** The neutral database label every table of this target is named under. */
  readonly database: string;
  /** Only these PostgreSQL schemas (default: every non-system schema). */
  readonly schemas?: readonly string[];
  /** Leave out schemas whose name starts with this, e.g. the managed prefix `mw_`. */
  readonly excludeSchemaPrefix?: string;
}

/**
 * Every column of every table, partitioned table, view, materialized view and foreign table
 * outside the system schemas, in one catalog query. Partitions are left out: they are reached
 * through their parent, and meshward never grants on them. A domain column is typed by its
 * base type (one level).
 */
export const INVENTORY_QUERY = `
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS native_type,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
            ELSE format_type(a.atttypid, a.atttypmod) END AS base_type
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND left(n.nspname, 3) <> 'pg_'
  AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
  AND ($2::text IS NULL OR left(n.nspname, length($2::text)) <> $2::text)
ORDER BY n.nspname, c.relname, a.attnum`;

/** Reads the tables and columns of a PostgreSQL database as a neutral inventory. */
export async function readInventory(query: QueryFn, opts: InventoryOptions): Promise<Inventory> {
  const params = [opts.schemas ? [...opts.schemas] : null, opts.excludeSchemaPrefix || null];
  const { rows } = await query(INVENTORY_QUERY, params);
  const byName = new Map<string, { name: string; native: string; columns: InventoryColumn[] }>();
  for (const row of rows) {
    const schema = String(row.schema_name);
    const table = String(row.table_name);
    const name = joinName([opts.database, schema, table]); // quoted where a part holds '.', '"' or other characters a bare name cannot
    let entry = byName.get(name);
    if (!entry) {
      entry = { name, native: `${quoteIdent(schema)}.${quoteIdent(table)}`, columns: [] };
      byName.set(name, entry);
    }
    const nativeType = String(row.native_type);
    entry.columns.push({ name: String(row.column_name), type: neutralTypeOf(String(row.base_type)), native_type: nativeType });
  }
  const tables: InventoryTable[] = [...byName.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
  return { format: 1, tables };
}

/** A PostgreSQL identifier, always quoted, embedded double quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
