import { lstatSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AccessTest, AttributeDef, Classifier, Domain, Group, Model, Policy, Project, TagDef } from '../model/types.js';
import { buildAccessTests, buildDomain, buildPolicy, buildPrincipals, buildTags, buildTargets } from './build-model.js';
import { Diagnostics } from './diagnostics.js';
import { findPolicyFiles, NODE_FS, PROJECT_FILE, readPolicyFiles, type LoaderFs, type PolicyFile } from './files.js';
import { checkEnvReferences } from './env.js';
import { DOCUMENT_KINDS, documentSchemas, type DocumentKind } from './schema/documents.js';
import { plainTables } from './schema/plain-tables.js';
import { readYamlFile, type SourceDoc } from './source.js';
import { reportZodIssues } from './zod-issues.js';
import { didYouMean } from '../model/did-you-mean.js';

export { PROJECT_FILE, type LoaderFs, type PolicyFile } from './files.js';

export interface LoadResult {
  /** Undefined when the repository could not be assembled at all (no Project, syntax errors, a file not read). */
  readonly model?: Model;
  readonly root: string;
  readonly diagnostics: Diagnostics;
  /** The files the model was loaded from, in the loader's order (the stamp's input hash reads their bytes). */
  readonly files?: readonly PolicyFile[];
}

/** Finds the repository root: `dir` itself or the nearest ancestor holding meshward.yaml (a link counts, dangling or not). */
export function findRoot(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    if (entryExists(join(current, PROJECT_FILE))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Paths of the policy files the loader reads (files.ts), relative to root; problems are dropped. */
export function listPolicyFiles(root: string): string[] {
  return findPolicyFiles(root, new Diagnostics()).files.map((f) => f.path);
}

/** Loads and validates the shapes of every document; cross-checks run separately (checks/). */
export function loadRepository(dir: string, fs: LoaderFs = NODE_FS): LoadResult {
  const diags = new Diagnostics();
  const root = findRoot(dir);
  if (!root || !isDirectory(root)) {
    diags.error('no-project', `no ${PROJECT_FILE} in ${resolve(dir)} or any parent directory`, undefined, `create ${PROJECT_FILE} with 'kind: Project' or pass --dir <repository>`);
    return { root: resolve(dir), diagnostics: diags };
  }
  const found = findPolicyFiles(root, diags, fs);
  const read = readPolicyFiles(found.files, diags, fs);
  const loaded = { ...loadFromFiles(root, read.files, diags), files: read.files };
  // A file that was not read is missing from the model: never a model without it.
  return found.complete && read.complete ? loaded : { root, diagnostics: diags };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Loads an in-memory repository (tests, benchmarks); same checks as loading from disk. */
export function loadFromFiles(root: string, files: readonly PolicyFile[], diags = new Diagnostics()): LoadResult {
  const acc = new Accumulator(root, diags);
  let unreadable = false;
  for (const file of files) {
    const before = diags.errors.length;
    const sources = readYamlFile(file.path, file.text, diags);
    if (diags.errors.length > before) unreadable = true; // a syntax error drops that document
    else if (sources.length === 0) {
      // An emptied file (a failed checkout, a truncated copy) would drop its policies unseen.
      diags.error('file-empty', `${file.path} holds no YAML document`, { file: file.path, line: 1, col: 1 }, 'write a document with a kind, or delete the file');
      unreadable = true;
    }
    for (const source of sources) acc.add(source);
  }
  const model = acc.finish();
  // A document that could not be read is missing from the model: cross-checking the rest would
  // report its groups, tags and policies as unknown everywhere they are used.
  return { model: unreadable || acc.dropped ? undefined : model, root, diagnostics: diags };
}

/**
 * `documentSchemas[kind].safeParse(value)`. A Domain's tables record — most of the document — is
 * checked by hand when it can be (plain-tables.ts) and zod checks the rest; whatever the hand
 * check is not sure of goes to zod whole, so the issues are zod's.
 */
function parseDocument(kind: DocumentKind, value: Record<string, unknown>): ReturnType<(typeof documentSchemas)[DocumentKind]['safeParse']> {
  const schema = documentSchemas[kind];
  if (kind === 'Domain') {
    const tables = plainTables(value.tables);
    if (tables) {
      const rest = schema.safeParse({ ...value, tables: {} });
      if (rest.success) {
        (rest.data as { tables: unknown }).tables = tables;
        return rest;
      }
    }
  }
  return schema.safeParse(value, { reportInput: true }); // zod 4 leaves issue.input out otherwise
}

class Accumulator {
  private project?: Project;
  private readonly tags = new Map<string, TagDef>();
  private readonly classifiers: Classifier[] = [];
  private readonly attributes = new Map<string, AttributeDef>();
  private readonly groups = new Map<string, Group>();
  private readonly globalPolicies: Policy[] = [];
  private readonly domains: Domain[] = [];
  private readonly accessTests: AccessTest[] = [];
  /** A document others refer to was refused as a whole (unknown kind, or a TagCatalog/Principals of the wrong shape). */
  dropped = false;

  constructor(
    private readonly root: string,
    private readonly diags: Diagnostics,
  ) {}

  add(source: SourceDoc): void {
    let value: unknown;
    try {
      value = source.value();
    } catch (e) {
      this.diags.error('yaml-syntax', `YAML: ${(e as Error).message}`, source.pos([]), 'fix the YAML syntax');
      this.dropped = true;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.diags.error('not-a-document', 'a document must be a mapping with a kind', source.pos([]), `start it with 'kind: ${DOCUMENT_KINDS.join(' | ')}'`);
      this.dropped = true;
      return;
    }
    const kind = (value as Record<string, unknown>).kind;
    if (kind === undefined) {
      this.diags.error('missing-kind', `document in ${source.file} has no 'kind'`, source.pos([]), `add 'kind: ${DOCUMENT_KINDS.join(' | ')}'`);
      this.dropped = true;
      return;
    }
    if (typeof kind !== 'string' || !(kind in documentSchemas)) {
      const guess = typeof kind === 'string' ? didYouMean(kind, DOCUMENT_KINDS) : undefined;
      this.diags.error('unknown-kind', `unknown kind ${JSON.stringify(kind)}`, source.pos(['kind']), guess ? `did you mean '${guess}'?` : `write one of: ${DOCUMENT_KINDS.join(', ')}`);
      this.dropped = true;
      return;
    }
    const schema = documentSchemas[kind as DocumentKind];
    const parsed = parseDocument(kind as DocumentKind, value as Record<string, unknown>);
    if (!parsed.success) {
      reportZodIssues(parsed.error.issues, source, schema, this.diags);
      // Tags and groups are named everywhere: without them every use would be reported unknown.
      if (kind === 'TagCatalog' || kind === 'Principals') this.dropped = true;
      return;
    }
    checkEnvReferences(source, value, this.diags);
    this.take(kind as DocumentKind, parsed.data, source);
  }

  private take(kind: DocumentKind, data: unknown, source: SourceDoc): void {
    switch (kind) {
      case 'Project':
        return this.takeProject(data as never, source);
      case 'TagCatalog': {
        const { tags, classifiers } = buildTags(source, data as never);
        for (const t of tags) this.unique(this.tags, t.key, t, 'tag');
        this.classifiers.push(...classifiers);
        return;
      }
      case 'Principals': {
        const { attributes, groups } = buildPrincipals(source, data as never);
        for (const a of attributes) this.unique(this.attributes, a.name, a, 'attribute');
        for (const g of groups) this.unique(this.groups, g.name, g, 'group');
        return;
      }
      case 'GlobalPolicies': {
        const doc = data as { policies: never[] };
        doc.policies.forEach((p, i) => {
          const policy = buildPolicy(source, ['policies', i], p, 'global', undefined, this.diags);
          if (policy) this.globalPolicies.push(policy);
        });
        return;
      }
      case 'Domain': {
        const domain = buildDomain(source, data as never, this.diags);
        const twin = this.domains.find((d) => d.name === domain.name);
        if (twin) this.diags.error('duplicate-domain', `domain '${domain.name}' is also declared at ${twin.file}:${twin.at.line}:${twin.at.col}`, domain.at, 'give each domain a unique name');
        else this.domains.push(domain);
        return;
      }
      case 'AccessTests':
        this.accessTests.push(...buildAccessTests(source, data as never, this.diags));
        return;
    }
  }

  private takeProject(doc: { name: string; managed_prefix: string; strict: boolean; targets: never; principals: Record<string, string> }, source: SourceDoc): void {
    if (source.file !== 'meshward.yaml') {
      this.diags.error('project-misplaced', `a Project document belongs in ${PROJECT_FILE} at the repository root`, source.pos(['kind']), `move it to ${PROJECT_FILE}`);
      return;
    }
    if (this.project) {
      this.diags.error('duplicate-project', 'more than one Project document', source.pos(['kind']), `keep one in ${PROJECT_FILE}`);
      return;
    }
    this.project = {
      name: doc.name,
      managedPrefix: doc.managed_prefix,
      strict: doc.strict,
      targets: buildTargets(source, doc.targets),
      principals: doc.principals,
      file: source.file,
      root: this.root,
      at: source.pos([]),
    };
  }

  private unique<T extends { at: { file: string; line: number; col: number } }>(map: Map<string, T>, key: string, value: T, what: string): void {
    const first = map.get(key);
    if (first) {
      this.diags.error(`duplicate-${what}`, `${what} '${key}' is declared twice (first at ${first.at.file}:${first.at.line}:${first.at.col})`, value.at, `keep one declaration of '${key}'`);
      return;
    }
    map.set(key, value);
  }

  finish(): Model | undefined {
    if (!this.project) {
      if (!this.diags.items.some((d) => d.code === 'duplicate-project' || d.at?.file === PROJECT_FILE)) {
        this.diags.error('no-project', `${PROJECT_FILE} holds no 'kind: Project' document`, { file: PROJECT_FILE, line: 1, col: 1 }, 'add kind: Project with a name');
      }
      return undefined;
    }
    return {
      project: this.project,
      catalog: { tags: this.tags, classifiers: this.classifiers },
      attributes: this.attributes,
      groups: this.groups,
      globalPolicies: this.globalPolicies,
      domains: this.domains,
      accessTests: this.accessTests,
    };
  }
}
