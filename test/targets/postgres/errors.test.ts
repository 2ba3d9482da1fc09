import { describe, expect, it } from 'vitest';
import { postgresErrors } from '../../../src/targets/postgres/errors.js';

describe('error classification', () => {
  it('tells a lost connection from an error the server answered with', () => {
    for (const e of [{ code: '57P01' }, { code: '08006' }, { code: 'ECONNRESET' }, { message: 'Connection terminated unexpectedly' }, { message: "target 'x': connection lost: boom" }]) expect(postgresErrors.lost(e), JSON.stringify(e)).toBe(true);
    for (const e of [{ code: '42501' }, { code: '40001' }, { code: '55P03', message: 'canceling statement due to lock timeout' }]) expect(postgresErrors.lost(e), JSON.stringify(e)).toBe(false);
  });

  it('names a SQLSTATE as such, and a socket error by its code', () => {
    expect(postgresErrors.describe({ message: 'permission denied for table x\nQUERY: …', code: '42501' })).toBe('permission denied for table x (SQLSTATE 42501)');
    expect(postgresErrors.describe({ message: 'read ECONNRESET', code: 'ECONNRESET' })).toBe('read ECONNRESET (ECONNRESET)');
  });
});
