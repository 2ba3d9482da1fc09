import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { flushParked } from '../../src/targets/postgres/embedded-pool.js';
import { runInProcess } from './cli-inprocess.js';

/** Runs the built CLI (`node dist/src/cli/main.js`) the way a user or a CI job does. */

export const REPO = resolve(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the CLI and captures stdout and stderr (NO_COLOR keeps the output plain). By default
 * in-process — the same `runCli` main.ts calls, without a Node start per command (cli-inprocess.ts);
 * with `spawn: true` as a child process with stdin a pipe ended at once (never a TTY), for what
 * only a real process shows: argv parsing by Node, exit codes, signals, TTY refusal.
 */
export async function cli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; spawn?: boolean } = {}): Promise<CliResult> {
  if (options.spawn) return spawnCli(args, options);
  const started = performance.now();
  const r = await runInProcess(args, { cwd: options.cwd, env: options.env ?? process.env });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

async function spawnCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  await flushParked(); // the child opens what an in-process command may have left open
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...(options.env ?? process.env), NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Newest modification time under a directory (files with one of the extensions). */
function newest(dir: string, exts: readonly string[]): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

/**
 * Builds dist/ with tsc when the CLI is missing or older than a source file (`npm test` builds
 * first; this covers `npx vitest run test/e2e` after an edit). Several test files may ask at once
 * (vitest runs files in parallel workers): a lock directory lets one build while the others wait.
 */
export async function ensureBuilt(): Promise<void> {
  const fresh = () => existsSync(CLI) && statSync(CLI).mtimeMs >= Math.max(newest(join(REPO, 'src'), ['.ts']), newest(join(REPO, 'bench'), ['.ts']));
  if (fresh()) return;
  const lock = join(tmpdir(), `meshward-build-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}.lock`);
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 180_000) throw new Error(`waited 3 minutes for ${lock}; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 250));
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    // Built beside dist/ (same depth, so source maps stay right) and swapped in with two renames:
    // a CLI another test file is running never loads a half-written dist/.
    const dist = join(REPO, 'dist');
    const staging = join(REPO, `.dist-e2e-building-${process.pid}`);
    const old = join(REPO, `.dist-e2e-old-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.json'), '--outDir', staging], { cwd: REPO, encoding: 'utf8' });
    // tsc emits even with type errors (someone may be mid-edit in src/): only a missing CLI is fatal.
    if (!existsSync(join(staging, 'src', 'cli', 'main.js'))) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`tsc did not produce the CLI:\n${r.stdout}${r.stderr}`);
    }
    if (r.status !== 0) process.stderr.write(`warning: tsc reported errors; the CLI tests run what it emitted anyway:\n${r.stdout.slice(0, 2000)}\n`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(staging, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmdirSync(lock);
  }
}
