import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import { connectUrl, withTransaction } from '../../../src/targets/postgres/connect.js';
import { drift } from '../../../src/targets/postgres/drift.js';
import { pgliteConnection } from '../../../src/targets/postgres/embedded.js';
import { introspect } from '../../../src/targets/postgres/introspect.js';
import { objects } from '../../../src/targets/postgres/objects.js';
import { recordState } from '../../../src/targets/postgres/state.js';
import type { Connection, NativeObject, TargetContext } from '../../../src/targets/target.js';

/**
 * Reads take no lock per object (issue 10): pg_get_viewdef locks a view and every relation it
 * reads until the transaction ends, so introspection, drift and the recording of the state at
 * the end of an apply compare views by their stored rule and deparse only those whose rule
 * differs from the recorded one. Counted from pg_locks in the reading transaction, on PGlite
 * and (with MESHWARD_TEST_PG_URL) on a server, in a database of the test's own.
 */

interface Estate {
  sql: string[];
  desired: { kind: keyof typeof objects; spec: Record<string, unknown>; table?: string }[];
}
const estate = JSON.parse(readFileSync(new URL('./recorded/estate.json', import.meta.url), 'utf8')) as Estate;
const PG_URL = process.env.MESHWARD_TEST_PG_URL;

/** The estate under the prefix `p` (roles are cluster-wide on a server): `mw_` → p, `sales` → `b<p>sales`, alice/etl_reader prefixed. */
function underPrefix<T>(value: T, p: string): T {
  const rename = (s: string) =>
    s
      .replace(/mw_/g, p)
      .replace(/"sales"/g, `"b${p}sales"`)
      .replace(/(?<![\w."])sales(?!\w)/g, `b${p}sales`)
      .replace(/\b(alice|etl_reader)\b/g, `${p}$1`);
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'string' ? rename(v) : v)) as T;
}

function ctxFor(prefix: string): TargetContext {
  const model = { project: { name: 'acme', managedPrefix: prefix }, domains: [] } as unknown as Model;
  const settings = { type: 'postgres', database: 'analytics' };
  const at = { file: 'meshward.yaml', line: 1, col: 1 };
  return { model, target: { name: 'local', type: 'postgres', settings, settingAt: {}, at }, settings, root: '/nonexistent', diagnostics: new Diagnostics() } as TargetContext;
}

/** The estate plus `n` governed tables, each with its managed view and a grant on it: SQL and desired objects. */
function estateWith(n: number, p: string): { sql: string[]; desired: NativeObject[] } {
  const e = underPrefix(estate, p);
  const build = (d: Estate['desired'][number]) => (objects[d.kind] as (s: unknown, x?: unknown) => NativeObject)(d.spec, d.table ? { table: d.table } : {});
  const desired = e.desired.map(build);
  const owner = `${p}owner`;
  const marker = (what: string) => `meshward:acme:${what}`;
  const sql = [...e.sql, `CREATE SCHEMA b${p}bigbase`, `CREATE SCHEMA ${p}big AUTHORIZATION ${owner}`, `COMMENT ON SCHEMA ${p}big IS '${marker('schema:big')}'`];
  desired.push(objects.schema({ name: `${p}big`, owner, comment: marker('schema:big') }));
  for (let i = 0; i < n; i++) {
    const comment = marker(`view:analytics.b${p}bigbase.t${i}`);
    sql.push(`CREATE TABLE b${p}bigbase.t${i} (id int, v text)`, `GRANT SELECT ON b${p}bigbase.t${i} TO ${owner}`);
    sql.push(`CREATE VIEW ${p}big.t${i} AS SELECT id, upper(v) AS v FROM b${p}bigbase.t${i} WHERE id > 0`, `ALTER VIEW ${p}big.t${i} OWNER TO ${owner}`);
    sql.push(`COMMENT ON VIEW ${p}big.t${i} IS '${comment}'`, `GRANT SELECT ON ${p}big.t${i} TO ${p}sales_analysts`);
    desired.push(objects.grant({ privilege: 'SELECT', on: 'table', object: `"b${p}bigbase"."t${i}"`, grantee: owner }));
    const columns = [{ name: 'id', type: 'integer' }, { name: 'v', type: 'text' }];
    desired.push(objects.view({ schema: `${p}big`, name: `t${i}`, base: { schema: `b${p}bigbase`, table: `t${i}` }, owner, comment, select: '', columns, masks: {}, filters: [] }));
    desired.push(objects.grant({ privilege: 'SELECT', on: 'view', object: `"${p}big"."t${i}"`, grantee: `${p}sales_analysts` }));
  }
  return { sql, desired };
}

const RELATION_LOCKS = `SELECT count(*)::int AS n FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid() AND locktype = 'relation'`;

/** Relation locks held at the end of `read`, run in a transaction of its own that is rolled back. */
async function locksOf(conn: Connection, read: (c: Connection) => Promise<unknown>): Promise<number> {
  await conn.exec('BEGIN');
  try {
    await read(conn);
    return Number((await conn.query(RELATION_LOCKS)).rows[0]!.n);
  } finally {
    await conn.exec('ROLLBACK');
  }
}

interface Engine {
  readonly name: string;
  /** A fresh, empty database; `drop` removes it (and the roles of prefix `p`). */
  open(p: string): Promise<{ conn: Connection; drop: () => Promise<void> }>;
}

const pglite: Engine = {
  name: 'PGlite',
  async open() {
    const conn = pgliteConnection(await freshPGlite());
    return { conn, drop: () => conn.close() };
  },
};

const server: Engine = {
  name: 'server',
  async open(p) {
    const admin = await connectUrl(PG_URL!);
    const db = `${p}db`;
    await admin.exec(`DROP DATABASE IF EXISTS ${db}`);
    await admin.exec(`CREATE DATABASE ${db}`);
    const url = new URL(PG_URL!);
    url.pathname = `/${db}`;
    const conn = await connectUrl(url.toString());
    return {
      conn,
      drop: async () => {
        await conn.close();
        await admin.exec(`DROP DATABASE IF EXISTS ${db}`);
        const { rows } = await admin.query(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1`, [p]);
        for (const r of rows) await admin.exec(`DROP ROLE "${String(r.rolname)}"`);
        await admin.close();
      },
    };
  },
};

/** Reads of each kind over an estate of `n` views: the relation locks each holds, and what it found. */
async function measure(engine: Engine, n: number, p: string) {
  const { conn, drop } = await engine.open(p);
  try {
    const ctx = ctxFor(p);
    const { sql, desired } = estateWith(n, p);
    await conn.exec(sql.join(';\n'));
    await withTransaction(conn, (c) => recordState(c, desired, ctx));
    const plan = await locksOf(conn, (c) => introspect(c, ctx, desired));
    const driftLocks = await locksOf(conn, (c) => drift(c, ctx));
    // recording at the end of an apply that replaced one view: only that view is deparsed
    const record = await locksOf(conn, async (c) => {
      await c.exec(`CREATE OR REPLACE VIEW ${p}big.t0 AS SELECT id, upper(v) AS v FROM b${p}bigbase.t0 WHERE id > 0`);
      await recordState(c, desired, ctx);
    });
    const current = await introspect(conn, ctx, desired);
    const items = (await drift(conn, ctx)).items;
    return { plan, drift: driftLocks, record, views: current.objects.filter((o) => o.kind === 'view' && !o.spec.drift).length, items };
  } finally {
    await drop();
  }
}

for (const engine of [pglite, server]) {
  describe(`reads take no lock per view (${engine.name})`, () => {
    it.skipIf(engine === server && !PG_URL)('holds as many relation locks for 300 views as for 10, in plan, drift and recording', async () => {
      const small = await measure(engine, 10, 'mwrla_');
      const big = await measure(engine, 300, 'mwrlb_');
      expect(small.views).toBe(11);
      expect(big.views).toBe(301);
      expect(small.items).toEqual([]);
      expect(big.items).toEqual([]);
      expect({ plan: big.plan, drift: big.drift, record: big.record }).toEqual({ plan: small.plan, drift: small.drift, record: small.record });
    }, 240_000);

    it.skipIf(engine === server && !PG_URL)('compares by rule, and by definition only where the rule differs', async () => {
      const p = 'mwrlc_';
      const { conn, drop } = await engine.open(p);
      try {
        const ctx = ctxFor(p);
        const { sql, desired } = estateWith(3, p);
        await conn.exec(sql.join(';\n'));
        await withTransaction(conn, (c) => recordState(c, desired, ctx));
        const rule = async () => String((await conn.query(`SELECT encode(sha256(convert_to(ev_action::text, 'UTF8')), 'hex') AS h FROM pg_rewrite WHERE ev_class = '${p}big.t1'::regclass`)).rows[0]!.h);
        const before = await rule();
        const first = await introspect(conn, ctx, desired);
        expect((await introspect(conn, ctx, desired)).stateHash).toBe(first.stateHash); // a re-plan reads the same
        // the same SELECT written differently: PostgreSQL 15 keeps token locations in the rule, 17 and later do not — no drift either way
        await conn.exec(`CREATE   OR REPLACE VIEW ${p}big.t1 AS   SELECT id, upper(v) AS v FROM b${p}bigbase.t1 WHERE id > 0`);
        const respaced = (await rule()) !== before;
        expect((await introspect(conn, ctx, desired)).queryCount).toBe(first.queryCount + (respaced ? 1 : 0));
        expect((await drift(conn, ctx)).items).toEqual([]);
        // as after a dump and restore: the table and its view made again under new OIDs — another rule, the same definition
        const t = `b${p}bigbase.t1`;
        const v = `${p}big.t1`;
        await conn.exec(
          [
            `DROP TABLE ${t} CASCADE`,
            `CREATE TABLE ${t} (id int, v text)`,
            `GRANT SELECT ON ${t} TO ${p}owner`,
            `CREATE VIEW ${v} AS SELECT id, upper(v) AS v FROM ${t} WHERE id > 0`,
            `ALTER VIEW ${v} OWNER TO ${p}owner`,
            `COMMENT ON VIEW ${v} IS 'meshward:acme:view:analytics.${t}'`,
            `GRANT SELECT ON ${v} TO ${p}sales_analysts`,
          ].join(';\n'),
        );
        expect(await rule()).not.toBe(before);
        const restored = await introspect(conn, ctx, desired);
        expect(restored.queryCount).toBe(first.queryCount + 1); // the one view deparsed
        expect(restored.objects.filter((o) => o.kind === 'view' && o.spec.drift)).toEqual([]);
        expect((await drift(conn, ctx)).items).toEqual([]);
        // the very statement again: the same rule
        const stmt = `CREATE OR REPLACE VIEW ${v} AS SELECT id, upper(v) AS v FROM ${t} WHERE id > 0`;
        await conn.exec(stmt);
        const again = await rule();
        await conn.exec(stmt);
        expect(await rule()).toBe(again);
        // another SELECT: another rule and definition — drift
        await conn.exec(`CREATE OR REPLACE VIEW ${v} AS SELECT id, lower(v) AS v FROM ${t} WHERE id > 0`);
        const items = (await drift(conn, ctx)).items;
        expect(items.map((i) => [i.key, i.status])).toEqual([[`view:"${p}big"."t1"`, 'altered']]);
        const changed = await introspect(conn, ctx, desired);
        expect(changed.objects.filter((o) => o.kind === 'view' && o.spec.drift).map((o) => o.key)).toEqual([`view:"${p}big"."t1"`]);
      } finally {
        await drop();
      }
    }, 120_000);
  });
}

describe('a read that runs out of lock-table entries', () => {
  it('fails with one line naming the cause and what to do', async () => {
    const conn = pgliteConnection(await freshPGlite());
    try {
      // the server's answer when the shared lock table is full, on the views query
      const full: Connection = {
        ...conn,
        query: (sql, params) => (sql.includes('pg_rewrite') ? Promise.reject(Object.assign(new Error('out of shared memory\nHINT: ...'), { code: '53200' })) : conn.query(sql, params)),
      };
      const failed = await introspect(full, ctxFor('mwrld_'), []).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(failed?.name).toBe('TargetReadError');
      expect(failed?.message).toMatch(/^reading the live state failed: out of shared memory \(SQLSTATE 53200\): .*raise max_locks_per_transaction/);
      expect(failed?.message).not.toContain('\n');
    } finally {
      await conn.close();
    }
  });
});
