import type { z } from 'zod';
import type { MaskMethod } from '../resolve/mask-methods.js';
import type {
  AccessTest,
  AttributeDef,
  Classifier,
  Domain,
  Group,
  Policy,
  PolicyScope,
  Ref,
  RefusedKey,
  TagAssignment,
  TagDef,
  TagSelector,
  TargetDecl,
} from '../model/types.js';
import type { Diagnostics } from './diagnostics.js';
import type { PolicyInput } from './schema/common.js';
import type { DocumentInput } from './schema/documents.js';
import type { Path, SourceDoc } from './source.js';

/** Builders from validated document values to model elements, with positions from the source. */

export function refs(source: SourceDoc, path: Path, names: readonly string[] | undefined): Ref[] {
  return (names ?? []).map((name, i) => ({ name, at: source.pos([...path, i]) }));
}

export function buildTargets(source: SourceDoc, targets: DocumentInput<'Project'>['targets']): TargetDecl[] {
  return Object.entries(targets).map(([name, settings]) => {
    const settingAt: Record<string, ReturnType<SourceDoc['pos']>> = {};
    for (const key of Object.keys(settings)) settingAt[key] = source.pos(['targets', name, key]);
    return { name, type: String(settings.type), settings, settingAt, at: source.keyPos(['targets', name]) };
  });
}

export function buildTags(source: SourceDoc, doc: DocumentInput<'TagCatalog'>): { tags: TagDef[]; classifiers: Classifier[] } {
  const tags = Object.entries(doc.tags).map(([key, t]) => ({
    key,
    description: t.description,
    values: t.values,
    ordered: t.ordered,
    at: source.keyPos(['tags', key]),
  }));
  const classifiers = doc.classifiers.map((c, i) => {
    const [tag, value] = c.tag.split('=') as [string, string];
    return { tag, value, column: c.column, values: c.values, at: source.pos(['classifiers', i]) };
  });
  return { tags, classifiers };
}

export function buildPrincipals(source: SourceDoc, doc: DocumentInput<'Principals'>): { attributes: AttributeDef[]; groups: Group[] } {
  const attributes = Object.entries(doc.attributes).map(([name, a]) => ({
    name,
    type: a.type,
    values: a.values,
    at: source.keyPos(['attributes', name]),
  }));
  const groups = Object.entries(doc.groups).map(([name, g]) => {
    const path = ['groups', name];
    const attrs = new Map(
      Object.entries(g?.attributes ?? {}).map(([attr, v]) => [
        attr,
        { values: Array.isArray(v) ? v : [v], at: source.keyPos([...path, 'attributes', attr]) },
      ]),
    );
    return {
      name,
      description: g?.description,
      memberOf: refs(source, [...path, 'member_of'], g?.member_of),
      attributes: attrs,
      at: source.keyPos(path),
    };
  });
  return { attributes, groups };
}

function tagSelector(source: SourceDoc, path: Path, sel: Record<string, string | string[] | { at_least: string }>): TagSelector {
  return Object.entries(sel).map(([key, v]) => {
    const at = source.keyPos([...path, key]);
    if (typeof v === 'string') return { key, values: [v], at };
    if (Array.isArray(v)) return { key, values: v, at };
    return { key, values: [], atLeast: v.at_least, at };
  });
}

function refused(source: SourceDoc, path: Path, value: Record<string, unknown>, keys: readonly string[]): RefusedKey[] {
  return keys.filter((k) => value[k] !== undefined).map((key) => ({ key, value: value[key], at: source.keyPos([...path, key]) }));
}

export function buildPolicy(source: SourceDoc, path: Path, p: PolicyInput, scope: PolicyScope, domain: string | undefined, diags: Diagnostics): Policy | undefined {
  const at = source.pos(path);
  const refusedKeys = refused(source, path, p, ['override', 'overrides', 'exempt_from']);
  const base = { name: p.name, description: p.description, scope, domain, refusedKeys, at };
  if (p.mask && p.row_filter) {
    diags.error('policy-both-kinds', `policy '${p.name}' has both 'mask' and 'row_filter'`, at, 'split it into two policies');
    return undefined;
  }
  if (p.mask) {
    const m = p.mask;
    const mp = [...path, 'mask'];
    if (!exactlyOneSelector(p.name, m.tags, m.columns, ['tags', 'columns'], source.pos(mp), diags)) return undefined;
    return {
      ...base,
      spec: {
        kind: 'mask',
        tags: m.tags ? tagSelector(source, [...mp, 'tags'], m.tags) : undefined,
        columns: m.columns ? refs(source, [...mp, 'columns'], m.columns) : undefined,
        method: m.method as MaskMethod,
        keepLast: m.method === 'partial' ? (m.keep_last ?? 4) : m.keep_last,
        methodAt: source.pos([...mp, 'method']),
      },
      exempt: refs(source, [...mp, 'exempt'], m.exempt),
    };
  }
  if (p.row_filter) {
    const f = p.row_filter;
    const fp = [...path, 'row_filter'];
    if (!exactlyOneSelector(p.name, f.tables_tagged, f.tables, ['tables_tagged', 'tables'], source.pos(fp), diags)) return undefined;
    return {
      ...base,
      spec: {
        kind: 'row_filter',
        tablesTagged: f.tables_tagged ? tagSelector(source, [...fp, 'tables_tagged'], f.tables_tagged) : undefined,
        tables: f.tables ? refs(source, [...fp, 'tables'], f.tables) : undefined,
        allow: f.allow,
        allowAt: source.textPos([...fp, 'allow']),
      },
      exempt: refs(source, [...fp, 'exempt'], f.exempt),
    };
  }
  diags.error('policy-no-kind', `policy '${p.name}' has neither 'mask' nor 'row_filter'`, at, 'add mask: { … } or row_filter: { … }');
  return undefined;
}

function exactlyOneSelector(name: string, a: unknown, b: unknown, keys: [string, string], at: ReturnType<SourceDoc['pos']>, diags: Diagnostics): boolean {
  if (a !== undefined && b !== undefined) {
    diags.error('policy-two-selectors', `policy '${name}' has two selectors ('${keys[0]}' and '${keys[1]}')`, at, `keep exactly one of '${keys[0]}' or '${keys[1]}'`);
    return false;
  }
  if (a === undefined && b === undefined) {
    diags.error('policy-no-selector', `policy '${name}' selects nothing`, at, `add '${keys[0]}: …' or '${keys[1]}: […]'`);
    return false;
  }
  return true;
}

function tagAssignments(source: SourceDoc, path: Path, tags: Record<string, string> | null | undefined): TagAssignment[] {
  return Object.entries(tags ?? {}).map(([key, value]) => ({ key, value, at: source.pos([...path, key]) }));
}

export function buildDomain(source: SourceDoc, doc: DocumentInput<'Domain'>, diags: Diagnostics): Domain {
  const domain = doc.name;
  const tables = Object.entries(doc.tables).map(([name, t]) => {
    const tp = ['tables', name];
    return {
      name,
      domain,
      tags: tagAssignments(source, [...tp, 'tags'], t?.tags),
      columns: Object.entries(t?.columns ?? {}).map(([col, tags]) => ({
        name: col,
        tags: tagAssignments(source, [...tp, 'columns', col], tags),
        at: source.keyPos([...tp, 'columns', col]),
      })),
      at: source.keyPos(tp),
    };
  });
  const grants = doc.grants.map((g, i) => ({
    domain,
    groups: refs(source, ['grants', i, 'groups'], g.groups),
    read: refs(source, ['grants', i, 'read'], g.read),
    at: source.pos(['grants', i]),
  }));
  const policies = doc.policies
    .map((p, i) => buildPolicy(source, ['policies', i], p, 'domain', domain, diags))
    .filter((p): p is Policy => p !== undefined);
  return {
    name: domain,
    description: doc.description,
    owners: refs(source, ['owners'], doc.owners),
    schemas: refs(source, ['schemas'], doc.schemas),
    tables,
    grants,
    policies,
    refusedKeys: refused(source, [], doc as Record<string, unknown>, ['exemptions', 'overrides']),
    file: source.file,
    at: source.keyPos(['name']),
  };
}

export function buildAccessTests(source: SourceDoc, doc: DocumentInput<'AccessTests'>, diags: Diagnostics): AccessTest[] {
  return doc.tests.flatMap((t, i) => {
    const path = ['tests', i];
    const at = source.pos(path);
    if ((t.group === undefined) === (t.groups === undefined)) {
      diags.error('test-principal', 'an access test names its principal once', at, "write 'group: g' or 'groups: [g1, g2]'");
      return [];
    }
    const groups = t.group !== undefined ? [{ name: t.group, at: source.pos([...path, 'group']) }] : refs(source, [...path, 'groups'], t.groups);
    return [
      {
        name: t.name,
        groups,
        table: { name: t.table, at: source.pos([...path, 'table']) },
        readable: t.readable,
        columns: Object.entries(t.columns).map(([name, expect]) => ({ name, expect, at: source.keyPos([...path, 'columns', name]) })),
        rows: t.rows.map((r, j) => ({ row: r.row, visible: r.visible, at: source.pos([...path, 'rows', j]) })),
        at,
      },
    ];
  });
}

export type AnyZod = z.ZodType;
