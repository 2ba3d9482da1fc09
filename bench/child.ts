import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where the compiled bench and CLI live (dist/bench, dist/src). */
export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = join(BENCH_DIR, '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** One child process run: wall time, peak RSS, exit code, output, and the one-line cause of a failure. */
export interface ChildRun {
  readonly ok: boolean;
  readonly ms: number;
  /** Peak RSS in MiB (node children only; null when killed or not node). */
  readonly rssMb: number | null;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it failed, in one line: a timeout, or the exit code and the last line of stderr. */
  readonly cause?: string;
}

export interface ChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Exit codes that are not failures (drift exits 2 on drift). */
  readonly okCodes?: readonly number[];
}

const HOOK = pathToFileURL(join(BENCH_DIR, 'rss-hook.js')).href;

/** Runs a node script (the CLI or a bench child) with the RSS hook preloaded, under a timeout. */
export function runNode(script: string, args: readonly string[], options: ChildOptions): ChildRun {
  const scratch = mkdtempSync(join(tmpdir(), 'meshward-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  try {
    const run = runProcess(process.execPath, ['--import', HOOK, script, ...args], { ...options, env: { ...(options.env ?? process.env), MESHWARD_BENCH_RSS_FILE: rssFile } });
    const rssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : null;
    return { ...run, rssMb };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Seconds between the timeout's SIGTERM and its SIGKILL (a child busy in wasm handles no signal). */
const KILL_GRACE_S = 15;

/**
 * Runs any program under coreutils `timeout`: SIGTERM at the limit (the CLI releases its lock
 * and exits), SIGKILL KILL_GRACE_S later when it did not (PGlite runs its statements
 * synchronously, so a signal waits for the statement).
 */
export function runProcess(program: string, args: readonly string[], options: ChildOptions): ChildRun {
  const started = performance.now();
  const limitS = Math.max(1, Math.round(options.timeoutMs / 1000));
  const r = spawnSync('timeout', ['-k', String(KILL_GRACE_S), String(limitS), program, ...args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), NO_COLOR: '1' },
    encoding: 'utf8',
    input: '',
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const code = r.status;
  const okCodes = options.okCodes ?? [0];
  const timedOut = code === 124 || code === 137;
  const ok = !r.error && !timedOut && code !== null && okCodes.includes(code);
  let cause: string | undefined;
  if (timedOut) cause = `timed out after ${limitS} s (${code === 137 ? 'killed: SIGTERM was not handled' : 'terminated'})`;
  else if (r.error) cause = r.error.message.split('\n')[0];
  else if (!ok) cause = `exit ${code ?? r.signal}: ${errorLine(stderr) || lastLine(stdout) || '(no output)'}`;
  return { ok, ms, rssMb: null, code, stdout, stderr, cause };
}

/** The last non-empty line of an output, trimmed to a table cell's worth. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines[lines.length - 1] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The line of stderr that says what went wrong: an uncaught error's message, not node's trailer or its stack. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l) && !/^Node\.js v/.test(l) && !/^\^+$/.test(l) && l !== '}');
  const error = lines.filter((l) => /^(\w*Error|error|meshward|psql|FATAL|ERROR)\b|Error:/.test(l)).pop();
  return lastLine(error ?? lines.join('\n'));
}
