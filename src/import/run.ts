import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Diagnostics } from '../config/diagnostics.js';
import { expandTargetSettings } from '../config/env.js';
import { findRoot, listPolicyFiles, loadFromFiles, PROJECT_FILE } from '../config/load.js';
import type { Model, Project, TargetDecl } from '../model/types.js';
import { unknownTargetMessage } from '../session/open-target.js';
import { targetFor, targetForUrl, urlSchemes } from '../targets/index.js';
import type { Target, TargetContext } from '../targets/target.js';
import { DRAFT_MARKER, draftRepository, type Draft, type DraftProject } from './draft.js';
import type { ImportedEstate } from './estate.js';
import { isSecretName, MASK, maskSecrets, secretsOf } from '../audit/secrets.js';

/**
 * `meshward import`: where to read from (the current repository's target, or `--url`), read the
 * estate through the target, draft the repository, write it to `--out`.
 */

export interface RunImportOptions {
  /** Repository whose meshward.yaml names the target (default: the working directory, if it is in one). */
  readonly dir?: string;
  readonly target?: string;
  /** A PostgreSQL URL to import from without a repository. */
  readonly url?: string;
  /** The neutral database label (default: the target's `database:`, else the engine's database name). */
  readonly database?: string;
  /** Which meshward project to import when the target holds several; the draft's project name otherwise. */
  readonly project?: string;
  /** Output directory (default `./imported`); refused when not empty unless `force`. */
  readonly out?: string;
  readonly force?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface ImportResult {
  readonly estate: ImportedEstate;
  readonly draft: Draft;
  readonly outDir: string;
  /** Files written, relative to outDir. */
  readonly written: readonly string[];
}

/** A failure before anything was written (with diagnostics when the repository was at fault). */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly diagnostics?: Diagnostics,
    readonly root?: string,
  ) {
    super(message);
  }
}

/** Environment variable the draft names when a `--url` held a password (never written to a file). */
export const URL_ENV = 'MESHWARD_TARGET_URL';

export async function runImport(options: RunImportOptions): Promise<ImportResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const outDir = resolve(cwd, options.out ?? 'imported');
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || (readdirSync(outDir).length > 0 && !options.force))) {
    throw new ImportError(`${outDir} ${statSync(outDir).isDirectory() ? 'is not empty' : 'is not a directory'}: choose another --out, or pass --force to overwrite the files the import writes`);
  }
  const source = options.url !== undefined ? fromUrl(options, cwd) : fromRepository(options, cwd, env);
  if (!source.target.importEstate) throw new ImportError(`target '${source.decl.name}' has type ${source.decl.type}, which cannot import yet`);

  const conn = await source.target.connect(source.ctx);
  let estate: ImportedEstate;
  try {
    const database = typeof source.ctx.settings.database === 'string' && source.ctx.settings.database !== '' ? source.ctx.settings.database : options.database;
    estate = await source.target.importEstate(conn, { database: options.database ?? database, project: source.repoProject?.name, onlyProject: options.project });
  } catch (e) {
    throw e instanceof ImportError ? e : new ImportError(`import from ${source.label}: ${(e as Error).message}`);
  } finally {
    await conn.close();
  }

  const draftProject = projectFor(estate, source, options, outDir);
  const draft = draftRepository(estate, draftProject, source.label);
  const written = writeDraft(outDir, draft, options.force === true);
  return { estate, draft, outDir, written };
}

interface Source {
  readonly label: string;
  readonly decl: TargetDecl;
  readonly target: Target;
  readonly ctx: TargetContext;
  /** The repository's project, when run inside one. */
  readonly repoProject?: Project;
  readonly root: string;
  readonly url?: string;
}

function fromRepository(options: RunImportOptions, cwd: string, env: NodeJS.ProcessEnv): Source {
  const root = findRoot(resolve(cwd, options.dir ?? '.'));
  if (!root) throw new ImportError(`no ${PROJECT_FILE} in ${resolve(cwd, options.dir ?? '.')} or any parent: run import inside a policy repository (its target is read and its target block copied), or pass --url`);
  // Only the Project matters here: the rest of the repository may be empty, or what is being replaced.
  const diags = new Diagnostics();
  const loaded = loadFromFiles(root, [{ path: PROJECT_FILE, text: readFileSync(join(root, PROJECT_FILE), 'utf8') }], diags);
  if (!loaded.model || diags.hasErrors) throw new ImportError(`${join(root, PROJECT_FILE)} has errors`, diags, root);
  const model = loaded.model;
  const targets = model.project.targets;
  let decl: TargetDecl | undefined;
  if (options.target === undefined) {
    if (targets.length !== 1) throw new ImportError(targets.length ? `choose a target with --target: ${targets.map((t) => t.name).join(', ')}` : `${PROJECT_FILE} declares no targets`);
    decl = targets[0];
  } else {
    decl = targets.find((t) => t.name === options.target);
    if (!decl) throw new ImportError(unknownTargetMessage(options.target, targets));
  }
  const target = targetFor(decl!.type);
  if (!target) throw new ImportError(`target '${decl!.name}' has type ${decl!.type}, which this version cannot connect to yet`);
  const settings = expandTargetSettings(decl!, env, diags);
  if (diags.hasErrors) throw new ImportError(`target '${decl!.name}': its settings are incomplete`, diags, root);
  return { label: `target '${decl!.name}'`, decl: decl!, target, ctx: { model, target: decl!, settings, root, diagnostics: diags }, repoProject: model.project, root };
}

function fromUrl(options: RunImportOptions, cwd: string): Source {
  const url = options.url!.trim();
  if (url === '') throw new ImportError('--url is empty');
  const name = options.target ?? 'imported';
  const at = { file: PROJECT_FILE, line: 1, col: 1 };
  const target = targetForUrl(url);
  if (!target) throw new ImportError(`--url ${redactUrl(url)} is not a URL any target type reads; write one of: ${urlSchemes().map((s) => `${s}//…`).join(', ')}`);
  const decl: TargetDecl = { name, type: target.type, settings: { type: target.type, url }, settingAt: {}, at };
  const project: Project = { name: 'imported', managedPrefix: 'mw_', strict: false, targets: [decl], principals: {}, file: PROJECT_FILE, root: cwd, at };
  const model: Model = { project, catalog: { tags: new Map(), classifiers: [] }, attributes: new Map(), groups: new Map(), globalPolicies: [], domains: [], accessTests: [] };
  return { label: redactUrl(url), decl, target, ctx: { model, target: decl, settings: { type: target.type, url }, root: cwd, diagnostics: new Diagnostics() }, root: cwd, url };
}

/** The draft's Project: the project found on the target, else the repository's, else `--project` (default `imported`). */
function projectFor(estate: ImportedEstate, source: Source, options: RunImportOptions, outDir: string): DraftProject {
  const repo = source.repoProject;
  const found = estate.project;
  const notes: string[] = [];
  let settings: Record<string, unknown>;
  if (source.url !== undefined) {
    settings = safeSettings({ type: source.decl.type, url: source.url, database: estate.database }, notes);
  } else {
    settings = safeSettings({ ...source.decl.settings }, notes);
    if (settings.database === undefined) {
      settings.database = estate.database;
      notes.push('database: the neutral label every governed table is named under (added by import)');
    }
    const bootstrap = settings.bootstrap;
    const rebase = (p: string) => (isAbsolute(p) ? p : toPosix(relative(outDir, resolve(source.root, p))) || '.');
    if (typeof bootstrap === 'string') settings.bootstrap = rebase(bootstrap);
    else if (Array.isArray(bootstrap)) settings.bootstrap = bootstrap.map((b) => rebase(String(b)));
    if (settings.url === undefined) {
      notes.push(
        resolve(outDir) === resolve(source.root)
          ? `embedded database: its data lives in .meshward/${source.decl.name} beside this file`
          : `embedded database: its data lives in ${toPosix(relative(outDir, join(source.root, '.meshward', source.decl.name)))} — this target reaches that same database only from ${toPosix(relative(outDir, source.root)) || '.'}; copy these files there (or import with --out ${toPosix(relative(process.cwd(), source.root)) || '.'} --force) to manage it, else a new database is created from bootstrap`,
      );
    }
  }
  if (found && !found.defaultGovernance && settings.governance_schema === undefined) settings.governance_schema = found.governanceSchema;
  if (found && repo && (repo.name !== found.name || repo.managedPrefix !== found.prefix)) {
    notes.push(`the target holds project '${found.name}' (prefix ${found.prefix}), not this repository's '${repo.name}' (prefix ${repo.managedPrefix}): the draft is '${found.name}'`);
  }
  return {
    name: found?.name ?? repo?.name ?? options.project ?? 'imported',
    prefix: found?.prefix ?? repo?.managedPrefix ?? 'mw_',
    strict: repo?.strict,
    principals: repo?.principals,
    targetName: source.decl.name,
    targetSettings: settings,
    targetNotes: notes,
    summaryNotes: notes.filter((n) => CREDENTIAL_NOTE.test(n)),
  };
}

/** Writes the draft; with `force`, files a previous import drafted that this one does not write are removed. */
function writeDraft(outDir: string, draft: Draft, force: boolean): string[] {
  mkdirSync(outDir, { recursive: true });
  if (force && existsSync(join(outDir, PROJECT_FILE))) {
    for (const file of listPolicyFiles(outDir)) {
      if (draft.files.has(file)) continue;
      const path = join(outDir, file);
      if (readFileSync(path, 'utf8').includes(DRAFT_MARKER)) rmSync(path);
    }
  }
  const written: string[] = [];
  for (const [file, text] of draft.files) {
    const path = join(outDir, ...file.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(file);
  }
  return written;
}

/**
 * A connection URL fit for a file: one that carries a credential literally (a userinfo password,
 * `?password=`, `sslpassword`, a token parameter, a conninfo `password=`) becomes the placeholder
 * `${env:MESHWARD_TARGET_URL}`; secrets given as `${env:…}` references are kept as they are.
 */
export function safeUrl(url: string): { url: string; redacted: boolean } {
  return literalSecretIn(url) ? { url: `\${env:${URL_ENV}}`, redacted: true } : { url, redacted: false };
}

/** Whether the text holds a credential that is not an `${env:…}` reference (those are replaced by the mask, which then finds nothing more). */
function literalSecretIn(text: string): boolean {
  const stripped = text.replace(/\$\{env:[^}]+\}/g, MASK);
  return maskSecrets(stripped) !== stripped || secretsOf(stripped).some((v) => v !== MASK);
}

const CREDENTIAL_NOTE = /held a credential, which is never written to a file/;

/** The target block for the draft: every setting that holds a credential literally becomes an `${env:…}` placeholder (and is said). */
function safeSettings(settings: Record<string, unknown>, notes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    if (key === 'url' && literalSecretIn(value)) {
      out[key] = `\${env:${URL_ENV}}`;
      notes.push(`the URL held a credential, which is never written to a file: set ${URL_ENV} to the URL`);
    } else if (isSecretName(key) && value !== '' && !/^\$\{env:[^}]+\}$/.test(value.trim())) {
      const name = `MESHWARD_TARGET_${key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      out[key] = `\${env:${name}}`;
      notes.push(`${key} held a credential, which is never written to a file: set ${name} to it`);
    } else out[key] = value;
  }
  return out;
}

function redactUrl(url: string): string {
  return maskSecrets(url);
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}
