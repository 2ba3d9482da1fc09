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

/** Runs a node script (the CLI or a bench child) with the RSS hook preloaded. */
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

/** Runs any program; a timeout kills it (SIGTERM, which the CLI turns into a clean exit of its lock). */
export function runProcess(program: string, args: readonly string[], options: ChildOptions): ChildRun {
  const started = performance.now();
  const r = spawnSync(program, [...args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), NO_COLOR: '1' },
    encoding: 'utf8',
    input: '',
    timeout: options.timeoutMs,
    killSignal: 'SIGTERM',
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const code = r.status;
  const okCodes = options.okCodes ?? [0];
  const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  const ok = !r.error && code !== null && okCodes.includes(code);
  let cause: string | undefined;
  if (timedOut) cause = `timed out after ${Math.round(options.timeoutMs / 1000)} s (killed)`;
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
