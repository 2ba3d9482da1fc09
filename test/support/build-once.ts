import { existsSync, mkdirSync, rmSync } from 'node:fs';

/**
 * Builds something once for every test process of a run: the first process to take the lock
 * directory `lock` (beside what is built, never inside it) runs `build`, which must create
 * `marker` last; the others wait until `marker` exists (or give up after `waitMs`).
 */
export async function buildOnce(marker: string, lock: string, build: () => Promise<void>, waitMs = 180_000): Promise<void> {
  if (existsSync(marker)) return;
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(marker)) return;
      if (Date.now() - started > waitMs) throw new Error(`waited ${Math.round(waitMs / 60_000)} minutes for ${lock}; remove it if no test run is building it`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (!existsSync(marker)) await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
