import type { Step } from './steps.js';
import { ms } from './engines.js';

/** Everything one size × engine run measured: what bench/results/*.json holds. */
export interface RunResult {
  readonly format: 1;
  readonly started_at: string;
  readonly engine: string;
  readonly engine_version: string;
  readonly estate: Readonly<Record<string, unknown>>;
  readonly machine: Readonly<Record<string, unknown>>;
  readonly timeouts_s: Readonly<Record<string, number>>;
  readonly steps: readonly Step[];
  readonly summary: Readonly<Record<string, unknown>>;
  readonly ratios: Readonly<Record<string, number | null>>;
  readonly total_s: number;
}

/** The ratio cell of a step: its wall ÷ a floor's, and for the no-change reads the peers' speed-up. */
export function ratioCell(step: Step, ratios: RunResult['ratios']): string {
  const r = (key: string) => ratios[key];
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  switch (step.name) {
    case 'apply from empty':
      return r('apply_vs_a') ? `${f(r('apply_vs_a'))}×(a)` : '';
    case 'plan, no change':
      return r('plan_nochange_vs_b') ? `${f(r('plan_nochange_vs_b'))}×(b) · peers÷this ${f(r('peers_vs_plan_nochange'))}` : '';
    case 'drift, in sync':
      return r('drift_vs_b') ? `${f(r('drift_vs_b'))}×(b) · peers÷this ${f(r('peers_vs_drift'))}` : '';
    case 'plan, no change, --no-stamp':
      return r('plan_nochange_full_vs_b') ? `${f(r('plan_nochange_full_vs_b'))}×(b) · peers÷this ${f(r('peers_vs_plan_nochange_full'))}` : '';
    case 'drift, in sync, --no-stamp':
      return r('peers_vs_drift_full') ? `peers÷this ${f(r('peers_vs_drift_full'))}` : '';
    case 'introspect (in process)':
      return r('introspect_vs_b') ? `${f(r('introspect_vs_b'))}×(b) · peers÷this ${f(r('peers_vs_introspect'))}` : '';
    case 'drift (in process)':
      return r('drift_inprocess_vs_b') ? `${f(r('drift_inprocess_vs_b'))}×(b) · peers÷this ${f(r('peers_vs_drift_inprocess'))}` : '';
    default:
      return '';
  }
}

/** The one table a size × engine prints. */
export function renderTable(result: RunResult): string {
  const e = result.estate;
  const lines = [
    '',
    `meshward bench · ${result.engine} (${result.engine_version}) · ${num(e.tables)} tables × ${e.columns} columns · ${num(e.groups)} groups · ${e.domains} domains · ${e.policies} policies · seed ${e.seed} · ${result.total_s.toFixed(0)} s in all`,
    `  ${'step'.padEnd(34)} ${'wall'.padStart(8)} ${'peak RSS'.padStart(9)}  ${'vs floor'.padEnd(30)} result`,
  ];
  for (const s of result.steps) {
    const wall = s.ms === null ? '–' : ms(s.ms);
    const rss = s.rssMb === null ? '–' : `${s.rssMb.toFixed(0)} MB`;
    const name = `${s.group === 'setup' ? '· ' : s.group === 'floor' ? '» ' : '  '}${s.name}`;
    lines.push(`  ${name.padEnd(34)} ${wall.padStart(8)} ${rss.padStart(9)}  ${ratioCell(s, result.ratios).padEnd(30)} ${s.note}`);
  }
  const m = result.summary;
  lines.push(
    `  catalog queries: plan (introspect) ${m.introspect_queries ?? '–'} · drift ${m.drift_queries ?? '–'} · peers' strategy ${num(m.peers_queries)}`,
    `  statements to converge: ${num(m.statements)} (${m.statements_per_table ?? '–'} per table; ${m.statements_vs_minimum ?? '–'}× the minimum of ${num(m.minimum_statements)}; ${m.sql_mb ?? '–'} MB of SQL) · applied ${num(m.applied_statements)}` +
      ` · 1 % drift: ${m.drift_injected ?? '–'} objects changed, ${m.drift_found ?? '–'} found, repaired by ${num(m.drift_repair_statements)} statements` +
      ` · 1 % model edit: ${m.edited_tables ?? '–'} tables, ${num(m.edit_statements)} statements`,
    `  (· setup, not meshward's work; » floor, measured in this run; peers÷this: times faster than (c) the peers' per-object reads)`,
  );
  return lines.join('\n');
}

function num(x: unknown): string {
  return typeof x === 'number' ? x.toLocaleString('en-US') : x === undefined || x === null ? '–' : String(x);
}
