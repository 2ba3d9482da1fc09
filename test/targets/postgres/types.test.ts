import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { readInventory } from '../../../src/targets/postgres/inventory.js';
import { neutralTypeOf } from '../../../src/targets/postgres/types.js';

describe('neutralTypeOf', () => {
  const cases: [string, NeutralType][] = [
    ['text', 'string'],
    ['character varying', 'string'],
    ['character varying(254)', 'string'],
    ['character(2)', 'string'],
    ['bpchar', 'string'],
    ['name', 'string'],
    ['"char"', 'string'],
    ['citext', 'string'],
    ['ext.citext', 'string'],
    ['smallint', 'number'],
    ['integer', 'number'],
    ['bigint', 'number'],
    ['numeric', 'number'],
    ['numeric(12,2)', 'number'],
    ['numeric(5,-2)', 'number'],
    ['real', 'number'],
    ['double precision', 'number'],
    ['boolean', 'boolean'],
    ['date', 'date'],
    ['timestamp without time zone', 'timestamp'],
    ['timestamp(3) with time zone', 'timestamp'],
    ['timestamp with time zone', 'timestamp'],
    ['bytea', 'binary'],
    ['json', 'json'],
    ['jsonb', 'json'],
    ['uuid', 'other'],
    ['text[]', 'other'],
    ['integer[]', 'other'],
    ['time without time zone', 'other'],
    ['interval', 'other'],
    ['money', 'other'],
    ['inet', 'other'],
    ['xml', 'other'],
    ['mood', 'other'],
    ['"Text"', 'other'],
    ['public.text_ish', 'other'],
  ];
  it.each(cases)('%s → %s', (native, neutral) => {
    expect(neutralTypeOf(native)).toBe(neutral);
  });
});

describe('format_type spellings from a live engine', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(`
      CREATE SCHEMA t;
      CREATE TYPE t.mood AS ENUM ('ok', 'meh');
      CREATE DOMAIN t.email_address AS varchar(254);
      CREATE TABLE t.every_type (
        c_text text, c_varchar varchar(10), c_varchar_free varchar, c_char char(3), c_name name, c_qchar "char",
        c_int2 int2, c_int4 int4, c_int8 int8, c_numeric numeric(12,2), c_numeric_free numeric,
        c_real real, c_float8 float8, c_bool bool, c_date date,
        c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz, c_tstz0 timestamptz(0),
        c_bytea bytea, c_json json, c_jsonb jsonb,
        c_uuid uuid, c_text_array text[], c_time time, c_interval interval, c_money money, c_inet inet,
        c_mood t.mood, c_email t.email_address
      );`);
  });
  afterAll(async () => db.close());

  it('maps every column of a table holding each type', async () => {
    const inv = await readInventory((sql, params) => db.query(sql, params), { database: 'db', schemas: ['t'] });
    const types = Object.fromEntries(inv.tables[0].columns.map((c) => [c.name, [c.native_type, c.type]]));
    expect(types).toEqual({
      c_text: ['text', 'string'],
      c_varchar: ['character varying(10)', 'string'],
      c_varchar_free: ['character varying', 'string'],
      c_char: ['character(3)', 'string'],
      c_name: ['name', 'string'],
      c_qchar: ['"char"', 'string'],
      c_int2: ['smallint', 'number'],
      c_int4: ['integer', 'number'],
      c_int8: ['bigint', 'number'],
      c_numeric: ['numeric(12,2)', 'number'],
      c_numeric_free: ['numeric', 'number'],
      c_real: ['real', 'number'],
      c_float8: ['double precision', 'number'],
      c_bool: ['boolean', 'boolean'],
      c_date: ['date', 'date'],
      c_ts: ['timestamp without time zone', 'timestamp'],
      c_ts3: ['timestamp(3) without time zone', 'timestamp'],
      c_tstz: ['timestamp with time zone', 'timestamp'],
      c_tstz0: ['timestamp(0) with time zone', 'timestamp'],
      c_bytea: ['bytea', 'binary'],
      c_json: ['json', 'json'],
      c_jsonb: ['jsonb', 'json'],
      c_uuid: ['uuid', 'other'],
      c_text_array: ['text[]', 'other'],
      c_time: ['time without time zone', 'other'],
      c_interval: ['interval', 'other'],
      c_money: ['money', 'other'],
      c_inet: ['inet', 'other'],
      c_mood: ['t.mood', 'other'],
      // a domain keeps its own name but is typed by its base type
      c_email: ['t.email_address', 'string'],
    });
  });
});
