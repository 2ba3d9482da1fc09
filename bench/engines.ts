import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BENCH_DIR, REPO_ROOT, runProcess } from './child.js';
import { ident } from './db.js';
import { BOOTSTRAP_FILE } from './generate.js';
import { jsonChild, fromRun, type Step } from './steps.js';

/** One engine an estate runs on: how to bootstrap it, reach it, run floor (a) on it and clean up. */
export interface Engine {
  readonly name: 'pglite' | 'server';
  readonly target: string;
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  /** catalog.js arguments that reach the estate's database. */
  readonly dbArgs: readonly string[];
  /** Creates the database with the estate's tables (not meshward's work: a setup row). */
  bootstrap(timeoutMs: number): Step;
  /** Floor (a): the plan's statements as one transaction on an identical, untouched database. */
  floorApply(statementsFile: string, timeoutMs: number): Promise<Step>;
  /** PostgreSQL version, once bootstrapped. */
  version(): Promise<string>;
  cleanup(): Promise<void>;
}

const SESSION = join(BENCH_DIR, 'session.js');
const CATALOG = join(BENCH_DIR, 'catalog.js');

/**
 * PGlite: the repository's embedded target `local`, created by meshward itself (the first
 * connect bootstraps it); a copy of the fresh data directory is floor (a)'s database.
 */
export function pgliteEngine(dir: string, scratch: string, cacheDir: string): Engine {
  const data = join(dir, '.meshward', 'local');
  const floorData = join(scratch, 'floor-pglite');
  let version = 'unknown';
  return {
    name: 'pglite',
    target: 'local',
    prefix: 'mw_',
    env: process.env,
    dbArgs: ['--pglite', data],
    bootstrap(timeoutMs) {
      // A fresh embedded database depends only on the estate SQL, the project file and PGlite:
      // the one meshward created for the same content is copied (creating 10,000 tables takes minutes).
      const cached = join(cacheDir, pgliteCacheKey(dir), 'data');
      if (existsSync(join(cached, 'PG_VERSION'))) {
        const started = performance.now();
        cpSync(cached, data, { recursive: true });
        cpSync(cached, floorData, { recursive: true });
        return { name: 'bootstrap (cached copy)', group: 'setup', ok: true, ms: performance.now() - started, rssMb: null, note: `copy of the database meshward created for this estate (${cached})` };
      }
      const { step } = jsonChild('bootstrap (create + estate SQL)', 'setup', SESSION, [dir, 'local', '--connect-only'], { timeoutMs }, () => 'embedded database created by meshward');
      if (step.ok) {
        cpSync(data, floorData, { recursive: true });
        cpSync(data, cached, { recursive: true });
      }
      return step;
    },
    async floorApply(statementsFile, timeoutMs) {
      // Two ways to run the same SQL in one transaction on a copy of the fresh database: the whole
      // script in one exec, and one exec per statement (PGlite's one exec of a large script can be
      // the slower). The floor is the faster, and the exec alone, not the child's start-up.
      const copy = `${floorData}-each`;
      cpSync(floorData, copy, { recursive: true });
      const whole = jsonChild('(a) same SQL, one exec', 'floor', CATALOG, ['exec', '--pglite', floorData, '--file', statementsFile], { timeoutMs }, () => '');
      const each = jsonChild('(a) same SQL, one exec', 'floor', CATALOG, ['exec-each', '--pglite', copy, '--file', `${statementsFile}.json`], { timeoutMs }, () => '');
      rmSync(copy, { recursive: true, force: true });
      const wholeMs = whole.value ? Number(whole.value.ms) : null;
      const eachMs = each.value ? Number(each.value.ms) : null;
      const best = [wholeMs, eachMs].filter((x): x is number => x !== null);
      const note = `one exec: ${wholeMs === null ? whole.step.note : ms(wholeMs)} · one exec per statement: ${eachMs === null ? each.step.note : ms(eachMs)}`;
      if (best.length === 0) return { ...whole.step, note };
      return { ...whole.step, name: '(a) same SQL, one transaction', ok: true, ms: Math.min(...best), rssMb: Math.max(whole.step.rssMb ?? 0, each.step.rssMb ?? 0) || null, note, data: { oneExecMs: wholeMs, perStatementMs: eachMs } };
    },
    async version() {
      if (version !== 'unknown') return version;
      const { value } = jsonChild('version', 'setup', CATALOG, ['version', '--pglite', data], { timeoutMs: 60_000 }, () => '');
      version = `PGlite ${String(value?.version ?? '?')}`;
      return version;
    },
    async cleanup() {},
  };
}

/**
 * A server (MESHWARD_TEST_PG_URL): two fresh databases bootstrapped with `psql -f` (the estate and
 * floor (a)'s twin), a managed prefix of its own (roles are cluster-wide), all dropped after.
 */
export async function serverEngine(dir: string, url: string, tag: string): Promise<Engine> {
  const prefix = `${tag}_`;
  const database = `${tag}_estate`;
  const floorDb = `${tag}_floor`;
  const estateUrl = withDatabase(url, database);
  const floorUrl = withDatabase(url, floorDb);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const serverVersion = String((await admin.query('SHOW server_version')).rows[0].server_version).split(' ')[0]!;
  await admin.query(`CREATE DATABASE ${ident(database)}`);
  await admin.query(`CREATE DATABASE ${ident(floorDb)}`);
  const project = readFileSync(join(dir, 'meshward.yaml'), 'utf8')
    .replace(/^name: .*$/m, `name: bench-${tag}`)
    .replace(/^managed_prefix: .*$/m, `managed_prefix: ${prefix}`)
    .replace(/^targets:\n/m, 'targets:\n  server:\n    type: postgres\n    database: wh\n    url: ${env:MESHWARD_BENCH_URL}\n');
  writeFileSync(join(dir, 'meshward.yaml'), project);
  const psql = (target: string, file: string, oneTransaction: boolean, timeoutMs: number) =>
    runProcess('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(oneTransaction ? ['-1'] : []), '-f', file, target], { timeoutMs });
  const dropRoles = async () => {
    const { rows } = await admin.query(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1`, [prefix]);
    for (const r of rows) await admin.query(`DROP ROLE IF EXISTS ${ident(String(r.rolname))}`).catch(() => undefined);
  };
  return {
    name: 'server',
    target: 'server',
    prefix,
    env: { ...process.env, MESHWARD_BENCH_URL: estateUrl },
    dbArgs: ['--url', estateUrl],
    bootstrap(timeoutMs) {
      const sql = join(dir, BOOTSTRAP_FILE);
      const estate = psql(estateUrl, sql, false, timeoutMs);
      if (!estate.ok) return fromRun('bootstrap (psql -f estate SQL)', 'setup', estate, '');
      const twin = psql(floorUrl, sql, false, timeoutMs);
      return fromRun('bootstrap (psql -f estate SQL)', 'setup', twin.ok ? estate : twin, 'two databases: the estate and floor (a)\'s twin');
    },
    async floorApply(statementsFile, timeoutMs) {
      let run = psql(floorUrl, statementsFile, true, timeoutMs);
      let how = 'one transaction';
      // A default server's lock table cannot hold 10,000 tables' worth in one transaction (the
      // failed one rolled back, the twin is as fresh): the same SQL then runs statement by statement.
      if (!run.ok && /out of shared memory/.test(run.stderr)) {
        run = psql(floorUrl, statementsFile, false, timeoutMs);
        how = 'psql -f, each statement committed (one transaction runs out of shared memory here)';
      }
      // The twin is dropped at once: its roles carry the estate's prefix, and meshward creates them next.
      await admin.query(`DROP DATABASE IF EXISTS ${ident(floorDb)} WITH (FORCE)`);
      await dropRoles();
      return fromRun('(a) same SQL, psql -1 -f', 'floor', run, how);
    },
    async version() {
      return `PostgreSQL ${serverVersion}`;
    },
    async cleanup() {
      for (const db of [database, floorDb]) await admin.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`).catch(() => undefined);
      await dropRoles();
      await admin.end();
    },
  };
}

/** What a fresh embedded database is made of: the estate SQL, the project file, the code that creates it, PGlite. */
function pgliteCacheKey(dir: string): string {
  const hash = createHash('sha256');
  for (const f of [join(dir, BOOTSTRAP_FILE), join(dir, 'meshward.yaml'), join(REPO_ROOT, 'dist', 'src', 'targets', 'postgres', 'embedded.js'), join(REPO_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')]) {
    hash.update(f.slice(f.lastIndexOf('/'))).update(readFileSync(f));
  }
  return hash.digest('hex').slice(0, 16);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function ms(value: unknown): string {
  const n = Number(value);
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`;
}
