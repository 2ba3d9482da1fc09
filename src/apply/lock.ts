import type { TargetSession } from '../session/open-target.js';

/**
 * Serialises applies on one target (issue 5): two applies can never interleave. Placeholder
 * until the lock lands: runs `fn` directly.
 */
export async function withApplyLock<T>(session: TargetSession, fn: () => Promise<T>): Promise<T> {
  void session;
  return fn();
}
