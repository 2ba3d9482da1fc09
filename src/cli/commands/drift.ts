import type { DriftItem } from '../../targets/target.js';
import { inStep } from '../../progress.js';
import { driftRemedy } from '../../plan/findings.js';
import { commandHint, ExitError, paint, plural, useColour } from '../output.js';
import { withSession } from './session.js';

export interface DriftOptions {
  dir: string;
  target?: string;
  format?: 'text' | 'json' | 'markdown';
}

/** Out-of-band changes since the last apply: exit 0 in sync, 2 drift, 1 error. */
export async function driftCommand(options: DriftOptions): Promise<void> {
  const { items, target } = await withSession({ dir: options.dir, target: options.target, connectOnly: true }, async (s) => ({
    items: (await inStep(`comparing target '${s.decl.name}' with the last apply`, () => s.target.drift(s.conn, s.ctx))).items,
    target: s.decl.name,
  }));
  const format = options.format ?? 'text';
  if (format === 'json') process.stdout.write(JSON.stringify({ format: 1, target, in_sync: items.length === 0, items }, null, 2) + '\n');
  else if (format === 'markdown') process.stdout.write(markdown(target, items));
  else {
    const p = paint(useColour());
    if (items.length === 0) process.stdout.write(p.green(`target '${target}' is in sync with the last apply`) + '\n');
    const hint = (words: string) => commandHint(words, { dir: options.dir, target: options.target });
    for (const i of items) process.stdout.write(`${p.yellow(i.status.padEnd(8))} ${i.object}${i.table ? p.dim(` (${i.table})`) : ''}\n         ${i.detail}\n         ${p.dim(`→ ${driftRemedy(i, hint)}`)}\n`);
    if (items.length) {
      const byRepair = (r: string) => items.filter((i) => (i.repair ?? 'apply') === r).length;
      const parts = [
        byRepair('apply') ? `${byRepair('apply')} put back by ${hint('apply')}` : '',
        byRepair('revoke-unmanaged') ? `${byRepair('revoke-unmanaged')} revoked only with ${hint('apply --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE')}` : '',
        byRepair('manual') ? `${byRepair('manual')} that meshward never changes (fix by hand)` : '',
      ].filter(Boolean);
      process.stdout.write(`${plural(items.length, 'drifted object')}: ${parts.join('; ')}\n`);
    }
  }
  if (items.length) throw new ExitError(2);
}

function markdown(target: string, items: readonly DriftItem[]): string {
  if (items.length === 0) return `**meshward drift** — target \`${target}\` is in sync with the last apply.\n`;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `**meshward drift** — target \`${target}\`: ${items.length} drifted object${items.length === 1 ? '' : 's'}`,
    '',
    '| status | object | table | what differs |',
    '| --- | --- | --- | --- |',
    ...items.map((i) => `| ${i.status} | ${cell(i.object)} | ${cell(i.table ?? '')} | ${cell(i.detail)} |`),
    '',
  ].join('\n');
}
