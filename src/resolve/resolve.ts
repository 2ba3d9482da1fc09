import type { Diagnostics } from '../config/diagnostics.js';
import type { Inventory } from '../model/inventory.js';
import type { SourcePos } from '../model/neutral-types.js';
import type { Domain, GrantDecl, Model, Policy, Ref, TagSelector } from '../model/types.js';
import { didYouMean } from '../model/did-you-mean.js';
import { columnsOf, groupsOf, parseExpr, typeCheck, walk, type ColumnInfo, type Expr, type ExprError } from '../model/expr/index.js';
import { methodAccepts } from './mask-methods.js';
import { governedTables, InventoryIndex, push, type GovernedTable } from './governed.js';
import { nameKey, parseColumnPattern, parseTablePattern, splitName, type TablePattern } from './names.js';
import { PrincipalIndex } from './principals.js';
import { describeSelector, matchesTags } from './selectors.js';
import { policyOrder, type MaskCandidate } from './strictest.js';

/** A grant that reaches a table: which group, from which `grants:` entry. */
export interface TableGrant {
  readonly group: string;
  readonly domain: string;
  readonly at: SourcePos;
}

export interface FilterCandidate {
  readonly policy: Policy;
  readonly expr: Expr;
  readonly exempt: readonly string[];
}

/**
 * Everything that reaches one governed table, computed once per table and independent of the
 * principal; `access.ts` evaluates it for a principal cheaply (no groups × columns expansion).
 */
export interface ResolvedTable {
  readonly table: GovernedTable;
  readonly grants: readonly TableGrant[];
  /** Column key -> masks reaching it, in explain order. Columns without masks are absent. */
  readonly masks: ReadonlyMap<string, readonly MaskCandidate[]>;
  /** Column names to show: the inventory's, plus masked columns when there is no inventory. */
  readonly columns: readonly { readonly name: string; readonly key: string }[];
  readonly filters: readonly FilterCandidate[];
}

export interface Resolved {
  readonly model: Model;
  readonly hasInventory: boolean;
  readonly tables: readonly ResolvedTable[];
  readonly principals: PrincipalIndex;
  table(name: string): ResolvedTable | undefined;
}

/** model × inventory -> per-table grants, masks and filters, with positioned diagnostics. */
export function resolve(model: Model, inventory: Inventory | undefined, diags: Diagnostics): Resolved {
  const index = inventory ? new InventoryIndex(inventory) : undefined;
  const tables = governedTables(model, index, diags);
  const byKey = new Map(tables.map((t) => [t.key, t]));
  const domainByName = new Map(model.domains.map((d) => [d.name, d]));
  const schemasOf = new Map(model.domains.map((d) => [d.name, domainSchemaKeys(d)]));
  const territory = (domain: string | undefined, t: GovernedTable): boolean => domain === undefined || (schemasOf.get(domain)?.has(t.schemaKey) ?? false);
  const bySchema = new Map<string, GovernedTable[]>();
  for (const t of tables) {
    const list = bySchema.get(t.schemaKey);
    if (list) list.push(t);
    else bySchema.set(t.schemaKey, [t]);
  }
  // A filter is type-checked against the governed table's own column map (keys are lower-cased
  // names, values carry name and type): inventory columns always have a type.
  const columnsFor = (t: GovernedTable) => (index && t.inInventory ? (t.columnByKey as ReadonlyMap<string, ColumnInfo>) : undefined);
  const groupNames = new Set(model.groups.keys());
  // Columns and tables by tag key, in table and column order: a tag selector matches only what
  // carries its first key, so a policy looks at those instead of every column of the estate.
  const columnsByTag = new Map<string, { table: GovernedTable; column: GovernedTable['columns'][number] }[]>();
  const tablesByTag = new Map<string, GovernedTable[]>();
  // Tagged columns by key and value too: a selector's first `key: value` entry picks its columns
  // directly (a dozen mask policies on one tag key would each scan all its 40,000 columns).
  const columnsByTagValue = new Map<string, { table: GovernedTable; column: GovernedTable['columns'][number]; seq: number }[]>();
  let seq = 0;
  for (const t of tables) for (const c of t.columns) for (const [key, tag] of c.tags) push(columnsByTagValue, `${key}\u0000${tag.value}`, { table: t, column: c, seq: seq++ });
  const taggedColumns = (entry: TagSelector[number]): readonly { table: GovernedTable; column: GovernedTable['columns'][number] }[] => {
    if (entry.atLeast !== undefined) return columnsByTag.get(entry.key) ?? [];
    const lists = [...new Set(entry.values)].map((v) => columnsByTagValue.get(`${entry.key}\u0000${v}`) ?? []);
    // In table and column order, as a scan of the key's columns would find them.
    return lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => a.seq - b.seq);
  };
  for (const t of tables) {
    for (const key of t.tags.keys()) push(tablesByTag, key, t);
    for (const c of t.columns) if (c.tags.size > 0) for (const key of c.tags.keys()) push(columnsByTag, key, { table: t, column: c });
  }

  const grants = new Map<string, TableGrant[]>();
  const masks = new Map<string, Map<string, MaskCandidate[]>>();
  const extraColumns = new Map<string, Map<string, string>>();
  const filters = new Map<string, FilterCandidate[]>();
  const ctx: PatternContext = { tables, byKey, bySchema, diags, territory: domainByName };

  for (const domain of model.domains) {
    checkDeclaredInTerritory(domain, diags);
    for (const grant of domain.grants) addGrant(grant, ctx, grants);
  }
  const policies = [...model.globalPolicies, ...model.domains.flatMap((d) => d.policies)];
  for (const policy of policies) {
    const inScope = (t: GovernedTable): boolean => territory(policy.domain, t);
    if (policy.spec.kind === 'mask') {
      const spec = policy.spec;
      const candidate: MaskCandidate = { policy, method: spec.method, keepLast: spec.keepLast, exempt: policy.exempt.map((e) => e.name) };
      const reached: { table: GovernedTable; column: string; type?: string; name: string }[] = [];
      if (spec.tags && spec.tags.length > 0) {
        for (const { table: t, column: c } of taggedColumns(spec.tags[0]!)) {
          if (inScope(t) && matchesTags(c.tags, spec.tags, model.catalog)) reached.push({ table: t, column: c.key, type: c.type, name: c.name });
        }
      }
      for (const ref of spec.columns ?? []) reached.push(...expandColumns(ref, policy, ctx, extraColumns));
      for (const r of reached) {
        if (r.type && !methodAccepts(spec.method, r.type as never)) {
          diags.error('mask-type', `policy '${policy.name}': method ${spec.method} does not accept ${r.table.name}.${r.name} of type ${r.type}`, spec.methodAt, `use nullify or redact there, or narrow the selector`);
          continue;
        }
        const perTable = masks.get(r.table.key) ?? new Map<string, MaskCandidate[]>();
        masks.set(r.table.key, perTable);
        const list = perTable.get(r.column) ?? [];
        if (!list.some((c) => c.policy === policy)) list.push(candidate);
        perTable.set(r.column, list);
      }
    } else {
      const spec = policy.spec;
      const parsed = parseExpr(spec.allow);
      for (const e of parsed.errors) diags.error('filter-syntax', `policy '${policy.name}': ${e.message}`, shift(spec.allowAt, e.offset), e.hint);
      const reached = new Set<GovernedTable>();
      if (spec.tablesTagged && spec.tablesTagged.length > 0) for (const t of tablesByTag.get(spec.tablesTagged[0]!.key) ?? []) if (inScope(t) && matchesTags(t.tags, spec.tablesTagged, model.catalog)) reached.add(t);
      for (const ref of spec.tables ?? []) for (const t of expandTables(ref, policy.domain, ctx)) reached.add(t);
      if (spec.tablesTagged && reached.size === 0) {
        diags.warn('selector-matches-nothing', `policy '${policy.name}': no governed table is tagged ${describeSelector(spec.tablesTagged)}`, policy.at);
      }
      if (!parsed.expr) continue;
      // in_group('x') names a group like exempt does: reported once per policy, as unknown-group.
      for (const node of walk(parsed.expr)) {
        if (node.kind !== 'in_group' || model.groups.has(node.group)) continue;
        const guess = didYouMean(node.group, model.groups.keys());
        diags.error('unknown-group', `unknown group '${node.group}' in in_group() of policy '${policy.name}'`, shift(spec.allowAt, node.span.start), guess ? `did you mean '${guess}'?` : 'declare it under groups: in a Principals document');
      }
      const checkContext = { attributes: model.attributes as never, groups: new Set([...model.groups.keys(), ...groupsOf(parsed.expr)]) };
      if (reached.size === 0) {
        // Reaching no table today must not hide a typo: check what does not depend on columns.
        for (const e of typeCheck(parsed.expr, checkContext)) diags.error('filter-type', `policy '${policy.name}': ${e.message}`, shift(spec.allowAt, e.offset), e.hint);
      }
      // One error per problem, naming the tables it occurs on (a typo in user.<a> is not one per table).
      const typeErrors = new Map<string, { error: ExprError; tables: string[] }>();
      // The check depends on a table only through the types of the columns the filter names: a
      // table whose types were already seen clean is clean (10,000 tables share a few shapes).
      const named = columnsOf(parsed.expr).map((c) => c.toLowerCase());
      const cleanShapes = new Set<string>();
      for (const t of reached) {
        const columns = columnsFor(t);
        const shape = columns ? named.map((c) => columns.get(c)?.type ?? '\u0000').join('\u0001') : '\u0002';
        const errors = cleanShapes.has(shape) ? [] : typeCheck(parsed.expr, { ...checkContext, columns });
        if (errors.length === 0) cleanShapes.add(shape);
        for (const e of errors) {
          const key = `${e.offset}\u0000${e.message}`;
          const seen = typeErrors.get(key) ?? { error: e, tables: [] };
          seen.tables.push(t.name);
          typeErrors.set(key, seen);
        }
        const list = filters.get(t.key) ?? [];
        list.push({ policy, expr: parsed.expr, exempt: policy.exempt.map((e) => e.name) });
        filters.set(t.key, list);
      }
      for (const { error: e, tables: on } of typeErrors.values()) {
        diags.error('filter-type', `policy '${policy.name}' on ${listTables(on)}: ${e.message}`, shift(spec.allowAt, e.offset), e.hint);
      }
    }
  }

  const resolvedTables: ResolvedTable[] = tables.map((t) => {
    const tableMasks = masks.get(t.key) ?? new Map<string, MaskCandidate[]>();
    for (const list of tableMasks.values()) list.sort(policyOrder);
    // The governed columns themselves (they carry name and key), copied only to add extra names.
    const extra = [...(extraColumns.get(t.key) ?? [])].filter(([key]) => !t.columnByKey.has(key));
    const columns: readonly { name: string; key: string }[] = extra.length === 0 ? t.columns : [...t.columns, ...extra.map(([key, name]) => ({ name, key }))];
    return {
      table: t,
      grants: (grants.get(t.key) ?? []).sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)),
      masks: tableMasks,
      columns,
      filters: (filters.get(t.key) ?? []).sort(policyOrder),
    };
  });
  const resolvedByKey = new Map(resolvedTables.map((r) => [r.table.key, r]));
  return {
    model,
    hasInventory: inventory !== undefined,
    tables: resolvedTables,
    principals: new PrincipalIndex(model),
    table(name: string) {
      const parts = splitName(name);
      return parts ? resolvedByKey.get(nameKey(parts)) : undefined;
    },
  };
}

interface PatternContext {
  readonly tables: readonly GovernedTable[];
  readonly byKey: ReadonlyMap<string, GovernedTable>;
  readonly bySchema: ReadonlyMap<string, readonly GovernedTable[]>;
  readonly diags: Diagnostics;
  readonly territory: ReadonlyMap<string, Domain>;
}

function listTables(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more tables`;
}

function shift(at: SourcePos, offset: number): SourcePos {
  return { ...at, col: at.col + offset };
}

function domainSchemaKeys(domain: Domain | undefined): Set<string> {
  return new Set((domain?.schemas ?? []).map((s) => nameKey(splitName(s.name) ?? [])));
}

function checkDeclaredInTerritory(domain: Domain, diags: Diagnostics): void {
  const schemas = domainSchemaKeys(domain);
  for (const t of domain.tables) {
    const parts = splitName(t.name);
    if (parts && parts.length === 3 && !schemas.has(nameKey(parts.slice(0, 2)))) {
      diags.error('outside-territory', `domain '${domain.name}' declares ${t.name}, outside its schemas (${domain.schemas.map((s) => s.name).join(', ')})`, t.at, `move it to the domain that owns ${parts.slice(0, 2).join('.')}, or add that schema to 'schemas'`);
    }
  }
}

/** Expands a table pattern over governed tables; a domain's pattern must stay inside its schemas. */
function expandTables(ref: Ref, domain: string | undefined, ctx: PatternContext): GovernedTable[] {
  const pattern = parseTablePattern(ref.name);
  if (typeof pattern === 'string') {
    ctx.diags.error('bad-pattern', pattern, ref.at);
    return [];
  }
  if (!withinTerritory(ref, pattern.schemaKey, domain, ctx)) return [];
  if (pattern.kind === 'schema') {
    const found = [...(ctx.bySchema.get(pattern.schemaKey) ?? [])];
    if (found.length === 0) ctx.diags.warn('pattern-matches-nothing', `'${ref.name}' matches no governed table`, ref.at, 'declare the tables under tables: in their domain');
    return found;
  }
  const t = ctx.byKey.get(pattern.key);
  if (!t) {
    ctx.diags.error('ungoverned-table', `'${ref.name}' is not a governed table`, ref.at, `declare it under 'tables:' in its domain${suggestTable(ref.name, ctx)}`);
    return [];
  }
  return [t];
}

function suggestTable(name: string, ctx: PatternContext): string {
  const close = ctx.tables.map((t) => t.name).find((n) => n.toLowerCase().endsWith(name.toLowerCase().split('.').pop() ?? '\u0000'));
  return close ? ` (did you mean '${close}'?)` : '';
}

function withinTerritory(ref: Ref, schemaKey: string, domain: string | undefined, ctx: PatternContext): boolean {
  if (domain === undefined) return true;
  const d = ctx.territory.get(domain);
  if (domainSchemaKeys(d).has(schemaKey)) return true;
  ctx.diags.error('outside-territory', `domain '${domain}' names ${ref.name}, outside its schemas (${(d?.schemas ?? []).map((s) => s.name).join(', ')})`, ref.at, 'a domain may only govern its own schemas; ask the owning domain or the central team');
  return false;
}

function addGrant(grant: GrantDecl, ctx: PatternContext, out: Map<string, TableGrant[]>): void {
  for (const ref of grant.read) {
    for (const t of expandTables(ref, grant.domain, ctx)) {
      const list = out.get(t.key) ?? [];
      for (const g of grant.groups) if (!list.some((x) => x.group === g.name)) list.push({ group: g.name, domain: grant.domain, at: ref.at });
      out.set(t.key, list);
    }
  }
}

function expandColumns(ref: Ref, policy: Policy, ctx: PatternContext, extra: Map<string, Map<string, string>>): { table: GovernedTable; column: string; type?: string; name: string }[] {
  const pattern = parseColumnPattern(ref.name);
  if (typeof pattern === 'string') {
    ctx.diags.error('bad-pattern', pattern, ref.at);
    return [];
  }
  const tableParts = pattern.tableKey.split('\u0000');
  if (!withinTerritory(ref, nameKey(tableParts.slice(0, 2)), policy.domain, ctx)) return [];
  const t = ctx.byKey.get(pattern.tableKey);
  if (!t) {
    ctx.diags.error('ungoverned-table', `'${ref.name}' is not in a governed table`, ref.at, `declare the table under 'tables:' in its domain`);
    return [];
  }
  if (pattern.kind === 'all_columns') return t.columns.map((c) => ({ table: t, column: c.key, type: c.type, name: c.name }));
  const c = t.columnByKey.get(pattern.column.toLowerCase());
  if (c) return [{ table: t, column: c.key, type: c.type, name: c.name }];
  if (t.inInventory) {
    const guess = didYouMean(pattern.column, t.columns.map((x) => x.name));
    ctx.diags.error('unknown-column', `column '${pattern.column}' does not exist in ${t.name} (inventory)`, ref.at, guess ? `did you mean '${guess}'?` : `columns: ${t.columns.map((x) => x.name).join(', ')}`);
    return [];
  }
  // No inventory for this table: trust the name, as product.md skips column checks then.
  const key = pattern.column.toLowerCase();
  const m = extra.get(t.key) ?? new Map<string, string>();
  m.set(key, pattern.column);
  extra.set(t.key, m);
  return [{ table: t, column: key, name: pattern.column }];
}

export type { TablePattern };
