import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Diagnostics } from '../src/config/diagnostics.js';
import { buildPlan, joinedRenderer } from '../src/plan/plan.js';
import { postgresTarget } from '../src/targets/postgres/index.js';
import type { NativeObject, RenderContext } from '../src/targets/target.js';
import { validateRepository } from '../src/validate.js';
import { generateRepository } from './generate.js';

/**
 * Stage by stage, for generated estates (20 columns per table, 50 domains, `groups` groups per
 * domain): validate (load + resolve), compile, plan from empty (diff + render + joins) and a
 * no-change plan (diff of the model against itself), with the statements to converge, the
 * floor and the statements per table; RSS after each. One process per size, like the CLI.
 *
 *   node dist/bench/compile.js 1000,10000 10
 */
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
function time<T>(f: () => T): [T, number] {
  const start = performance.now();
  const value = f();
  return [value, Math.round(performance.now() - start)];
}

const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
const groupsPerDomain = Number(process.argv[3] ?? 10);
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), `meshward-bench-compile-${size}-`));
  generateRepository(dir, size, 50, groupsPerDomain);
  const [result, validateMs] = time(() => validateRepository({ dir }));
  const resolved = result.resolved!;
  const decl = resolved.model.project.targets[0]!;
  const ctx: RenderContext = { model: resolved.model, target: decl, settings: {}, root: dir, diagnostics: new Diagnostics(), desired: [] };
  const [desired, compileMs] = time(() => postgresTarget.compile(resolved, ctx));
  const rctx = { ...ctx, desired };
  const plan = (current: readonly NativeObject[]) =>
    buildPlan({ target: postgresTarget, targetName: 'local', project: 'bench', desired, current, findings: [], stateHash: 'h', render: (c) => postgresTarget.render(c, rctx), renderJoined: joinedRenderer(postgresTarget, rctx) }).plan;
  const [first, planMs] = time(() => plan([]));
  const afterPlan = mb();
  const current = desired.map((o) => ({ ...o, spec: JSON.parse(JSON.stringify(o.spec)) as Record<string, unknown> })); // as introspection would give them: other objects
  const [again, noChangeMs] = time(() => plan(current));
  const columns = resolved.tables.reduce((n, t) => n + t.table.columns.length, 0);
  console.log(
    `tables=${size} columns=${columns} groups=${resolved.model.groups.size} · validate ${validateMs} ms · compile ${compileMs} ms · plan from empty ${planMs} ms (RSS ${afterPlan} MiB) · ` +
      `no-change diff ${noChangeMs} ms (${again.changes.length} changes) · statements ${first.summary.statements}, floor ${first.summary.floor}, ${(first.summary.statements / size).toFixed(2)} per table · RSS ${mb()} MiB`,
  );
  rmSync(dir, { recursive: true, force: true });
}
