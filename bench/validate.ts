import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { validateRepository } from '../src/validate.js';
import { tableAccess } from '../src/resolve/access.js';
import { generateRepository } from './generate.js';

/** Prints validate and explain timings for the example and for generated models. */
function time<T>(f: () => T): [T, number] {
  const start = performance.now();
  const value = f();
  return [value, performance.now() - start];
}

function report(label: string, dir: string): void {
  validateRepository({ dir }); // warm up the JIT and the file cache
  const runs: number[] = [];
  let result: ReturnType<typeof validateRepository> | undefined;
  for (let i = 0; i < 3; i++) {
    const [r, ms] = time(() => validateRepository({ dir }));
    result = r;
    runs.push(ms);
  }
  const resolved = result!.resolved!;
  const groups = [...resolved.model.groups.keys()];
  const [, explainMs] = time(() => {
    for (const t of resolved.tables) for (const g of groups.slice(0, 10)) tableAccess(t, resolved.principals.principal([g]));
  });
  const cells = resolved.tables.length * Math.min(10, groups.length);
  const errors = result!.diagnostics.errors.length;
  console.log(
    `${label.padEnd(22)} tables=${String(resolved.tables.length).padStart(6)} groups=${String(groups.length).padStart(4)} ` +
      `validate median=${median(runs).toFixed(0)} ms (runs ${runs.map((r) => r.toFixed(0)).join('/')}) ` +
      `explain ${cells} table×group cells in ${explainMs.toFixed(0)} ms · errors=${errors}`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * One big policy file: the generated repository of 100 tables plus `groups` extra groups in
 * principals.yaml (about 420 bytes each: 120k groups ≈ 50 MB). Loading must stay linear in the
 * file's size (issue 8, item 12): positions come from one index, never from a scan per key.
 * Three in four extra groups read wh.s0.t0, which has three row filters (restricted-rows,
 * d0-own-region, d0-recent-only), under readers that waive different filters (d0_analysts_1
 * none, d0_leads d0-own-region, d1_analysts_1 through a cross-domain grant): the pair-of-waivers
 * warnings see about 90k readers of one table, so validation must stay linear in readers too.
 * The fourth extra group reads nothing (privacy_officers).
 */
const PARENTS = ['d0_analysts_1', 'd0_leads', 'd1_analysts_1', 'privacy_officers'] as const;

function bigFile(groups: number): string {
  const dir = mkdtempSync(join(tmpdir(), `meshward-bench-groups-${groups}-`));
  generateRepository(dir, 100);
  const pad = 'x'.repeat(300);
  const chunk: string[] = [];
  const file = join(dir, 'principals.yaml');
  for (let i = 0; i < groups; i++) {
    chunk.push(`  big_${i}:\n    description: "group ${i} ${pad}"\n    member_of: [${PARENTS[i % PARENTS.length]}]\n    attributes: { region: [${['EMEA', 'AMER', 'APAC'][i % 3]}] }\n`);
    if (chunk.length === 10_000 || i === groups - 1) appendFileSync(file, chunk.splice(0).join(''));
  }
  return dir;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
report('example (policies/)', join(repoRoot, 'policies'));
for (const size of (process.argv[2] ?? '1000,10000').split(',').filter(Boolean).map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), `meshward-bench-${size}-`));
  generateRepository(dir, size);
  report(`generated ${size}`, dir);
}
for (const groups of (process.argv[3] ?? '120000').split(',').filter(Boolean).map(Number)) {
  const dir = bigFile(groups);
  const mb = statSync(join(dir, 'principals.yaml')).size / 1e6;
  report(`${groups} groups (${mb.toFixed(0)} MB)`, dir);
  rmSync(dir, { recursive: true, force: true });
}
