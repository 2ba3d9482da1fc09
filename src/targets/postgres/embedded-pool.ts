import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A test seam, off unless a test harness turns it on: embedded databases a command closes are
 * kept open ("parked") for the next command of the same process, instead of being shut down and
 * started again (a PGlite start is ~0.3 s of CPU, more than most commands take on the example).
 * The product never parks: `meshward` opens and closes its database once per command.
 *
 * The lock file is still taken and released per command — only the PGlite instance is kept. A
 * parked instance never writes: it is checkpointed when parked, so its directory on disk is
 * complete, and it is reused only when the directory is unchanged since (its control file, which
 * any other open and close rewrites, has the same inode, size and mtime); otherwise it is dropped
 * without shutting down (a shutdown would write over what the other process left).
 */

interface Parked {
  readonly db: PGlite;
  readonly stamp: string;
}

/** At most this many parked instances (each holds its engine's memory); the oldest is shut down. */
const MAX_PARKED = 2;
const parked = new Map<string, Parked>();
let enabled = false;

/** Parks databases closed from now on (true), or stops parking (false; what is parked stays until flushed). */
export function parkEmbeddedDatabases(on: boolean): void {
  enabled = on;
}

/**
 * The parked instance for `dir`, taken out of the pool, when it may be used again; undefined
 * otherwise. A parked instance of `dir` that may not be reused is shut down (directory unchanged)
 * or dropped (changed by someone else), so a new open never runs beside it.
 */
export async function takeParked(dir: string): Promise<PGlite | undefined> {
  const key = resolve(dir);
  const entry = parked.get(key);
  if (!entry) return undefined;
  parked.delete(key);
  if (enabled && stampOf(key) === entry.stamp) return entry.db;
  await release(key, entry);
  return undefined;
}

/**
 * Parks `db` (open on `dir`) for reuse when parking is on: rolls back what a failed command left
 * open, resets the session (settings, role, temporary objects, prepared statements) and
 * checkpoints. Returns false, and leaves `db` to the caller to close, when parking is off or any
 * of that fails.
 */
export async function park(dir: string, db: PGlite): Promise<boolean> {
  if (!enabled || db.closed) return false;
  try {
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    await db.exec('DISCARD ALL');
    await db.exec('CHECKPOINT');
  } catch {
    return false;
  }
  const key = resolve(dir);
  parked.set(key, { db, stamp: stampOf(key) });
  while (parked.size > MAX_PARKED) {
    const [oldest, entry] = parked.entries().next().value as [string, Parked];
    parked.delete(oldest);
    await release(oldest, entry);
  }
  return true;
}

/** Releases every parked instance (see release). */
export async function flushParked(): Promise<void> {
  const entries = [...parked];
  parked.clear();
  for (const [dir, entry] of entries) await release(dir, entry);
}

/**
 * Shuts a parked instance down when that writes nothing another process made: its directory is
 * unchanged, or gone (the writes fail: its parent no longer exists). A directory someone else
 * opened since, or made anew at the same path, is left alone and the instance is dropped.
 */
async function release(dir: string, entry: Parked): Promise<void> {
  const now = stampOf(dir);
  if (now !== entry.stamp && now !== 'gone') return;
  await entry.db.close().catch(() => undefined);
}

function stampOf(dir: string): string {
  try {
    const s = statSync(join(dir, 'global', 'pg_control'));
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return existsSync(dir) ? 'missing' : 'gone';
  }
}
