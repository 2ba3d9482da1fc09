import { relative, resolve } from 'node:path';
import type { AuditProblem } from '../../audit/chain.js';
import { acknowledgeGap } from '../../apply/audit.js';
import { journalPath, readJournal, type JournalRead } from '../../audit/journal.js';
import { verifyAudit, type VerifyReport } from '../../audit/verify.js';
import type { AuditSnapshot } from '../../targets/target.js';
import { ExitError, paint, useColour, type Paint } from '../output.js';
import { withSession } from './session.js';

export interface AuditOptions {
  dir: string;
  target?: string;
  since?: string;
  json?: boolean;
  verify?: boolean;
  /** The seq of a gap record to acknowledge (with `reason`). */
  acknowledge?: string;
  reason?: string;
}

/** One listed record: its seq on the target (null for a journal-only one), when, and the record. */
export interface ListedRecord {
  readonly seq: number | null;
  readonly entry?: number;
  readonly at: string;
  readonly hash: string;
  readonly record: Readonly<Record<string, unknown>>;
}

/** Both copies of a target's audit trail: the target's table and the local journal. */
export async function readAudit(options: { dir: string; target?: string; env?: NodeJS.ProcessEnv }): Promise<{ target: string; snapshot: AuditSnapshot; journal: JournalRead }> {
  const { target, snapshot, root } = await withSession({ dir: options.dir, target: options.target, env: options.env, connectOnly: true, modelCheck: 'settings' }, async (s) => ({
    target: s.decl.name,
    root: s.root,
    snapshot: s.target.state.audit ? await s.target.state.audit.read(s.conn, s.ctx) : { available: false, where: `(target type ${s.target.type} keeps no audit table)`, rows: [], head: null, stateAppliedAt: null },
  }));
  return { target, snapshot, journal: readJournal(journalPath(resolve(root), target)) };
}

/**
 * `meshward audit --target T [--since DATE] [--json] [--verify]`: the apply records (from the
 * target's table; from the local journal when the target has none), or with --verify the check
 * of both copies: exit 0 intact, 1 naming the first broken seq and what is wrong.
 */
export async function auditCommand(options: AuditOptions): Promise<void> {
  if (options.acknowledge !== undefined) return acknowledgeCommand(options);
  if (options.reason !== undefined) throw new ExitError(1, 'meshward: --reason goes with --acknowledge SEQ');
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const { target, snapshot, journal } = await readAudit(options);
  const p = paint(useColour());
  if (options.verify) {
    const report = verifyAudit(snapshot, journal);
    if (options.json) process.stdout.write(JSON.stringify(verifyJson(target, report), null, 2) + '\n');
    else process.stdout.write(renderVerify(target, report, p));
    if (!report.ok) throw new ExitError(1);
    return;
  }
  const fromTable = snapshot.rows.length > 0;
  const all: ListedRecord[] = fromTable
    ? snapshot.rows.map((r) => ({ seq: r.seq, at: r.at, hash: r.hash, record: r.record }))
    : journal.entries.map((e) => ({ seq: typeof e.record.seq === 'number' ? e.record.seq : null, entry: e.entry, at: String(e.record.at ?? ''), hash: e.hash, record: e.record }));
  const records = since ? all.filter((r) => Date.parse(r.at) >= since.getTime()) : all;
  const source = fromTable ? 'target' : 'journal';
  const where = fromTable ? snapshot.where : journal.path;
  if (options.json) {
    process.stdout.write(JSON.stringify({ format: 1, target, source, where, since: since?.toISOString() ?? null, records }, null, 2) + '\n');
    return;
  }
  process.stdout.write(renderList(target, source, where, records, all.length, p));
}

/** `meshward audit --acknowledge SEQ --reason TEXT`: a record of its own saying what an unrecorded apply (gap seq SEQ) was. */
async function acknowledgeCommand(options: AuditOptions): Promise<void> {
  const seq = Number(options.acknowledge);
  if (!Number.isInteger(seq) || seq < 1) throw new ExitError(1, `meshward: --acknowledge: '${options.acknowledge}' is not a seq (the gap record's number, from meshward audit --verify)`);
  if (options.reason === undefined || options.reason.trim() === '') throw new ExitError(1, 'meshward: --acknowledge needs --reason TEXT: what the unrecorded apply was (who, what, why)');
  const written = await withSession({ dir: options.dir, target: options.target, connectOnly: true, modelCheck: 'settings' }, async (s) => {
    try {
      return await acknowledgeGap(s, seq, options.reason!);
    } catch (e) {
      throw new ExitError(1, `meshward: ${(e as Error).message}`);
    }
  });
  if (options.json) process.stdout.write(JSON.stringify({ format: 1, acknowledged: seq, seq: written.seq, journal: written.journal, record: written.record }, null, 2) + '\n');
  else process.stdout.write(`gap seq ${seq} acknowledged at seq ${written.seq}${written.journal ? ` (and in ${shown(written.journal)})` : ''}\n`);
}

function parseSince(text: string): Date {
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new ExitError(1, `meshward: --since: cannot read '${text}' as a date; write e.g. 2026-01-31 or 2026-01-31T12:00:00Z`);
  return new Date(t);
}

const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
};

function who(record: Readonly<Record<string, unknown>>): string {
  const w = (record.who ?? {}) as { user?: string; host?: string; ci?: Record<string, string> | null };
  const base = `${w.user ?? '?'}@${w.host ?? '?'}`;
  if (!w.ci) return base;
  return `${base} (${w.ci.system}${w.ci.actor ? ` ${w.ci.actor}` : ''}${w.ci.run_id ? ` run ${w.ci.run_id}` : ''})`;
}

function renderList(target: string, source: string, where: string, records: readonly ListedRecord[], total: number, p: Paint): string {
  const out: string[] = [];
  if (total === 0) return `no audit trail yet: nothing has been applied to target '${target}'\n`;
  const head = source === 'target' ? `target '${target}', ${where}` : `target '${target}': the target has no audit records; the local journal ${shown(where)}`;
  out.push(p.bold(`Audit trail of ${head} — ${records.length} of ${total} record${total === 1 ? '' : 's'}`));
  for (const r of records) {
    const rec = r.record;
    const seqText = r.seq === null ? `journal entry ${r.entry ?? '?'} (not on the target)` : `#${r.seq}`;
    if (rec.kind === 'gap') {
      out.push(`${seqText.padEnd(6)} ${r.at}  ${p.red('GAP'.padEnd(9))} found by ${who(rec)}`);
      out.push(p.red(`       ${String(rec.message ?? 'an apply left no audit record')}`));
      continue;
    }
    if (rec.kind === 'acknowledgement') {
      out.push(`${seqText.padEnd(6)} ${r.at}  ${p.yellow('ack'.padEnd(9))} ${who(rec)} acknowledged gap #${String(rec.gap_seq)}: ${String(rec.reason ?? '')}`);
      continue;
    }
    const outcome = String(rec.outcome ?? '?');
    const colour = outcome === 'applied' ? p.green : outcome === 'failed' ? p.red : p.yellow;
    const statements = Array.isArray(rec.statements) ? rec.statements.length : 0;
    const plan = (rec.plan ?? {}) as { hash?: string; changes?: number };
    out.push(`${seqText.padEnd(6)} ${r.at}  ${colour(outcome.padEnd(9))} ${who(rec)}`);
    out.push(p.dim(`       ${String(rec.mode ?? '')}, ${plan.changes ?? '?'} change${plan.changes === 1 ? '' : 's'}, ${statements} statement${statements === 1 ? '' : 's'}, plan ${String(plan.hash ?? '').slice(0, 16)}, ${Math.round(Number(rec.ms ?? 0))} ms`));
    if (rec.error) out.push(`       ${p.red(String(rec.error))}`);
    if (rec.not_on_target) out.push(p.yellow(`       not on the target: ${String(rec.not_on_target)}`));
    if (rec.note) out.push(p.yellow(`       note: ${String(rec.note)}`));
  }
  return out.join('\n') + '\n';
}

function describe(problem: AuditProblem): string {
  const place = problem.where === 'table' ? 'target table' : problem.where === 'journal' ? 'local journal' : 'table vs journal';
  return `[${place}] ${problem.message}`;
}

function renderVerify(target: string, r: VerifyReport, p: Paint): string {
  const out: string[] = [];
  out.push(p.bold(`Audit trail of target '${target}'`));
  out.push(`  target copy    ${r.table.available ? `${r.table.where}: ${r.table.records} record${r.table.records === 1 ? '' : 's'}, head ${r.table.head ? `seq ${r.table.head.seq}` : 'missing'}` : `${r.table.where}: none`}`);
  out.push(`  local journal  ${shown(r.journal.path)}: ${r.journal.exists ? `${r.journal.entries} entr${r.journal.entries === 1 ? 'y' : 'ies'}` : 'none'}`);
  for (const w of r.warnings) out.push(p.yellow(`  warning: ${w}`));
  const open = r.gaps.filter((g) => !g.acknowledged);
  if (open.length) out.push(p.red(`  ${open.length} apply${open.length === 1 ? '' : 's'} left no audit record (recorded as gap${open.length === 1 ? '' : 's'} at seq ${open.map((g) => g.seq).join(', ')})`));
  if (r.ok && r.table.records === 0 && r.journal.entries === 0) {
    out.push(p.green(`no audit trail yet: nothing has been applied to target '${target}' (neither copy holds a record, and the target records no applied state)`));
    return out.join('\n') + '\n';
  }
  if (r.ok) {
    const acked = r.gaps.length ? ` (${r.gaps.length} recorded gap${r.gaps.length === 1 ? '' : 's'}, acknowledged)` : '';
    out.push(p.green(`✓ intact: every hash and link recomputed, the head matches, the journal is whole, and the two copies agree${acked}`));
    return out.join('\n') + '\n';
  }
  const [first, ...rest] = r.problems;
  out.push(p.red(`✗ the audit trail is broken${first!.seq !== null ? ` at seq ${first!.seq}` : ''}: ${describe(first!)}`));
  for (const x of rest) out.push(`  also${x.seq !== null ? ` at seq ${x.seq}` : ''}: ${describe(x)}`);
  return out.join('\n') + '\n';
}

function verifyJson(target: string, r: VerifyReport): unknown {
  return { format: 1, target, ok: r.ok, broken_at: r.problems[0]?.seq ?? null, problems: r.problems, warnings: r.warnings, gaps: r.gaps, table: r.table, journal: r.journal };
}
