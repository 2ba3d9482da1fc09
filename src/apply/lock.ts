import type { TargetSession } from '../session/open-target.js';
import { errorsOf } from './apply.js';
import { TargetLockedError, type HeldLock } from '../targets/target.js';

/**
 * Serialises applies on one target (issue 5): two applies can never interleave. The target's
 * `state.lock` is taken on the apply connection before the state check and released after the
 * audit record is written (run.ts) — also when the apply fails or throws. On a server it is a
 * session-level advisory lock (released by the server if the connection dies); an embedded
 * database is already held exclusively through its lock file since it was opened.
 *
 * Busy → exit 1 with the holder named: "target 't' is being applied by meshward user@host (pid N)
 * since …; try again later".
 */

/**
 * TEST ONLY: milliseconds to sleep right after the lock is taken, so that a test can start a
 * second apply while the first one holds it. Never set it outside tests.
 */
export const TEST_HOLD_LOCK_ENV = 'MESHWARD_TEST_HOLD_LOCK_MS';

const NO_LOCK: HeldLock = { release: async () => undefined };

/** What an apply asks the lock before each step: throws when the lease could not be renewed. */
export interface LockGuard {
  check(): void;
}

/** The apply lock could not be taken (another apply holds it, or the store refused); the message says which (exit 1). */
export class ApplyLockError extends Error {
  override readonly name = 'ApplyLockError';
}

/** The apply lock's lease was not renewed in time: another apply may hold the target now. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export async function withApplyLock<T>(session: TargetSession, fn: (guard: LockGuard) => Promise<T>): Promise<T> {
  let lock: HeldLock;
  try {
    const take = session.target.state.lock;
    lock = take ? await take(session.conn, session.ctx) : NO_LOCK;
  } catch (e) {
    if (e instanceof TargetLockedError) throw new ApplyLockError(e.message);
    throw new ApplyLockError(`meshward: target '${session.decl.name}': cannot take the apply lock: ${(e as Error).message}`);
  }
  let lost: string | null = null;
  const lease = lock.lease;
  const timer = lease
    ? setInterval(() => {
        lease.renew().catch((e: unknown) => void (lost ??= errorsOf(session).describe(e)));
      }, lease.everyMs)
    : undefined;
  timer?.unref();
  const guard: LockGuard = {
    check() {
      if (lost !== null) throw new LeaseLostError(`the apply lease of target '${session.decl.name}' could not be renewed (${lost}); another apply may hold the target, so this one stopped`);
    },
  };
  try {
    await testHold(session.decl.name);
    return await fn(guard);
  } finally {
    if (timer) clearInterval(timer);
    await lock.release().catch(() => undefined); // never hides the apply's own error
  }
}

async function testHold(target: string): Promise<void> {
  const ms = Number(process.env[TEST_HOLD_LOCK_ENV] ?? '');
  if (!Number.isFinite(ms) || ms <= 0) return;
  process.stderr.write(`meshward: test hook ${TEST_HOLD_LOCK_ENV}: holding the apply lock of target '${target}' for ${ms} ms\n`);
  await new Promise((r) => setTimeout(r, ms));
}
