import type { EngineErrors } from '../capabilities.js';

/**
 * PostgreSQL's errors as apply reports them: SQLSTATE codes (postgres.md), the drivers' socket
 * errors, and what a code suggests. The core's executors ask through EngineErrors only.
 */

const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED']);

function code(e: unknown): string | null {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' && c !== '' ? c : null;
}

export const postgresErrors: EngineErrors = {
  code,
  /** The driver's message without the statement text (postgres.md: errors carry the whole script). */
  describe(e) {
    const message = ((e as { message?: string }).message ?? String(e)).split('\n')[0]!;
    const c = code(e);
    if (!c) return message;
    return /^[0-9A-Z]{5}$/.test(c) ? `${message} (SQLSTATE ${c})` : `${message} (${c})`;
  },
  /** A dropped connection: admin shutdown/termination (57P0x), class 08, a socket error, or pg's "connection terminated". */
  lost(e) {
    const err = e as { code?: unknown; message?: unknown } | undefined;
    const c = typeof err?.code === 'string' ? err.code : '';
    if (LOST_CODES.has(c) || c.startsWith('08')) return true;
    const message = typeof err?.message === 'string' ? err.message : '';
    return /connection (lost|terminated)|terminating connection|Connection terminated|not queryable|ECONNRESET|EPIPE|socket hang up/i.test(message);
  },
  lockTimeout: (c) => c === '55P03',
  hint(c) {
    switch (c) {
      case '42501':
      case '01006':
      case '01007':
        return ' The apply identity lacks a privilege (see README, "Apply identity").';
      case '42P01':
      case '42704':
      case '3F000':
      case '40001':
      case '40P01':
        return ' An object changed underneath the apply (another session); the new plan accounts for it.';
      case '55P03':
        return ' Another session held a lock; apply again once it is released, or raise --lock-timeout.';
      case '53200':
        return ' The server ran out of lock-table entries; apply with a smaller --lock-budget.';
      default:
        return '';
    }
  },
};
