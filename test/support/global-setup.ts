import { rmSync } from 'node:fs';

/** Removes the run's tmpfs scratch directory (vitest.config.ts) when the run ends. */
export default function setup(): () => void {
  return () => {
    const dir = process.env.MESHWARD_TEST_TMPDIR;
    if (dir?.startsWith('/dev/shm/meshward-test-')) rmSync(dir, { recursive: true, force: true });
  };
}
