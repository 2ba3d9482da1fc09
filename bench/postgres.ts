import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { planFor } from '../src/session/plan-for.js';
import { openTarget } from '../src/session/open-target.js';

/**
 * PostgreSQL target timings for the example, measured the way a user runs it: the CLI in a child
 * process (`plan`, `apply --yes`, `plan` again, `drift`) on the embedded PGlite and, when
 * MESHWARD_TEST_PG_URL is set, on that server (a fresh database, its own prefix). Also the number
 * of catalog queries `plan` issues (CurrentState.queryCount) before and after the first apply.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/postgres.js
 *   MESHWARD_TEST_PG_URL=postgres://… node dist/bench/postgres.js
 *
 * One run each: read the figures as orders of magnitude, not as a benchmark suite.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

interface Step {
  readonly label: string;
  readonly ms: number;
  readonly code: number | null;
  readonly note: string;
}

function run(label: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Step {
  const started = performance.now();
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: '' });
  const ms = performance.now() - started;
  const out = `${r.stdout}\n${r.stderr}`;
  const note = /^Applied .*$/m.exec(out)?.[0] ?? /^Nothing to apply.*$/m.exec(out)?.[0] ?? /^Plan: .*$/m.exec(out)?.[0] ?? out.trim().split('\n').pop() ?? '';
  if (r.status !== 0 && !(label.startsWith('drift') && r.status === 2)) throw new Error(`${label} exited ${r.status}:\n${out.slice(0, 2000)}`);
  return { label, ms, code: r.status, note: note.replace(/ · state [0-9a-f]+$/, '') };
}

/** In process: catalog queries of introspect and drift, and the time of open / plan (introspect + diff + render). */
async function inProcess(dir: string, target: string, env: NodeJS.ProcessEnv): Promise<{ introspect: number; drift: number; openMs: number; planMs: number; changes: number }> {
  const t0 = performance.now();
  const session = await openTarget({ dir, target, env });
  const openMs = performance.now() - t0;
  try {
    const t1 = performance.now();
    const { plan } = await planFor(session);
    const planMs = performance.now() - t1;
    const current = await session.target.introspect(session.conn, session.ctx, session.desired);
    const drift = await session.target.drift(session.conn, session.ctx);
    return { introspect: current.queryCount, drift: drift.queryCount, openMs, planMs, changes: plan.changes.length };
  } finally {
    await session.close();
  }
}

async function measure(engine: string, embedded: boolean, dir: string, target: string, env: NodeJS.ProcessEnv): Promise<void> {
  const live = ['--dir', dir, '--target', target];
  const steps: Step[] = [];
  steps.push(run('node + CLI start (--version)', ['--version'], dir, env));
  steps.push(run(embedded ? 'plan (1st: creates + bootstraps the database)' : 'plan (1st)', ['plan', '--no-sql', ...live], dir, env));
  const before = await inProcess(dir, target, env);
  steps.push(run('plan (2nd, database exists, nothing applied)', ['plan', '--no-sql', ...live], dir, env));
  steps.push(run('apply --yes (first apply)', ['apply', '--yes', ...live], dir, env));
  steps.push(run('plan (after apply: no changes)', ['plan', '--no-sql', ...live], dir, env));
  steps.push(run('drift (in sync)', ['drift', ...live], dir, env));
  steps.push(run('apply --yes (nothing to apply)', ['apply', '--yes', ...live], dir, env));
  const after = await inProcess(dir, target, env);
  console.log(`\n${engine}`);
  for (const s of steps) console.log(`  ${s.label.padEnd(48)} ${s.ms.toFixed(0).padStart(6)} ms   ${s.note}`);
  console.log(`  in process: open session ${before.openMs.toFixed(0)} ms; plan (introspect + diff + render) ${before.planMs.toFixed(0)} ms with ${before.changes} changes, ${after.planMs.toFixed(0)} ms with ${after.changes}`);
  console.log(`  catalog queries per plan (introspect): ${before.introspect} before the first apply, ${after.introspect} after`);
  console.log(`  catalog queries per drift:             ${after.drift}`);
}

async function pglite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-bench-pg-'));
  try {
    cpSync(join(repoRoot, 'policies'), dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
    await measure('pglite (embedded, PostgreSQL 18 in wasm)', true, dir, 'local', process.env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function server(url: string): Promise<void> {
  const tag = `b${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const prefix = `${tag}_`;
  const database = `meshward_bench_${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'meshward-bench-srv-'));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    cpSync(join(repoRoot, 'policies'), dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
    await admin.query(`CREATE DATABASE "${database}"`);
    const u = new URL(url);
    u.pathname = `/${database}`;
    const db = new pg.Client({ connectionString: u.toString() });
    await db.connect();
    const version = (await db.query('SHOW server_version')).rows[0].server_version as string;
    await db.query(readFileSync(join(dir, 'warehouse', 'acme.sql'), 'utf8'));
    await db.end();
    const project = readFileSync(join(dir, 'meshward.yaml'), 'utf8')
      .replace(/^name: .*$/m, `name: bench-${tag}`)
      .replace(/^managed_prefix: .*$/m, `managed_prefix: ${prefix}`)
      .replace(/^targets:\n/m, 'targets:\n  server:\n    type: postgres\n    database: analytics\n    url: ${env:MESHWARD_BENCH_URL}\n');
    writeFileSync(join(dir, 'meshward.yaml'), project);
    await measure(`server (PostgreSQL ${version}, ${u.host})`, false, dir, 'server', { ...process.env, MESHWARD_BENCH_URL: u.toString() });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    const { rows } = await admin.query(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1`, [prefix]);
    for (const r of rows) await admin.query(`DROP ROLE IF EXISTS "${String(r.rolname).replace(/"/g, '""')}"`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`meshward PostgreSQL target, the example (policies/: 18 governed tables, 14 groups) via the CLI; node ${process.version}`);
await pglite();
if (process.env.MESHWARD_TEST_PG_URL) await server(process.env.MESHWARD_TEST_PG_URL);
else console.log('\n(set MESHWARD_TEST_PG_URL to measure a server too)');
