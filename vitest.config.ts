import { accessSync, constants, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test scratch space on tmpfs when the machine has one: every e2e test copies a 40 MB embedded
 * database (1,000 files) and deletes it after; on a virtual disk that is seconds per target, on
 * /dev/shm a tenth of that. Workers and the CLIs they spawn inherit TMPDIR, so os.tmpdir() points
 * there; test/support/global-setup.ts removes the directory at the end.
 */
function scratchDir(): string | undefined {
  if (process.env.MESHWARD_TEST_TMPDIR) return process.env.MESHWARD_TEST_TMPDIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    const dir = mkdtempSync(join('/dev/shm', 'meshward-test-'));
    process.env.MESHWARD_TEST_TMPDIR = dir; // the config is evaluated again in workers: one directory per run
    return dir;
  } catch {
    return undefined;
  }
}

const scratch = scratchDir();

/**
 * Vitest's default is one worker fewer than the CPUs — a single worker on a 2-core machine, where
 * half the suite waits on a PostgreSQL server process. One worker more than the CPUs keeps both
 * cores busy; MESHWARD_TEST_WORKERS overrides it.
 */
const workers = Number(process.env.MESHWARD_TEST_WORKERS) || availableParallelism() + 1;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A worker runs its files one after another without a new module graph per file: PGlite's
    // engine is compiled once per worker, not once per file, and imports are not repeated. What
    // a file leaves in a shared module is reset in test/support/setup-file.ts or where it is kept.
    isolate: false,
    setupFiles: ['test/support/setup-file.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: workers,
    globalSetup: ['test/support/global-setup.ts'],
    // the check records of quick-probe.ts go to the scratch space, never the user's ~/.cache
    env: { ...(scratch ? { TMPDIR: scratch, MESHWARD_TEST_TMPDIR: scratch } : {}), MESHWARD_CACHE_DIR: join(scratch ?? tmpdir(), 'meshward-cache') },
  },
});
