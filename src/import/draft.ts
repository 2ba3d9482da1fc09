import { joinName, splitName } from '../resolve/names.js';
import type { EstateFilter, EstateMask, EstateProject, EstateTable, ImportedEstate, Unrepresentable } from './estate.js';
import { reportMarkdown } from './report.js';
import { yamlText } from './yaml-out.js';

/**
 * Estate -> a DRAFT policy repository (files by path). Pure: no I/O. The draft is meant to be
 * read and edited; it is written so that, for meshward's own managed objects, it compiles back to
 * exactly what was applied (same groups, tables, grants, tags, policy names and filter order),
 * and, for an unmanaged estate, it holds every SELECT grant to a group the model can express.
 *
 * Policies: a mask or filter recorded on the views becomes one policy named as recorded. It is a
 * GlobalPolicies policy with a tag selector when the recorded tag rows select exactly the columns
 * (tables) it reaches; else a Domain policy with explicit `columns:`/`tables:` when it stays in one
 * domain; else a GlobalPolicies policy with explicit selectors. Scopes are then adjusted so that
 * the filters of every table keep their recorded order (explain ANDs them global first, then by
 * name), which keeps `explain`'s row predicate text unchanged.
 */

export const DRAFT_MARKER = 'Drafted by meshward import';

export interface DraftProject {
  readonly name: string;
  readonly prefix: string;
  readonly strict?: boolean;
  readonly principals?: Readonly<Record<string, string>>;
  readonly targetName: string;
  /** The target block as it will be written (type included; `${env:VAR}` kept as written). */
  readonly targetSettings: Readonly<Record<string, unknown>>;
  /** Comment lines above the target block. */
  readonly targetNotes?: readonly string[];
  /** Notes for the summary as well (e.g. a credential replaced by an `${env:…}` placeholder). */
  readonly summaryNotes?: readonly string[];
}

export interface ImportSummary {
  readonly groups: number;
  readonly domains: number;
  readonly tables: number;
  readonly policies: number;
  readonly unrepresentable: readonly Unrepresentable[];
  readonly contradictions: number;
  readonly notes: readonly string[];
  readonly project: EstateProject | null;
  readonly source: string;
}

export interface Draft {
  /** Relative path -> text, in writing order. */
  readonly files: ReadonlyMap<string, string>;
  readonly summary: ImportSummary;
}

interface PlacedPolicy {
  name: string;
  kind: 'mask' | 'row_filter';
  scope: 'global' | 'domain';
  domain?: string;
  tags?: Record<string, string | string[]>;
  /** Neutral columns (masks) or tables (filters) it reaches. */
  targets: string[];
  method?: string;
  keepLast?: number;
  allow?: string;
  exempt: string[];
  domains: Set<string>;
}

export function draftRepository(estate: ImportedEstate, project: DraftProject, source: string): Draft {
  const notes = [...estate.notes, ...(project.summaryNotes ?? [])];
  const header = [`${DRAFT_MARKER} from ${source}. A draft: review it, then validate, plan and apply.`];
  const files = new Map<string, string>();

  // ---- domains: one per schema holding governed tables ----
  const bySchema = new Map<string, EstateTable[]>();
  for (const t of estate.tables) (bySchema.get(t.schema) ?? bySchema.set(t.schema, []).get(t.schema)!).push(t);
  const domainOfSchema = new Map<string, { name: string; file: string; nativeSchema: string }>();
  const usedNames = new Set<string>();
  for (const [schema, tables] of [...bySchema].sort((a, b) => compare(a[0], b[0]))) {
    const nativeSchema = tables[0]!.nativeSchema;
    let name = nativeSchema.replace(/[^A-Za-z0-9_-]/g, '_') || 'schema';
    for (let i = 2; usedNames.has(name.toLowerCase()); i++) name = `${nativeSchema.replace(/[^A-Za-z0-9_-]/g, '_') || 'schema'}_${i}`;
    usedNames.add(name.toLowerCase());
    domainOfSchema.set(schema, { name, file: `domains/${name}.yaml`, nativeSchema });
  }
  const domainOfTable = new Map(estate.tables.map((t) => [t.name, domainOfSchema.get(t.schema)!.name]));
  const tableByName = new Map(estate.tables.map((t) => [t.name, t]));

  // ---- policies ----
  const policies = placePolicies(estate, domainOfTable, tableByName, notes);

  // ---- meshward.yaml ----
  const projectDoc: Record<string, unknown> = { kind: 'Project', name: project.name, managed_prefix: project.prefix };
  if (project.strict) projectDoc.strict = true;
  projectDoc.targets = { [project.targetName]: project.targetSettings };
  if (project.principals && Object.keys(project.principals).length) projectDoc.principals = project.principals;
  files.set(
    'meshward.yaml',
    yamlText(projectDoc, {
      header: [
        ...header,
        estate.project
          ? `The target holds meshward project '${estate.project.name}' (prefix ${estate.project.prefix}, governance schema ${estate.project.governanceSchema}): this draft is that project, read from the state recorded at its last apply.`
          : `No meshward project was found on the target: the groups below are its existing roles; meshward will manage ${project.prefix}<group> roles and views next to them.`,
      ],
      before: project.targetNotes?.length ? [{ path: ['targets', project.targetName], lines: project.targetNotes }] : [],
    }),
  );

  // ---- catalog.yaml ----
  const tagValues = new Map<string, Set<string>>();
  const seeTags = (tags: Readonly<Record<string, string>>) => {
    for (const [k, v] of Object.entries(tags)) (tagValues.get(k) ?? tagValues.set(k, new Set()).get(k)!).add(v);
  };
  for (const t of estate.tables) {
    seeTags(t.tags);
    for (const c of Object.values(t.columns)) seeTags(c);
  }
  if (tagValues.size) {
    const tags: Record<string, unknown> = {};
    for (const [k, vs] of [...tagValues].sort((a, b) => compare(a[0], b[0]))) tags[k] = { values: [...vs].sort(compare) };
    files.set(
      'catalog.yaml',
      yamlText(
        { kind: 'TagCatalog', tags },
        { header: [...header, 'The tag keys and values assigned on the target (its governance tags table). Descriptions, the order of', 'ordered tags (ordered: true) and classifiers are not recorded there: add them back.'] },
      ),
    );
  }

  // ---- principals.yaml ----
  const attributes: Record<string, unknown> = {};
  for (const a of estate.attributes) attributes[a.name] = a.type === 'string' && a.values.length ? { type: a.type, values: [...a.values] } : { type: a.type };
  const groups: Record<string, unknown> = {};
  const groupComments: { path: (string | number)[]; lines: string[] }[] = [];
  for (const g of estate.groups) {
    const entry: Record<string, unknown> = {};
    if (g.memberOf.length) entry.member_of = [...g.memberOf];
    if (g.attributes.size) {
      const attrs: Record<string, unknown> = {};
      for (const [a, vs] of [...g.attributes].sort((x, y) => compare(x[0], y[0]))) attrs[a] = [...vs];
      entry.attributes = attrs;
    }
    groups[g.name] = entry;
    if (!g.managed) groupComments.push({ path: ['groups', g.name], lines: [`the existing role ${quote(g.native)}; meshward manages the group role ${project.prefix}${g.name} for it`] });
  }
  const memberLines = estate.members.map((m) => `${m.login ? 'login role' : 'role'} ${m.role} is a member of ${m.groups.join(', ')}`);
  files.set(
    'principals.yaml',
    yamlText(
      { kind: 'Principals', ...(Object.keys(attributes).length ? { attributes } : {}), groups },
      {
        header: [
          ...header,
          'Groups: the managed group roles of the meshward project found (by marker), and every existing NOLOGIN,',
          'non-superuser, non-system role that holds SELECT on a table, with the roles that are (transitively) members',
          'of one of them (the role hierarchy, as member_of). Login roles are people or services, never groups.',
          ...(estate.attributes.length ? ['Attribute values are read back from the compiled views: only the values some filter uses are known.'] : []),
        ],
        before: groupComments,
        footer: memberLines.length ? ['Members (who holds access is decided outside meshward; shown for review):', ...memberLines] : [],
      },
    ),
  );

  // ---- global.yaml ----
  const globals = policies.filter((p) => p.scope === 'global');
  if (globals.length) {
    files.set(
      'global.yaml',
      yamlText(
        { kind: 'GlobalPolicies', policies: globals.map(policyDoc) },
        { header: [...header, 'Masks and filters that reach several domains, or that the recorded tags select exactly.'] },
      ),
    );
  }

  // ---- domains/<schema>.yaml ----
  for (const [schema, tables] of [...bySchema].sort((a, b) => compare(a[0], b[0]))) {
    const d = domainOfSchema.get(schema)!;
    const tableDocs: Record<string, unknown> = {};
    for (const t of [...tables].sort((a, b) => compare(a.name, b.name))) {
      const entry: Record<string, unknown> = {};
      if (Object.keys(t.tags).length) entry.tags = sortedRecord(t.tags);
      const columns: Record<string, unknown> = {};
      for (const [c, tags] of Object.entries(t.columns).sort((a, b) => compare(a[0], b[0]))) if (Object.keys(tags).length) columns[c] = sortedRecord(tags);
      if (Object.keys(columns).length) entry.columns = columns;
      tableDocs[t.name] = entry;
    }
    const grants = grantsOf(tables, schema);
    const local = policies.filter((p) => p.scope === 'domain' && p.domain === d.name);
    const doc: Record<string, unknown> = { kind: 'Domain', name: d.name, schemas: [schema], tables: tableDocs };
    if (grants.length) doc.grants = grants;
    if (local.length) doc.policies = local.map(policyDoc);
    const here = estate.unrepresentable.filter((u) => u.schema === d.nativeSchema);
    files.set(
      d.file,
      yamlText(doc, {
        header: [...header, `owners: (not recorded on the target) — name the groups who may change this file.`],
        footer: here.length ? ['Not representable in the model (left unmanaged, never touched; see IMPORT-REPORT.md):', ...here.map((u) => `- ${u.kind} ${u.object}: ${u.detail}`)] : [],
      }),
    );
  }

  files.set('inventory.json', JSON.stringify(estate.inventory, null, 2) + '\n');

  const summary: ImportSummary = {
    groups: estate.groups.length,
    domains: bySchema.size,
    tables: estate.tables.length,
    policies: policies.length,
    unrepresentable: estate.unrepresentable,
    contradictions: estate.unrepresentable.filter((u) => u.kind === 'contradicting_grant').length,
    notes,
    project: estate.project,
    source,
  };
  files.set('IMPORT-REPORT.md', reportMarkdown(estate, summary, project));
  return { files, summary };
}

/** One `grants:` entry per set of groups; a set reading every governed table of the schema reads `<schema>.*`. */
function grantsOf(tables: readonly EstateTable[], schema: string): { groups: string[]; read: string[] }[] {
  const bySet = new Map<string, { groups: string[]; read: string[] }>();
  for (const t of [...tables].sort((a, b) => compare(a.name, b.name))) {
    if (t.readers.length === 0) continue;
    const groups = [...t.readers].sort(compare);
    const key = groups.join('\u0000');
    const entry = bySet.get(key) ?? bySet.set(key, { groups, read: [] }).get(key)!;
    entry.read.push(t.name);
  }
  const all = tables.length;
  return [...bySet.values()].map((e) => (e.read.length === all && all > 1 ? { groups: e.groups, read: [`${schema}.*`] } : e));
}

function policyDoc(p: PlacedPolicy): Record<string, unknown> {
  const exempt = p.exempt.length ? { exempt: [...p.exempt] } : {};
  if (p.kind === 'mask') {
    const selector = p.tags ? { tags: p.tags } : { columns: [...p.targets] };
    const keep = p.method === 'partial' && p.keepLast !== undefined ? { keep_last: p.keepLast } : {};
    return { name: p.name, mask: { ...selector, method: p.method, ...keep, ...exempt } };
  }
  const selector = p.tags ? { tables_tagged: p.tags } : { tables: [...p.targets] };
  return { name: p.name, row_filter: { ...selector, allow: p.allow, ...exempt } };
}

/** Groups recorded masks and filters by policy and decides where each is written (see the module comment). */
function placePolicies(estate: ImportedEstate, domainOfTable: ReadonlyMap<string, string>, tableByName: ReadonlyMap<string, EstateTable>, notes: string[]): PlacedPolicy[] {
  const taken = new Set<string>();
  const unique = (name: string): string => {
    let n = name;
    for (let i = 2; taken.has(n); i++) n = `${name}-${i}`;
    taken.add(n);
    return n;
  };
  const out: PlacedPolicy[] = [];

  // masks: one policy per (name, method, keep_last, exempt)
  const maskGroups = new Map<string, EstateMask[]>();
  for (const m of estate.masks) {
    const key = `${m.policy}\u0000${m.method}\u0000${m.keepLast ?? ''}\u0000${[...m.exempt].sort().join(',')}`;
    (maskGroups.get(key) ?? maskGroups.set(key, []).get(key)!).push(m);
  }
  for (const list of [...maskGroups.values()].sort((a, b) => compare(a[0]!.policy, b[0]!.policy))) {
    const first = list[0]!;
    const name = unique(first.policy);
    if (name !== first.policy) notes.push(`policy '${first.policy}' was recorded with different settings on different columns; the second is imported as '${name}'`);
    const targets = [...new Set(list.map((m) => columnName(m.table, m.column)))].sort(compare);
    out.push({
      name,
      kind: 'mask',
      scope: 'domain',
      targets,
      method: first.method,
      keepLast: first.keepLast,
      exempt: [...new Set(first.exempt)].sort(compare),
      domains: new Set(list.map((m) => domainOfTable.get(m.table)!)),
      tags: columnTagSelector(new Set(targets), estate),
    });
  }

  // filters: one policy per (name, allow, exempt)
  const filterGroups = new Map<string, EstateFilter[]>();
  for (const f of estate.filters) {
    const key = `${f.policy}\u0000${f.allow}\u0000${[...f.exempt].sort().join(',')}`;
    (filterGroups.get(key) ?? filterGroups.set(key, []).get(key)!).push(f);
  }
  const filterPolicy = new Map<EstateFilter, PlacedPolicy>();
  for (const list of [...filterGroups.values()].sort((a, b) => compare(a[0]!.policy, b[0]!.policy))) {
    const first = list[0]!;
    const name = unique(first.policy);
    if (name !== first.policy) notes.push(`policy '${first.policy}' was recorded with different conditions on different tables; the second is imported as '${name}'`);
    const targets = [...new Set(list.map((f) => f.table))].sort(compare);
    const p: PlacedPolicy = {
      name,
      kind: 'row_filter',
      scope: 'domain',
      targets,
      allow: first.allow,
      exempt: [...new Set(first.exempt)].sort(compare),
      domains: new Set(list.map((f) => domainOfTable.get(f.table)!)),
      tags: tableTagSelector(new Set(targets), estate),
    };
    out.push(p);
    for (const f of list) filterPolicy.set(f, p);
  }

  for (const p of out) {
    p.scope = p.tags || p.domains.size > 1 ? 'global' : 'domain';
    if (p.domains.size === 1) p.domain = [...p.domains][0];
  }

  keepFilterOrder(estate, filterPolicy, notes);
  for (const p of out) if (p.scope === 'domain' && p.domain === undefined) p.scope = 'global';
  return out.sort((a, b) => compare(a.name, b.name));
}

/**
 * Chooses the scope of every row-filter policy so that each table's filters, ANDed as explain and
 * compile order them (global first, then by name), give back the recorded WHERE parts. Filters
 * compiled to the same text are interchangeable, so texts are compared, not identities. Starts
 * from the preferred scopes (tags or several domains: global) and backtracks over the few policies
 * that could be either; leaves the preference and notes it when no choice fits.
 */
function keepFilterOrder(estate: ImportedEstate, filterPolicy: ReadonlyMap<EstateFilter, PlacedPolicy>, notes: string[]): void {
  const tables = new Map<string, { policy: PlacedPolicy; position: number; compiled: string }[]>();
  for (const f of estate.filters) {
    if (f.position === undefined || f.compiled === undefined) continue;
    (tables.get(f.table) ?? tables.set(f.table, []).get(f.table)!).push({ policy: filterPolicy.get(f)!, position: f.position, compiled: f.compiled });
  }
  const checks = [...tables].map(([table, list]) => ({ table, list, recorded: [...list].sort((a, b) => a.position - b.position).map((x) => x.compiled) }));
  const fits = (c: (typeof checks)[number]): boolean => {
    const sorted = [...c.list].sort((a, b) => (a.policy.scope === b.policy.scope ? compare(a.policy.name, b.policy.name) : a.policy.scope === 'global' ? -1 : 1));
    return sorted.every((x, i) => x.compiled === c.recorded[i]);
  };
  if (checks.every(fits)) return;
  const variable = [...new Set(checks.flatMap((c) => c.list.map((x) => x.policy)))].filter((p) => p.domains.size === 1);
  const preferred = new Map(variable.map((p) => [p, p.scope]));
  const index = new Map(variable.map((p, i) => [p, i]));
  // A table can be checked once every variable policy on it has been chosen.
  const ready = variable.map(() => [] as (typeof checks)[number][]);
  for (const c of checks) {
    const last = Math.max(-1, ...c.list.map((x) => index.get(x.policy) ?? -1));
    if (last >= 0) ready[last]!.push(c);
  }
  let steps = 0;
  const search = (i: number): boolean => {
    if (++steps > 200_000) return false;
    if (i === variable.length) return true;
    const p = variable[i]!;
    const first = preferred.get(p)!;
    for (const scope of [first, first === 'global' ? 'domain' : 'global'] as const) {
      p.scope = scope;
      if (ready[i]!.every(fits) && search(i + 1)) return true;
    }
    return false;
  };
  if (search(0) && checks.every(fits)) {
    for (const p of variable) if (p.scope === 'domain') p.tags = undefined;
    return;
  }
  for (const [p, scope] of preferred) p.scope = scope;
  for (const c of checks.filter((x) => !fits(x))) notes.push(`the row filters of ${c.table} could not be placed so that they keep their recorded order; explain and the compiled view may AND them in another order`);
}

/** `{ key: value | [values] }` when the recorded column tags select exactly these columns (over every governed table). */
function columnTagSelector(targets: ReadonlySet<string>, estate: ImportedEstate): Record<string, string | string[]> | undefined {
  const tagged: { name: string; tags: Readonly<Record<string, string>> }[] = [];
  for (const t of estate.tables) for (const [c, tags] of Object.entries(t.columns)) tagged.push({ name: columnName(t.name, c), tags });
  return exactSelector(targets, tagged);
}

function tableTagSelector(targets: ReadonlySet<string>, estate: ImportedEstate): Record<string, string | string[]> | undefined {
  return exactSelector(
    targets,
    estate.tables.map((t) => ({ name: t.name, tags: t.tags })),
  );
}

function exactSelector(targets: ReadonlySet<string>, tagged: readonly { name: string; tags: Readonly<Record<string, string>> }[]): Record<string, string | string[]> | undefined {
  const byName = new Map(tagged.map((t) => [t.name, t.tags]));
  const mine = [...targets].map((n) => byName.get(n) ?? {});
  if (mine.length === 0) return undefined;
  const keys = Object.keys(mine[0]!).filter((k) => mine.every((tags) => k in tags)).sort(compare);
  for (const key of keys) {
    const values = new Set(mine.map((tags) => tags[key]!));
    const selected = tagged.filter((t) => t.tags[key] !== undefined && values.has(t.tags[key]!)).map((t) => t.name);
    if (selected.length === targets.size && selected.every((n) => targets.has(n))) {
      const list = [...values].sort(compare);
      return { [key]: list.length === 1 ? list[0]! : list };
    }
  }
  return undefined;
}

function columnName(table: string, column: string): string {
  return joinName([...(splitName(table) ?? [table]), column]);
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort((a, b) => compare(a[0], b[0])));
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
