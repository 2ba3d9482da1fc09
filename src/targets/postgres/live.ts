import { walk } from '../../model/expr/index.js';
import type { Resolved, ResolvedTable } from '../../resolve/resolve.js';
import type { Connection, Finding, LiveProbe, SeenRow, TargetContext } from '../target.js';
import { compile } from './compile.js';
import { introspect } from './introspect.js';
import { quoteIdent } from './naming.js';
import { asPrincipal } from './probe.js';
import { consumerView, normalize, primaryKeys, readBase } from './verify.js';
import { rowPredicateSql } from './view.js';
import { namesForResolved } from './native-names.js';

/**
 * `meshward test --target` on PostgreSQL: query the managed view as the principal and pair its
 * rows with the clear base rows by primary key; evaluate sample rows with the view's own WHERE
 * clause over a VALUES list as the principal (granted, until the rollback, the group attribute
 * values the view's owner reads for it) — nothing is written to any table.
 */
export function postgresProbe(conn: Connection, ctx: TargetContext, resolved: Resolved): LiveProbe {
  let pks: Promise<Map<string, string[]>> | undefined;
  const names = namesForResolved(resolved, ctx.settings);
  return {
    text: normalize,
    async observe(table, groups) {
      pks ??= primaryKeys(conn, resolved.tables);
      const pk = (await pks).get(table.table.key);
      if (!pk) throw new Error(`${table.table.name} has no primary key: rows cannot be paired with their clear values`);
      const base = await readBase(conn, table, pk);
      const key = (row: Record<string, unknown>) => pk.map((c) => normalize(row[c], base.types.get(c))).join('|');
      const clearByKey = new Map(base.rows.map((r) => [key(r), r]));
      return asPrincipal(conn, ctx, groups, async () => {
        await conn.exec('SAVEPOINT meshward_probe');
        try {
          const { rows } = await conn.query(`SELECT * FROM ${consumerView(resolved, ctx, table)}`);
          const paired: SeenRow[] = rows.map((seen) => ({ seen, clear: clearByKey.get(key(seen)) ?? {} }));
          return { readable: true, rows: paired };
        } catch (e) {
          if ((e as { code?: string }).code !== '42501') throw e;
          await conn.exec('ROLLBACK TO SAVEPOINT meshward_probe');
          return { readable: false, rows: [] };
        }
      });
    },
    async sampleVisible(table, groups, rows) {
      if (rows.length === 0) return [];
      const columns = table.table.columns;
      const params: unknown[] = [];
      const tuples = rows.map((row) => {
        const lower = new Map(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
        return `(${columns
          .map((c) => {
            const v = lower.get(c.key);
            params.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
            return `CAST($${params.length} AS ${c.nativeType ?? 'text'})`;
          })
          .join(', ')})`;
      });
      const predicate = rowPredicateSql(table, ctx, names);
      const sql = `SELECT (${predicate}) IS TRUE AS visible FROM (VALUES ${tuples.join(', ')}) AS ${quoteIdent('sample')}(${columns.map((c) => quoteIdent(c.name)).join(', ')})`;
      const readsAttributes = table.filters.some((f) => [...walk(f.expr)].some((n) => n.kind === 'in_user'));
      return asPrincipal(conn, ctx, groups, async () => (await conn.query(sql, params)).rows.map((r) => r.visible === true), { readsAttributes });
    },
    async bypasses(): Promise<readonly Finding[]> {
      const current = await introspect(conn, ctx, compile(resolved, ctx));
      // paths around the views (privileges of managed roles on base tables too), and governed base tables changed so that the views return something else
      return current.findings.filter((f) => f.code === 'BYPASS_GRANT' || f.code === 'BASE_TABLE_RLS' || f.code === 'BASE_TABLE_COLUMNS' || f.code === 'BASE_TABLE_GRANT');
    },
  };
}

export type { ResolvedTable };
