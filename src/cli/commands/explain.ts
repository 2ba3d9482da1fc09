import { didYouMean } from '../../model/did-you-mean.js';
import { explainReport, type ExplainReport } from '../../explain/report.js';
import { tableAccess } from '../../resolve/access.js';
import type { Resolved } from '../../resolve/resolve.js';
import { unknownTargetMessage } from '../../session/open-target.js';
import { ExitError, paint, useColour } from '../output.js';
import { renderExplain, renderMatrix } from '../views/explain.js';
import { loadOrExit, type RepoOptions } from './validate.js';

export interface ExplainOptions extends RepoOptions {
  group?: string[];
  table?: string;
  json?: boolean;
  target?: string;
}

/** Checks group names and says which were meant; shared by explain, test and query. */
export function requireGroups(resolved: Resolved, groups: readonly string[]): void {
  const known = [...resolved.model.groups.keys()];
  const unknown = groups.filter((g) => !resolved.model.groups.has(g));
  if (unknown.length === 0) return;
  for (const g of unknown) {
    const guess = didYouMean(g, known);
    process.stderr.write(`unknown group '${g}'${guess ? ` — did you mean '${guess}'?` : `; groups: ${known.sort().join(', ')}`}\n`);
  }
  throw new ExitError(1);
}

export function requireTable(resolved: Resolved, name: string): NonNullable<ReturnType<Resolved['table']>> {
  const table = resolved.table(name);
  if (table) return table;
  const names = resolved.tables.map((t) => t.table.name);
  const guess = didYouMean(name, names);
  process.stderr.write(`'${name}' is not a governed table${guess ? ` — did you mean '${guess}'?` : ''}\n`);
  throw new ExitError(1);
}

/** The target type explain names native objects for: --target, else the project's first target. */
function targetType(resolved: Resolved, name: string | undefined): { type: string; settings: Readonly<Record<string, unknown>> } | undefined {
  const targets = resolved.model.project.targets;
  if (name === undefined) return targets[0];
  const t = targets.find((x) => x.name === name);
  if (!t) {
    throw new ExitError(1, `meshward: ${unknownTargetMessage(name, targets)}`);
  }
  return t;
}

export function explainCommand(options: ExplainOptions): void {
  if (!options.group?.length && !options.table) {
    process.stderr.write('explain needs --group G… and/or --table X\n');
    throw new ExitError(1);
  }
  const { resolved } = loadOrExit(options, true);
  const type = targetType(resolved, options.target);
  const p = paint(useColour());
  const out = (s: string) => process.stdout.write(s);
  if (options.group?.length) requireGroups(resolved, options.group);

  if (options.group?.length && options.table) {
    const table = requireTable(resolved, options.table);
    const report = explainReport(resolved, tableAccess(table, resolved.principals.principal(options.group)), type);
    out(options.json ? JSON.stringify(report, null, 2) + '\n' : renderExplain(report, p));
    return;
  }
  if (options.group?.length) {
    const principal = resolved.principals.principal(options.group);
    const reports = resolved.tables.map((t) => explainReport(resolved, tableAccess(t, principal), type)).filter((r) => r.readable);
    if (options.json) out(JSON.stringify({ format: 1, groups: principal.groups, tables: reports }, null, 2) + '\n');
    else if (reports.length === 0) out(`${principal.groups.join(' + ')} can read no governed table\n`);
    else out(reports.map((r) => renderExplain(r, p)).join('\n'));
    return;
  }
  const table = requireTable(resolved, options.table!);
  const reports: ExplainReport[] = [...resolved.model.groups.keys()].sort().map((g) => explainReport(resolved, tableAccess(table, resolved.principals.principal([g])), type));
  out(options.json ? JSON.stringify({ format: 1, table: table.table.name, rows: reports }, null, 2) + '\n' : renderMatrix(table.table.name, reports, p));
}
