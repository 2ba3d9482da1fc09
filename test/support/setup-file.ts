import { afterAll } from 'vitest';
import { flushParked } from '../../src/targets/postgres/embedded-pool.js';

/**
 * Runs before every test file (vitest `setupFiles`). Workers run many files without reloading
 * modules (`isolate: false`), so what a file leaves behind in a module must be undone here:
 * the embedded databases its in-process commands kept open (embedded-pool.ts) are shut down
 * when the file ends.
 */
afterAll(flushParked);
