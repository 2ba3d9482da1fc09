import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApplyLockError, TEST_HOLD_LOCK_ENV, withApplyLock } from '../../src/apply/lock.js';
import type { TargetSession } from '../../src/session/open-target.js';
import { advisoryBusyMessage, advisoryLockIds, applyLockKey } from '../../src/targets/postgres/lock.js';
import { acquireLockFile, lockStatus, parseLock, processStartMs, unlockFile } from '../../src/state/lock-file.js';
import { TargetLockedError, type HeldLock, type Target } from '../../src/targets/target.js';
import { CLI, REPO, ensureBuilt } from '../support/e2e-cli.js';

/**
 * The apply lock's parts without a database: the embedded lock file (exclusive creation, what it
 * holds, live / stale / unverifiable holders, `unlock`, release on exit and on signals), the
 * server's advisory key, and withApplyLock's contract (release always, busy → exit 1).
 */

const me = `${userInfo().username}@${hostname()}`;
let dir: string;
const opts = (name: string) => ({ label: `target '${name}'`, dir: join(dir, name), target: name });
const lockOf = (name: string) => join(dir, `${name}.lock`);
const children: ChildProcess[] = [];

/** A live process that is not us (and not meshward). */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-lock-'));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded lock file', () => {
  it('is created exclusively and holds pid, host, user, command and since when; release removes it', () => {
    const release = acquireLockFile(lockOf('a'), opts('a'));
    const info = JSON.parse(readFileSync(lockOf('a'), 'utf8'));
    expect(info).toMatchObject({ format: 1, pid: process.pid, host: hostname(), user: userInfo().username });
    expect(Array.isArray(info.command)).toBe(true);
    expect(Date.parse(info.started_at)).toBeGreaterThan(Date.now() - 60_000);
    // the same process cannot take it twice (a second connection to one data directory)
    expect(() => acquireLockFile(lockOf('a'), opts('a'))).toThrow(/target 'a': the embedded database .* is in use by this process/);
    release();
    expect(existsSync(lockOf('a'))).toBe(false);
    acquireLockFile(lockOf('a'), opts('a'))();
  });

  it('a live holder is named with its pid, user@host, command and since when; unlock refuses without --force', () => {
    const child = sleeper();
    const started = new Date(Date.now() - 1000).toISOString(); // the lock was taken after the process started
    writeFileSync(lockOf('b'), JSON.stringify({ format: 1, pid: child.pid, host: hostname(), user: userInfo().username, command: ['meshward', 'apply', '--yes'], started_at: started, token: 't' }));
    let err: Error | undefined;
    try {
      acquireLockFile(lockOf('b'), opts('b'));
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(TargetLockedError);
    expect(err!.message).toContain(`target 'b' is in use by meshward ${me} (pid ${child.pid}, running "meshward apply --yes") since ${started}; try again later`);
    const refused = unlockFile(lockOf('b'), { ...opts('b'), force: false });
    expect(refused.status).toBe('refused');
    expect(refused.message).toContain(`pid ${child.pid}`);
    expect(refused.message).toMatch(/still running[\s\S]*--force/);
    expect(existsSync(lockOf('b'))).toBe(true);
    // --force stops a live holder on this host before breaking its lock: two processes on one
    // embedded database would corrupt it
    const forced = unlockFile(lockOf('b'), { ...opts('b'), force: true });
    expect(forced.status).toBe('broken');
    expect(forced.message).toContain(`stopped meshward ${me} (pid ${child.pid}, running "meshward apply --yes") (SIGTERM`);
    expect(existsSync(lockOf('b'))).toBe(false);
    expect(() => process.kill(child.pid!, 0)).toSatisfy((f: () => void) => {
      try {
        f();
        return /^Z/.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1] ?? '');
      } catch {
        return true;
      }
    });
  });

  it('--force keeps the lock when its live holder ignores SIGTERM, and says how to stop it', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); process.stdout.write('ready\\n'); setTimeout(() => {}, 60000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    // Wait until it has installed its handler (a fixed sleep lost the race on a loaded machine).
    await new Promise<void>((ready, fail) => {
      child.stdout!.once('data', () => ready());
      child.once('exit', (code) => fail(new Error(`the holder exited early (${code})`)));
    });
    writeFileSync(lockOf('i'), JSON.stringify({ format: 1, pid: child.pid, host: hostname(), user: userInfo().username, command: ['meshward', 'apply'], started_at: new Date(Date.now() - 1000).toISOString(), token: 't' }));
    const forced = unlockFile(lockOf('i'), { ...opts('i'), force: true, stopWaitMs: 1500 });
    expect(forced.status).toBe('refused');
    expect(forced.message).toContain(`did not stop within 1.5 s of SIGTERM; the lock is kept. Stop it (kill -9 ${child.pid})`);
    expect(existsSync(lockOf('i'))).toBe(true);
  }, 30_000);

  it('a lock whose process is gone is stale: reported with its holder, never taken over; unlock breaks it', () => {
    const file = lockOf('c');
    writeFileSync(file, JSON.stringify({ format: 1, pid: 2147483646, host: hostname(), user: 'alice', command: ['meshward', 'apply'], started_at: '2026-01-02T03:04:05.000Z', token: 'x' }));
    expect(() => acquireLockFile(file, opts('c'))).toThrow(
      /target 'c': stale lock: .*c\.lock was taken by meshward alice@.* \(pid 2147483646, running "meshward apply"\) at 2026-01-02T03:04:05\.000Z, and process 2147483646 is gone\.[\s\S]*meshward unlock --target c$/,
    );
    expect(existsSync(file)).toBe(true); // not taken over
    const r = unlockFile(file, { ...opts('c'), force: false });
    expect(r).toMatchObject({ status: 'broken' });
    expect(r.message).toMatch(/broke the stale lock of meshward alice@.*pid 2147483646/);
    acquireLockFile(file, opts('c'))();
    expect(unlockFile(file, { ...opts('c'), force: false }).status).toBe('free');
  });

  it('older lock files (a pid only) are understood', () => {
    writeFileSync(lockOf('d'), '2147483646\n');
    expect(parseLock('2147483646\n')).toMatchObject({ pid: 2147483646, host: null });
    expect(() => acquireLockFile(lockOf('d'), opts('d'))).toThrow(/stale lock: .*pid 2147483646/);
    expect(unlockFile(lockOf('d'), { ...opts('d'), force: false }).status).toBe('broken');
  });

  it('our own pid in a lock we never took is stale (a pid reused, e.g. by a restarted container)', () => {
    const info = parseLock(JSON.stringify({ pid: process.pid, host: hostname(), token: 'not-ours', started_at: new Date().toISOString() }));
    expect(lockStatus(lockOf('e'), info)).toMatchObject({ kind: 'stale', why: expect.stringMatching(/this process, which never took it/) });
  });

  it.runIf(processStartMs(process.pid) !== undefined)('a live pid that started after the lock was taken is a reused pid: stale', () => {
    const child = sleeper();
    const info = parseLock(JSON.stringify({ pid: child.pid, host: hostname(), token: 't', started_at: new Date(Date.now() - 3600_000).toISOString() }));
    expect(lockStatus(lockOf('f'), info)).toMatchObject({ kind: 'stale', why: expect.stringMatching(/pid was reused/) });
  });

  it('a lock taken on another host, or unreadable, cannot be judged: refused unless --force', () => {
    writeFileSync(lockOf('g'), JSON.stringify({ pid: 12345, host: 'build-agent-7', user: 'ci', started_at: '2026-01-01T00:00:00.000Z' }));
    expect(() => acquireLockFile(lockOf('g'), opts('g'))).toThrow(/locked by meshward ci@build-agent-7 \(pid 12345\) since 2026-01-01T00:00:00\.000Z; it was taken on host build-agent-7[\s\S]*meshward unlock --target g --force/);
    expect(unlockFile(lockOf('g'), { ...opts('g'), force: false }).status).toBe('refused');
    expect(unlockFile(lockOf('g'), { ...opts('g'), force: true }).status).toBe('broken');
    writeFileSync(lockOf('h'), 'garbage');
    expect(() => acquireLockFile(lockOf('h'), opts('h'))).toThrow(/not a meshward lock file[\s\S]*--force/);
    expect(unlockFile(lockOf('h'), { ...opts('h'), force: false }).status).toBe('refused');
  });
});

describe('the lock file is released when the process ends', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  /** A child that takes the lock, says so, then waits (or throws). */
  function holder(file: string, then: 'wait' | 'throw'): Promise<{ child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
    const lockJs = pathToFileURL(join(REPO, 'dist', 'src', 'state', 'lock-file.js')).href;
    const script = `import { acquireLockFile } from ${JSON.stringify(lockJs)};
      acquireLockFile(${JSON.stringify(file)}, { label: "target 'x'", dir: 'x', target: 'x' });
      console.log('held');
      ${then === 'throw' ? "setTimeout(() => { throw new Error('boom'); }, 50);" : 'setInterval(() => {}, 1000);'}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    return new Promise((ok, fail) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && ok({ child, done }));
      child.on('exit', () => fail(new Error('the holder exited before taking the lock')));
    });
  }

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('on %s (and the signal still ends the process)', async (sig) => {
    const file = lockOf(`sig-${sig}`);
    const { child, done } = await holder(file, 'wait');
    expect(parseLock(readFileSync(file, 'utf8'))?.pid).toBe(child.pid);
    child.kill(sig);
    expect(await done).toEqual({ code: null, signal: sig });
    expect(existsSync(file)).toBe(false);
  });

  it('on an uncaught error', async () => {
    const file = lockOf('uncaught');
    const { done } = await holder(file, 'throw');
    expect((await done).code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('the CLI is what the tests spawn', () => expect(existsSync(CLI)).toBe(true));
});

describe('server advisory lock key', () => {
  it('is a stable signed 64-bit key per project, shown in pg_locks as classid (high) and objid (low)', () => {
    const k = applyLockKey('acme');
    expect(k).toBe(applyLockKey('acme'));
    expect(k).not.toBe(applyLockKey('acme2'));
    expect(k >= -(2n ** 63n) && k < 2n ** 63n).toBe(true);
    const { classid, objid } = advisoryLockIds(k);
    expect(classid).toBeLessThan(2 ** 32);
    expect(objid).toBeLessThan(2 ** 32);
    expect(BigInt.asIntN(64, (BigInt(classid) << 32n) | BigInt(objid))).toBe(k);
  });

  it('names the holder: application_name, pid, since when, and the session details', () => {
    const m = advisoryBusyMessage('staging', { pid: 4242, applicationName: 'meshward ana@ci-7', user: 'deployer', clientAddr: '10.0.0.5', backendStart: '2026-01-01T10:00:00.000Z', queryStart: '2026-01-01T10:00:03.000Z' });
    expect(m.split('\n')[0]).toBe("target 'staging' is being applied by meshward ana@ci-7 (pid 4242) since 2026-01-01T10:00:00.000Z; try again later");
    expect(m).toContain('client 10.0.0.5');
    expect(m).toContain('last statement at 2026-01-01T10:00:03.000Z');
  });
});

describe('withApplyLock', () => {
  function session(lock?: Target['state']['lock']): TargetSession {
    return { decl: { name: 't' }, conn: {}, ctx: {}, target: { type: 'fake', state: { lock } } } as unknown as TargetSession;
  }
  const counting = () => {
    const calls = { taken: 0, released: 0 };
    const applyLock = async (): Promise<HeldLock> => {
      calls.taken++;
      return { release: async () => void calls.released++ };
    };
    return { calls, applyLock };
  };

  it('runs the apply under the lock and releases it after success and after failure', async () => {
    const { calls, applyLock } = counting();
    expect(await withApplyLock(session(applyLock), async () => (calls.taken === 1 && calls.released === 0 ? 'inside' : 'outside'))).toBe('inside');
    expect(calls).toEqual({ taken: 1, released: 1 });
    await expect(withApplyLock(session(applyLock), async () => Promise.reject(new Error('apply failed')))).rejects.toThrow('apply failed');
    expect(calls).toEqual({ taken: 2, released: 2 });
  });

  it('a release that fails (a dead connection) never hides the result', async () => {
    const applyLock = async (): Promise<HeldLock> => ({ release: () => Promise.reject(new Error('connection lost')) });
    expect(await withApplyLock(session(applyLock), async () => 42)).toBe(42);
  });

  it('busy → exit 1 with the holder; any other failure to lock → exit 1 naming the target', async () => {
    const busy = async (): Promise<HeldLock> => {
      throw new TargetLockedError("target 't' is being applied by meshward a@b (pid 7) since x; try again later");
    };
    const err = await withApplyLock(session(busy), async () => 'ran').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyLockError);
    expect(err).toMatchObject({ message: "target 't' is being applied by meshward a@b (pid 7) since x; try again later" });
    const broken = async (): Promise<HeldLock> => {
      throw new Error('permission denied for function pg_try_advisory_lock');
    };
    await expect(withApplyLock(session(broken), async () => 'ran')).rejects.toMatchObject({ name: 'ApplyLockError', message: expect.stringMatching(/target 't': cannot take the apply lock: permission denied/) });
  });

  it(`the test-only hook ${TEST_HOLD_LOCK_ENV} holds the lock that long before the apply runs`, async () => {
    const { calls, applyLock } = counting();
    process.env[TEST_HOLD_LOCK_ENV] = '300';
    const stderr = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      const t = performance.now();
      await withApplyLock(session(applyLock), async () => undefined);
      expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    } finally {
      delete process.env[TEST_HOLD_LOCK_ENV];
      process.stderr.write = stderr;
    }
    expect(calls.released).toBe(1);
  });
});
