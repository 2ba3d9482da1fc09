import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`node --import`) into every benchmarked child process: on exit, writes the process's
 * peak resident set size (KiB, process.resourceUsage().maxRSS) to MESHWARD_BENCH_RSS_FILE. The CLI
 * runs unchanged; a child killed by a signal (a timeout) writes nothing.
 */
const file = process.env.MESHWARD_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
