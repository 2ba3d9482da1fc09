import { q, type SqlClient } from './e2e-session.js';

/**
 * What `role` reads from `relation` — its row count and a digest of every row — or 'denied',
 * queried AS that role (`SET LOCAL ROLE`, in a transaction rolled back afterwards).
 */
export async function readAs(db: SqlClient, role: string, relation: string): Promise<string> {
  await db.exec('BEGIN');
  try {
    await db.exec(`SET LOCAL ROLE ${q(role)}`);
    const { rows } = await db.query(`SELECT count(*)::int AS n, md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${relation} AS t`);
    return `${String(rows[0]!.n)}:${String(rows[0]!.h)}`;
  } catch (e) {
    if (/permission denied/i.test((e as Error).message)) return 'denied';
    throw e;
  } finally {
    await db.exec('ROLLBACK');
  }
}
