import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identifierProblem, nameLiteral, qualified, quoteIdent, quoteLiteral } from '../../../src/targets/snowflake/sql-text.js';
import { createSimulator, parseNameString, tokenize, type SimConnection } from '../../support/snowflake-sim/index.js';

/**
 * Quoting per Snowflake's rules (identifiers-syntax; data-types-text, string constants): hostile
 * names and texts — quotes, backslashes, dots, case, unicode, reserved words — read back as
 * exactly what was written, by the simulator's tokenizer and through a real statement.
 */
const hostile = fc.string({ minLength: 1, maxLength: 14, unit: fc.constantFrom('a', 'Z', '_', '"', '\\', "'", ' ', '.', '$', '1', '-', 'é', '名', '😀', '\n', ';') });
const words = fc.constantFrom('SELECT', 'table', 'Order', 'CURRENT_USER', 'TRUE', 'case', 'ACCOUNT');

const run = (conn: SimConnection, sqlText: string): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => conn.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[])) }));

describe('Snowflake identifiers and literals', () => {
  it('an identifier tokenizes back to the name exactly, reserved words and case included', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, words), (n) => {
        const toks = tokenize(quoteIdent(n));
        expect(toks.map((t) => t.kind)).toEqual(['qident', 'eof']);
        expect(toks[0]!.value).toBe(n);
      }),
    );
  });

  it('a literal tokenizes back to the text, backslashes and quotes included', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }).filter((s) => !s.includes('\u0000')), (s) => {
        const toks = tokenize(quoteLiteral(s));
        expect(toks.map((t) => t.kind)).toEqual(['string', 'eof']);
        expect(toks[0]!.value).toBe(s);
      }),
    );
  });

  it('a qualified name as a string argument reads back as its parts', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 3 }), (parts) => {
        expect(tokenize(nameLiteral(...parts))[0]!.value).toBe(qualified(...parts));
        expect(parseNameString(qualified(...parts))).toEqual(parts);
      }),
    );
  });

  it('names no identifier can hold are refused, never written', () => {
    expect(identifierProblem('')).toMatch(/empty/);
    expect(identifierProblem('x'.repeat(256))).toMatch(/255/);
    expect(identifierProblem('😀'.repeat(255))).toBeNull(); // characters, not UTF-16 units
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
    expect(() => quoteLiteral('a\u0000b')).toThrow(/NUL/);
  });

  it('hostile role names and comments survive CREATE ROLE and SHOW ROLES', async () => {
    const sim = createSimulator({ account: 'ACME' });
    sim.createWarehouse('WH');
    sim.createUser('ADMIN', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
    const conn = sim.createConnection({ account: 'acme', username: 'ADMIN', warehouse: 'WH' });
    await conn.connectAsync();
    const names = [...new Set(fc.sample(fc.oneof(hostile, words), { numRuns: 40, seed: 3 }))].filter((n) => !['PUBLIC', 'ACCOUNTADMIN', 'SYSADMIN', 'SECURITYADMIN', 'USERADMIN', 'ORGADMIN'].includes(n));
    for (const n of names) await run(conn, `CREATE ROLE ${quoteIdent(n)} COMMENT = ${quoteLiteral(`c:${n}`)}`);
    const shown = await run(conn, 'SHOW ROLES');
    for (const n of names) expect(shown.find((r) => r.name === n)?.comment, n).toBe(`c:${n}`);
  });
});
