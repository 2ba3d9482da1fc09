import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { parkEmbeddedDatabases } from '../../src/targets/postgres/embedded-pool.js';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/**
 * Runs a meshward command in this process — the same `runCli` main.ts calls — with stdout and
 * stderr captured and the environment replaced for the duration. Much faster than spawning the
 * built CLI (no Node start, no build); spawned smoke tests (e2e-cli.ts) keep argv, exit codes
 * and TTY behaviour honest. Calls are serialised: the capture patches process-wide streams.
 *
 * The embedded database a command closes is kept open for the next command (embedded-pool.ts:
 * the lock file is still taken per command, and a directory changed in between is never reused),
 * and shut down when the test file ends (setup-file.ts).
 */
export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

export function runInProcess(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<InProcessResult> {
  const run = queue.then(() => capture(args, options.env, options.cwd));
  queue = run.catch(() => undefined);
  return run;
}

async function capture(args: readonly string[], env: NodeJS.ProcessEnv | undefined, cwd: string | undefined): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const savedEnv = process.env;
  const sink = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = sink((s) => (stdout += s));
  process.stderr.write = sink((s) => (stderr += s));
  process.env = { ...(env ?? savedEnv), NO_COLOR: '1' };
  const savedArgv = process.argv;
  process.argv = [process.execPath, MAIN, ...args]; // what the audit record's command line reads
  const savedCwd = process.cwd();
  // stdin is never a TTY for a test (a spawned CLI gets an ended pipe): apply must not wait for an answer
  const stdinTty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
  Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
  if (cwd) process.chdir(cwd); // relative paths in messages are relative to where the user is
  parkEmbeddedDatabases(true);
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    parkEmbeddedDatabases(false);
    process.stdout.write = out;
    process.stderr.write = err;
    process.env = savedEnv;
    process.chdir(savedCwd);
    process.argv = savedArgv;
    if (stdinTty) Object.defineProperty(process.stdin, 'isTTY', stdinTty);
    else delete (process.stdin as { isTTY?: boolean }).isTTY;
  }
}
