import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BENCH_DIR, CLI, REPO_ROOT, lastLine, runNode, runProcess } from './child.js';
import { pgliteEngine, serverEngine, type Engine } from './engines.js';
import { applyModelEdit, ESTATE_ARGS, estateOptions, generateEstate, type EstateOptions } from './generate.js';
import { renderTable, type RunResult } from './report.js';
import { fromRun, jsonChild, skipped, type Step } from './steps.js';

/**
 * `npm run bench [-- --tables 1000,10000] [--engines pglite,server] [--timeout 300] …`
 *
 * Per estate size × engine: generates a seeded estate (bench/generate.ts), then measures, each in
 * a child process (wall time and peak RSS): validate; the in-process stages (load, resolve,
 * compile, diff, render); plan from empty; apply from empty; plan and drift with no change;
 * drift, plan and apply of a 1 % out-of-band drift; plan and apply of a 1 % model edit — against
 * floors measured in the same run: (a) the same statements as one transaction (psql -1 -f; on
 * PGlite one exec), (b) one bulk catalog read, (c) the peers' one query per table, view and role.
 * A failed step is recorded with its one-line cause and the run goes on. Prints one table per
 * size × engine and writes bench/results/<timestamp>-<engine>-<tables>.json.
 */
const { values } = parseArgs({
  options: {
    ...ESTATE_ARGS,
    engines: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    'apply-timeout': { type: 'string' },
    'setup-timeout': { type: 'string', default: '900' },
    scratch: { type: 'string' },
    results: { type: 'string', default: join(REPO_ROOT, 'bench', 'results') },
    keep: { type: 'boolean', default: false },
  },
});

const serverUrl = process.env.MESHWARD_TEST_PG_URL;
const engines = (values.engines ?? (serverUrl ? 'pglite,server' : 'pglite')).split(',').filter(Boolean);
for (const e of engines) {
  if (e !== 'pglite' && e !== 'server') throw new Error(`--engines: pglite or server, not ${e}`);
  if (e === 'server' && !serverUrl) throw new Error('--engines server needs MESHWARD_TEST_PG_URL (a PostgreSQL superuser URL)');
}
const timeoutMs = Number(values.timeout) * 1000;
const applyTimeoutMs = Number(values['apply-timeout'] ?? values.timeout) * 1000;
const setupTimeoutMs = Number(values['setup-timeout']) * 1000;
const runId = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const scratchRoot = resolve(values.scratch ?? join('/tmp', 'meshward-bench'), runId);
const STAGES = join(BENCH_DIR, 'stages.js');
const SESSION = join(BENCH_DIR, 'session.js');
/** What plan and drift print when a convergence stamp proved the live state (cli/views/plan.ts, commands/drift.ts). */
const STAMPED = /Live state proven unchanged since the stamp/;
const CATALOG = join(BENCH_DIR, 'catalog.js');

for (const tables of values.tables.split(',').map(Number)) {
  const options: EstateOptions = estateOptions(values, tables);
  for (const engineName of engines) {
    const result = await measure(options, engineName as 'pglite' | 'server');
    process.stdout.write(renderTable(result) + '\n');
    mkdirSync(values.results, { recursive: true });
    const file = join(values.results, `${result.started_at.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z')}-${engineName}-${tables}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`  → ${file}\n`);
  }
}
if (!values.keep) rmSync(scratchRoot, { recursive: true, force: true });

async function measure(options: EstateOptions, engineName: 'pglite' | 'server'): Promise<RunResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineFacts();
  const scratch = join(scratchRoot, `${options.tables}-${engineName}`);
  const dir = join(scratch, 'repo');
  const estate = generateEstate(dir, options);
  const tag = `bench${runId}`.slice(0, 12);
  const engine: Engine = engineName === 'pglite' ? pgliteEngine(dir, scratch, join(resolve(values.scratch ?? join('/tmp', 'meshward-bench')), 'pglite-cache')) : await serverEngine(dir, serverUrl!, tag);
  const steps: Step[] = [];
  const add = (s: Step): Step => {
    steps.push(s);
    process.stderr.write(`  [${engineName} ${options.tables}] ${s.name}: ${s.ms === null ? '–' : `${(s.ms / 1000).toFixed(2)} s`} ${s.note}\n`);
    return s;
  };
  const cli = (name: string, args: string[], okCodes: number[], note: (out: string) => string, data: (out: string) => Record<string, unknown> = () => ({}), limit = timeoutMs): Step => {
    const live = args[0] === 'validate' ? ['--dir', dir] : ['--dir', dir, '--target', engine.target];
    const run = runNode(CLI, [...args, ...live], { cwd: dir, env: engine.env, timeoutMs: limit, okCodes });
    const out = `${run.stdout}\n${run.stderr}`;
    return add(fromRun(name, 'cli', run, note(out), { code: run.code, ...data(out) }));
  };
  const statementsFile = join(scratch, 'statements.sql');
  let version = 'unknown';
  try {
    cli('validate', ['validate'], [0], (out) => lastLine(out.split('\n').filter((l) => /valid|error/.test(l)).join('\n')));
    const stages = jsonChild('stages', 'stage', STAGES, [dir, engine.target, '--statements', statementsFile], { env: engine.env, timeoutMs }, () => '');
    const stageValues = stages.value as
      | { stages: { stage: string; ms: number; rssMb: number }[]; statements: number; minimumStatements: number; changes: number; sqlBytes: number; objects: number; objectsByKind: Record<string, number> }
      | undefined;
    if (stageValues) {
      const notes: Record<string, string> = {
        load: 'in process: files → model',
        resolve: 'inventory, cross-checks, resolution',
        compile: `${stageValues.objects.toLocaleString('en-US')} desired objects`,
        diff: 'desired vs an empty target',
        render: `plan from empty: ${stageValues.statements.toLocaleString('en-US')} statements, ${(stageValues.sqlBytes / 1e6).toFixed(1)} MB SQL`,
      };
      for (const s of stageValues.stages) add({ name: s.stage === 'diff' ? 'diff (from empty)' : s.stage === 'render' ? 'render (diff+hazards+SQL)' : s.stage, group: 'stage', ok: true, ms: s.ms, rssMb: s.rssMb, note: notes[s.stage] ?? '' });
    } else add({ ...stages.step, name: 'stages (load … render)' });

    const boot = add(engine.bootstrap(setupTimeoutMs));
    version = boot.ok ? await engine.version() : 'not bootstrapped';
    const live = boot.ok ? undefined : 'the bootstrap failed';
    const planStep = (name: string, extra: string[] = []) =>
      cli(name, ['plan', '--no-sql', '--detailed-exitcode', ...extra], [0, 2], (out) => (/^Plan: .*$/m.exec(out)?.[0] ?? lastLine(out)).replace(/ · state [0-9a-f]+$/, ''), (out) => ({ statements: count(/· ([\d,]+) statements? ·/, out), in_sync: /^No changes\. /m.test(out), stamped: STAMPED.test(out) }));
    const applyStep = (name: string) =>
      cli(name, ['apply', '--yes'], [0], (out) => (/^Applied .*$/m.exec(out)?.[0] ?? /^Nothing to apply.*$/m.exec(out)?.[0] ?? lastLine(out)), (out) => ({ applied: count(/^Applied ([\d,]+) statement/m, out) }), applyTimeoutMs);
    const driftStep = (name: string, extra: string[] = []) =>
      cli(name, ['drift', ...extra], [0, 2], (out) => lastLine(out.split('\n').filter((l) => /in sync|drifted object/.test(l)).join('\n')) || lastLine(out), (out) => ({ drifted: /in sync with the last apply/.test(out) ? 0 : count(/^([\d,]+) drifted object/m, out), stamped: STAMPED.test(out) }));

    const planEmpty = live ? add(skipped('plan from empty', 'cli', live)) : planStep('plan from empty');
    const floorA = live || !stageValues ? add(skipped('(a) same SQL, one transaction', 'floor', live ?? 'no statements')) : add(await engine.floorApply(statementsFile, applyTimeoutMs));
    const applyEmpty = live ? add(skipped('apply from empty', 'cli', live)) : applyStep('apply from empty');
    const applied = live ?? (applyEmpty.ok ? undefined : 'apply from empty failed');
    const noChange = applied ? add(skipped('plan, no change', 'cli', applied)) : planStep('plan, no change');
    const inSync = applied ? add(skipped('drift, in sync', 'cli', applied)) : driftStep('drift, in sync');
    // the same two without the convergence stamp: what a read of the whole catalog costs (README, Performance)
    const noChangeFull = applied ? add(skipped('plan, no change, --no-stamp', 'cli', applied)) : planStep('plan, no change, --no-stamp', ['--no-stamp']);
    const inSyncFull = applied ? add(skipped('drift, in sync, --no-stamp', 'cli', applied)) : driftStep('drift, in sync, --no-stamp', ['--no-stamp']);
    let session: Record<string, unknown> | undefined;
    if (applied) {
      add(skipped('introspect (in process)', 'stage', applied));
      add(skipped('drift (in process)', 'stage', applied));
    } else {
      const s = jsonChild('introspect + drift (in process)', 'stage', SESSION, [dir, engine.target], { env: engine.env, timeoutMs }, () => '');
      session = s.value;
      if (session) {
        add({ name: 'introspect (in process)', group: 'stage', ok: true, ms: Number(session.introspectMs), rssMb: s.step.rssMb, note: `${session.introspectQueries} catalog queries, ${session.objects} objects (session opened in ${(Number(session.openMs) / 1000).toFixed(1)} s)` });
        add({ name: 'drift (in process)', group: 'stage', ok: true, ms: Number(session.driftMs), rssMb: s.step.rssMb, note: `${session.driftQueries} catalog queries, ${session.driftItems} items` });
      } else add({ ...s.step, name: 'introspect (in process)' });
    }
    const bulk = live ? add(skipped('(b) one bulk catalog read', 'floor', live)) : catalogStep('(b) one bulk catalog read', 'bulk', [], (v) => `1 query, ${Number(v.rows).toLocaleString('en-US')} rows`);
    const peers = live ? add(skipped('(c) peers: a query per object', 'floor', live)) : catalogStep('(c) peers: a query per object', 'peers', ['--prefix', engine.prefix], (v) => `${Number(v.queries).toLocaleString('en-US')} queries: ${v.tables} tables, ${v.views} views, ${v.roles} roles`);

    const inject = applied ? add(skipped('inject 1 % drift', 'setup', applied)) : catalogStep('inject 1 % drift', 'inject', ['--prefix', engine.prefix, '--fraction', '0.01'], (v) => `${v.objects} of ${v.views} views: ${v.replaced} replaced, ${v.revoked} lost a grant, ${v.granted} gained one`, 'setup');
    const drifted = applied ?? (inject.ok ? undefined : 'the drift injection failed');
    const driftFound = drifted ? add(skipped('drift (1 % drift)', 'cli', drifted)) : driftStep('drift (1 % drift)');
    const planDrift = drifted ? add(skipped('plan (1 % drift)', 'cli', drifted)) : planStep('plan (1 % drift)');
    const applyDrift = drifted ? add(skipped('apply (1 % drift)', 'cli', drifted)) : applyStep('apply (1 % drift)');
    const editedTables = applied ? 0 : applyModelEdit(dir, options, 0.01);
    if (!applied) add({ name: 'model edit 1 %', group: 'setup', ok: true, ms: null, rssMb: null, note: `${editedTables} tables gain a grant to another domain's group` });
    const planEdit = applied ? add(skipped('plan (1 % model edit)', 'cli', applied)) : planStep('plan (1 % model edit)');
    const applyEdit = applied ? add(skipped('apply (1 % model edit)', 'cli', applied)) : applyStep('apply (1 % model edit)');
    const converged = applied ? add(skipped('plan after the edits (no change)', 'cli', applied)) : planStep('plan after the edits (no change)');

    const ratio = (a: Step, b: Step | number | undefined) => {
      const bm = typeof b === 'number' ? b : b?.ok ? b.ms : null;
      return a.ok && a.ms && bm ? a.ms / bm : null;
    };
    const introspectMs = session ? Number(session.introspectMs) : undefined;
    const driftMs = session ? Number(session.driftMs) : undefined;
    const bulkMs = bulk.ok ? bulk.ms! : undefined;
    const peersMs = peers.ok ? peers.ms! : undefined;
    const over = (x: number | undefined, y: number | undefined) => (x && y ? x / y : null);
    const ratios = {
      apply_vs_a: ratio(applyEmpty, floorA),
      plan_nochange_vs_b: ratio(noChange, bulkMs),
      drift_vs_b: ratio(inSync, bulkMs),
      introspect_vs_b: over(introspectMs, bulkMs),
      drift_inprocess_vs_b: over(driftMs, bulkMs),
      peers_vs_plan_nochange: noChange.ok ? over(peersMs, noChange.ms!) : null,
      peers_vs_drift: inSync.ok ? over(peersMs, inSync.ms!) : null,
      peers_vs_introspect: over(peersMs, introspectMs),
      peers_vs_drift_inprocess: over(peersMs, driftMs),
      plan_nochange_full_vs_b: ratio(noChangeFull, bulkMs),
      peers_vs_plan_nochange_full: noChangeFull.ok ? over(peersMs, noChangeFull.ms!) : null,
      peers_vs_drift_full: inSyncFull.ok ? over(peersMs, inSyncFull.ms!) : null,
    };
    const statements = stageValues?.statements;
    const summary = {
      statements,
      statements_per_table: statements ? Number((statements / options.tables).toFixed(1)) : null,
      minimum_statements: stageValues?.minimumStatements ?? null,
      statements_vs_minimum: statements && stageValues?.minimumStatements ? Number((statements / stageValues.minimumStatements).toFixed(2)) : null,
      objects: stageValues?.objects ?? null,
      objects_by_kind: stageValues?.objectsByKind ?? null,
      sql_mb: stageValues ? Number((stageValues.sqlBytes / 1e6).toFixed(1)) : null,
      plan_from_empty_statements: planEmpty.data?.statements ?? null,
      applied_statements: applyEmpty.data?.applied ?? null,
      converged_after_apply: noChange.ok ? noChange.data?.in_sync === true : null,
      // whether the no-change plan and the clean drift were proven by the stamp the apply wrote (not a full read)
      plan_nochange_stamped: noChange.ok ? noChange.data?.stamped === true : null,
      drift_in_sync_stamped: inSync.ok ? inSync.data?.stamped === true : null,
      full_read_agrees: noChangeFull.ok && noChange.ok ? noChangeFull.data?.in_sync === noChange.data?.in_sync && inSyncFull.data?.drifted === inSync.data?.drifted : null,
      converged_after_edits: converged.ok ? converged.data?.in_sync === true : null,
      introspect_queries: session?.introspectQueries ?? null,
      drift_queries: session?.driftQueries ?? null,
      peers_queries: peers.data?.queries ?? null,
      drift_injected: inject.data?.objects ?? null,
      drift_found: driftFound.data?.drifted ?? null,
      drift_repair_statements: planDrift.data?.statements ?? null,
      drift_repair_applied: applyDrift.data?.applied ?? null,
      edited_tables: editedTables || null,
      edit_statements: planEdit.data?.statements ?? null,
      edit_applied: applyEdit.data?.applied ?? null,
      failed_steps: steps.filter((s) => !s.ok && !s.skipped).map((s) => s.name),
    };
    return { format: 1, started_at: startedAt, engine: engineName, engine_version: version, estate: { ...estate, ...options }, machine, timeouts_s: { step: timeoutMs / 1000, apply: applyTimeoutMs / 1000, setup: setupTimeoutMs / 1000 }, steps, summary, ratios, total_s: (performance.now() - started) / 1000 };
  } finally {
    await engine.cleanup();
  }

  function catalogStep(name: string, mode: string, extra: string[], note: (v: Record<string, unknown>) => string, group: Step['group'] = 'floor'): Step {
    const { step, value } = jsonChild(name, group, CATALOG, [mode, ...engine.dbArgs, ...extra], { timeoutMs }, note);
    // A floor is the catalog work itself, without the child's start-up and connection.
    return add(value && group === 'floor' ? { ...step, ms: Number(value.ms), data: { ...value, wallMs: step.ms } } : step);
  }
}

function count(pattern: RegExp, text: string): number | null {
  const m = pattern.exec(text);
  return m ? Number(m[1]!.replace(/,/g, '')) : null;
}

function machineFacts(): Record<string, unknown> {
  const git = runProcess('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, timeoutMs: 10_000 });
  const dirty = runProcess('git', ['status', '--porcelain', '--', 'src', 'templates'], { cwd: REPO_ROOT, timeoutMs: 10_000 });
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? null,
    memory_gb: Number((totalmem() / 2 ** 30).toFixed(1)),
    platform: `${platform()} ${release()}`,
    node: process.version,
    load_average_before: loadavg().map((x) => Number(x.toFixed(2))),
    commit: git.ok ? git.stdout.trim() : null,
    src_modified: dirty.ok ? dirty.stdout.trim().length > 0 : null,
  };
}
