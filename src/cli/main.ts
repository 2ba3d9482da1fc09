#!/usr/bin/env node
import { interruptedMessage } from '../progress.js';
import { runCli } from './program.js';

// Ctrl-C (and SIGTERM, SIGHUP) end the command at once with one line saying what state things
// are in; the lock file's own handler (targets/postgres/lock.ts) releases the embedded lock, and
// the signal is raised again so the process ends as signalled.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\r\u001b[K${interruptedMessage(sig)}\n`);
    setImmediate(() => {
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  });
}

process.exitCode = await runCli(process.argv.slice(2));
