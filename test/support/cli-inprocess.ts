import { runCli } from '../../src/cli/program.js';

/**
 * Runs a meshward command in this process — the same `runCli` main.ts calls — with stdout and
 * stderr captured and the environment replaced for the duration. Much faster than spawning the
 * built CLI (no Node start, no build); spawned smoke tests (e2e-cli.ts) keep argv, exit codes
 * and TTY behaviour honest. Calls are serialised: the capture patches process-wide streams.
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
  const savedCwd = process.cwd();
  if (cwd) process.chdir(cwd); // relative paths in messages are relative to where the user is
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.env = savedEnv;
    process.chdir(savedCwd);
  }
}
