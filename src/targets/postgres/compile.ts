import { joinName } from '../../resolve/names.js';
import type { Resolved, ResolvedTable } from '../../resolve/resolve.js';
import type { NativeObject, TargetContext } from '../target.js';
import { groupAttributeValues } from './attributes.js';
import { GOVERNANCE_VERSION } from './governance.js';
import { hazards, rank } from './hazards.js';
import { quoteIdent } from './naming.js';
import { namesForResolved, type PostgresNames } from './native-names.js';
import { marker, objects, qualified, type ViewSpec } from './objects.js';
import { render } from './render.js';
import { accessSummary, filterSummaries, maskSummaries, viewColumnTypes, viewSelectSql } from './view.js';

export { rowPredicateSql, viewSelectSql } from './view.js';

/**
 * Resolved model -> the PostgreSQL objects meshward manages (pure, no I/O):
 * the governance schema and tables; the owner role and one NOLOGIN role per group with the
 * member_of hierarchy as role memberships; the groups' attribute values as rows of
 * `<governance>.attributes` (the views consult them); per governed base schema a managed schema owned by
 * the owner role; per governed table a security-barrier definer view owned by the owner role
 * (which alone reads the base table), SELECT on it for the groups granted the table, and the
 * table's and columns' tags as rows of `<governance>.tags`.
 */
export function compile(resolved: Resolved, ctx: TargetContext): NativeObject[] {
  const names = namesForResolved(resolved, ctx.settings);
  const project = ctx.model.project.name;
  const out: NativeObject[] = [];

  out.push(objects.governance({ schema: names.governance, version: GOVERNANCE_VERSION }));
  out.push(objects.schema({ name: names.governance, owner: names.owner, comment: marker(project, 'governance', names.governance) }));

  out.push(objects.role({ name: names.owner, comment: marker(project, 'owner', 'views') }));
  for (const [group, role] of names.roles) out.push(objects.role({ name: role, comment: marker(project, 'group', group) }));
  for (const [group, member] of names.roles) {
    const parents = new Set(ctx.model.groups.get(group)?.memberOf.map((p) => p.name) ?? []);
    for (const parent of [...parents].sort(compare)) if (names.roles.has(parent)) out.push(objects.membership({ role: names.role(parent), member }));
  }
  for (const row of groupAttributeValues(ctx.model, names.roles)) out.push(objects.attributeValue(row));

  const withViews: ResolvedTable[] = [];
  for (const t of [...resolved.tables].sort((a, b) => compare(a.table.name, b.table.name))) {
    if (t.table.inInventory) withViews.push(t);
    else ctx.diagnostics.error('view-needs-inventory', `governed table ${t.table.name} is not in the inventory: meshward cannot build its view`, t.table.decl.at, 'create the table, or refresh inventory.json');
  }

  const bySchema = new Map<string, ResolvedTable[]>();
  for (const t of withViews) {
    const list = bySchema.get(t.table.parts[1]);
    if (list) list.push(t);
    else bySchema.set(t.table.parts[1], [t]);
  }
  for (const [base, tables] of [...bySchema].sort((a, b) => compare(a[0], b[0]))) {
    const schema = names.schema(base);
    const domain = tables[0]!.table.domain;
    out.push(objects.schema({ name: schema, owner: names.owner, comment: marker(project, 'schema', joinName(tables[0]!.table.parts.slice(0, 2))) }, { domain }));
    const readers = new Set(tables.flatMap((t) => t.grants.map((g) => g.group)));
    for (const group of [...readers].sort(compare)) {
      out.push(objects.grant({ privilege: 'USAGE', on: 'schema', object: quoteIdent(schema), grantee: names.role(group) }, { domain }));
    }
  }

  for (const t of withViews) out.push(...tableObjects(t, ctx, names));
  for (const t of resolved.tables) out.push(...tagObjects(t));
  return out;
}

function tableObjects(t: ResolvedTable, ctx: TargetContext, names: PostgresNames): NativeObject[] {
  const [, baseSchema, baseTable] = t.table.parts;
  const extra = { domain: t.table.domain, table: t.table.name };
  const schema = names.schema(baseSchema);
  const spec: ViewSpec = {
    schema,
    name: baseTable,
    base: { schema: baseSchema, table: baseTable },
    owner: names.owner,
    comment: marker(ctx.model.project.name, 'view', t.table.name),
    select: viewSelectSql(t, ctx, names),
    columns: viewColumnTypes(t),
    masks: maskSummaries(t),
    filters: filterSummaries(t),
  };
  const policies = [...new Set([...[...t.masks.values()].flat().map((m) => m.policy.name), ...t.filters.map((f) => f.policy.name)])].sort(compare);
  const out: NativeObject[] = [
    objects.grant({ privilege: 'SELECT', on: 'table', object: qualified(baseSchema, baseTable), grantee: names.owner }, extra),
    objects.view(spec, { ...extra, policies, access: accessSummary(t) }),
  ];
  const readers = [...new Set(t.grants.map((g) => g.group))].sort(compare);
  const view = qualified(schema, baseTable);
  for (const group of readers) out.push(objects.grant({ privilege: 'SELECT', on: 'view', object: view, grantee: names.role(group) }, extra));
  return out;
}

function tagObjects(t: ResolvedTable): NativeObject[] {
  const extra = { domain: t.table.domain, table: t.table.name };
  const out: NativeObject[] = [];
  for (const [key, a] of [...t.table.tags].sort((x, y) => compare(x[0], y[0]))) out.push(objects.tag({ object: t.table.name, tag: key, value: a.value }, extra));
  for (const c of t.table.columns) {
    const object = joinName([...t.table.parts, c.name]);
    for (const [key, a] of [...c.tags].sort((x, y) => compare(x[0], y[0]))) out.push(objects.tag({ object, tag: key, value: a.value }, extra));
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** compile + render + hazards + rank; the lead assembles the full Target in index.ts. */
export const postgresCompiler = { compile, render, hazards, rank };
