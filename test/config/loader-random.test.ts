import fc from 'fast-check';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Diagnostics, type Diagnostic } from '../../src/config/diagnostics.js';
import { findPolicyFiles, readPolicyFiles } from '../../src/config/files.js';
import { loadRepository } from '../../src/config/load.js';

/**
 * Issue 8, item 1, generated: hostile file trees — links inside and out of the repository, link
 * loops, dangling links, links into dot-directories, a byte order mark, CRLF, Latin-1, empty
 * files, `.yml`, names that differ only in case, nested directories. For every tree: loading
 * never throws; every `*.yaml` the walk reaches is either loaded or named by an error; and the
 * repository never validates while a file it reaches is left out.
 */

const DIRS = ['', 'a', 'b', 'a/c', 'a/c/d', '.hid', 'node_modules', 'a/.dot'] as const;
const NAMES = ['p.yaml', 'q.yaml', 'P.yaml', 'r.yml', 's.YAML', 't.txt', 'sub', 'link.yaml'] as const;
const CONTENTS = ['ok', 'bom', 'crlf', 'latin1', 'empty', 'comments'] as const;
const LINKS = ['file', 'dir', 'outside-file', 'outside-dir', 'ancestor', 'root', 'dangling', 'self', 'chain'] as const;

type Entry =
  | { readonly kind: 'file'; readonly dir: string; readonly name: string; readonly content: (typeof CONTENTS)[number] }
  | { readonly kind: 'dir'; readonly dir: string; readonly name: string }
  | { readonly kind: 'link'; readonly dir: string; readonly name: string; readonly to: (typeof LINKS)[number]; readonly pick: number };

const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), dir: fc.constantFrom(...DIRS), name: fc.constantFrom(...NAMES), content: fc.constantFrom(...CONTENTS) }),
  fc.record({ kind: fc.constant('dir' as const), dir: fc.constantFrom(...DIRS), name: fc.constantFrom('sub', 'e', 'E') }),
  fc.record({ kind: fc.constant('link' as const), dir: fc.constantFrom(...DIRS), name: fc.constantFrom(...NAMES), to: fc.constantFrom(...LINKS), pick: fc.nat(50) }),
);

const DOC = 'kind: AccessTests\ntests: []\n';
const PROJECT = 'kind: Project\nname: random\n';

function content(kind: (typeof CONTENTS)[number]): Buffer {
  switch (kind) {
    case 'ok':
      return Buffer.from(DOC);
    case 'bom':
      return Buffer.from('\uFEFF' + DOC);
    case 'crlf':
      return Buffer.from(DOC.replace(/\n/g, '\r\n'));
    case 'latin1':
      return Buffer.from('kind: AccessTests\n# caf\u00e9\ntests: []\n', 'latin1');
    case 'empty':
      return Buffer.alloc(0);
    case 'comments':
      return Buffer.from('# nothing here\n');
  }
}

const pathOf = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

/** Writes the tree; entries that cannot be created (a name already taken) are left out. Returns those created. */
function build(root: string, outside: string, entries: readonly Entry[]): Entry[] {
  const made: Entry[] = [];
  const taken = new Set<string>(['meshward.yaml']);
  writeFileSync(join(root, 'meshward.yaml'), PROJECT);
  writeFileSync(join(outside, 'f.yaml'), DOC);
  const mkdirs = (dir: string): boolean => {
    let acc = '';
    for (const part of dir.split('/').filter(Boolean)) {
      acc = pathOf(acc, part);
      if (taken.has(acc) && !made.some((e) => e.kind === 'dir' && pathOf(e.dir, e.name) === acc) && !DIRS.includes(acc as never)) return false;
      taken.add(acc);
    }
    if (dir) mkdirSync(join(root, dir), { recursive: true });
    return true;
  };
  // Files and directories first, so links can point at them.
  for (const e of entries.filter((x) => x.kind !== 'link')) {
    const path = pathOf(e.dir, e.name);
    if (taken.has(path) || DIRS.includes(path as never)) continue;
    if (!mkdirs(e.dir)) continue;
    taken.add(path);
    if (e.kind === 'dir') mkdirSync(join(root, path));
    else writeFileSync(join(root, path), content(e.content));
    made.push(e);
  }
  const files = made.filter((e) => e.kind === 'file').map((e) => pathOf(e.dir, e.name));
  const dirs = ['', ...DIRS.filter((d) => d), ...made.filter((e) => e.kind === 'dir').map((e) => pathOf(e.dir, e.name))];
  for (const e of entries.filter((x): x is Extract<Entry, { kind: 'link' }> => x.kind === 'link')) {
    const path = pathOf(e.dir, e.name);
    if (taken.has(path) || DIRS.includes(path as never) || !mkdirs(e.dir)) continue;
    const here = join(root, e.dir);
    let target: string;
    switch (e.to) {
      case 'file':
        if (!files.length) continue;
        target = relative(here, join(root, files[e.pick % files.length]!));
        break;
      case 'dir':
        target = relative(here, join(root, dirs[e.pick % dirs.length]!)) || '.';
        break;
      case 'outside-file':
        target = join(outside, 'f.yaml');
        break;
      case 'outside-dir':
        target = e.pick % 2 ? outside : relative(here, outside);
        break;
      case 'ancestor':
        target = '..';
        break;
      case 'root':
        target = relative(here, root) || '.';
        break;
      case 'dangling':
        target = 'no-such-entry';
        break;
      case 'self':
        target = e.name;
        break;
      case 'chain': {
        const links = made.filter((m) => m.kind === 'link');
        if (!links.length) continue;
        const other = links[e.pick % links.length]!;
        target = relative(here, join(root, pathOf(other.dir, other.name)));
        break;
      }
    }
    mkdirSync(here, { recursive: true });
    symlinkSync(target, join(root, path));
    taken.add(path);
    made.push(e);
  }
  return made;
}

const skipped = (path: string) => path.split('/').some((p) => p.startsWith('.') || p === 'node_modules');
const yamlish = (name: string) => /\.ya?ml$/i.test(name);

/** True when some diagnostic names `path` (itself, a directory above it, or in its message). */
function named(diags: readonly Diagnostic[], ...paths: string[]): boolean {
  return diags.some((d) => d.severity === 'error' && paths.some((p) => d.at?.file === p || p.startsWith(`${d.at?.file}/`) || d.message.includes(p)));
}

describe('hostile file trees (generated)', () => {
  it('every reachable *.yaml is loaded or named in an error; validate never passes while one is dropped', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 14 }), (entries) => {
        const base = mkdtempSync(join(tmpdir(), 'meshward-tree-'));
        try {
          const root = join(base, 'repo');
          const outside = join(base, 'outside');
          mkdirSync(root);
          mkdirSync(outside);
          const made = build(root, outside, entries);
          const realRoot = realpathSync(root);

          const result = loadRepository(root); // never throws
          const diags = result.diagnostics.items;
          for (const d of diags) expect(d.at, d.message).toBeDefined();

          const found = findPolicyFiles(root, new Diagnostics());
          const read = readPolicyFiles(found.files, new Diagnostics());
          const loaded = new Set(read.files.map((f) => (f.path === 'meshward.yaml' ? join(realRoot, 'meshward.yaml') : join(realRoot, f.path))));

          const dropped: string[] = [];
          for (const e of made) {
            const path = pathOf(e.dir, e.name);
            if (skipped(path) || !yamlish(e.name) || e.kind === 'dir') continue;
            let real: string | undefined;
            try {
              real = realpathSync(join(root, path));
              if (statSync(real).isDirectory()) continue; // a directory named *.yaml is walked, not read
            } catch {
              real = undefined; // dangling or looping: must be named
            }
            const isLoaded = real !== undefined && loaded.has(real);
            const realPath = real ? relative(realRoot, real).split('/').join('/') : path;
            if (!isLoaded) dropped.push(path);
            expect(isLoaded || named(diags, path, realPath), `${path} (${e.kind}${e.kind === 'link' ? ` → ${e.to}` : ''}) neither loaded nor named:\n${diags.map((d) => `${d.at?.file}: ${d.code} ${d.message}`).join('\n')}`).toBe(true);
          }
          if (dropped.length) expect(result.diagnostics.hasErrors, `dropped ${dropped.join(', ')}`).toBe(true);
          if (diags.some((d) => d.severity === 'error' && d.code.startsWith('file-'))) expect(result.model).toBeUndefined();
          if (!result.diagnostics.hasErrors) expect(result.model).toBeDefined();
        } finally {
          rmSync(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});
