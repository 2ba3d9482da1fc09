import type { ExplainColumn, ExplainReport, Pos } from '../../explain/report.js';
import type { Paint } from '../output.js';
import { maxOf } from '../../util/max.js';

const at = (p: Pos | null): string => (p ? `${p.file}:${p.line}:${p.col}` : '');

/** `partial last 4`, `hash`, `clear`. */
export function accessLabel(c: { access: string; params: Record<string, number> }): string {
  return c.access === 'partial' ? `partial last ${c.params.keep_last ?? 4}` : c.access;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

/** The human view of one principal × table (product.md's sketch). */
export function renderExplain(r: ExplainReport, p: Paint): string {
  const who = r.groups.join(' + ');
  const lines: string[] = [];
  const head = r.readable
    ? `${p.bold(r.table)} — ${p.green('readable')} by ${who} (grant to ${r.grant!.group}: ${at(r.grant)})`
    : `${p.bold(r.table)} — ${p.red('not readable')} by ${who} (no grant covers it)`;
  lines.push(head);
  lines.push(p.dim(`  domain ${r.domain}${r.owners.length ? ` · owners ${r.owners.join(', ')}` : ''}${r.native_name ? ` · consumers query ${r.native_name}` : ''}`));
  const nameWidth = maxOf(r.columns.map((c) => [...c.name].length), 6) + 2;
  const accessWidth = maxOf(r.columns.map((c) => accessLabel(c).length), 6) + 2;
  lines.push(p.dim(`  ${pad('column', nameWidth)}${pad('access', accessWidth)}policy (where)`));
  for (const c of r.columns) lines.push(`  ${pad(c.name, nameWidth)}${colourAccess(pad(accessLabel(c), accessWidth), c, p)}${policyNote(c, p)}`);
  const rows = r.row_predicate ?? 'all rows';
  const rowPolicies = r.row_policies.map((f) => `${f.policy} (${at(f.at)})`).join(', ');
  lines.push(`  ${pad('rows', nameWidth)}${r.row_predicate ? p.yellow(rows) : rows}${rowPolicies ? '   ' + rowPolicies : ''}`);
  if (r.waived_row_policies.length) lines.push(p.dim(`  ${pad('', nameWidth)}waived: ${r.waived_row_policies.map((f) => f.policy).join(', ')}`));
  if (r.never_true) lines.push(p.red(`  note: ${r.readable ? 'readable, but ' : ''}no row can match — ${r.never_true_reason}`));
  return lines.join('\n') + '\n';
}

function colourAccess(text: string, c: ExplainColumn, p: Paint): string {
  return c.access === 'clear' ? text : p.cyan(text);
}

function policyNote(c: ExplainColumn, p: Paint): string {
  const parts: string[] = [];
  if (c.policy) parts.push(`${c.policy} (${at(c.at)})`);
  if (c.conflict) parts.push(p.yellow(`${c.conflict.join(' + ')} meet → hash`));
  if (c.also.length) parts.push(p.dim(`also: ${c.also.map((a) => `${a.policy} ${accessLabel(a)}`).join(', ')}`));
  if (c.waived.length) parts.push(p.dim(`waived: ${c.waived.map((a) => a.policy).join(', ')}`));
  return parts.join('   ');
}

/** `--table` alone: the groups × columns matrix an auditor asks for. */
export function renderMatrix(table: string, reports: readonly ExplainReport[], p: Paint): string {
  const columns = reports[0]?.columns.map((c) => c.name) ?? [];
  const cells = reports.map((r) => [r.groups.join('+'), r.readable ? 'yes' : 'no', ...r.columns.map((c) => (r.readable ? short(c) : '—')), r.readable ? (r.row_predicate ?? 'all') : '—']);
  const header = ['group', 'read', ...columns, 'rows'];
  const widths = header.map((h, i) => maxOf(cells.map((row) => [...row[i]!].length), [...h].length) + 2);
  const out = [p.bold(table), p.dim(header.map((h, i) => pad(h, widths[i]!)).join('').trimEnd())];
  for (const row of cells) {
    out.push(row.map((cell, i) => {
      const text = pad(cell, widths[i]!);
      if (i === 1) return cell === 'yes' ? p.green(text) : p.red(text);
      if (i >= 2 && i < row.length - 1 && cell !== 'clear' && cell !== '—') return p.cyan(text);
      return text;
    }).join('').trimEnd());
  }
  return out.join('\n') + '\n';
}

function short(c: ExplainColumn): string {
  return c.access === 'partial' ? `partial${c.params.keep_last ?? 4}` : c.access;
}
