import { performance } from 'node:perf_hooks';
import { openTarget } from '../src/session/open-target.js';

/**
 * Child process of the benchmark that opens a meshward session in process (dist/src):
 *
 *   session.js DIR TARGET --connect-only   connect (creates and bootstraps an embedded database)
 *   session.js DIR TARGET                  open, then time introspect and drift and count their catalog queries
 *
 * Prints one JSON line.
 */
const [dir, target, flag] = process.argv.slice(2);
if (!dir || !target) throw new Error('usage: session.js DIR TARGET [--connect-only]');
const started = performance.now();
const session = await openTarget({ dir, target, connectOnly: flag === '--connect-only' });
const openMs = performance.now() - started;
try {
  if (flag === '--connect-only') {
    process.stdout.write(JSON.stringify({ openMs }) + '\n');
  } else {
    const t0 = performance.now();
    const current = await session.target.introspect(session.conn, session.ctx, session.desired);
    const introspectMs = performance.now() - t0;
    const t1 = performance.now();
    const drift = await session.target.drift(session.conn, session.ctx);
    const driftMs = performance.now() - t1;
    process.stdout.write(
      JSON.stringify({ openMs, introspectMs, introspectQueries: current.queryCount, objects: current.objects.length, findings: current.findings.length, driftMs, driftQueries: drift.queryCount, driftItems: drift.items.length }) + '\n',
    );
  }
} finally {
  await session.close();
}
