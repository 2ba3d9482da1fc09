import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { dirOption, shellWord } from '../util/shell.js';
import { commandLine, whoAmI } from '../audit/identity.js';
import { TargetLockedError, type UnlockResult } from '../targets/target.js';

/**
 * The lock file of a target whose store is a local directory (an embedded database: two
 * processes opening one data directory corrupt it). Every command that opens the directory first
 * creates `<dir>.lock` exclusively (`wx`, i.e. O_CREAT|O_EXCL) holding who took it. It is released
 * when the connection closes and on exit (SIGINT, SIGTERM, SIGHUP and uncaught errors included).
 * A lock whose process is gone is *stale*: it is reported, never taken over silently, and
 * `meshward unlock` breaks it. Dialect-free: any target with a local store uses it.
 */
/** What a lock file holds (format 1). A lock file of older meshward versions holds only a pid. */
export interface LockInfo {
  readonly pid: number;
  readonly host: string | null;
  readonly user: string | null;
  /** The holder's command line (argv, passwords redacted). */
  readonly command: readonly string[] | null;
  readonly started_at: string | null;
  /** Random per acquisition: tells our own lock from one a previous process with our pid left. */
  readonly token: string | null;
}

/** What a lock file means right now. */
export type LockStatus =
  | { readonly kind: 'ours' }
  | { readonly kind: 'live'; readonly info: LockInfo }
  | { readonly kind: 'stale'; readonly info: LockInfo; readonly why: string }
  | { readonly kind: 'unknown'; readonly info: LockInfo | null; readonly why: string };

/** Lock files this process holds: path → token. */
const held = new Map<string, string>();

export function parseLock(text: string): LockInfo | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), host: null, user: null, command: null, started_at: null, token: null };
  try {
    const o = JSON.parse(trimmed) as Record<string, unknown>;
    if (!o || typeof o !== 'object' || !Number.isInteger(o.pid) || (o.pid as number) <= 0) return null;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return {
      pid: o.pid as number,
      host: str(o.host),
      user: str(o.user),
      command: Array.isArray(o.command) ? o.command.map(String) : null,
      started_at: str(o.started_at),
      token: str(o.token),
    };
  } catch {
    return null;
  }
}

/** The lock file's text, or null when there is none. */
export function readLockText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Live, stale or unknown. Stale: the pid is gone on this host (kill(pid, 0) → ESRCH), or it is
 * ours but we never took the lock, or (Linux) the process with that pid started after the lock
 * was taken (the pid was reused). A lock taken on another host cannot be checked from here.
 */
export function lockStatus(file: string, info: LockInfo | null): LockStatus {
  if (!info) return { kind: 'unknown', info, why: `${file} is empty or not a meshward lock file` };
  const { host } = whoAmI();
  if (info.host !== null && info.host !== host) {
    return { kind: 'unknown', info, why: `it was taken on host ${info.host}, and whether pid ${info.pid} still runs there cannot be checked from ${host}` };
  }
  if (info.pid === process.pid) {
    if (info.token !== null && held.get(file) === info.token) return { kind: 'ours' };
    return { kind: 'stale', info, why: `pid ${info.pid} is this process, which never took it (the pid was reused, e.g. by a restarted container)` };
  }
  if (!isAlive(info.pid)) return { kind: 'stale', info, why: `process ${info.pid} is gone` };
  const startedAt = info.started_at ? Date.parse(info.started_at) : NaN;
  const processStart = processStartMs(info.pid);
  if (processStart !== undefined && Number.isFinite(startedAt) && processStart > startedAt + 2000) {
    return { kind: 'stale', info, why: `pid ${info.pid} now belongs to a process started at ${new Date(processStart).toISOString()}, after the lock was taken (the pid was reused)` };
  }
  return { kind: 'live', info };
}

/** `meshward root@host (pid 42, running "meshward apply --yes")`. */
export function describeHolder(info: LockInfo): string {
  const who = info.user && info.host ? `meshward ${info.user}@${info.host}` : 'meshward';
  const cmd = info.command?.length ? `, running "${info.command.join(' ')}"` : '';
  return `${who} (pid ${info.pid}${cmd})`;
}

export interface LockFileOptions {
  /** Prefix of messages, e.g. `target 'local'`. */
  readonly label: string;
  /** What the lock guards, for messages (the data directory). */
  readonly dir: string;
  /** The target name for the `meshward unlock --target …` hint. */
  readonly target: string;
}

/**
 * Takes the lock file exclusively (`wx`) or throws TargetLockedError naming the holder and since
 * when. Returns the release, which is also run on exit and on SIGINT/SIGTERM/SIGHUP.
 */
export function acquireLockFile(file: string, opts: LockFileOptions): () => void {
  const me = whoAmI();
  const token = randomUUID();
  const info = { format: 1, pid: process.pid, host: me.host, user: me.user, command: commandLine(), started_at: new Date().toISOString(), token };
  for (let attempt = 0; ; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new TargetLockedError(`${opts.label}: cannot lock ${opts.dir}: ${(e as Error).message}`);
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, JSON.stringify(info) + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      held.set(file, token);
      installExitHandlers();
      return () => releaseLockFile(file, token);
    }
    const text = readLockText(file);
    if (text === null && attempt < 5) continue; // released in between: try again
    const parsed = text === null ? null : parseLock(text);
    if (parsed === null && attempt < 5) {
      sleepSync(40); // created but not yet written by its taker
      continue;
    }
    throw new TargetLockedError(busyMessage(file, lockStatus(file, parsed), opts));
  }
}

/**
 * `meshward unlock --target T [--dir D]`, runnable where the user is: an embedded data directory
 * lives at `<repository>/.meshward/<target>`, so the repository is two levels up.
 */
function unlockHint(opts: LockFileOptions): string {
  const root = dirname(dirname(opts.dir));
  return `meshward unlock --target ${shellWord(opts.target)}${basename(dirname(opts.dir)) === '.meshward' ? dirOption(root) : ''}`;
}

function busyMessage(file: string, status: LockStatus, opts: LockFileOptions): string {
  const hint = unlockHint(opts);
  switch (status.kind) {
    case 'ours':
      return `${opts.label}: the embedded database ${opts.dir} is in use by this process (close the other connection first)`;
    case 'live':
      return (
        `${opts.label} is in use by ${describeHolder(status.info)} since ${status.info.started_at ?? 'an unknown time'}; try again later\n` +
        `  (lock file ${file}; if that process hangs, stop it, or break the lock with: ${hint} --force)`
      );
    case 'stale':
      return (
        `${opts.label}: stale lock: ${file} was taken by ${describeHolder(status.info)} at ${status.info.started_at ?? 'an unknown time'}, and ${status.why}.\n` +
        `  If no meshward is using ${opts.dir}, break the lock with: ${hint}`
      );
    case 'unknown':
      return (
        `${opts.label}: ${opts.dir} is locked${status.info ? ` by ${describeHolder(status.info)} since ${status.info.started_at ?? 'an unknown time'}` : ''}; ${status.why}.\n` +
        `  If no meshward is using it, break the lock with: ${hint} --force`
      );
  }
}

/** Removes the lock file if it is still ours (never one another process took meanwhile). */
function releaseLockFile(file: string, token: string): void {
  if (held.get(file) !== token) return;
  held.delete(file);
  try {
    if (parseLock(readLockText(file) ?? '')?.token === token) unlinkSync(file);
  } catch {
    // already gone
  }
  if (held.size === 0) removeExitHandlers();
}

/** Releases every lock file this process holds (exit, signals). */
function releaseAll(): void {
  for (const [file, token] of [...held]) releaseLockFile(file, token);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

/**
 * While a lock is held: release it on exit (also after an uncaught error, which exits through
 * 'exit') and on SIGINT/SIGTERM/SIGHUP — then the signal's default action runs (re-raised)
 * unless someone else listens for it. Removed again when nothing is held, so a process that
 * holds no lock keeps Node's defaults.
 */
function installExitHandlers(): void {
  if (signalHandlers.size > 0) return;
  process.on('exit', releaseAll);
  for (const sig of SIGNALS) {
    const handler = () => {
      releaseAll();
      removeExitHandlers();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    signalHandlers.set(sig, handler);
    process.on(sig, handler);
  }
}

function removeExitHandlers(): void {
  process.removeListener('exit', releaseAll);
  for (const [sig, handler] of signalHandlers) process.removeListener(sig, handler);
  signalHandlers.clear();
}

/**
 * `meshward unlock` on an embedded target: nothing to do without a lock file; a stale lock is
 * broken; a live (or unverifiable) one only with `force`. Never opens the database.
 */
export function unlockFile(file: string, opts: LockFileOptions & { readonly force: boolean; readonly stopWaitMs?: number }): UnlockResult {
  const text = readLockText(file);
  if (text === null) return { status: 'free', message: `${opts.label} is not locked (no ${file})` };
  const status = lockStatus(file, parseLock(text));
  const since = (info: LockInfo | null) => (info ? ` since ${info.started_at ?? 'an unknown time'}` : '');
  if (status.kind === 'stale') {
    return breakIfUnchanged(file, text, `${opts.label}: broke the stale lock of ${describeHolder(status.info)}, taken at ${status.info.started_at ?? 'an unknown time'} (${status.why})`);
  }
  const holder = status.kind === 'ours' ? 'this process' : status.info ? describeHolder(status.info) : `an unreadable lock file (${file})`;
  if (!opts.force) {
    const why = status.kind === 'unknown' ? `; ${status.why}` : ', which is still running';
    return {
      status: 'refused',
      message: `${opts.label} is locked by ${holder}${since(status.kind === 'ours' ? null : status.info)}${why}.\n  Refusing to break a live lock: stop that process first, or pass --force if you are sure it no longer uses ${opts.dir}.`,
    };
  }
  if (status.kind === 'live') return stopHolderThenBreak(file, text, status.info, holder, opts, opts.stopWaitMs ?? STOP_WAIT_MS);
  return breakIfUnchanged(
    file,
    text,
    `${opts.label}: broke the lock of ${holder}${since(status.kind === 'ours' ? null : status.info)} (--force); if that process still uses ${opts.dir}, stop it now: two processes on one embedded database corrupt it`,
  );
}

/** How long `unlock --force` waits for a live holder on this host to stop after SIGTERM. */
const STOP_WAIT_MS = 10_000;

/**
 * `--force` on a lock whose holder runs on this host: breaking the lock alone would let a second
 * process open the embedded database while the first still writes to it (that corrupts it), so
 * the holder is stopped first — SIGTERM, which rolls back its open transaction and releases the
 * lock through its signal handler — and the lock is broken only once it is gone.
 */
function stopHolderThenBreak(file: string, judged: string, info: LockInfo, holder: string, opts: LockFileOptions, waitMs: number): UnlockResult {
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') {
      return { status: 'refused', message: `${opts.label} is locked by ${holder}, which could not be stopped (${(e as Error).message}); stop it yourself, then run ${unlockHint(opts)}` };
    }
  }
  for (const started = Date.now(); isAlive(info.pid); ) {
    if (Date.now() - started > waitMs) {
      return {
        status: 'refused',
        message: `${opts.label} is locked by ${holder}, which did not stop within ${waitMs / 1000} s of SIGTERM; the lock is kept. Stop it (kill -9 ${info.pid}), then run ${unlockHint(opts)}`,
      };
    }
    sleepSync(50);
  }
  const stopped = `${opts.label}: stopped ${holder} (SIGTERM; its open transaction was not committed)`;
  const now = readLockText(file);
  if (now === null) return { status: 'broken', message: `${stopped}; it released the lock as it stopped` };
  if (now !== judged) return { status: 'refused', message: `${stopped}, but ${file} was taken by another process meanwhile; run meshward unlock again` };
  unlinkSync(file);
  return { status: 'broken', message: `${stopped}, and broke its lock` };
}

/** Deletes the lock file only if it still holds what was judged (not a lock taken since). */
function breakIfUnchanged(file: string, judged: string, message: string): UnlockResult {
  const now = readLockText(file);
  if (now === null) return { status: 'free', message: `${file} was released meanwhile` };
  if (now !== judged) return { status: 'refused', message: `${file} changed while it was being examined (another process took it); run meshward unlock again` };
  unlinkSync(file);
  return { status: 'broken', message };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exited process its parent has not reaped yet (Linux /proc): it holds nothing any more. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** When a process started (Linux /proc; undefined elsewhere or when unreadable). */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    const ticks = Number(fields[19]); // field 22: starttime, clock ticks after boot
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(ticks) || !btime) return undefined;
    return Number(btime) * 1000 + (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
