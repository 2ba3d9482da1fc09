import type { Diagnostics } from '../config/diagnostics.js';
import type { Inventory, InventoryTable } from '../model/inventory.js';
import type { NeutralType, SourcePos } from '../model/neutral-types.js';
import type { Model, TableDecl, TagAssignment } from '../model/types.js';
import { didYouMean } from '../model/did-you-mean.js';
import { joinName, nameKey, splitName } from './names.js';

/** A tag value on a table or column, with where it was assigned. */
export type TagMap = ReadonlyMap<string, TagAssignment>;

export interface GovernedColumn {
  /** Exact stored name when the inventory knows the column, else as declared. */
  readonly name: string;
  readonly key: string;
  readonly type?: NeutralType;
  readonly nativeType?: string;
  readonly tags: TagMap;
  readonly declaredAt?: SourcePos;
}

/** A table some domain declares under `tables:` — the only tables meshward grants, masks or filters. */
export interface GovernedTable {
  /** Canonical neutral name (stored spelling when the inventory has it). */
  readonly name: string;
  readonly key: string;
  readonly parts: readonly [string, string, string];
  readonly schemaKey: string;
  readonly domain: string;
  readonly decl: TableDecl;
  readonly native?: string;
  readonly inInventory: boolean;
  readonly tags: TagMap;
  readonly columns: readonly GovernedColumn[];
  readonly columnByKey: ReadonlyMap<string, GovernedColumn>;
}

/** Looks inventory tables up case-insensitively; an ambiguous fold falls back to exact spelling. */
export class InventoryIndex {
  private readonly byKey = new Map<string, InventoryTable[]>();
  readonly bySchema = new Map<string, InventoryTable[]>();

  constructor(readonly inventory: Inventory) {
    for (const t of inventory.tables) {
      const parts = splitName(t.name);
      if (!parts || parts.length !== 3) continue;
      push(this.byKey, nameKey(parts), t);
      push(this.bySchema, nameKey(parts.slice(0, 2)), t);
    }
  }

  find(parts: readonly string[]): InventoryTable | undefined | 'ambiguous' {
    const found = this.byKey.get(nameKey(parts)) ?? [];
    if (found.length <= 1) return found[0];
    const exact = found.find((t) => t.name === joinName(parts));
    return exact ?? 'ambiguous';
  }

  names(): string[] {
    return this.inventory.tables.map((t) => t.name);
  }
}

/** Appends `value` to the list `map` holds for `key`. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Shared by every object without tags (most columns): one map instead of 200,000 at 10k tables. */
const NO_TAGS: TagMap = new Map<string, TagAssignment>();

function tagMap(tags: readonly TagAssignment[]): TagMap {
  return tags.length === 0 ? NO_TAGS : new Map(tags.map((t) => [t.key, t]));
}

/** Builds the governed tables from every domain's `tables:` and the inventory (when there is one). */
export function governedTables(model: Model, inventory: InventoryIndex | undefined, diags: Diagnostics): GovernedTable[] {
  const out: GovernedTable[] = [];
  const seen = new Map<string, TableDecl>();
  for (const domain of model.domains) {
    for (const decl of domain.tables) {
      const parts = splitName(decl.name);
      if (!parts || parts.length !== 3 || parts.includes('*')) {
        diags.error('bad-table-name', `'${decl.name}' is not a table name`, decl.at, 'write database.schema.table');
        continue;
      }
      const key = nameKey(parts);
      const twin = seen.get(key);
      if (twin) {
        diags.error('duplicate-table', `table '${decl.name}' is declared twice (also ${twin.at.file}:${twin.at.line}:${twin.at.col})`, decl.at, 'declare each table once');
        continue;
      }
      seen.set(key, decl);
      const found = inventory?.find(parts);
      if (found === 'ambiguous') {
        diags.error('ambiguous-table', `'${decl.name}' matches several inventory tables that differ only by case`, decl.at, 'write the exact spelling, quoting parts as "Name"');
        continue;
      }
      if (inventory && !found) {
        const guess = didYouMean(decl.name, inventory.names());
        diags.warn('table-not-in-inventory', `table '${decl.name}' is not in the inventory`, decl.at, guess ? `did you mean '${guess}'?` : 'create it, or refresh inventory.json');
      }
      out.push(buildTable(decl, parts as [string, string, string], key, found, diags));
    }
  }
  return out;
}

function buildTable(decl: TableDecl, parts: [string, string, string], key: string, inv: InventoryTable | undefined, diags: Diagnostics): GovernedTable {
  const declared = new Map(decl.columns.map((c) => [c.name.toLowerCase(), c]));
  const columns: GovernedColumn[] = [];
  if (inv) {
    // Column names that differ only by case: a declared column then matches its exact spelling only.
    const keys = inv.columns.map((c) => c.name.toLowerCase());
    const present = new Set(keys);
    const folded = present.size < keys.length ? countOf(keys) : undefined;
    for (let i = 0; i < inv.columns.length; i++) {
      const c = inv.columns[i]!;
      const key = keys[i]!;
      const d = declared.size === 0 ? undefined : matchDeclared(declared, c.name, (folded?.get(key) ?? 1) > 1);
      columns.push({ name: c.name, key, type: c.type, nativeType: c.native_type, tags: d ? tagMap(d.tags) : NO_TAGS, declaredAt: d?.at });
    }
    for (const d of decl.columns) {
      if (!present.has(d.name.toLowerCase())) {
        const guess = didYouMean(d.name, inv.columns.map((c) => c.name));
        diags.error('unknown-column', `column '${d.name}' does not exist in ${inv.name} (inventory)`, d.at, guess ? `did you mean '${guess}'?` : `columns: ${inv.columns.map((c) => c.name).join(', ')}`);
      }
    }
  } else {
    for (const d of decl.columns) columns.push({ name: d.name, key: d.name.toLowerCase(), tags: tagMap(d.tags), declaredAt: d.at });
  }
  const canonical = inv ? splitName(inv.name) ?? parts : parts;
  return {
    name: joinName(canonical),
    key,
    parts: canonical as [string, string, string],
    schemaKey: nameKey(parts.slice(0, 2)),
    domain: decl.domain,
    decl,
    native: inv?.native,
    inInventory: inv !== undefined,
    tags: tagMap(decl.tags),
    columns,
    columnByKey: new Map(columns.map((c) => [c.key, c])),
  };
}

function countOf(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

function matchDeclared<T extends { name: string }>(declared: Map<string, T>, name: string, caseAmbiguous: boolean): T | undefined {
  const d = declared.get(name.toLowerCase());
  if (!d) return undefined;
  return caseAmbiguous && d.name !== name ? undefined : d;
}
