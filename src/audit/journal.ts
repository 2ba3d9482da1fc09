import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash, GENESIS, normalizeRecord, type AuditProblem, type AuditRecord } from './chain.js';
import { whoAmI } from './identity.js';

/**
 * The local copy of the audit trail: an append-only JSONL file, `<root>/.meshward/audit/<target>.jsonl`.
 * Line 1 is a header naming the journal (a random id the records written to it carry); every
 * other line is one entry, hash-chained on its own:
 *
 *   {"kind":"meshward-audit-journal","format":1,"journal":"<uuid>","project":…,"target":…,"host":…,"created_at":…}
 *   {"entry":1,"prev":"000…","hash":"<sha256(prev + canonical(record))>","record":{…}}
 *
 * The file is only ever appended to (each line with one write, then fsync); meshward never
 * rewrites it. Ship it to write-once storage from CI (README, Audit trail).
 */

export interface JournalHeader {
  readonly kind: 'meshward-audit-journal';
  readonly format: 1;
  readonly journal: string;
  readonly project: string;
  readonly target: string;
  readonly host: string;
  readonly created_at: string;
}

export interface JournalEntry {
  readonly entry: number;
  readonly prev: string;
  readonly hash: string;
  readonly record: AuditRecord;
}

export interface JournalRead {
  readonly path: string;
  readonly exists: boolean;
  readonly header: JournalHeader | null;
  /** Every entry that parses (in file order), checked or not. */
  readonly entries: readonly JournalEntry[];
  /** What is wrong with the file on its own: header, order, hashes, links (verify's part c). */
  readonly problems: readonly AuditProblem[];
}

export function journalPath(root: string, target: string): string {
  return join(root, '.meshward', 'audit', `${target}.jsonl`);
}

/**
 * The journal of a target, created (header only) when there is none. `id` is null when the
 * existing file's header is damaged: entries are still appended, and verify reports the damage.
 */
export function openJournal(root: string, target: string, project: string): { path: string; id: string | null } {
  const meshward = join(root, '.meshward');
  if (!existsSync(meshward)) {
    mkdirSync(meshward, { recursive: true });
    writeFileSync(join(meshward, '.gitignore'), '*\n'); // as connect.ts does: nothing under .meshward is committed
  }
  mkdirSync(join(meshward, 'audit'), { recursive: true });
  const path = journalPath(root, target);
  const header: JournalHeader = { kind: 'meshward-audit-journal', format: 1, journal: randomUUID(), project, target, host: whoAmI().host, created_at: new Date().toISOString() };
  try {
    writeDurably(path, 'wx', JSON.stringify(header) + '\n');
    return { path, id: header.journal };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const first = readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
  return { path, id: parseHeader(first)?.journal ?? null };
}

/** Appends one record, chained to the last entry; returns the entry written. */
export function appendJournal(path: string, record: AuditRecord): JournalEntry {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  let last: JournalEntry | null = null;
  for (let i = lines.length - 1; i >= 1 && !last; i--) last = parseEntry(lines[i]!);
  const normalized = normalizeRecord(record);
  const prev = last?.hash ?? GENESIS;
  const entry: JournalEntry = { entry: (last?.entry ?? 0) + 1, prev, hash: chainHash(prev, normalized), record: normalized };
  // A line cut short by a crash is left as it is (verify reports it); ours starts on a line of its own.
  const lead = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  writeDurably(path, 'a', lead + JSON.stringify(entry) + '\n');
  return entry;
}

/** Reads and checks the journal on its own: header, contiguous entries, every hash and link. */
export function readJournal(path: string): JournalRead {
  if (!existsSync(path)) return { path, exists: false, header: null, entries: [], problems: [] };
  const text = readFileSync(path, 'utf8');
  const problems: AuditProblem[] = [];
  const entries: JournalEntry[] = [];
  const problem = (seq: number | null, entry: number | undefined, message: string) => problems.push({ where: 'journal', seq, ...(entry !== undefined ? { entry } : {}), message });
  if (text.trim() === '') {
    problem(null, 0, `${path} is empty: its header line is gone (truncated)`);
    return { path, exists: true, header: null, entries, problems };
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else problem(null, undefined, `the last line of ${path} has no line end: the file was cut short (or written by something else)`);
  const header = parseHeader(lines[0]!);
  if (!header) problem(null, 0, `line 1 of ${path} is not the journal header: the start of the file was cut off or edited`);
  let expected = 1;
  let prevHash: string | null = GENESIS;
  let lastSeq = 0;
  const firstEntryLine = header || !parseEntry(lines[0]!) ? 1 : 0; // a damaged header is reported once, not again as an entry
  for (let i = firstEntryLine; i < lines.length; i++) {
    const lineNo = i + 1;
    const e = parseEntry(lines[i]!);
    if (!e) {
      problem(null, expected, `line ${lineNo} of the journal is not an entry: edited, or cut short`);
      prevHash = null;
      expected++;
      continue;
    }
    entries.push(e);
    const seq = typeof e.record.seq === 'number' ? e.record.seq : null;
    const name = `journal entry ${e.entry}${seq !== null ? ` (seq ${seq})` : ''}, line ${lineNo}`;
    if (e.entry !== expected) {
      problem(seq, expected, e.entry > expected ? `journal entr${e.entry - expected === 1 ? `y ${expected} is` : `ies ${expected}–${e.entry - 1} are`} missing (the entries jump to ${e.entry}): deleted` : `${name} is out of order (expected entry ${expected}): entries were moved or duplicated`);
    } else if (prevHash !== null && e.prev !== prevHash) {
      problem(seq, e.entry, e.entry === 1 ? `${name} does not start the chain: entries before it were removed` : `${name} does not link to the entry before it: an entry was removed or replaced`);
    }
    if (chainHash(e.prev, e.record) !== e.hash) problem(seq, e.entry, `${name} does not match its hash: the record was edited`);
    if (seq !== null) {
      if (seq <= lastSeq) problem(seq, e.entry, `${name}: seq ${seq} does not increase (the entry before has seq ${lastSeq}): edited or reordered`);
      lastSeq = Math.max(lastSeq, seq);
    }
    prevHash = e.hash;
    expected = e.entry + 1;
  }
  return { path, exists: true, header, entries, problems };
}

function parseHeader(line: string): JournalHeader | null {
  try {
    const h = JSON.parse(line) as JournalHeader;
    return h && h.kind === 'meshward-audit-journal' && typeof h.journal === 'string' ? h : null;
  } catch {
    return null;
  }
}

function parseEntry(line: string): JournalEntry | null {
  if (line.trim() === '') return null;
  try {
    const e = JSON.parse(line) as JournalEntry;
    if (!e || !Number.isInteger(e.entry) || typeof e.prev !== 'string' || typeof e.hash !== 'string' || !e.record || typeof e.record !== 'object') return null;
    return e;
  } catch {
    return null;
  }
}

/** One write of the whole text, then fsync: an entry is on disk before meshward reports success. */
function writeDurably(path: string, flag: 'wx' | 'a', text: string): void {
  const fd = openSync(path, flag, 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
