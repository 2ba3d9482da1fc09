import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { flushParked, parkEmbeddedDatabases } from '../../../src/targets/postgres/embedded-pool.js';
import { openEmbedded } from '../../../src/targets/postgres/embedded.js';
import { freshDataDir } from '../../support/fresh-pglite.js';

/**
 * The test harness's pool of embedded databases (embedded-pool.ts): a database an in-process
 * command closes stays open for the next command — with the lock file still taken per command,
 * the session reset, and never reused once anything else has opened or replaced the directory.
 */

const root = mkdtempSync(join(tmpdir(), 'meshward-pool-'));
afterEach(async () => {
  parkEmbeddedDatabases(false);
  await flushParked();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One database with an empty table t, made once from the run's empty cluster (fresh-pglite.ts); each test copies it. */
let base: string | undefined;
let n = 0;
async function fresh(): Promise<string> {
  if (!base) {
    base = join(root, 'base');
    await freshDataDir(base);
    const db = await openEmbedded(base);
    await db.exec('CREATE TABLE t (id int)');
    await db.close();
  }
  const dir = join(root, `db${n++}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

describe('parked embedded databases', () => {
  it('are reused with the session reset, the lock file released in between', async () => {
    const dir = await fresh();
    parkEmbeddedDatabases(true);
    const a = await openEmbedded(dir);
    await a.exec(`INSERT INTO t VALUES (1); SET application_name = 'first'; CREATE TEMP TABLE scratch (x int)`);
    await a.exec('BEGIN; INSERT INTO t VALUES (2)');
    await a.close(); // with a transaction left open: rolled back
    expect(existsSync(`${dir}.lock`), 'the lock file is released').toBe(false);
    const b = await openEmbedded(dir);
    expect(existsSync(`${dir}.lock`), 'and taken again').toBe(true);
    expect((await b.query('SELECT array_agg(id ORDER BY id) AS ids FROM t')).rows[0]!.ids).toEqual([1]);
    expect((await b.query(`SELECT current_setting('application_name') AS a`)).rows[0]!.a).not.toBe('first');
    expect((await b.query(`SELECT to_regclass('pg_temp.scratch') AS r`)).rows[0]!.r).toBeNull();
    await b.close();
  });

  it('are not reused after another process opened the directory', async () => {
    const dir = await fresh();
    parkEmbeddedDatabases(true);
    const a = await openEmbedded(dir);
    await a.exec('INSERT INTO t VALUES (1)');
    await a.close();
    const script = `import { PGlite } from '@electric-sql/pglite'; const db = await PGlite.create(${JSON.stringify(dir)}); await db.exec('INSERT INTO t VALUES (2)'); await db.close();`;
    const other = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: resolve(import.meta.dirname, '..', '..', '..'), encoding: 'utf8' });
    expect(other.status, other.stderr).toBe(0);
    const b = await openEmbedded(dir);
    expect((await b.query('SELECT array_agg(id ORDER BY id) AS ids FROM t')).rows[0]!.ids, 'what the other process wrote is seen').toEqual([1, 2]);
    await b.close();
  }, 60_000);

  it('are not reused when the directory was replaced', async () => {
    const dir = await fresh();
    parkEmbeddedDatabases(true);
    const a = await openEmbedded(dir);
    await a.exec('INSERT INTO t VALUES (1)');
    await a.close();
    rmSync(dir, { recursive: true });
    cpSync(base!, dir, { recursive: true });
    const b = await openEmbedded(dir);
    expect((await b.query('SELECT count(*)::int AS n FROM t')).rows[0]!.n, 'the new directory, not the parked engine').toBe(0);
    await b.close();
  }, 60_000);

  it('are shut down when parking is off, and the next open starts the engine again', async () => {
    const dir = await fresh();
    parkEmbeddedDatabases(true);
    const a = await openEmbedded(dir);
    await a.exec('INSERT INTO t VALUES (1)');
    await a.close();
    parkEmbeddedDatabases(false);
    const b = await openEmbedded(dir); // the parked instance is shut down first: never two engines on one directory
    expect((await b.query('SELECT count(*)::int AS n FROM t')).rows[0]!.n).toBe(1);
    await b.close();
    const c = await openEmbedded(dir);
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0]!.n).toBe(1);
    await c.close();
  }, 60_000);
});
