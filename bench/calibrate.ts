import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * A fixed single-threaded CPU workload (2 M chained SHA-256 digests and 300 M integer steps),
 * printed in ms: how fast this host is right now. Shared machines vary by tens of percent within
 * an hour, so a test-suite or benchmark time is quoted with this figure beside it.
 */
const started = performance.now();
let digest = Buffer.alloc(32);
for (let i = 0; i < 2_000_000; i++) digest = createHash('sha256').update(digest).digest();
let x = 0;
for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1_000_003;
console.log(`calibration: ${Math.round(performance.now() - started)} ms (check ${x}, ${digest.toString('hex').slice(0, 8)})`);
