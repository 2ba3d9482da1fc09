import { requireGroups } from './explain.js';
import { ExitError, paint, useColour } from '../output.js';
import { withSession } from './session.js';
import { maxOf } from '../../util/max.js';

export interface QueryOptions {
  dir: string;
  target?: string;
  as: string[];
  json?: boolean;
}

/**
 * Runs one read-only consumer query as a principal of those groups: what a consumer would see.
 * Only a single SELECT (WITH … SELECT, VALUES, TABLE) is run — parsed with PostgreSQL's own
 * grammar, in a READ ONLY transaction that always rolls back (targets/postgres/query-sandbox.ts).
 */
export async function queryCommand(sql: string, options: QueryOptions): Promise<void> {
  if (!options.as?.length) throw new ExitError(1, 'query needs --as GROUP…');
  if (typeof sql !== 'string' || sql.trim() === '') throw new ExitError(1, 'meshward: query: the SQL is empty; give one SELECT, e.g. "SELECT * FROM analytics.sales.customers"');
  const result = await withSession({ dir: options.dir, target: options.target }, async (s) => {
    requireGroups(s.resolved, options.as);
    if (s.target.capabilities.impersonation === 'none' || !s.target.queryAs || !s.target.rewriteNeutralNames) throw new ExitError(1, `target type ${s.decl.type} cannot run queries as a group (it cannot act as a principal)`);
    const rewritten = s.target.rewriteNeutralNames(sql, s.resolved, s.ctx);
    try {
      return { rewritten, rows: await s.target.queryAs(s.conn, s.ctx, options.as, rewritten, s.resolved) };
    } catch (e) {
      if (e instanceof ExitError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new ExitError(1, `query ${e instanceof Error && e.name === 'QueryRefused' ? 'refused' : 'failed'} as ${options.as.join(' + ')}: ${message.split('\n')[0]}`);
    }
  });
  if (options.json) {
    process.stdout.write(JSON.stringify({ format: 1, as: options.as, sql: result.rewritten, rows: result.rows }, null, 2) + '\n');
    return;
  }
  const p = paint(useColour());
  process.stdout.write(p.dim(`-- as ${options.as.join(' + ')}: ${result.rewritten}`) + '\n');
  process.stdout.write(table(result.rows) + p.dim(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`) + '\n');
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return v.toISOString().endsWith('T00:00:00.000Z') ? v.toISOString().slice(0, 10) : v.toISOString();
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Aligned text table of query rows. */
export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => cellText(r[c])));
  const widths = cols.map((c, i) => Math.min(40, maxOf(cells.map((row) => row[i]!.length), c.length)));
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  return [cols.map((c, i) => fit(c, widths[i]!)).join('  '), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map((r) => r.map((c, i) => fit(c, widths[i]!)).join('  '))].join('\n') + '\n';
}
