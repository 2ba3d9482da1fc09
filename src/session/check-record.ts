import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A local record of the compile inputs (plan/stamp.ts inputHash: the policy files' bytes, the
 * target, its compile settings, meshward's version) whose model passed the check made before
 * connecting. With it, a stamped plan or drift may connect and probe the stamp before parsing the
 * files at all (session/quick-probe.ts): the rule that a broken model never opens the target
 * holds, because these exact bytes were checked already. Without it (a fresh machine, a cleared
 * cache) the command checks first, as always. Only hashes are kept — one empty file per input,
 * named by its hash — never a path, a setting or a secret.
 *
 * Where: MESHWARD_CACHE_DIR, else $XDG_CACHE_HOME/meshward, else ~/.cache/meshward (a CI job may
 * cache that directory). Failing to read or write it only costs the shortcut.
 */

/** How many records are kept; over it, the oldest half is removed. */
const MAX_RECORDS = 512;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHWARD_CACHE_DIR) return env.MESHWARD_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meshward');
}

function recordsDir(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'checked');
}

const HASH = /^[0-9a-f]{64}$/;

/** Whether the model of `input` passed the pre-connect check on this machine. */
export function wasChecked(input: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return HASH.test(input) && existsSync(join(recordsDir(env), input));
}

/** Records that the model of `input` passed the pre-connect check. */
export function recordChecked(input: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!HASH.test(input)) return;
  const dir = recordsDir(env);
  try {
    if (existsSync(join(dir, input))) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, input), '', { mode: 0o600 });
    prune(dir);
  } catch {
    // a read-only home, a full disk: the next command checks before connecting, as without a record
  }
}

function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => HASH.test(n));
  if (names.length <= MAX_RECORDS) return;
  const byAge = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, names.length - MAX_RECORDS / 2)) unlinkSync(join(dir, n));
}
