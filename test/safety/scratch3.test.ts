import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { it } from 'vitest';
import { pgliteConnection } from '../../src/targets/postgres/embedded.js';
import { describeCase, exposureCaseArb, runCase } from '../support/exposure-random.js';
import { writeFileSync } from 'node:fs';
it('survey', async () => {
  const conn = pgliteConnection(await PGlite.create());
  const cases = fc.sample(exposureCaseArb(), { numRuns: Number(process.env.N ?? 100), seed: Number(process.env.SEED ?? 1) });
  let fails = 0; const out: string[] = [];
  const t0 = performance.now();
  for (const [i, c] of cases.entries()) {
    const r = await runCase(conn, c, 'survey', 'mw_');
    const ex = r.report.violations.filter((v) => v.kind === 'exposure');
    const other = r.report.violations.filter((v) => v.kind !== 'exposure');
    if (r.report.violations.length) {
      fails++;
      const first = ex[0] ?? other[0]!;
      const kind = (first.sql ?? '').split('\n')[0].replace(/"[^"]*"/g, 'X').slice(0, 60);
      const notUsed = /NOT IN user|NOT \((?:[^()]|\([^()]*\))*(user\.|in_group)/.test(JSON.stringify([c.old, c.next]));
      out.push(`case ${i}: ${ex.length} exposure, ${other.length} other; first at step ${first.step}/${r.statements.length} [${kind}] NOT=${notUsed} ${first.principal.join('+')} ${first.column ?? ''} ${first.why}\n  edits: ${c.edits.join('; ')}`);
      writeFileSync(`/tmp/survey-case-${i}.txt`, describeCase(c) + '\n--- plan\n' + r.statements.map((s, k) => `${k + 1}: ${s}`).join('\n') + '\n--- violations\n' + r.problems.slice(0, 40).join('\n'));
    }
  }
  console.log(`${cases.length} cases, ${fails} failing, ${((performance.now() - t0) / 1000).toFixed(1)} s\n` + out.join('\n'));
  await conn.close();
}, 3600000);
