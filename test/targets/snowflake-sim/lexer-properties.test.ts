import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNameString, qualified, quoteIfNeeded, tokenize } from '../../support/snowflake-sim/index.js';
import { connect, fixture, run } from './helpers.js';

/** meshward-style quoting of a string literal (backslashes first, then quotes) — reference 7.2. */
const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const name = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', '_', '"', '\\', "'", ' ', '.', '$', '1', 'é', '名', '😀') });

describe('lexer round trips (properties)', () => {
  it('a quoted identifier tokenizes back to the stored name; a bare one only when it needs no quotes', () => {
    fc.assert(fc.property(name, (n) => {
      const toks = tokenize(quoteIfNeeded(n));
      expect(toks.length).toBe(2);
      expect(toks[0]!.value).toBe(n);
    }));
  });
  it('a quoted string literal tokenizes back to the text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
      const toks = tokenize(literal(s));
      expect(toks[0]!.kind).toBe('string');
      expect(toks[0]!.value).toBe(s);
    }));
  });
  it('a qualified name as a string argument parses back to its parts', () => {
    fc.assert(fc.property(fc.array(name, { minLength: 1, maxLength: 3 }), (parts) => {
      expect(parseNameString(qualified(...parts))).toEqual(parts);
    }));
  });
  it('hostile role names survive CREATE ROLE → SHOW ROLES → SHOW GRANTS', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const names = fc.sample(name, { numRuns: 30, seed: 7 });
    const unique = [...new Set(names.filter((n) => !['ACCOUNTADMIN', 'SYSADMIN', 'PUBLIC', 'USERADMIN', 'SECURITYADMIN'].includes(n)))];
    for (const n of unique) await run(c, `CREATE ROLE IF NOT EXISTS ${quoteIfNeeded(n)} COMMENT = ${literal(n)}`);
    const shown = (await run(c, 'SHOW ROLES')).rows;
    for (const n of unique) expect(shown.find((r) => r.name === n)?.comment).toBe(n);
    for (const n of unique) await run(c, `GRANT ROLE ${quoteIfNeeded(n)} TO ROLE sysadmin`);
    const edges = (await run(c, 'SHOW GRANTS TO ROLE sysadmin')).rows.filter((r) => r.granted_on === 'ROLE').map((r) => r.name as string);
    expect(edges.map((e) => parseNameString(e)![0]).sort()).toEqual([...unique].sort());
  });
});
