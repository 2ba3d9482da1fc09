import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { formatPos } from '../../src/config/diagnostics.js';
import type { LoaderFs } from '../../src/config/load.js';
import { validateRepository, type ValidationResult } from '../../src/validate.js';
import { BASE, type RepoFixture } from '../support/repo-fixture.js';

/** The in-memory fixtures of repo-fixture.ts written to a temporary directory, for loader tests on a real file system. */

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(label = 'meshward-loader-'): string {
  const dir = mkdtempSync(join(tmpdir(), label));
  temps.push(dir);
  return dir;
}

/** Writes the fixture's files below `dir` (inventory.json too when it has one). */
export function writeFixture(dir: string, fixture: RepoFixture = BASE): string {
  for (const file of fixture.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.text);
  }
  if (fixture.inventory) writeFileSync(join(dir, 'inventory.json'), JSON.stringify(fixture.inventory));
  return dir;
}

/** A temporary repository holding the fixture: `root` is the repository, `outside` a sibling directory outside it. */
export function diskRepo(fixture: RepoFixture = BASE): { root: string; outside: string } {
  const base = tempDir();
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFixture(root, fixture);
  return { root, outside };
}

export function validateDir(dir: string): ValidationResult {
  return validateRepository({ dir });
}

/** `file:line:col code` of every error, sorted. */
export function errorLines(diags: readonly Diagnostic[]): string[] {
  return diags.filter((d) => d.severity === 'error').map((d) => `${formatPos(d.at)} ${d.code}`);
}

/** Policy names of a validated model, sorted. */
export function policyNames(result: ValidationResult): string[] {
  const m = result.model;
  if (!m) return [];
  return [...m.globalPolicies, ...m.domains.flatMap((d) => d.policies)].map((p) => p.name).sort();
}

/** A LoaderFs that fails `call` for paths ending in `suffix` with errno `code`. */
export function failingFs(base: LoaderFs, call: keyof LoaderFs, suffix: string, code: string): LoaderFs {
  const fail = (path: string) => {
    if (path.endsWith(suffix)) throw Object.assign(new Error(`${code}: ${call} ${path}`), { code });
  };
  return {
    readdirSync: (p) => (call === 'readdirSync' && fail(p), base.readdirSync(p)),
    lstatSync: (p) => (call === 'lstatSync' && fail(p), base.lstatSync(p)),
    statSync: (p) => (call === 'statSync' && fail(p), base.statSync(p)),
    realpathSync: (p) => (call === 'realpathSync' && fail(p), base.realpathSync(p)),
    readFileSync: (p) => (call === 'readFileSync' && fail(p), base.readFileSync(p)),
    readlinkSync: (p) => (call === 'readlinkSync' && fail(p), base.readlinkSync(p)),
  };
}
