import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/targets/target.js';
import { connectUrl } from '../../../src/targets/postgres/connect.js';
import { pgliteConnection } from '../../../src/targets/postgres/embedded.js';
import { parseRecordText, rowFromText, rowShapes, textParserOf } from '../../../src/targets/postgres/row-text.js';
import { SERVER_URL } from '../../support/e2e-target.js';
import { freshPGlite } from '../../support/fresh-pglite.js';

/**
 * The exposure probe reads rows as text (`SELECT t::text FROM view AS t`) and parses them back:
 * that must give exactly what `SELECT *` gives through the same driver, for every type a
 * governed table may hold and for hostile text — on PGlite and, with MESHWARD_TEST_PG_URL, on a
 * server through `pg`.
 */

describe('parseRecordText', () => {
  it.each([
    ['(a,b)', ['a', 'b']],
    ['(,)', [null, null]],
    ['("")', ['']],
    ['(1,"a b","x,y","(p)","q""r","s\\\\t",)', ['1', 'a b', 'x,y', '(p)', 'q"r', 's\\t', null]],
    ['("{1,2}","{""a b"",c}")', ['{1,2}', '{"a b",c}']],
  ])('%s', (text, fields) => {
    expect(parseRecordText(text)).toEqual(fields);
  });

  it('refuses what is not a row', () => {
    expect(() => parseRecordText('a,b')).toThrow(/not a row/);
    expect(() => parseRecordText('("a)')).toThrow(/unterminated/);
  });
});

const SETUP = `
  CREATE SCHEMA rt;
  CREATE DOMAIN rt.code AS text;
  CREATE DOMAIN rt.small AS int;
  CREATE DOMAIN rt.smaller AS rt.small CHECK (VALUE < 1000);
  CREATE TYPE rt.pair AS (a int, b text);
  CREATE TABLE rt.t (
    id int PRIMARY KEY, s text, vc varchar(20), ch char(4), i2 smallint, i8 bigint, n numeric, n2 numeric(12, 2),
    f4 real, f8 double precision, b boolean, d date, ts timestamp, tz timestamptz, tm time, iv interval,
    by bytea, j json, jb jsonb, u uuid, ta text[], ia int[], dc rt.code, dd rt.smaller, p rt.pair, ip inet, m money
  );
  INSERT INTO rt.t VALUES
    (1, 'plain', 'v', 'ab', 7, 9007199254740993, 12345678901234567890.123456789, 12.50, 1.5, -0.000001, true, '2024-02-29', '2024-01-01 10:00:00.123456',
     '2024-06-30 23:59:59+02', '12:34:56', '1 year 2 days 03:04:05', '\\x00ff0a', '{"a": [1, "x"]}', '{"b": null, "a": 1.50}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     ARRAY['x', 'y z', NULL, 'q"r', 'back\\slash'], ARRAY[1, NULL, 3], 'C-1', 999, ROW(1, 'a,b'), '10.0.0.1/8', 12.34),
    (2, '', '', '', NULL, NULL, NULL, NULL, 'NaN', 'Infinity', false, 'infinity', '-infinity', NULL, NULL, NULL, '\\x', '[]', '""', NULL,
     ARRAY[]::text[], NULL, '', NULL, ROW(NULL, NULL), NULL, NULL),
    (3, NULL, NULL, NULL, -32768, -9223372036854775808, -0.0, 0, '-Infinity', 1e300, NULL, '0001-01-01 BC', '2000-01-01', '1970-01-01 00:00:00+00', '00:00', '-1 mons', NULL, 'null', '1',
     NULL, ARRAY['()', ',', '""', ''], ARRAY[]::int[], ' spaced ', -5, NULL, '::1', -0.01);
  CREATE VIEW rt.v AS SELECT * FROM rt.t;
`;

function engines(): [string, () => Promise<Connection>][] {
  const out: [string, () => Promise<Connection>][] = [['pglite', async () => pgliteConnection(await freshPGlite())]];
  const url = SERVER_URL;
  if (url) out.push(['server', () => connectUrl(url)]);
  return out;
}

describe.each(engines())('row text parses back to what SELECT * returns (%s)', (engine, open) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await open();
    if (engine === 'server') {
      await conn.exec('BEGIN'); // the schema lives only in this session's transaction: rolled back in afterAll
    }
    await conn.exec(SETUP);
  }, 120_000);
  afterAll(async () => {
    if (engine === 'server') await conn?.exec('ROLLBACK').catch(() => undefined);
    await conn?.close();
  });

  async function compare(relation: string): Promise<number> {
    const parse = textParserOf(conn);
    expect(parse, 'the connection registers its driver parser').toBeDefined();
    const shape = (await rowShapes(conn, [relation])).get(relation)!;
    const star = (await conn.query(`SELECT * FROM ${relation} ORDER BY id`)).rows;
    const text = (await conn.query(`SELECT t::text AS r FROM ${relation} AS t ORDER BY id`)).rows.map((r) => rowFromText(String(r.r), shape, parse!));
    expect(text).toEqual(star);
    return star.length;
  }

  it('every column type, on the table and on a view over it', async () => {
    expect(await compare('rt.t')).toBe(3);
    expect(await compare('rt.v')).toBe(3);
    const shape = (await rowShapes(conn, ['rt.v'])).get('rt.v')!;
    expect(shape.names[0]).toBe('id');
    expect(shape.types[shape.names.indexOf('dd')]).toBe(23); // a domain over a domain over int: int4, as the row description says
  });

  it('hostile text, quotes, backslashes, commas, parentheses, spaces, empty and NULL', async () => {
    await conn.exec('CREATE TABLE rt.h (id int PRIMARY KEY, a text, b text[], c "char", d varchar)');
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', ' ', '"', '\\', ',', '(', ')', '""', 'NULL', '\t\n', '{', '}'));
    const value = fc.option(text, { nil: null });
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, fc.array(value, { maxLength: 3 }), value), { minLength: 1, maxLength: 8 }), async (rows) => {
        await conn.exec('DELETE FROM rt.h');
        for (const [a, b, d] of rows) {
          await conn.query('INSERT INTO rt.h VALUES ($1, $2, $3::text[], $4, $5)', [++id, a?.replace(/\u0000/g, ''), b.map((x) => x?.replace(/\u0000/g, '') ?? null), a && /^[\x20-\x7e]/.test(a) ? a[0] : null, d?.replace(/\u0000/g, '')]);
        }
        await compare('rt.h');
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
