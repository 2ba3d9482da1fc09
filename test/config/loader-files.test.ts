import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPos } from '../../src/config/diagnostics.js';
import { MAX_FILE_BYTES, NODE_FS } from '../../src/config/files.js';
import { listPolicyFiles, loadRepository } from '../../src/config/load.js';
import { BASE, fileText, seen, validateFixture } from '../support/repo-fixture.js';
import { diskRepo, errorLines, failingFs, policyNames, validateDir } from './disk-fixture.js';

/**
 * Issue 8, item 1: a loader that drops input must never pass. Every way a policy file can go
 * missing on disk is either loaded or an error naming the path, and the model is then withheld
 * (validate exits 1). The base repository has 5 policies in 4 files.
 */

const ALL_POLICIES = ['own-region', 'paid-only', 'phone-last4', 'pii-hash', 'restricted-rows'];

/** Moves `file` to `to` (a new directory inside root) and leaves a relative link in its place. */
function moveAndLink(root: string, file: string, to: string): void {
  mkdirSync(join(root, dirname(to)), { recursive: true });
  renameSync(join(root, file), join(root, to));
  symlinkSync(relative(dirname(join(root, file)), join(root, to)), join(root, file));
}

describe('the base repository on disk', () => {
  it('loads every file and validates clean', () => {
    const { root } = diskRepo();
    const result = validateDir(root);
    expect(result.diagnostics.items.map(seen)).toEqual([]);
    expect(policyNames(result)).toEqual(ALL_POLICIES);
    expect(listPolicyFiles(root)).toEqual(BASE.files.map((f) => f.path));
  });
});

describe('symbolic links', () => {
  it('a file link inside the repository is followed (the issue: global.yaml as a symlink)', () => {
    const { root } = diskRepo();
    moveAndLink(root, 'global.yaml', 'shared/global.yaml');
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual([]);
    expect(policyNames(result)).toEqual(ALL_POLICIES);
    // Reached as global.yaml and as shared/global.yaml: loaded once, under its real path.
    expect(listPolicyFiles(root)).toContain('shared/global.yaml');
    expect(listPolicyFiles(root)).not.toContain('global.yaml');
    expect(result.model!.globalPolicies[0]!.at.file).toBe('shared/global.yaml');
  });

  it('a file link hidden in a dot-directory is followed and named by its real path', () => {
    const { root } = diskRepo();
    moveAndLink(root, 'global.yaml', '.shared/global.yaml');
    const result = validateDir(root);
    expect(policyNames(result)).toEqual(ALL_POLICIES);
    expect(result.model!.globalPolicies[0]!.at.file).toBe('.shared/global.yaml');
  });

  it('a directory link inside the repository is followed; two paths to one directory load it once', () => {
    const { root } = diskRepo();
    symlinkSync('domains', join(root, 'teams')); // domains/ is reached twice
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual([]);
    expect(policyNames(result)).toEqual(ALL_POLICIES);
    expect(result.model!.domains.map((d) => d.file)).toEqual(['domains/finance.yaml', 'domains/sales.yaml']);
  });

  it('a link leaving the repository is an error naming it, and the model is withheld', () => {
    const { root, outside } = diskRepo();
    renameSync(join(root, 'global.yaml'), join(outside, 'global.yaml'));
    symlinkSync(join(outside, 'global.yaml'), join(root, 'global.yaml'));
    const result = validateDir(root);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      {
        severity: 'error',
        code: 'file-link-outside',
        at: 'global.yaml:1:1',
        message: `global.yaml is a link to ${join(outside, 'global.yaml')}, outside the repository: it is not read`,
        hint: 'copy the file into the repository, or link to a file inside it',
      },
    ]);
    expect(result.model).toBeUndefined();
  });

  it('a relative link that climbs out of the repository is refused too', () => {
    const { root, outside } = diskRepo();
    mkdirSync(join(outside, 'more'));
    writeFileSync(join(outside, 'more', 'x.yaml'), 'kind: AccessTests\ntests: []\n');
    symlinkSync(join('..', '..', 'outside', 'more'), join(root, 'domains', 'more'));
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['domains/more:1:1 file-link-outside']);
  });

  it('a meshward.yaml that is a link out of the repository is refused', () => {
    const { root, outside } = diskRepo();
    renameSync(join(root, 'meshward.yaml'), join(outside, 'meshward.yaml'));
    symlinkSync(join(outside, 'meshward.yaml'), join(root, 'meshward.yaml'));
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual(['meshward.yaml:1:1 file-link-outside']);
    expect(result.model).toBeUndefined();
  });

  it('a dangling meshward.yaml is this repository, and an error (not a parent directory found instead)', () => {
    const { root } = diskRepo();
    const inner = join(root, 'inner');
    mkdirSync(inner);
    symlinkSync('gone.yaml', join(inner, 'meshward.yaml'));
    const result = validateDir(inner);
    expect(result.root).toBe(inner);
    expect(errorLines(result.diagnostics.items)).toEqual(['meshward.yaml:1:1 file-link-dangling']);
  });

  it('a meshward.yaml linked to a file inside the repository keeps its name', () => {
    const { root } = diskRepo();
    moveAndLink(root, 'meshward.yaml', 'config/project.yaml');
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual([]);
    expect(result.model!.project.file).toBe('meshward.yaml');
  });

  it('a directory link to an enclosing directory is a loop error', () => {
    const { root } = diskRepo();
    mkdirSync(join(root, 'loop'));
    symlinkSync('..', join(root, 'loop', 'up'));
    const result = validateDir(root);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-link-loop', at: 'loop/up:1:1', message: 'loop/up is a link to an enclosing directory (.): following it would loop', hint: 'remove the link' },
    ]);
    expect(result.model).toBeUndefined();
  });

  it('a problem inside a directory reached through a link is named where it is, not by the link', () => {
    const { root } = diskRepo();
    mkdirSync(join(root, 'a', 'c'), { recursive: true });
    symlinkSync('p.yaml', join(root, 'a', 'c', 'p.yaml')); // loops on itself
    symlinkSync('a', join(root, 'A.yaml')); // sorts before a/: the walk reaches a/ through it first
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['a/c/p.yaml:1:1 file-link-loop']);
  });

  it('a cycle of links is a loop error', () => {
    const { root } = diskRepo();
    symlinkSync('b.yaml', join(root, 'a.yaml'));
    symlinkSync('a.yaml', join(root, 'b.yaml'));
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['a.yaml:1:1 file-link-loop', 'b.yaml:1:1 file-link-loop']);
  });

  it('a dangling link is an error naming it and its target', () => {
    const { root } = diskRepo();
    symlinkSync('nowhere.yaml', join(root, 'gone.yaml'));
    const result = validateDir(root);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-link-dangling', at: 'gone.yaml:1:1', message: 'gone.yaml is a link to nowhere.yaml, which does not exist', hint: 'fix the link target or remove the link' },
    ]);
  });

  it('a dangling link that does not look like YAML is an error too (it could be a directory of policies)', () => {
    const { root } = diskRepo();
    symlinkSync('no-such-dir', join(root, 'teams'));
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['teams:1:1 file-link-dangling']);
  });
});

describe('files that cannot be read', () => {
  it('a file that is not UTF-8: error at the first bad byte', () => {
    const { root } = diskRepo();
    const text = fileText(BASE, 'global.yaml').replace('pii-hash', 'pii-h\u00e9sh');
    writeFileSync(join(root, 'global.yaml'), Buffer.from(text, 'latin1'));
    const result = validateDir(root);
    const offset = Buffer.from(text, 'latin1').indexOf(0xe9);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-not-utf8', at: 'global.yaml:3:16', message: `global.yaml is not valid UTF-8 (byte ${offset})`, hint: 'save it as UTF-8' },
    ]);
    expect(result.model).toBeUndefined();
  });

  it('UTF-16 (a byte order mark FF FE) is not UTF-8', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'global.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fileText(BASE, 'global.yaml'), 'utf16le')]));
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['global.yaml:1:1 file-not-utf8']);
  });

  it('an encoded surrogate (CESU-8) and an overlong encoding are not UTF-8', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'a.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xed, 0xa0, 0x80, 0x0a]));
    writeFileSync(join(root, 'b.yaml'), Buffer.from([0x0a, 0x61, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]));
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['a.yaml:1:4 file-not-utf8', 'b.yaml:2:4 file-not-utf8']);
  });

  it('an unreadable file (EACCES, injected: root reads everything) is an error naming it', () => {
    const { root } = diskRepo();
    const result = loadRepository(root, failingFs(NODE_FS, 'readFileSync', '/domains/sales.yaml', 'EACCES'));
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-unreadable', at: 'domains/sales.yaml:1:1', message: 'cannot read domains/sales.yaml: EACCES', hint: 'make it readable, or move it out of the repository' },
    ]);
    expect(result.model).toBeUndefined();
  });

  it('an unreadable directory (injected) is an error naming it', () => {
    const { root } = diskRepo();
    const result = loadRepository(root, failingFs(NODE_FS, 'readdirSync', '/domains', 'EACCES'));
    expect(errorLines(result.diagnostics.items)).toEqual(['domains:1:1 file-unreadable']);
    expect(result.model).toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file (chmod 000) is an error naming it', () => {
    const { root } = diskRepo();
    chmodSync(join(root, 'global.yaml'), 0o000);
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['global.yaml:1:1 file-unreadable']);
    chmodSync(join(root, 'global.yaml'), 0o644);
  });

  it('a file over the size limit is refused before it is read', () => {
    const { root } = diskRepo();
    const base = NODE_FS;
    const huge = { ...base, statSync: (p: string) => (p.endsWith('global.yaml') ? Object.assign(base.statSync(p), { size: MAX_FILE_BYTES + 1 }) : base.statSync(p)) };
    const result = loadRepository(root, huge);
    expect(errorLines(result.diagnostics.items)).toEqual(['global.yaml:1:1 file-too-large']);
    expect(result.model).toBeUndefined();
  });

  it('a *.yaml that is a FIFO is refused, not read (the read would block)', () => {
    const { root } = diskRepo();
    execFileSync('mkfifo', [join(root, 'pipe.yaml')]);
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['pipe.yaml:1:1 file-not-regular']);
  });

  it('an empty file, or one of comments only, is an error: an emptied file drops its policies', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'global.yaml'), '');
    writeFileSync(join(root, 'domains', 'sales.yaml'), '# sales moved elsewhere\n---\n');
    const result = validateDir(root);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-empty', at: 'domains/sales.yaml:1:1', message: 'domains/sales.yaml holds no YAML document', hint: 'write a document with a kind, or delete the file' },
      { severity: 'error', code: 'file-empty', at: 'global.yaml:1:1', message: 'global.yaml holds no YAML document', hint: 'write a document with a kind, or delete the file' },
    ]);
    expect(result.model).toBeUndefined();
  });
});

describe('names the loader would not read', () => {
  it('.yml is an error, not a silent skip', () => {
    const { root } = diskRepo();
    renameSync(join(root, 'global.yaml'), join(root, 'global.yml'));
    const result = validateDir(root);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'file-extension', at: 'global.yml:1:1', message: "global.yml is not read: policy files end in '.yaml'", hint: 'rename it to global.yaml' },
    ]);
    expect(result.model).toBeUndefined();
  });

  it.each(['Other.YAML', 'x.Yml', 'y.YML'])('%s is an error', (name) => {
    const { root } = diskRepo();
    writeFileSync(join(root, name), 'kind: AccessTests\ntests: []\n');
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual([`${name}:1:1 file-extension`]);
  });

  it('two names that differ only in case are an error (a case-insensitive checkout keeps one)', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'Global.yaml'), fileText(BASE, 'global.yaml').replace(/pii-hash/g, 'pii-hash2').replace(/restricted-rows/g, 'rows2'));
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual(['global.yaml:1:1 file-case-clash']);
    expect(result.diagnostics.errors[0]!.message).toBe(
      'global.yaml and Global.yaml differ only in case or Unicode normalisation: a checkout on a case-insensitive file system (macOS, Windows) keeps one of them',
    );
    expect(result.model).toBeUndefined();
  });

  it('two directories that differ only in case are an error', () => {
    const { root } = diskRepo();
    mkdirSync(join(root, 'Domains'));
    writeFileSync(join(root, 'Domains', 'hr.yaml'), 'kind: AccessTests\ntests: []\n');
    expect(errorLines(validateDir(root).diagnostics.items)).toEqual(['domains:1:1 file-case-clash']);
  });

  it('two names that differ only in Unicode normalisation (NFC vs NFD) are an error', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'caf\u00e9.yaml'), 'kind: AccessTests\ntests: []\n');
    writeFileSync(join(root, 'cafe\u0301.yaml'), 'kind: AccessTests\ntests: []\n');
    expect(validateDir(root).diagnostics.errors.map((d) => d.code)).toEqual(['file-case-clash']);
  });

  it('a subdirectory with its own meshward.yaml is another repository: a warning names it', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'domains', 'meshward.yaml'), fileText(BASE, 'meshward.yaml'));
    const result = validateDir(root);
    expect(result.diagnostics.items.map(seen)).toContainEqual({
      severity: 'warning',
      code: 'nested-repository',
      at: 'domains:1:1',
      message: 'domains/ has its own meshward.yaml: it is another repository and is not loaded',
      hint: 'remove domains/meshward.yaml if its files belong to this repository',
    });
  });
});

describe('encodings that must not change the model', () => {
  it('a UTF-8 byte order mark is dropped: same model, same columns on line 1', () => {
    const { root } = diskRepo();
    writeFileSync(join(root, 'domains', 'sales.yaml'), '\uFEFF' + fileText(BASE, 'domains/sales.yaml').replace('kind: Domain', 'kind: Domian'));
    const result = validateDir(root);
    expect(errorLines(result.diagnostics.items)).toEqual(['domains/sales.yaml:1:7 unknown-kind']);
    const clean = diskRepo();
    writeFileSync(join(clean.root, 'global.yaml'), '\uFEFF' + fileText(BASE, 'global.yaml'));
    expect(policyNames(validateDir(clean.root))).toEqual(ALL_POLICIES);
  });

  it('CRLF line endings give the same model and the same line:col as LF', () => {
    const lf = diskRepo();
    const crlf = diskRepo();
    for (const file of BASE.files) writeFileSync(join(crlf.root, file.path), file.text.replace(/\n/g, '\r\n'));
    const strip = (r: ReturnType<typeof validateDir>) => JSON.stringify(r.model, (k, v) => (k === 'root' ? undefined : v instanceof Map ? [...v] : v));
    const a = validateDir(lf.root);
    const b = validateDir(crlf.root);
    expect(errorLines(b.diagnostics.items)).toEqual([]);
    expect(strip(b)).toBe(strip(a));
    // A filter error is reported at the same line:col in both.
    for (const { root } of [lf, crlf]) {
      const path = join(root, 'domains', 'sales.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('region IN user.region', 'region IN user.regoin'));
    }
    const at = (r: ReturnType<typeof validateDir>) => r.diagnostics.errors.map((d) => formatPos(d.at));
    expect(at(validateDir(crlf.root))).toEqual(at(validateDir(lf.root)));
    expect(at(validateDir(lf.root))).toEqual(['domains/sales.yaml:19:25']);
  });

  it('a lone CR is a line break too', () => {
    const fixture = { ...BASE, files: BASE.files.map((f) => (f.path === 'global.yaml' ? { ...f, text: f.text.replace(/\n/g, '\r').replace('pii-hash', 'pii hash!') } : f)) };
    expect(validateFixture(fixture).diagnostics.errors.map((d) => formatPos(d.at))).toEqual(['global.yaml:3:11']);
  });
});

describe('deleting a link does not leave a stale model', () => {
  it('after the link target is removed, the dangling link fails validation', () => {
    const { root } = diskRepo();
    moveAndLink(root, 'global.yaml', 'shared/global.yaml');
    expect(policyNames(validateDir(root))).toEqual(ALL_POLICIES);
    unlinkSync(join(root, 'shared', 'global.yaml'));
    expect(validateDir(root).diagnostics.hasErrors).toBe(true);
  });
});
