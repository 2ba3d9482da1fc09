import { it } from 'vitest';
import { openTarget } from '../../src/session/open-target.js';
import { makeTarget } from '../support/e2e-target.js';
import { planFor } from '../../src/cli/commands/plan.js';
import { postgresExposureProbe } from '../../src/targets/postgres/exposure.js';
import { runExposureCheck } from '../../src/safety/exposure.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
it('first apply', async () => {
  const t = await makeTarget((process.env.ENG as any) ?? 'pglite');
  rmSync(join(t.dir, 'tests'), { recursive: true, force: true });
  const s = await openTarget({ dir: t.dir, target: t.target, env: t.env });
  const { plan } = await planFor(s);
  const statements = plan.changes.flatMap((c) => c.sql);
  for (const reuse of [true, false]) {
    const probe = postgresExposureProbe(s.conn, s.ctx, { old: null, new: s.resolved }, { reuseUnchanged: reuse, preamble: s.target.applyPreamble({ lockTimeoutMs: 10_000 }) });
    const t0 = performance.now();
    const r = await runExposureCheck({ probe, oldResolved: null, newResolved: s.resolved, statements });
    console.log({ reuse, ms: performance.now() - t0, reads: probe.reads, checks: r.checks, readable: r.readable, cells: r.cells, v: r.violations.length });
  }
  await s.close(); await t.cleanup();
}, 1200000);
