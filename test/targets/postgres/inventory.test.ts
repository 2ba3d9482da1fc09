import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventory, quoteIdent, type QueryFn } from '../../../src/targets/postgres/inventory.js';

describe('readInventory', () => {
  let db: PGlite;
  let statements: string[];
  let query: QueryFn;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(`
      CREATE SCHEMA b;
      CREATE SCHEMA a;
      CREATE SCHEMA "we""ird";
      CREATE SCHEMA mw_sales;
      CREATE TABLE b.z (id int PRIMARY KEY, gone text, later text);
      ALTER TABLE b.z DROP COLUMN gone;
      CREATE TABLE a.y (second text, first int);
      CREATE VIEW a.v AS SELECT first FROM a.y;
      CREATE MATERIALIZED VIEW a.mv AS SELECT second FROM a.y;
      CREATE TABLE a.parted (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE a.parted_2025 PARTITION OF a.parted FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE SEQUENCE a.seq;
      CREATE INDEX y_first ON a.y (first);
      CREATE TYPE a.pair AS (l int, r int);
      CREATE TABLE "we""ird"."Tab""le" ("Col" text, "sp ace" int);
      CREATE TABLE mw_sales.customers (id int);
      CREATE TEMP TABLE scratch (id int);`);
    statements = [];
    query = (sql, params) => {
      statements.push(sql);
      return db.query(sql, params);
    };
  });
  afterAll(async () => db.close());

  it('reads tables, views, materialized views and partitioned parents in one query', async () => {
    const inv = await readInventory(query, { database: 'analytics' });
    expect(statements).toHaveLength(1);
    expect(inv.format).toBe(1);
    expect(inv.tables.map((t) => t.name)).toEqual([
      'analytics."we""ird"."Tab""le"', // quoted where a part needs it, so the name reads back (code-unit order puts '"' first)
      'analytics.a.mv',
      'analytics.a.parted',
      'analytics.a.v',
      'analytics.a.y',
      'analytics.b.z',
      'analytics.mw_sales.customers',
    ]);
  });

  it('keeps column order, skips dropped columns and quotes native names', async () => {
    const inv = await readInventory(query, { database: 'analytics' });
    const byName = new Map(inv.tables.map((t) => [t.name, t]));
    expect(byName.get('analytics.a.y')?.columns.map((c) => c.name)).toEqual(['second', 'first']);
    expect(byName.get('analytics.b.z')?.columns.map((c) => c.name)).toEqual(['id', 'later']);
    const weird = byName.get('analytics."we""ird"."Tab""le"');
    expect(weird?.native).toBe('"we""ird"."Tab""le"');
    expect(weird?.columns).toEqual([
      { name: 'Col', type: 'string', native_type: 'text' },
      { name: 'sp ace', type: 'number', native_type: 'integer' },
    ]);
  });

  it('filters by schema and leaves out managed schemas by prefix', async () => {
    const onlyB = await readInventory(query, { database: 'd', schemas: ['b'] });
    expect(onlyB.tables.map((t) => t.name)).toEqual(['d.b.z']);
    const unmanaged = await readInventory(query, { database: 'd', excludeSchemaPrefix: 'mw_' });
    expect(unmanaged.tables.some((t) => t.name.startsWith('d.mw_'))).toBe(false);
    expect(unmanaged.tables.some((t) => t.name === 'd.a.y')).toBe(true);
  });

  it('quotes identifiers by doubling double quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('')).toBe('""');
  });
});
