import * as nodeFs from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Diagnostics } from './diagnostics.js';

/**
 * Finding and reading the policy files of a repository (issue 8, item 1: a loader that drops
 * input must never pass). Every `*.yaml` below the root is read, links included; anything the
 * loader will not read is an error naming the path, never a silent skip:
 *
 * - a symbolic link is followed when its target lies inside the repository (a file reached
 *   through several paths is loaded once, under its real path); a link leaving the repository,
 *   a link loop (to the link's own directory or an enclosing one, or a cycle of links) and a
 *   dangling link are errors;
 * - an unreadable file or directory, a file that is not valid UTF-8, a `*.yaml` that is not a
 *   regular file (a FIFO would block the read forever) and a file over MAX_FILE_BYTES are errors;
 * - `.yml`, and `.yaml`/`.yml` in any other case (`X.YAML`), are errors: one spelling keeps the
 *   set of loaded files unambiguous, and a file someone meant as policy is never ignored;
 * - two paths that differ only in case or Unicode normalisation are an error: a checkout on a
 *   case-insensitive file system (macOS, Windows) keeps only one of them;
 * - a file that holds no YAML document is an error (load.ts): an emptied file drops its policies.
 *
 * Skipped on purpose: dot-entries (`.git`, `.meshward`), `node_modules`, non-YAML files, and a
 * subdirectory with its own meshward.yaml (another repository; a warning names it).
 */

export const PROJECT_FILE = 'meshward.yaml';

/** Larger files are refused before they are read: 256 MB, five times the largest model we bench. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The file-system calls the loader makes; tests inject failures through it. */
export interface LoaderFs {
  readdirSync(path: string): string[];
  lstatSync(path: string): nodeFs.Stats;
  statSync(path: string): nodeFs.Stats;
  realpathSync(path: string): string;
  readFileSync(path: string): Buffer;
  readlinkSync(path: string): string;
}

export const NODE_FS: LoaderFs = {
  readdirSync: (p) => nodeFs.readdirSync(p),
  lstatSync: (p) => nodeFs.lstatSync(p),
  statSync: (p) => nodeFs.statSync(p),
  realpathSync: (p) => nodeFs.realpathSync.native(p),
  readFileSync: (p) => nodeFs.readFileSync(p),
  readlinkSync: (p) => nodeFs.readlinkSync(p),
};

/** A policy file as read: its path relative to the root, and its text. */
export interface PolicyFile {
  readonly path: string;
  readonly text: string;
}

/** A policy file found by the walk, not yet read. */
interface Found {
  /** Real path on disk. */
  readonly real: string;
  /** Path relative to the root, `/`-separated: the real path, or `meshward.yaml`. */
  readonly path: string;
}

/** `name` looks like YAML: ends in .yaml or .yml in any case. */
const YAMLISH = /\.ya?ml$/i;

/**
 * Every policy file of the repository at `root`, in path order, with problems reported to
 * `diags`. `complete` is false when something was not read: callers must not build a model from
 * the rest.
 */
export function findPolicyFiles(root: string, diags: Diagnostics, fs: LoaderFs = NODE_FS): { files: Found[]; complete: boolean } {
  const before = diags.errors.length;
  const at = (path: string) => ({ file: path, line: 1, col: 1 });
  const fsError = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch (e) {
    diags.error('file-unreadable', `cannot read the repository directory ${root}: ${fsError(e)}`, undefined, 'check the --dir path and its permissions');
    return { files: [], complete: false };
  }
  /** `real` is the root or below it. */
  const inside = (real: string): boolean => {
    const rel = relative(realRoot, real);
    return rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel);
  };
  const display = (real: string): string => relative(realRoot, real).split(sep).join('/');
  const files = new Map<string, Found>();
  const walkedDirs = new Set<string>([realRoot]);
  /** Every path the walk took (files and directories it would read), for the case check. */
  const taken: string[] = [];

  /** Where a link leads, or undefined (reported) when it must not be followed. */
  const follow = (path: string, full: string): string | undefined => {
    let target = '?';
    try {
      target = readlink(fs, full);
      const real = fs.realpathSync(full);
      if (!inside(real)) {
        diags.error('file-link-outside', `${path} is a link to ${target}, outside the repository: it is not read`, at(path), 'copy the file into the repository, or link to a file inside it');
        return undefined;
      }
      return real;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') diags.error('file-link-loop', `${path} is a link that loops (${target})`, at(path), 'point the link at a file or directory, not at itself');
      else if (code === 'ENOENT' || code === 'ENOTDIR') diags.error('file-link-dangling', `${path} is a link to ${target}, which does not exist`, at(path), 'fix the link target or remove the link');
      else diags.error('file-unreadable', `cannot read the link ${path}: ${fsError(e)}`, at(path), 'make it readable or remove it');
      return undefined;
    }
  };

  // The root's meshward.yaml keeps its name even when it is a link into the repository.
  const project = join(realRoot, PROJECT_FILE);
  try {
    const real = fs.lstatSync(project).isSymbolicLink() ? follow(PROJECT_FILE, project) : project;
    if (real) files.set(real, { real, path: PROJECT_FILE });
  } catch (e) {
    diags.error('file-unreadable', `cannot read ${PROJECT_FILE}: ${fsError(e)}`, at(PROJECT_FILE), 'make it readable');
  }

  // Entries are named by where they are (their directory's real path), not by the links the walk
  // took to reach them: the path in a message is the one to fix, and each is reported once.
  const walk = (dirReal: string, ancestors: ReadonlySet<string>): void => {
    const dirPath = display(dirReal);
    let names: string[];
    try {
      names = fs.readdirSync(dirReal).sort(compare);
    } catch (e) {
      diags.error('file-unreadable', `cannot read the directory ${dirPath || '.'}: ${fsError(e)}`, at(dirPath || '.'), 'make it readable, or move it out of the repository');
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const path = dirPath ? `${dirPath}/${name}` : name;
      const full = join(dirReal, name);
      if (dirPath === '' && name === PROJECT_FILE) {
        taken.push(path);
        continue; // read above
      }
      let stats: nodeFs.Stats;
      let real = full;
      try {
        stats = fs.lstatSync(full);
        if (stats.isSymbolicLink()) {
          const followed = follow(path, full);
          if (followed === undefined) continue;
          real = followed;
          stats = fs.statSync(real);
        }
      } catch (e) {
        diags.error('file-unreadable', `cannot read ${path}: ${fsError(e)}`, at(path), 'make it readable, or move it out of the repository');
        continue;
      }
      if (stats.isDirectory()) {
        if (real === realRoot || ancestors.has(real)) {
          diags.error('file-link-loop', `${path} is a link to an enclosing directory (${display(real) || '.'}): following it would loop`, at(path), 'remove the link');
          continue;
        }
        if (hasProjectFile(fs, real)) {
          diags.warn('nested-repository', `${path}/ has its own ${PROJECT_FILE}: it is another repository and is not loaded`, at(path), `remove ${path}/${PROJECT_FILE} if its files belong to this repository`);
          continue;
        }
        taken.push(path);
        if (walkedDirs.has(real)) continue; // reached through another path already: its files load once
        walkedDirs.add(real);
        walk(real, new Set([...ancestors, real]));
        continue;
      }
      if (!YAMLISH.test(name)) continue;
      taken.push(path);
      if (!name.endsWith('.yaml')) {
        const fixed = name.replace(YAMLISH, '.yaml');
        diags.error('file-extension', `${path} is not read: policy files end in '.yaml'`, at(path), `rename it to ${fixed}`);
        continue;
      }
      if (!stats.isFile()) {
        diags.error('file-not-regular', `${path} is not a regular file: it is not read`, at(path), 'replace it with a regular file');
        continue;
      }
      if (!files.has(real)) files.set(real, { real, path: display(real) });
    }
  };
  walk(realRoot, new Set([realRoot]));
  reportCaseClashes(taken, diags);
  const sorted = [...files.values()].sort((a, b) => compare(a.path, b.path));
  return { files: sorted, complete: diags.errors.length === before };
}

/** Reads and decodes found files; problems go to `diags` and the file is left out. */
export function readPolicyFiles(found: readonly Found[], diags: Diagnostics, fs: LoaderFs = NODE_FS): { files: PolicyFile[]; complete: boolean } {
  const files: PolicyFile[] = [];
  let complete = true;
  for (const f of found) {
    const at = { file: f.path, line: 1, col: 1 };
    try {
      const size = fs.statSync(f.real).size;
      if (size > MAX_FILE_BYTES) {
        diags.error('file-too-large', `${f.path} has ${size} bytes, more than the ${MAX_FILE_BYTES} a policy file may have`, at, 'split it into several files');
        complete = false;
        continue;
      }
      const decoded = decodeUtf8(fs.readFileSync(f.real));
      if (typeof decoded !== 'string') {
        diags.error('file-not-utf8', `${f.path} is not valid UTF-8 (byte ${decoded.offset})`, { file: f.path, line: decoded.line, col: decoded.col }, 'save it as UTF-8');
        complete = false;
        continue;
      }
      files.push({ path: f.path, text: decoded });
    } catch (e) {
      diags.error('file-unreadable', `cannot read ${f.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, at, 'make it readable, or move it out of the repository');
      complete = false;
    }
  }
  return { files, complete };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text, or where the first byte that is not UTF-8 is (line and column of characters). */
export function decodeUtf8(bytes: Uint8Array): string | { offset: number; line: number; col: number } {
  try {
    return UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const col = [...new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset))].length + 1;
    return { offset, line, col };
  }
}

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let min = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000);
    else return i;
    let cp = n === 0 ? c : c & (0xff >> (n + 2));
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

/** Two walked paths that one case-insensitive, normalising file system would store as one. */
function reportCaseClashes(paths: readonly string[], diags: Diagnostics): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const key = path.normalize('NFC').toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, path);
      continue;
    }
    diags.error(
      'file-case-clash',
      `${path} and ${first} differ only in case or Unicode normalisation: a checkout on a case-insensitive file system (macOS, Windows) keeps one of them`,
      { file: path, line: 1, col: 1 },
      'give them names that differ in more than case, or merge them',
    );
  }
}

function hasProjectFile(fs: LoaderFs, dir: string): boolean {
  try {
    fs.lstatSync(join(dir, PROJECT_FILE));
    return true;
  } catch {
    return false;
  }
}

function readlink(fs: LoaderFs, path: string): string {
  try {
    return fs.readlinkSync(path);
  } catch {
    return '?';
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
