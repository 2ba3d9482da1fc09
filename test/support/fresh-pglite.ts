import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { buildOnce } from './build-once.js';

/**
 * A new, empty in-memory PGlite — what `PGlite.create()` gives — without running initdb each
 * time: initdb takes ~5 s on a 2-core machine, loading a dump of a fresh cluster under 1 s. The
 * dump is made once per run and PGlite version (processes that ask at once wait on a lock
 * directory while one makes it) in the run's scratch directory.
 */
export async function freshPGlite(): Promise<PGlite> {
  return fromDump();
}

/** The same empty cluster written into a data directory `dir` (for code that opens a directory). */
export async function freshDataDir(dir: string): Promise<void> {
  await (await fromDump(dir)).close();
}

/** A PGlite loaded from the dump: in memory, or written into the data directory `dir`. */
async function fromDump(dir?: string): Promise<PGlite> {
  const options = { loadDataDir: new Blob([readFileSync(await freshDump())]) };
  return dir === undefined ? PGlite.create(options) : PGlite.create(dir, options);
}

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
let made: Promise<string> | undefined;

function freshDump(): Promise<string> {
  made ??= makeDump();
  return made;
}

async function makeDump(): Promise<string> {
  const version = createHash('sha256').update(readFileSync(join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json'))).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `meshward-pglite-fresh-${version}.tar`);
  await buildOnce(file, `${file}.lock`, async () => {
    const db = await PGlite.create();
    const tar = await db.dumpDataDir('none');
    await db.close();
    writeFileSync(`${file}.part`, Buffer.from(await tar.arrayBuffer()));
    renameSync(`${file}.part`, file); // readers never see half a file
  }, 120_000);
  return file;
}
