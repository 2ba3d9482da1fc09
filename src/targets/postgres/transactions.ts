import type { Transactions } from '../capabilities.js';
import { pinnedSettingsSql } from './connect.js';

/**
 * The apply transaction on PostgreSQL, whose DDL is transactional: BEGIN with the session
 * settings pinned so that literals ('' doubling only) and the names a view resolves when it is
 * created mean the same on every server, whatever the role's defaults — the same settings every
 * session meshward opens pins (connect.ts), so what apply records and what plan and drift read
 * back are printed alike.
 */
export const postgresTransactions: Transactions = {
  async begin(conn, { lockTimeoutMs }) {
    await conn.exec('BEGIN');
    for (const sql of applyPreamble(lockTimeoutMs)) await conn.exec(sql);
  },
  commit: (conn) => conn.exec('COMMIT'),
  rollback: (conn) => conn.exec('ROLLBACK').catch(() => undefined),
};

/** The statements that follow BEGIN: the step lock wait and the pinned session settings. */
export function applyPreamble(lockTimeoutMs: number): string[] {
  return [`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`, ...pinnedSettingsSql(true)];
}
