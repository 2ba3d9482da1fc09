import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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
  if (engine === 'pglite') return { engine, dir, target: 'local', prefix: 'mw_', env: process.env, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };

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

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
