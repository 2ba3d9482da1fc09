import { PGlite, types } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Connection } from '../target.js';
import { sanitizeError } from './connect.js';
import { park, takeParked } from './embedded-pool.js';
import { registerTextParser } from './row-text.js';
import { acquireLockFile } from '../../state/lock-file.js';
import { step } from '../../progress.js';

/**
 * The embedded PostgreSQL (PGlite) a target without `url` runs on. meshward owns these
 * databases: it creates them with a larger lock budget and bootstraps them once, statement by
 * statement (a huge bootstrap never becomes one transaction that exhausts the lock table, and an
 * error names the file and line, never the whole script). A data directory has no lock of its
 * own — two processes opening it corrupt it — so a lock file is taken first (lock.ts: exclusive,
 * names its holder, released on close and on exit; a stale one is reported, never taken over).
 */

/** One bootstrap script and the name it is reported under (its path as configured). */
export interface BootstrapSource {
  readonly name: string;
  readonly sql: string;
}

export type Bootstrap = string | readonly BootstrapSource[] | (() => readonly BootstrapSource[]);

export interface EmbeddedOptions {
  /** Prefix of error messages, e.g. `target 'local'`. */
  readonly label?: string;
}

/** `ALTER SYSTEM` is kept in the data directory (postgresql.auto.conf) and read on reopening. */
export const EMBEDDED_MAX_LOCKS = 1024;

/**
 * Opens the PGlite database stored in `dir`; when there is none yet, creates it (in a sibling
 * directory renamed into place once complete, so a failed bootstrap leaves nothing behind),
 * raises max_locks_per_transaction and runs the bootstrap.
 */
export async function openEmbedded(dir: string, bootstrap?: Bootstrap, opts: EmbeddedOptions = {}): Promise<Connection> {
  const label = opts.label ?? `embedded database ${dir}`;
  mkdirSync(dirname(dir), { recursive: true });
  const release = acquireLockFile(`${dir}.lock`, { label, dir, target: basename(dir) });
  try {
    const reused = await takeParked(dir);
    if (reused) return pgliteConnection(reused, release, dir);
    if (!existsSync(join(dir, 'PG_VERSION'))) await create(dir, bootstrap, label);
    const db = await PGlite.create(dir);
    return pgliteConnection(db, release, dir);
  } catch (e) {
    release();
    throw isComplete(e, label) ? e : new EmbeddedError(`${label}: cannot open the embedded database in ${dir}: ${sanitizeError(e).message}`);
  }
}

/** An error whose message is already complete (names the target, holds no SQL script). */
export class EmbeddedError extends Error {
  override readonly name = 'EmbeddedError';
}

/** An error whose message already names the target (ours, or the bootstrap loader's). */
function isComplete(e: unknown, label: string): boolean {
  return e instanceof EmbeddedError || (e instanceof Error && !('query' in e) && e.message.startsWith(`${label}:`));
}

async function create(dir: string, bootstrap: Bootstrap | undefined, label: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new EmbeddedError(`${label}: ${dir} exists but holds no database (no PG_VERSION); move it away or empty it`);
  }
  const sources = typeof bootstrap === 'string' ? [{ name: 'bootstrap', sql: bootstrap }] : typeof bootstrap === 'function' ? bootstrap() : (bootstrap ?? []);
  const building = `${dir}.creating`;
  rmSync(building, { recursive: true, force: true }); // left by a run that died while creating (we hold the lock)
  let db: PGlite | undefined;
  const progress = step(`${label}: creating the embedded database (first use only)`);
  try {
    db = await PGlite.create(building);
    await db.exec(`ALTER SYSTEM SET max_locks_per_transaction = ${EMBEDDED_MAX_LOCKS}`);
    await db.close();
    db = await PGlite.create(building);
    for (const source of sources) await runScript(db, source, label, (i, n) => progress.update(`bootstrap ${source.name}: statement ${i} of ${n}`));
    await db.close();
    db = undefined;
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(building, dir);
    progress.done();
  } catch (e) {
    progress.done();
    if (db) await db.close().catch(() => undefined);
    rmSync(building, { recursive: true, force: true });
    if (isComplete(e, label)) throw e;
    throw new EmbeddedError(`${label}: cannot create the embedded database in ${dir}: ${sanitizeError(e).message}`);
  }
}

/** Runs a script one statement at a time; an error names the source, statement and line. */
async function runScript(db: PGlite, source: BootstrapSource, label: string, onStatement: (done: number, total: number) => void = () => undefined): Promise<void> {
  const statements = splitStatements(source.sql);
  for (const [i, st] of statements.entries()) {
    if (i % 25 === 0) onStatement(i + 1, statements.length);
    const where = `${label}: bootstrap ${source.name}, statement ${i + 1} (line ${st.line})`;
    if (st.meta !== undefined) {
      if (/^\\(un)?restrict\b/.test(st.meta)) continue; // pg_dump's guard against psql injection; meaningless here
      throw new EmbeddedError(`${where}: psql meta-command ${excerpt(st.meta, 30)} is not supported in a bootstrap; write plain SQL`);
    }
    if (/^COPY\b[^;]*\bFROM\s+STDIN\b/i.test(st.text)) {
      throw new EmbeddedError(`${where}: COPY … FROM stdin is not supported in a bootstrap; dump with pg_dump --inserts`);
    }
    try {
      await db.exec(st.text);
    } catch (e) {
      const err = sanitizeError(e);
      throw new EmbeddedError(`${where}: ${err.message}; the statement begins: ${excerpt(st.text, 80)}`);
    }
  }
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}

/**
 * A Connection over an open PGlite; errors come back without the statement text. `dir`: the data
 * directory it was opened on, for the test harness's pool (embedded-pool.ts), which keeps it open.
 */
export function pgliteConnection(db: PGlite, onClose: () => void = () => undefined, dir?: string): Connection {
  let closed = false;
  return registerTextParser({
    driver: 'pglite',
    async query(sql, params) {
      try {
        const res = await db.query<Record<string, unknown>>(sql, params ? [...params] : undefined);
        return { rows: res.rows };
      } catch (e) {
        throw sanitizeError(e);
      }
    },
    async exec(sql) {
      try {
        await db.exec(sql);
      } catch (e) {
        throw sanitizeError(e);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (dir === undefined || !(await park(dir, db))) await db.close();
      } finally {
        onClose();
      }
    },
  }, (text, oid) => types.parseType(text, oid, db.parsers)); // the instance's parsers: array types are registered there
}

/** One statement of a script (without its `;`), or a psql meta-command line, with its first line. */
export interface ScriptStatement {
  readonly text: string;
  readonly line: number;
  /** Set for a psql meta-command (a line such as `\connect db`), which is not SQL. */
  readonly meta?: string;
}

/**
 * Splits SQL into statements the way psql does: `;` ends a statement except inside quotes
 * ('…', E'…', "…", $tag$…$tag$), comments (--, nested /* *\/) and the BEGIN … END body of a
 * CREATE FUNCTION / PROCEDURE (BEGIN ATOMIC). Statements that hold only comments are dropped.
 */
export function splitStatements(sql: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let start = 0;
  let line = 1;
  let firstLine = 0; // line of the first non-comment character of the current statement; 0 = none yet
  let words: string[] = [];
  let depth = 0; // BEGIN … END nesting inside a routine body
  const isIdent = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
  const flush = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (firstLine > 0 && text !== '') out.push({ text, line: firstLine });
    start = end + 1;
    firstLine = 0;
    words = [];
    depth = 0;
  };
  const countLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (sql.charCodeAt(k) === 10) line++;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      let nest = 0;
      let j = i;
      while (j < sql.length) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          nest++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          nest--;
          j += 2;
          if (nest === 0) break;
        } else j++;
      }
      countLines(i, j);
      i = j;
      continue;
    }
    if (c === '\\' && firstLine === 0) {
      // a psql meta-command: the rest of the line
      let j = i;
      while (j < sql.length && sql[j] !== '\n') j++;
      out.push({ text: '', line, meta: sql.slice(i, j).trim() });
      start = j;
      i = j;
      continue;
    }
    if (firstLine === 0) {
      firstLine = line;
      start = i; // leading comments are not part of the statement
    }
    if (c === ';' && depth === 0) {
      flush(i);
      i++;
      continue;
    }
    if (c === "'") {
      const escapes = (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdent(sql[i - 2]);
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      countLines(i, j);
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      countLines(i, j);
      i = j + 1;
      continue;
    }
    if (c === '$' && !isIdent(sql[i - 1])) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? sql.length : close + tag[0].length;
        countLines(i, end);
        i = end;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c) && !isIdent(sql[i - 1])) {
      let j = i;
      while (j < sql.length && isIdent(sql[j])) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (words.length < 4) words.push(word);
      const routine = words[0] === 'CREATE' && (words[1] === 'FUNCTION' || words[1] === 'PROCEDURE' || (words[1] === 'OR' && (words[3] === 'FUNCTION' || words[3] === 'PROCEDURE')));
      if (routine && word === 'BEGIN') depth++;
      else if (depth > 0 && word === 'CASE') depth++;
      else if (depth > 0 && word === 'END') depth--;
      i = j;
      continue;
    }
    i++;
  }
  flush(sql.length);
  return out;
}
