import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { buildOnce } from './build-once.js';

/**
 * A throwaway copy of the example repository bound to a fresh engine: the embedded PGlite (a new
 * data directory, created from the bootstrap on first connect), or — when MESHWARD_TEST_PG_URL
 * is set — a new database on that server with its own managed prefix (roles are cluster-wide).
 */
export interface E2eTarget {
  readonly engine: 'pglite' | 'server';
  readonly dir: string;
  readonly target: string;
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export const SERVER_URL = process.env.MESHWARD_TEST_PG_URL;
export const ENGINES: ('pglite' | 'server')[] = SERVER_URL ? ['pglite', 'server'] : ['pglite'];

let counter = 0;

export async function makeTarget(engine: 'pglite' | 'server', source = 'policies'): Promise<E2eTarget> {
  const dir = mkdtempSync(join(tmpdir(), `meshward-e2e-${engine}-`));
  cpSync(source, dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
  if (engine === 'pglite') {
    // The example's embedded database is created and bootstrapped once per content (a copy takes
    // a fraction of a second; creating one takes seconds): every target gets its own copy.
    const template = resolve(source) === resolve(REPO_ROOT, 'policies') ? await exampleTemplate() : null;
    if (template) cpSync(template, join(dir, '.meshward', 'local'), { recursive: true });
    return { engine, dir, target: 'local', prefix: 'mw_', env: process.env, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }

  const tag = `${process.pid.toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 5)}`.toLowerCase();
  const prefix = `t${tag}_`.slice(0, 16);
  const database = `meshward_${tag}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = withDatabase(SERVER_URL!, database);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(readFileSync(join(dir, 'warehouse', 'acme.sql'), 'utf8'));
  await db.end();
  const project = readFileSync(join(dir, 'meshward.yaml'), 'utf8')
    .replace(/^name: .*$/m, `name: acme-${tag}`)
    .replace(/^managed_prefix: .*$/m, `managed_prefix: ${prefix}`)
    .replace(/^targets:\n/m, `targets:\n  server:\n    type: postgres\n    database: analytics\n    url: \${env:MESHWARD_E2E_URL}\n`);
  writeFileSync(join(dir, 'meshward.yaml'), project);
  return {
    engine,
    dir,
    target: 'server',
    prefix,
    env: { ...process.env, MESHWARD_E2E_URL: url },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      const { rows } = await c.query(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1`, [prefix]);
      for (const r of rows) await c.query(`DROP ROLE IF EXISTS "${String(r.rolname).replace(/"/g, '""')}"`);
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The example's embedded data directory, created once (through openTarget, exactly as `plan`
 * creates it) in a directory named by the hash of everything it depends on: the bootstrap SQL,
 * the project file, the code that creates embedded databases and the PGlite version. Test
 * processes that ask at once wait on a lock directory while one builds it.
 */
async function exampleTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['policies/warehouse/acme.sql', 'policies/meshward.yaml', 'src/targets/postgres/embedded.ts', 'src/targets/postgres/connect.ts', 'node_modules/@electric-sql/pglite/package.json']) {
    hash.update(f).update(readFileSync(join(REPO_ROOT, f)));
  }
  const home = join(tmpdir(), `meshward-pglite-example-${hash.digest('hex').slice(0, 16)}`);
  const data = join(home, 'data');
  await buildOnce(join(home, 'ready'), `${home}.lock`, async () => {
    rmSync(home, { recursive: true, force: true });
    const repo = join(home, 'repo');
    cpSync(join(REPO_ROOT, 'policies'), repo, { recursive: true, filter: (p) => !p.includes('/.meshward') });
    const { openTarget } = await import('../../src/session/open-target.js');
    const session = await openTarget({ dir: repo, target: 'local' });
    await session.close();
    renameSync(join(repo, '.meshward', 'local'), data);
    rmSync(repo, { recursive: true, force: true });
    writeFileSync(join(home, 'ready'), new Date().toISOString());
  });
  return data;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
