import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { applyMask, MASK_METHODS, methodAccepts, type MaskMethod } from '../../../src/resolve/mask-methods.js';
import { maskSql, policyType } from '../../../src/targets/snowflake/mask.js';
import { qualified, quoteLiteral } from '../../../src/targets/snowflake/sql-text.js';
import { createSimulator, type SimConnection } from '../../support/snowflake-sim/index.js';

/**
 * Every masking method × column type as the Snowflake target writes it, evaluated by the Snowflake
 * simulator (whose functions follow Snowflake's documented semantics, not meshward's), against the
 * oracle `applyMask`: the same output for every sample value, NULL staying NULL.
 */
const TYPES: readonly NeutralType[] = ['string', 'number', 'boolean', 'date', 'timestamp', 'json'];
const SAMPLES: Readonly<Record<string, readonly unknown[]>> = {
  string: ['ann@example.com', 'a@b@c.org', 'no-at-sign', '', 'abcd', 'abcde', 'O\'Brien \\ "q"', 'é名😀xyz12', '😀😀😀😀😀', null],
  number: [0, 42, -7.5, null],
  boolean: [true, false, null],
  date: ['2024-02-29', '1970-01-01', '0999-12-31', null],
  timestamp: ['2024-02-29 13:45:01', '1999-12-31 23:59:59', null],
  json: ['{"a": 1}', '[1, 2]', '"text"', null],
};

function run(conn: SimConnection, sqlText: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => conn.execute({ sqlText, complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[])) }));
}

async function maskedBySimulator(method: MaskMethod, type: NeutralType, keepLast: number | undefined, values: readonly unknown[]): Promise<unknown[]> {
  const sim = createSimulator({ account: 'ACME' });
  sim.createWarehouse('WH');
  sim.createUser('ADMIN', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
  sim.seedDatabase('DB', { schemas: ['S'] });
  sim.seedTable({ database: 'DB', schema: 'S', name: 'T', columns: [{ name: 'ID', type: 'NUMBER' }, { name: 'V', type: policyType(type) }], rows: [] });
  const conn = sim.createConnection({ account: 'acme', username: 'ADMIN', warehouse: 'WH' });
  await conn.connectAsync();
  const literal = (v: unknown): string => (v === null ? 'NULL' : type === 'json' ? `PARSE_JSON(${quoteLiteral(String(v))})` : type === 'number' || type === 'boolean' ? String(v) : quoteLiteral(String(v)));
  for (const [i, v] of values.entries()) await run(conn, `INSERT INTO ${qualified('DB', 'S', 'T')} SELECT ${i}, ${literal(v)}`);
  const t = policyType(type);
  await run(conn, `CREATE MASKING POLICY ${qualified('DB', 'S', 'P')} AS ("VAL" ${t}) RETURNS ${t} -> ${maskSql(method, keepLast, '"VAL"', type)}`);
  await run(conn, `ALTER TABLE ${qualified('DB', 'S', 'T')} MODIFY COLUMN "V" SET MASKING POLICY ${qualified('DB', 'S', 'P')}`);
  const rows = await run(conn, `SELECT "V" FROM ${qualified('DB', 'S', 'T')} ORDER BY "ID"`);
  return rows.map((r) => r.V);
}

/** The oracle's value in the shape the driver returns (dates and timestamps compared as text, JSON as parsed). */
function comparable(v: unknown, type: NeutralType): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString().slice(0, 19).replace('T', ' ');
  if (type === 'json' && typeof v === 'string') return JSON.parse(v) as unknown;
  if (type === 'timestamp' && typeof v === 'string') return v.replace('T', ' ').slice(0, 19);
  return v;
}

describe('Snowflake masks equal the oracle on the simulator', () => {
  for (const method of MASK_METHODS) {
    for (const type of TYPES.filter((t) => methodAccepts(method, t))) {
      it(`${method} on ${type}`, async () => {
        const values = SAMPLES[type]!;
        const got = await maskedBySimulator(method, type, method === 'partial' ? 4 : undefined, values);
        const want = values.map((v) => applyMask(method, method === 'partial' ? { keep_last: 4 } : {}, type === 'json' && v !== null ? JSON.parse(String(v)) : v, type));
        expect(got.map((g) => comparable(g, type))).toEqual(want.map((w) => comparable(w, type)));
      });
    }
  }

  it('partial and email_domain on random text, hostile characters included', async () => {
    const text = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'Z', '@', '\\', "'", '"', ' ', '.', 'é', '名', '😀', '\n') });
    const values = fc.sample(text, { numRuns: 40, seed: 12 });
    for (const [method, keep] of [['partial', 3], ['email_domain', undefined]] as const) {
      const got = await maskedBySimulator(method, 'string', keep, values);
      expect(got, method).toEqual(values.map((v) => applyMask(method, keep ? { keep_last: keep } : {}, v, 'string')));
    }
  });
});
