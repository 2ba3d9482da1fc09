import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { applyMask, MASK_METHODS, methodAccepts, type MaskMethod } from '../../../src/resolve/mask-methods.js';
import { checkedTypeName, clearSql, maskedOutputType, maskSql } from '../../../src/targets/postgres/mask.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { comparable } from './pg-values.js';

/** Every mask method × PostgreSQL type on PGlite, compared value by value with applyMask. */

const STRINGS = [
  null,
  '',
  'a',
  'ab',
  'abcd',
  'abcde',
  'a@b.io',
  'a@b@c.example',
  'x@',
  '@',
  'no-at-sign',
  "o'neil@ex'ample.com",
  'back\\slash\\@x',
  'üñïçødé',
  'e\u0301e\u0301e\u0301e\u0301e\u0301',
  '😀😀😀😀😀@😀',
  'line\nbreak',
  'spaced   ',
];

interface Case {
  readonly native: string;
  readonly type: NeutralType;
  /** SQL literals of the values stored in the column. */
  readonly values: readonly string[];
}

const lit = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

const CASES: readonly Case[] = [
  { native: 'text', type: 'string', values: STRINGS.map(lit) },
  { native: 'character varying(12)', type: 'string', values: STRINGS.filter((s) => s === null || [...s].length <= 12).map(lit) },
  { native: 'character(6)', type: 'string', values: [null, '', 'a', 'ab@c', 'abcdef', 'ü@'].map(lit) },
  { native: 'integer', type: 'number', values: ['NULL', '0', '-7', '2147483647'] },
  { native: 'numeric(12,2)', type: 'number', values: ['NULL', '0', '12.5', '-0.01'] },
  { native: 'double precision', type: 'number', values: ['NULL', '1.5'] },
  { native: 'boolean', type: 'boolean', values: ['NULL', 'true', 'false'] },
  { native: 'date', type: 'date', values: ['NULL', "'2024-02-29'", "'1999-12-31'", "'0044-03-15'"] },
  { native: 'timestamp without time zone', type: 'timestamp', values: ['NULL', "'2024-12-31 23:59:59.999'", "'2020-01-01 00:00:00'"] },
  { native: 'timestamp(3) without time zone', type: 'timestamp', values: ['NULL', "'2024-06-30 12:34:56.789'"] },
  { native: 'timestamp with time zone', type: 'timestamp', values: ['NULL', "'2021-01-01 00:30:00+02'", "'2024-12-31 23:30:00-05'"] },
  { native: 'bytea', type: 'binary', values: ['NULL', "'\\x'", "'\\x00ff10'", "'\\x5c27'"] },
  { native: 'json', type: 'json', values: ['NULL', `'{"a": 1}'`, "'null'"] },
  { native: 'jsonb', type: 'json', values: ['NULL', `'[1, "x"]'`] },
  { native: 'uuid', type: 'other', values: ['NULL', "'00000000-0000-0000-0000-000000000001'"] },
];

const KEEP = [1, 2, 4, 16];

describe('mask SQL on PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    const ddl: string[] = [];
    CASES.forEach((c, i) => {
      ddl.push(`CREATE TABLE t${i} (id int PRIMARY KEY, v ${c.native});`);
      ddl.push(`INSERT INTO t${i} VALUES ${c.values.map((v, j) => `(${j}, CAST(${v} AS ${c.native}))`).join(', ')};`);
    });
    await db.exec(ddl.join('\n'));
  });
  afterAll(async () => db.close());

  CASES.forEach((c, i) => {
    it(`${c.native}: every accepted method matches applyMask and keeps the view column type`, async () => {
      const column = { ref: quoteIdent('v'), nativeType: c.native, type: c.type };
      const variants: { label: string; method: MaskMethod; keep?: number }[] = [];
      for (const method of MASK_METHODS) {
        if (!methodAccepts(method, c.type)) continue;
        if (method === 'partial') for (const keep of KEEP) variants.push({ label: `partial_${keep}`, method, keep });
        else variants.push({ label: method, method });
      }
      expect(variants.length).toBeGreaterThan(0);
      const select = variants.map((v) => `${maskSql(v.method, v.keep, column)} AS ${quoteIdent(v.label)}`);
      await db.exec(`CREATE VIEW v${i} AS SELECT id, v, ${clearSql(column)} AS clear, ${select.join(', ')} FROM t${i}`);
      const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM v${i} ORDER BY id`);
      const { rows: raw } = await db.query<Record<string, unknown>>(`SELECT id, v, v IS NULL AS isnull FROM t${i} ORDER BY id`);
      const nulls = await db.query<Record<string, boolean>>(`SELECT ${variants.map((v) => `${quoteIdent(v.label)} IS NULL AS ${quoteIdent(v.label)}`).join(', ')} FROM v${i} ORDER BY id`);
      expect(rows).toHaveLength(c.values.length);
      rows.forEach((row, r) => {
        // A JSON null document comes back as null too: give the oracle a non-NULL stand-in for it.
        const value = raw[r]!.isnull ? null : (raw[r]!.v ?? 'null');
        expect(comparable(row.clear, c.type)).toBe(comparable(raw[r]!.v, c.type));
        for (const v of variants) {
          const expected = applyMask(v.method, { keep_last: v.keep }, value, c.type);
          const sqlNull = nulls.rows[r]![v.label];
          // JSON null is a value, not SQL NULL: the driver shows both as null, so check IS NULL too.
          expect(sqlNull, `${v.label} of ${JSON.stringify(value)} IS NULL`).toBe(value === null || v.method === 'nullify');
          if (!sqlNull) expect(comparable(row[v.label], c.type), `${v.label} of ${JSON.stringify(value)}`).toBe(comparable(expected, c.type));
        }
      });
      const { rows: types } = await db.query<{ attname: string; t: string }>(
        `SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'v${i}'::regclass AND attnum > 0 ORDER BY attnum`,
      );
      const output = maskedOutputType(column);
      for (const t of types) if (t.attname !== 'id' && t.attname !== 'v') expect(t.t, t.attname).toBe(output);
      if (c.type !== 'string') expect(output).toBe(c.native);
    });
  });

  it('casts string masks to the unconstrained base type, so a hash is never cut', () => {
    expect(maskedOutputType({ nativeType: 'character varying(5)', type: 'string' })).toBe('character varying');
    expect(maskedOutputType({ nativeType: 'character(2)', type: 'string' })).toBe('bpchar');
    expect(maskedOutputType({ nativeType: 'text', type: 'string' })).toBe('text');
    expect(maskedOutputType({ nativeType: 'name', type: 'string' })).toBe('text');
    expect(maskedOutputType({ nativeType: 'public.citext', type: 'string' })).toBe('text');
  });

  it('hashes text through convert_to, never ::bytea', () => {
    const sql = maskSql('hash', undefined, { ref: '"x"', nativeType: 'text', type: 'string' });
    expect(sql).toBe(`CAST(encode(sha256(convert_to("x", 'UTF8')), 'hex') AS text)`);
    expect(sql).not.toContain('bytea');
  });

  it('refuses type names that could carry SQL', () => {
    for (const ok of ['numeric(12,2)', 'timestamp(3) with time zone', '"My Schema"."my ""type"""', 'integer[]', 'public.citext', 'numeric(5,-2)']) expect(checkedTypeName(ok)).toBe(ok);
    for (const bad of ["text'", 'int; DROP TABLE x', 'int -- x', 'int /* x */', 'int)', '', 'int--1', 'int), (SELECT secret FROM vault', 'text COLLATE "C"', 'int[1]']) {
      expect(() => checkedTypeName(bad), bad).toThrow();
    }
  });
});
