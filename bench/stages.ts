import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkFederation } from '../src/config/checks/federation.js';
import { checkReferences } from '../src/config/checks/references.js';
import { expandTargetSettings } from '../src/config/env.js';
import { parseInventory } from '../src/config/inventory.js';
import { loadRepository } from '../src/config/load.js';
import { diffObjects } from '../src/plan/diff.js';
import { buildPlan, joinedRenderer } from '../src/plan/plan.js';
import { resolve } from '../src/resolve/resolve.js';
import { targetFor } from '../src/targets/index.js';
import type { TargetContext } from '../src/targets/target.js';
import { minimumStatements } from './minimum.js';

/**
 * Child process of the benchmark: the in-process stages through dist/src's functions, in order —
 * load (files → model), resolve (model + inventory → resolved tables), compile (→ desired native
 * objects), diff (desired vs an empty target) and render (the whole plan from empty: diff, hazards,
 * order, SQL). Prints one JSON line: per stage its milliseconds and the process's peak RSS so far.
 * With `--statements FILE` it writes the plan's statements there as a script, and as a JSON list
 * to FILE.json (the floors run them).
 *
 *   node dist/bench/stages.js DIR TARGET [--statements FILE]
 */
const [dir, targetName, flag, statementsFile] = process.argv.slice(2);
if (!dir || !targetName) throw new Error('usage: stages.js DIR TARGET [--statements FILE]');

const stages: { stage: string; ms: number; rssMb: number }[] = [];
function stage<T>(name: string, f: () => T): T {
  const started = performance.now();
  const value = f();
  stages.push({ stage: name, ms: performance.now() - started, rssMb: process.resourceUsage().maxRSS / 1024 });
  return value;
}

const loaded = stage('load', () => loadRepository(dir));
const model = loaded.model;
if (!model || loaded.diagnostics.hasErrors) throw new Error(`the generated repository does not load: ${loaded.diagnostics.errors[0]?.message}`);
const diags = loaded.diagnostics;
const inventoryFile = join(loaded.root, 'inventory.json');
const resolved = stage('resolve', () => {
  const inventory = parseInventory(inventoryFile, readFileSync(inventoryFile, 'utf8'), diags);
  checkReferences(model, diags);
  checkFederation(model, diags);
  return resolve(model, inventory, diags);
});
if (diags.hasErrors) throw new Error(`the generated repository has errors: ${diags.errors[0]?.message}`);
const decl = model.project.targets.find((t) => t.name === targetName);
if (!decl) throw new Error(`no target ${targetName}`);
const target = targetFor(decl.type)!;
const ctx: TargetContext = { model, target: decl, settings: expandTargetSettings(decl, process.env, diags), root: loaded.root, diagnostics: diags };
const desired = stage('compile', () => target.compile(resolved, ctx));
stage('diff', () => diffObjects(desired, []));
const { plan } = stage('render', () =>
  buildPlan({ target, targetName: decl.name, project: model.project.name, desired, current: [], findings: [], stateHash: 'none', render: (c) => target.render(c, { ...ctx, desired }), renderJoined: joinedRenderer(target, { ...ctx, desired }) }),
);
const statements = plan.changes.flatMap((c) => c.steps.flatMap((s) => (s.kind === 'sql' ? [s.text] : [])));
if (flag === '--statements' && statementsFile) {
  writeFileSync(statementsFile, statements.map((s) => (/;\s*$/.test(s) ? s : `${s};`)).join('\n') + '\n');
  writeFileSync(`${statementsFile}.json`, JSON.stringify(statements)); // one by one, for floor (a′) on PGlite
}
const sqlBytes = statements.reduce((n, s) => n + Buffer.byteLength(s), 0);
// the floor: the fewest statements the engine allows for these changes (plan.summary.floor, counted by the target);
// bench/minimum.ts's cruder bound (one GRANT per object) is kept beside it
const { minimum: crude, byKind } = minimumStatements(desired, plan.changes);
const minimum = plan.summary.floor ?? crude;
process.stdout.write(JSON.stringify({ stages, objects: desired.length, objectsByKind: byKind, changes: plan.changes.length, statements: statements.length, minimumStatements: minimum, sqlBytes }) + '\n');
