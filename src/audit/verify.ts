import { canonicalJson } from '../plan/canonical.js';
import type { AuditHead, AuditRow, AuditSnapshot } from '../targets/target.js';
import { chainHash, GENESIS, type AuditProblem } from './chain.js';
import { describeWrites, unrecordedState } from './gap.js';
import { whoAmI } from './identity.js';
import type { JournalRead } from './journal.js';
import type { JournalRef } from './record.js';

/**
 * `meshward audit --verify`: (a) the target table's chain — seq contiguous from 1, every hash
 * recomputed, every link; (b) its head equals the `audit_head` kept in the target's state, and
 * no apply wrote the state after the newest record; (c) the local journal's own chain; (d) the
 * journal and the table agree where both have a record, and the table's records that were
 * written to this journal are all in it. Edits, deletions and truncation of either copy are found
 * as long as the other copy (or the head) is intact — see the README for what it cannot find.
 */

export interface VerifyReport {
  readonly ok: boolean;
  /** Sorted by seq (problems without one last); the first is "where the trail breaks". */
  readonly problems: readonly AuditProblem[];
  /** Not failures: e.g. no local journal (a fresh checkout), or a target without an audit table yet. */
  readonly warnings: readonly string[];
  readonly table: { readonly available: boolean; readonly where: string; readonly records: number; readonly head: AuditHead | null };
  readonly journal: { readonly path: string; readonly exists: boolean; readonly id: string | null; readonly entries: number };
  /** Applies that left no record, as recorded by a later apply (gap records), acknowledged or not. */
  readonly gaps: readonly { readonly seq: number; readonly at: string; readonly message: string; readonly acknowledged: { readonly seq: number; readonly by: string; readonly reason: string } | null }[];
}

const range = (from: number, to: number) => (from === to ? `seq ${from}` : `seq ${from}–${to}`);
const list = (seqs: readonly number[]) => (seqs.length <= 6 ? seqs.join(', ') : `${seqs.slice(0, 5).join(', ')} … ${seqs[seqs.length - 1]} (${seqs.length} records)`);

function journalOf(record: unknown): JournalRef | null {
  const j = (record as { journal?: unknown } | null)?.journal;
  return j && typeof j === 'object' ? (j as JournalRef) : null;
}

/** (a) and (b): the target table's chain, its head, and the state written after the last record. */
export function verifyTable(s: AuditSnapshot): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const add = (seq: number | null, message: string) => problems.push({ where: 'table', seq, message });
  const where = s.where;
  if (!s.available) return problems;
  let expected = 1;
  let prevHash: string | null = GENESIS;
  for (const row of s.rows) {
    if (row.seq !== expected) {
      add(expected, `${range(expected, row.seq - 1)} ${row.seq - expected === 1 ? 'is' : 'are'} missing from ${where} (the records jump from ${expected === 1 ? 'the start' : `seq ${expected - 1}`} to seq ${row.seq}): deleted`);
      prevHash = null; // the link to the missing record cannot be checked
    }
    checkRow(row, prevHash, where, add);
    prevHash = row.hash;
    expected = row.seq + 1;
  }
  const last: AuditRow | undefined = s.rows[s.rows.length - 1];
  const head = s.head;
  if (!head) {
    if (last) add(last.seq + 1, `the chain head (audit_head in the governance meta table) is missing, though ${where} holds records up to seq ${last.seq}: it was deleted, and records after seq ${last.seq} could have been removed with it`);
  } else if (!last) {
    if (head.seq > 0) add(1, `${where} is empty, but audit_head says the chain reaches seq ${head.seq}: the table was truncated`);
  } else if (head.seq > last.seq) {
    add(last.seq + 1, `${range(last.seq + 1, head.seq)} missing: ${where} ends at seq ${last.seq}, but audit_head says seq ${head.seq}: truncated, or the last records deleted`);
  } else if (head.seq < last.seq) {
    add(head.seq + 1, `${range(head.seq + 1, last.seq)} come after the chain head (audit_head says seq ${head.seq}): added behind meshward's back, or the head was set back`);
  } else if (head.hash !== last.hash) {
    add(last.seq, `audit_head's hash differs from that of seq ${last.seq}: the head or the last record was rewritten`);
  }
  const unrecorded = unrecordedState(s);
  if (unrecorded) {
    const what = describeWrites(unrecorded.writes);
    if (!last) add(null, `the target's state was written at ${unrecorded.stateAppliedAt}, but ${where} holds no record of any apply (applied before the audit trail existed, an apply killed before its record, or the records were removed): ${what}; the next apply records it as a gap`);
    else
      add(
        last.seq + 1,
        `the target's state was written at ${unrecorded.stateAppliedAt}, but the newest record (seq ${last.seq}) saw it written at ${unrecorded.recordedStateAppliedAt ?? 'no time'}: an apply after seq ${last.seq} is not in ${where} (${what}); the next apply records it as a gap`,
      );
  }
  // Gap records: applies that left no record of their own, found and recorded by a later apply. They stay reported until acknowledged.
  for (const gap of gapsOf(s.rows)) {
    const rec = gap.row.record;
    if (gap.acknowledged) continue;
    add(gap.row.seq, `seq ${gap.row.seq} records a gap — ${String(rec.message ?? 'an apply left no audit record')} (found by ${whoText(rec)} at ${String(rec.at)}); once you know what that apply was: meshward audit --acknowledge ${gap.row.seq} --reason TEXT`);
  }
  return problems;
}

/** A gap record and the acknowledgement of it, if any. */
export interface GapEntry {
  readonly row: AuditRow;
  readonly acknowledged: AuditRow | null;
}

/** The table's gap records, each with the record that acknowledges it (a later `acknowledgement` naming its seq). */
export function gapsOf(rows: readonly AuditRow[]): GapEntry[] {
  const acks = new Map<number, AuditRow>();
  for (const r of rows) if (r.record.kind === 'acknowledgement' && typeof r.record.gap_seq === 'number' && !acks.has(r.record.gap_seq)) acks.set(r.record.gap_seq, r);
  return rows.filter((r) => r.record.kind === 'gap').map((row) => {
    const ack = acks.get(row.seq);
    return { row, acknowledged: ack && ack.seq > row.seq ? ack : null };
  });
}

function whoText(rec: Readonly<Record<string, unknown>>): string {
  const w = (rec.who ?? {}) as { user?: unknown; host?: unknown };
  return `${String(w.user ?? '?')}@${String(w.host ?? '?')}`;
}

function checkRow(row: AuditRow, prevHash: string | null, where: string, add: (seq: number | null, message: string) => void): void {
  const rec = row.record as Record<string, unknown> | null;
  const seq = row.seq;
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) {
    add(seq, `seq ${seq} in ${where} has no record: it was edited`);
    return;
  }
  if (rec.seq !== seq) add(seq, `seq ${seq}: the record says seq ${JSON.stringify(rec.seq ?? null)}: renumbered or edited`);
  if (rec.at !== row.at) add(seq, `seq ${seq}: the stored time (${row.at ?? 'none'}) differs from the record's (${String(rec.at)}): edited`);
  const recPrev = typeof rec.prev === 'string' ? rec.prev : null;
  if (recPrev === null || chainHash(recPrev, rec) !== row.hash) {
    add(seq, `seq ${seq} in ${where} does not match its hash: the record (or its hash) was edited`);
  } else if (prevHash !== null && recPrev !== prevHash) {
    add(seq, seq === 1 ? `seq 1 does not start the chain: records before it were removed and the rest renumbered` : `seq ${seq} does not link to seq ${seq - 1}: seq ${seq - 1} was replaced, or the chain rewritten from there`);
  }
}

/** (d): the journal and the table agree, and the table's records written to this journal are in it. */
export function crossCheck(s: AuditSnapshot, j: JournalRead): { problems: AuditProblem[]; warnings: string[] } {
  const problems: AuditProblem[] = [];
  const warnings: string[] = [];
  const add = (seq: number, message: string) => problems.push({ where: 'both', seq, message });
  const host = whoAmI().host;
  if (!j.exists) {
    const written = s.rows.filter((r) => journalOf(r.record)?.path === j.path && journalOf(r.record)?.host === host).map((r) => r.seq);
    if (written.length) warnings.push(`the local journal ${j.path} does not exist, though seq ${list(written)} were written to it on this host: it was deleted, or this is a fresh checkout (keep journals in write-once storage)`);
    return { problems, warnings };
  }
  const journaled = j.entries.filter((e) => typeof e.record.seq === 'number');
  if (!s.available) {
    if (journaled.length) {
      const seqs = journaled.map((e) => e.record.seq as number);
      add(seqs[0]!, `the local journal holds seq ${list(seqs)}, but the target has no audit table (${s.where}): it was dropped`);
    }
    return { problems, warnings };
  }
  const bySeq = new Map(s.rows.map((r) => [r.seq, r]));
  const missing: number[] = [];
  for (const e of journaled) {
    const seq = e.record.seq as number;
    const row = bySeq.get(seq);
    if (!row) missing.push(seq);
    else if (canonicalJson(row.record) !== canonicalJson(e.record)) add(seq, `seq ${seq} differs between ${s.where} and the local journal (entry ${e.entry}): one of them was edited`);
  }
  if (missing.length) add(missing[0]!, `seq ${list(missing)} ${missing.length === 1 ? 'is' : 'are'} in the local journal but not in ${s.where}: deleted from the target`);
  if (j.header) {
    const inJournal = new Set(journaled.map((e) => e.record.seq as number));
    const lost = s.rows.filter((r) => journalOf(r.record)?.id === j.header!.journal && !inJournal.has(r.seq)).map((r) => r.seq);
    if (lost.length) add(lost[0]!, `seq ${list(lost)} ${lost.length === 1 ? 'was' : 'were'} written to the local journal ${j.path}, but ${lost.length === 1 ? 'is' : 'are'} not in it: the journal was truncated, or entries deleted`);
  }
  return { problems, warnings };
}

const WHERE_ORDER = { table: 0, both: 1, journal: 2 } as const;

/** Every check; problems sorted so that the first names where the trail breaks. */
export function verifyAudit(s: AuditSnapshot, j: JournalRead): VerifyReport {
  const cross = crossCheck(s, j);
  const problems = [...verifyTable(s), ...j.problems, ...cross.problems].sort(
    (a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || WHERE_ORDER[a.where] - WHERE_ORDER[b.where] || (a.entry ?? 0) - (b.entry ?? 0),
  );
  const warnings = [...cross.warnings];
  const gaps = s.available ? gapsOf(s.rows) : [];
  for (const g of gaps) {
    if (g.acknowledged) warnings.push(`seq ${g.row.seq} records a gap (an apply that left no record), acknowledged at seq ${g.acknowledged.seq} by ${whoText(g.acknowledged.record)}: ${String(g.acknowledged.record.reason ?? '')}`);
  }
  if (!s.available) warnings.push(`the target has no audit table (${s.where}) yet: no apply has committed there`);
  if (!j.exists && !cross.warnings.length) warnings.push(`there is no local journal (${j.path}) to check`);
  return {
    ok: problems.length === 0,
    problems,
    warnings,
    table: { available: s.available, where: s.where, records: s.rows.length, head: s.head },
    journal: { path: j.path, exists: j.exists, id: j.header?.journal ?? null, entries: j.entries.length },
    gaps: gaps.map((g) => ({
      seq: g.row.seq,
      at: g.row.at,
      message: String(g.row.record.message ?? ''),
      acknowledged: g.acknowledged ? { seq: g.acknowledged.seq, by: whoText(g.acknowledged.record), reason: String(g.acknowledged.record.reason ?? '') } : null,
    })),
  };
}
