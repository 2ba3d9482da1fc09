import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Model } from '../../../src/model/types.js';
import { applicationName, connect, connectUrl, redactUrl, withTransaction } from '../../../src/targets/postgres/connect.js';
import { openEmbedded, pgliteConnection, splitStatements } from '../../../src/targets/postgres/embedded.js';
import { unlockFile } from '../../../src/state/lock-file.js';
import type { Connection, TargetContext } from '../../../src/targets/target.js';

function ctxFor(root: string, name: string, settings: Record<string, unknown>): TargetContext {
  const model = { project: { name: 'acme', managedPrefix: 'mw_' }, domains: [] } as unknown as Model;
  const at = { file: 'meshward.yaml', line: 1, col: 1 };
  return { model, target: { name, type: 'postgres', settings, settingAt: {}, at }, settings, root, diagnostics: new Diagnostics() } as TargetContext;
}

describe('splitStatements', () => {
  it('splits on semicolons outside quotes, comments and dollar quotes, with line numbers', () => {
    const sql = [
      "-- header; not a statement",
      "CREATE TABLE a (v text DEFAULT 'x;y''z');",
      '/* block ; /* nested ; */ still comment */',
      'CREATE TABLE "we;ird" (id int);',
      "INSERT INTO a VALUES (E'back\\'slash;'), ('c:\\');",
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;',
      'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;',
      'SELECT $1;',
      '',
      '  ;  ',
      'SELECT 1 -- trailing',
    ].join('\n');
    const st = splitStatements(sql);
    expect(st.map((s) => s.line)).toEqual([2, 4, 5, 6, 7, 8, 11]);
    expect(st[0]!.text).toBe("CREATE TABLE a (v text DEFAULT 'x;y''z')");
    expect(st[1]!.text).toBe('CREATE TABLE "we;ird" (id int)');
    expect(st[2]!.text).toBe("INSERT INTO a VALUES (E'back\\'slash;'), ('c:\\')");
    expect(st[3]!.text).toContain('$body$ BEGIN RETURN 1; END; $body$');
    expect(st[4]!.text).toMatch(/SELECT 2; END$/);
    expect(st[6]!.text).toBe('SELECT 1 -- trailing');
  });

  it('reports psql meta-commands separately', () => {
    const st = splitStatements('\\connect other\nCREATE TABLE t (id int);\n');
    expect(st[0]).toMatchObject({ meta: '\\connect other', line: 1 });
    expect(st[1]).toMatchObject({ text: 'CREATE TABLE t (id int)', line: 2 });
  });

  it('runs what it splits on PGlite', async () => {
    const db = await freshPGlite();
    try {
      const sql = "CREATE TABLE a (v text DEFAULT 'x;y');\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\nINSERT INTO a VALUES (f()::text);";
      for (const s of splitStatements(sql)) await db.exec(s.text);
      expect((await db.query('SELECT v FROM a')).rows).toEqual([{ v: '1' }]);
    } finally {
      await db.close();
    }
  });
});

describe('embedded connection', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mw-connect-'));
    mkdirSync(join(root, 'warehouse'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the database from the bootstrap on first use, then reopens the same data', async () => {
    writeFileSync(join(root, 'warehouse', 'acme.sql'), 'CREATE SCHEMA sales;\nCREATE TABLE sales.customers (id int PRIMARY KEY, email text);\n');
    writeFileSync(join(root, 'warehouse', 'more.sql'), "INSERT INTO sales.customers VALUES (1, 'a@example.com');\n");
    const ctx = ctxFor(root, 'local', { type: 'postgres', bootstrap: ['warehouse/acme.sql', 'warehouse/more.sql'] });
    const first = await connect(ctx);
    try {
      expect(first.driver).toBe('pglite');
      expect(readFileSync(join(root, '.meshward', '.gitignore'), 'utf8')).toBe('*\n');
      expect(existsSync(join(root, '.meshward', 'local', 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(root, '.meshward', 'local.lock'))).toBe(true);
      expect((await first.query('SHOW max_locks_per_transaction')).rows).toEqual([{ max_locks_per_transaction: '1024' }]);
      await first.exec("INSERT INTO sales.customers VALUES (2, 'b@example.com')");
      // the same data directory cannot be opened twice at once
      await expect(connect(ctx)).rejects.toThrow(/target 'local': the embedded database .* is in use by this process/);
    } finally {
      await first.close();
    }
    expect(existsSync(join(root, '.meshward', 'local.lock'))).toBe(false);

    writeFileSync(join(root, 'warehouse', 'acme.sql'), 'this is not run again'); // bootstrap runs only on creation
    const second = await connect(ctx);
    try {
      expect((await second.query('SELECT id FROM sales.customers ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect((await second.query('SHOW max_locks_per_transaction')).rows[0]).toEqual({ max_locks_per_transaction: '1024' });
    } finally {
      await second.close();
    }
  });

  it('reports a lock left by a process that is gone (never taken over silently); breaking it lets the database open', async () => {
    const dir = join(root, '.meshward', 'stale');
    writeFileSync(`${dir}.lock`, '2147483646\n'); // a lock file of an older meshward: the pid only
    await expect(openEmbedded(dir, 'CREATE TABLE t (id int);')).rejects.toThrow(/stale lock: .*pid 2147483646.*process 2147483646 is gone[\s\S]*meshward unlock --target stale/);
    expect(unlockFile(`${dir}.lock`, { label: "target 'stale'", dir, target: 'stale', force: false }).status).toBe('broken');
    const conn = await openEmbedded(dir, 'CREATE TABLE t (id int);');
    try {
      expect((await conn.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
    } finally {
      await conn.close();
    }
  });

  it('reports a failing bootstrap with the file and line, never the whole script, and leaves nothing behind', async () => {
    const filler = Array.from({ length: 200 }, (_, i) => `CREATE TABLE t${i} (id int, secret_column_${i} text);`).join('\n');
    const bad = `CREATE VIEW broken AS SELECT ${Array.from({ length: 50 }, (_, i) => `col_${i}`).join(', ')} FROM missing_table_xyz;`;
    writeFileSync(join(root, 'warehouse', 'bad.sql'), `${filler}\n${bad}\nCREATE TABLE after_the_error (id int);\n`);
    const ctx = ctxFor(root, 'broken', { type: 'postgres', bootstrap: 'warehouse/bad.sql' });
    const err = await connect(ctx).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/^target 'broken': bootstrap warehouse\/bad\.sql, statement 201 \(line 201\): relation "missing_table_xyz" does not exist/);
    expect(err!.message).not.toContain('secret_column_1');
    expect(err!.message).not.toContain('col_49');
    expect(err!.message.length).toBeLessThan(400);
    expect(Object.keys(err!)).not.toContain('query');
    expect(readdirSync(join(root, '.meshward')).filter((f) => f.startsWith('broken'))).toEqual([]);
  });

  it('names a missing bootstrap file', async () => {
    const ctx = ctxFor(root, 'nofile', { type: 'postgres', bootstrap: 'warehouse/nope.sql' });
    await expect(connect(ctx)).rejects.toThrow(/^target 'nofile': bootstrap file warehouse\/nope\.sql does not exist/);
    expect(existsSync(join(root, '.meshward', 'nofile'))).toBe(false);
  });

  it('refuses an empty url instead of falling back to an embedded database', async () => {
    await expect(connect(ctxFor(root, 'staging', { type: 'postgres', url: '' }))).rejects.toThrow(/target 'staging': url is empty/);
    expect(existsSync(join(root, '.meshward', 'staging'))).toBe(false);
  });
});

describe('connection helpers', () => {
  let db: PGlite;
  let conn: Connection;
  beforeAll(async () => {
    db = await freshPGlite();
    conn = pgliteConnection(db);
    await conn.exec('CREATE TABLE t (id int PRIMARY KEY)');
  });
  afterAll(async () => conn.close());

  it('withTransaction commits, and rolls back when the function throws', async () => {
    await withTransaction(conn, (c) => c.exec('INSERT INTO t VALUES (1)'));
    await expect(
      withTransaction(conn, async (c) => {
        await c.exec('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(withTransaction(conn, (c) => c.exec('INSERT INTO t VALUES (1)'))).rejects.toThrow(/duplicate key/);
    expect((await conn.query('SELECT id FROM t ORDER BY id')).rows).toEqual([{ id: 1 }]);
  });

  it('query errors keep the message and SQLSTATE, never the statement text', async () => {
    const script = `${'SELECT 1;'.repeat(1000)} SELECT * FROM no_such_table;`;
    const err = await conn.exec(script).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    expect(err!.message).toBe('relation "no_such_table" does not exist');
    expect(err!.code).toBe('42P01');
    expect(JSON.stringify(err)).not.toContain('SELECT 1;');
    expect(err).not.toHaveProperty('query');
  });

  it('names the user and host in application_name and hides passwords', () => {
    expect(applicationName()).toMatch(/^meshward \S+@\S+$/);
    expect(redactUrl('postgres://bob:s3cret@db.example:5432/analytics')).toBe('postgres://bob:***@db.example:5432/analytics');
  });

  it('reports an unreachable server with the target and without the password', async () => {
    const err = await connectUrl('postgres://bob:s3cret@127.0.0.1:1/analytics', { label: "target 'staging'" }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err!.message).toMatch(/^target 'staging': cannot connect to postgres:\/\/bob:\*\*\*@127\.0\.0\.1:1\/analytics: /);
    expect(err!.message).not.toContain('s3cret');
  });

  it.each([
    ['a ?password= parameter', 'postgres://bob@127.0.0.1:1/analytics?password=s3cret-q', /password=\*\*\*/],
    ['sslpassword beside an sslkey path (the path stays)', 'postgres://bob@127.0.0.1:1/analytics?sslpassword=s3cret-ssl&sslmode=disable', /sslpassword=\*\*\*/],
    ['a percent-encoded parameter name', 'postgres://bob@127.0.0.1:1/analytics?pass%77ord=s3cret-enc', /pass%77ord=\*\*\*/],
    ['a password with @ and spaces in the userinfo', 'postgres://bob:s3cret @x@127.0.0.1:1/analytics', /bob:\*\*\*@127/],
    ['a raw # in the password (an invalid URL to pg)', 'postgres://bob:s3cr#et99@127.0.0.1:1/analytics', /postgres:\/\/\*\*\*@127\.0\.0\.1:1\/analytics: /],
    ['a raw / in the password', 'postgres://bob:s3cr/et99@127.0.0.1:1/analytics', /postgres:\/\/\*\*\*@127\.0\.0\.1:1\/analytics: /],
    ['a raw ? in the password', 'postgres://bob:s3cr?et99@127.0.0.1:1/analytics', /postgres:\/\/\*\*\*@127\.0\.0\.1:1\/analytics: /],
    ['a URL cut short after the password', 'postgres://bob:s3cr#et99', /bob:\*\*\*/],
  ])('an unreachable server, the password in %s: never in the message (issue 8)', async (_name, url, shown) => {
    const err = await connectUrl(url, { label: "target 'staging'" }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err!.message).toMatch(/^target 'staging': cannot connect to /);
    expect(err!.message).toMatch(shown);
    expect(err!.message).not.toMatch(/s3cr|et99/);
  });
});

const PG_URL = process.env.MESHWARD_TEST_PG_URL;

describe('connectUrl against a real server', () => {
  it.skipIf(!PG_URL)('runs queries and scripts, and sets application_name', async () => {
    const conn = await connectUrl(PG_URL!);
    try {
      expect(conn.driver).toBe('pg');
      const { rows } = await conn.query('SELECT current_setting($1) AS app', ['application_name']);
      expect(String(rows[0]!.app)).toMatch(/^meshward /);
      await withTransaction(conn, async (c) => {
        await c.exec('CREATE TEMP TABLE mw_probe (id int); INSERT INTO mw_probe VALUES (1), (2);');
        expect((await c.query('SELECT count(*)::int AS n FROM mw_probe')).rows).toEqual([{ n: 2 }]);
      });
      await expect(conn.exec('SELECT * FROM mw_no_such_table_xyz')).rejects.toThrow(/does not exist/);
    } finally {
      await conn.close();
    }
  });
});
