import { describe, expect, it } from 'vitest';
import { connect, fails, fixture, run, script } from './helpers.js';

async function store() {
  const sim = fixture();
  const c = await connect(sim, 'ADMIN');
  await script(c, [
    'CREATE DATABASE gov',
    'CREATE SCHEMA gov.meshward',
    "CREATE TRANSIENT TABLE gov.meshward.state (k STRING NOT NULL, v VARIANT, written_at TIMESTAMP_LTZ) CHANGE_TRACKING = TRUE COMMENT = 'state'",
    'CREATE TABLE gov.meshward.lease (id INT, holder STRING, expires_at TIMESTAMP_LTZ)',
  ]);
  return { sim, c };
}

const lease = `MERGE INTO gov.meshward.lease t USING (SELECT 1 AS id, ? AS holder) s ON t.id = s.id
  WHEN MATCHED AND t.expires_at < CURRENT_TIMESTAMP() THEN UPDATE SET holder = s.holder, expires_at = DATEADD(minute, 5, CURRENT_TIMESTAMP())
  WHEN NOT MATCHED THEN INSERT (id, holder, expires_at) VALUES (s.id, s.holder, DATEADD(minute, 5, CURRENT_TIMESTAMP()))`;

describe('tables and DML for a state store (insert, update, delete, merge)', () => {
  it('INSERT VALUES (multi-row) and INSERT … SELECT report "number of rows inserted"', async () => {
    const { c } = await store();
    const r = await run(c, "INSERT INTO gov.meshward.state (k, v, written_at) SELECT 'a', PARSE_JSON('{\"x\":{\"y\":[1,2]}}'), CURRENT_TIMESTAMP()");
    expect(r.rows).toEqual([{ 'number of rows inserted': 1 }]);
    expect(r.columns).toEqual([{ name: 'number of rows inserted', type: 'fixed' }]);
    const m = await run(c, "INSERT INTO gov.meshward.state (k) VALUES ('b'), ('c')");
    expect(m.rows).toEqual([{ 'number of rows inserted': 2 }]);
    const q = await run(c, "SELECT k, v:x.y[1] AS y, v:X AS missing, v FROM gov.meshward.state WHERE k = 'a'");
    expect(q.rows).toEqual([{ K: 'a', Y: 2, MISSING: null, V: { x: { y: [1, 2] } } }]);
    expect(q.columns.map((x) => x.type)).toEqual(['text', 'variant', 'variant', 'variant']);
    expect((await fails(c, 'INSERT INTO gov.meshward.state (k) VALUES (NULL)')).code).toBe('100072');
    expect((await fails(c, "INSERT INTO gov.meshward.state (k, v) VALUES ('x')")).code).toBe('002020');
  });
  it('UPDATE and DELETE report their counts; ORDER BY / LIMIT / OFFSET', async () => {
    const { c } = await store();
    await run(c, "INSERT INTO gov.meshward.state (k) VALUES ('a'), ('b'), ('c'), ('d')");
    expect((await run(c, "UPDATE gov.meshward.state SET v = TO_VARIANT(1) WHERE k IN ('a', 'b')")).rows).toEqual([{ 'number of rows updated': 2, 'number of multi-joined rows updated': 0 }]);
    expect((await run(c, "DELETE FROM gov.meshward.state WHERE k LIKE 'c%'")).rows).toEqual([{ 'number of rows deleted': 1 }]);
    expect((await run(c, 'SELECT k FROM gov.meshward.state ORDER BY k DESC LIMIT 2 OFFSET 1')).rows).toEqual([{ K: 'b' }, { K: 'a' }]);
    expect((await run(c, 'SELECT v IS NULL AS n, COUNT(*) AS c FROM gov.meshward.state GROUP BY 1 ORDER BY 1')).rows).toEqual([{ N: false, C: 2 }, { N: true, C: 1 }]);
  });
  it('MERGE takes a lease when there is none or it expired, and not while it is held', async () => {
    const { sim, c } = await store();
    expect((await run(c, lease, ['run-1'])).rows).toEqual([{ 'number of rows inserted': 1, 'number of rows updated': 0 }]);
    expect((await run(c, lease, ['run-2'])).rows).toEqual([{ 'number of rows inserted': 0, 'number of rows updated': 0 }]);
    expect(sim.rowsOf('GOV', 'MESHWARD', 'LEASE').map((r) => r.HOLDER)).toEqual(['run-1']);
    sim.advanceTime(6 * 60_000);
    expect((await run(c, lease, ['run-2'])).rows).toEqual([{ 'number of rows inserted': 0, 'number of rows updated': 1 }]);
    expect(sim.rowsOf('GOV', 'MESHWARD', 'LEASE').map((r) => r.HOLDER)).toEqual(['run-2']);
  });
  it('MERGE with several source rows for one target row fails (100090)', async () => {
    const { c } = await store();
    await run(c, "INSERT INTO gov.meshward.lease (id, holder) VALUES (1, 'a')");
    const e = await fails(c, "MERGE INTO gov.meshward.lease t USING (SELECT 1 AS id UNION ALL SELECT 1) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET holder = 'b'");
    expect(e.code).toBe('100090');
  });
  it('timestamps, DATEADD, DATE_TRUNC, casts', async () => {
    const { c } = await store();
    const r = await run(c, "SELECT DATEADD(day, 1, '2024-02-28'::DATE) d, DATE_TRUNC('month', '2024-05-17 10:11:12'::TIMESTAMP_NTZ) m, TO_VARCHAR('2024-05-17'::DATE) s, TRY_CAST('x' AS INT) t, YEAR(DATE_FROM_PARTS(2023, 12, 31)) y");
    const row = r.rows[0]!;
    expect((row.D as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((row.M as Date).toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect([row.S, row.T, row.Y]).toEqual(['2024-05-17', null, 2023]);
    expect((await fails(c, "SELECT 'x'::INT")).message).toBe("Numeric value 'x' is not recognized");
  });
  it('BEGIN … ROLLBACK undoes DML; DDL commits implicitly', async () => {
    const { sim, c } = await store();
    await script(c, ['BEGIN', "INSERT INTO gov.meshward.state (k) VALUES ('t1')", 'ROLLBACK']);
    expect(sim.rowsOf('GOV', 'MESHWARD', 'STATE')).toEqual([]);
    await script(c, ['BEGIN', "INSERT INTO gov.meshward.state (k) VALUES ('t2')", 'CREATE ROLE r1', 'ROLLBACK']);
    expect(sim.rowsOf('GOV', 'MESHWARD', 'STATE').map((r) => r.K)).toEqual(['t2']);
  });
  it('ALTER TABLE ADD COLUMN, SHOW TABLES shows kind and change tracking, CREATE … IF NOT EXISTS succeeds', async () => {
    const { c } = await store();
    await run(c, "INSERT INTO gov.meshward.state (k) VALUES ('a')");
    await run(c, 'ALTER TABLE gov.meshward.state ADD COLUMN seq NUMBER(38,0) DEFAULT 0');
    expect((await run(c, 'SELECT seq FROM gov.meshward.state')).rows).toEqual([{ SEQ: 0 }]);
    const t = (await run(c, 'SHOW TABLES IN SCHEMA gov.meshward')).rows.find((r) => r.name === 'STATE')!;
    expect([t.kind, t.change_tracking, t.comment, t.rows]).toEqual(['TRANSIENT', 'ON', 'state', 1]);
    expect((await run(c, 'CREATE TABLE IF NOT EXISTS gov.meshward.state (x INT)')).rows).toEqual([{ status: 'STATE already exists, statement succeeded.' }]);
    expect((await fails(c, 'CREATE TABLE gov.meshward.state (x INT)')).code).toBe('002002');
    expect((await run(c, 'DROP TABLE gov.meshward.lease')).rows).toEqual([{ status: 'LEASE successfully dropped.' }]);
  });
  it('array binds run an INSERT once per row', async () => {
    const { sim, c } = await store();
    const n = await new Promise<unknown>((resolve, reject) => c.execute({ sqlText: 'INSERT INTO gov.meshward.state (k) VALUES (?)', binds: [['a'], ['b'], ['c']], complete: (e, _s, rows) => (e ? reject(e) : resolve(rows)) }));
    expect(n).toEqual([{ 'number of rows inserted': 3 }]);
    expect(sim.rowsOf('GOV', 'MESHWARD', 'STATE').length).toBe(3);
  });
});

describe('WITH and IDENTIFIER()', () => {
  it('CTEs are visible to later CTEs and the body; IDENTIFIER(?) names a table', async () => {
    const { c } = await store();
    await run(c, "INSERT INTO IDENTIFIER(?) (k) VALUES ('a'), ('b')", ['gov.meshward.state']);
    const r = await run(c, "WITH s AS (SELECT k FROM gov.meshward.state), t (key) AS (SELECT k FROM s WHERE k > 'a') SELECT key FROM t");
    expect(r.rows).toEqual([{ KEY: 'b' }]);
    expect((await run(c, "SELECT COUNT(*) n FROM IDENTIFIER('gov.meshward.state')")).rows).toEqual([{ N: 2 }]);
  });
});

describe('window functions and QUALIFY', () => {
  it('latest row per key with ROW_NUMBER … QUALIFY; running SUM; LAG', async () => {
    const { c } = await store();
    await script(c, ['CREATE TABLE gov.meshward.events (k STRING, seq INT, v INT)', "INSERT INTO gov.meshward.events VALUES ('a', 1, 10), ('a', 2, 20), ('b', 1, 5), ('a', 3, 30)"]);
    const latest = await run(c, 'SELECT k, seq FROM gov.meshward.events QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY seq DESC) = 1 ORDER BY k');
    expect(latest.rows).toEqual([{ K: 'a', SEQ: 3 }, { K: 'b', SEQ: 1 }]);
    const running = await run(c, "SELECT seq, SUM(v) OVER (PARTITION BY k ORDER BY seq) AS s, LAG(v) OVER (PARTITION BY k ORDER BY seq) AS prev, COUNT(*) OVER (PARTITION BY k) AS n FROM gov.meshward.events WHERE k = 'a' ORDER BY seq");
    expect(running.rows).toEqual([{ SEQ: 1, S: 10, PREV: null, N: 3 }, { SEQ: 2, S: 30, PREV: 10, N: 3 }, { SEQ: 3, S: 60, PREV: 20, N: 3 }]);
    expect(running.columns.map((x) => x.type)).toEqual(['fixed', 'fixed', 'fixed', 'fixed']);
  });
});

describe('VALUES clause limits for semi-structured columns', () => {
  it('PARSE_JSON / TO_VARIANT in VALUES and a string into a VARIANT column are refused; INSERT … SELECT works', async () => {
    const { c } = await store();
    expect((await fails(c, "INSERT INTO gov.meshward.state (k, v) VALUES ('a', PARSE_JSON('{}'))")).code).toBe('002014');
    expect((await fails(c, "INSERT INTO gov.meshward.state (k, v) VALUES ('a', ?)", ['{"x":1}'])).code).toBe('002023');
    expect((await run(c, "INSERT INTO gov.meshward.state (k, v) SELECT 'a', PARSE_JSON(?)", ['{"x":1}'])).rows).toEqual([{ 'number of rows inserted': 1 }]);
  });
});
