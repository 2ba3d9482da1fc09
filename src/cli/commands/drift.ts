import type { DriftItem } from '../../targets/target.js';
import { inStep } from '../../progress.js';
import { driftRemedy } from '../../plan/findings.js';
import { heldStamp } from '../../plan/stamp.js';
import { commandHint, ExitError, paint, plural, useColour } from '../output.js';
import { withSession } from './session.js';
import { quickProbe, type QuickProbe } from '../../session/quick-probe.js';

export interface DriftOptions {
  dir: string;
  target?: string;
  format?: 'text' | 'json' | 'markdown';
  /** commander's --no-stamp sets stamp: false: read the live state in full, whatever the stamp says. */
  stamp?: boolean;
}

/** Out-of-band changes since the last apply: exit 0 in sync, 2 drift, 1 error. */
export async function driftCommand(options: DriftOptions): Promise<void> {
  // a stamp that holds is the answer, and drift reads no model: probed before parsing the files (quick-probe.ts)
  const fromStamp = (q: QuickProbe) => {
    const held = heldStamp(q.probe);
    return held?.drift ? { items: held.drift, target: q.decl.name, stampedAt: held.at as string | undefined } : null;
  };
  const quick = options.stamp !== false ? await quickProbe(options, fromStamp) : null;
  const { items, target, stampedAt } = quick ?? await withSession({ dir: options.dir, target: options.target, connectOnly: true }, async (s) => {
    // drift reads no model: the stamp proves the live state, and the drift it recorded is the answer
    const stamps = options.stamp !== false ? s.target.state.stamps : undefined;
    const held = stamps ? heldStamp(await inStep(`checking the stamp of target '${s.decl.name}'`, () => stamps.probe(s.conn, s.ctx, []))) : null;
    if (held?.drift) return { items: held.drift, target: s.decl.name, stampedAt: held.at };
    return { items: (await inStep(`comparing target '${s.decl.name}' with the last apply`, () => s.target.drift(s.conn, s.ctx))).items, target: s.decl.name, stampedAt: undefined };
  });
  const format = options.format ?? 'text';
  const liveRead = stampedAt ? { live_read: { from: 'stamp', stamped_at: stampedAt } } : {};
  if (format === 'json') process.stdout.write(JSON.stringify({ format: 1, target, in_sync: items.length === 0, items, ...liveRead }, null, 2) + '\n');
  else if (format === 'markdown') process.stdout.write(markdown(target, items));
  else {
    const p = paint(useColour());
    if (items.length === 0) process.stdout.write(p.green(`target '${target}' is in sync with the last apply`) + '\n');
    if (stampedAt) process.stdout.write(p.dim(`Live state proven unchanged since the stamp of ${stampedAt} (counters, not a full read; --no-stamp reads it in full).`) + '\n');
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
