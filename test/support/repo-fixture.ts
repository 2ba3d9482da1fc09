import type { PolicyFile } from '../../src/config/load.js';
import { formatPos, type Diagnostic } from '../../src/config/diagnostics.js';
import type { Inventory, InventoryColumn, InventoryTable } from '../../src/model/inventory.js';
import { validateRepository, type ValidationResult } from '../../src/validate.js';

/**
 * A small, valid policy repository held in memory, plus its inventory. Tests derive broken
 * variants with `withFile` / `patch` and assert the exact diagnostics. Every file is written one
 * YAML line per array element, numbered in the comments, so `file:line:col` can be counted.
 */
export interface RepoFixture {
  readonly files: readonly PolicyFile[];
  /** Undefined: validate without an inventory. */
  readonly inventory?: Inventory;
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

const MESHWARD = lines(
  /*  1 */ 'kind: Project',
  /*  2 */ 'name: acme',
  /*  3 */ 'managed_prefix: mw_',
  /*  4 */ 'targets:',
  /*  5 */ '  local:',
  /*  6 */ '    type: postgres',
  /*  7 */ '    database: analytics',
);

const CATALOG = lines(
  /*  1 */ 'kind: TagCatalog',
  /*  2 */ 'tags:',
  /*  3 */ '  pii:',
  /*  4 */ '    values: [email, phone, name, birth_date]',
  /*  5 */ '  sensitivity:',
  /*  6 */ '    values: [public, internal, confidential, restricted]',
  /*  7 */ '    ordered: true',
  /*  8 */ 'classifiers:',
  /*  9 */ '  - tag: pii=email',
  /* 10 */ "    column: '(?i)(^|_)e_?mail($|_)'",
);

const PRINCIPALS = lines(
  /*  1 */ 'kind: Principals',
  /*  2 */ 'attributes:',
  /*  3 */ '  region: { type: string, values: [EMEA, AMER, APAC] }',
  /*  4 */ '  clearance: { type: string, values: [standard, high] }',
  /*  5 */ 'groups:',
  /*  6 */ '  privacy_officers: { attributes: { clearance: [high] } }',
  /*  7 */ '  sales_analysts: { attributes: { region: [EMEA] } }',
  /*  8 */ '  sales_analysts_us: { attributes: { region: [AMER] } }',
  /*  9 */ '  sales_leads: { member_of: [sales_analysts] }',
  /* 10 */ '  finance_analysts: { attributes: { region: [EMEA, AMER], clearance: [standard] } }',
);

const GLOBAL = lines(
  /*  1 */ 'kind: GlobalPolicies',
  /*  2 */ 'policies:',
  /*  3 */ '  - name: pii-hash',
  /*  4 */ '    mask: { tags: { pii: [email, phone] }, method: hash, exempt: [privacy_officers] }',
  /*  5 */ '  - name: restricted-rows',
  /*  6 */ '    row_filter: { tables_tagged: { sensitivity: restricted }, allow: "user.clearance = \'high\'" }',
);

const FINANCE = lines(
  /*  1 */ 'kind: Domain',
  /*  2 */ 'name: finance',
  /*  3 */ 'owners: [finance_analysts]',
  /*  4 */ 'schemas: [analytics.finance]',
  /*  5 */ 'tables:',
  /*  6 */ '  analytics.finance.payments:',
  /*  7 */ '    tags: { sensitivity: restricted }',
  /*  8 */ '    columns:',
  /*  9 */ '      payer_email: { pii: email }',
  /* 10 */ 'grants:',
  /* 11 */ '  - groups: [finance_analysts]',
  /* 12 */ '    read: [analytics.finance.payments]',
  /* 13 */ 'policies:',
  /* 14 */ '  - name: paid-only',
  /* 15 */ '    row_filter:',
  /* 16 */ '      tables: [analytics.finance.payments]',
  /* 17 */ '      allow: "status = \'paid\'"',
);

const SALES = lines(
  /*  1 */ 'kind: Domain',
  /*  2 */ 'name: sales',
  /*  3 */ 'owners: [sales_leads]',
  /*  4 */ 'schemas: [analytics.sales]',
  /*  5 */ 'tables:',
  /*  6 */ '  analytics.sales.customers:',
  /*  7 */ '    tags: { sensitivity: confidential }',
  /*  8 */ '    columns:',
  /*  9 */ '      email: { pii: email }',
  /* 10 */ '      phone: { pii: phone }',
  /* 11 */ '  analytics.sales.orders: {}',
  /* 12 */ 'grants:',
  /* 13 */ '  - groups: [sales_analysts, sales_analysts_us]',
  /* 14 */ '    read: [analytics.sales.*]',
  /* 15 */ 'policies:',
  /* 16 */ '  - name: own-region',
  /* 17 */ '    row_filter:',
  /* 18 */ '      tables: [analytics.sales.customers]',
  /* 19 */ '      allow: "region IN user.region"',
  /* 20 */ '      exempt: [sales_leads]',
  /* 21 */ '  - name: phone-last4',
  /* 22 */ '    mask: { columns: [analytics.sales.customers.phone], method: partial, keep_last: 4 }',
);

const col = (name: string, type: InventoryColumn['type'], native_type: string): InventoryColumn => ({ name, type, native_type });

export function inventoryTable(name: string, columns: readonly InventoryColumn[]): InventoryTable {
  const [, schema, table] = name.split('.');
  return { name, native: `"${schema}"."${table}"`, columns };
}

export const BASE_INVENTORY: Inventory = {
  format: 1,
  tables: [
    inventoryTable('analytics.finance.payments', [
      col('id', 'number', 'bigint'),
      col('payer_email', 'string', 'text'),
      col('amount', 'number', 'numeric(12,2)'),
      col('status', 'string', 'text'),
      col('paid_on', 'date', 'date'),
    ]),
    inventoryTable('analytics.sales.customers', [
      col('id', 'number', 'bigint'),
      col('email', 'string', 'text'),
      col('phone', 'string', 'text'),
      col('region', 'string', 'text'),
      col('birth_date', 'date', 'date'),
      col('vip', 'boolean', 'boolean'),
    ]),
    inventoryTable('analytics.sales.orders', [
      col('id', 'number', 'bigint'),
      col('customer_id', 'number', 'bigint'),
      col('region', 'string', 'text'),
      col('amount', 'number', 'numeric(12,2)'),
      col('ordered_at', 'timestamp', 'timestamp with time zone'),
    ]),
  ],
};

/** The valid base: files in the order the loader reads them from disk (sorted). */
export const BASE: RepoFixture = {
  files: [
    { path: 'catalog.yaml', text: CATALOG },
    { path: 'domains/finance.yaml', text: FINANCE },
    { path: 'domains/sales.yaml', text: SALES },
    { path: 'global.yaml', text: GLOBAL },
    { path: 'meshward.yaml', text: MESHWARD },
    { path: 'principals.yaml', text: PRINCIPALS },
  ],
  inventory: BASE_INVENTORY,
};

/** The text of one fixture file; throws when it does not exist. */
export function fileText(fixture: RepoFixture, path: string): string {
  const file = fixture.files.find((f) => f.path === path);
  if (!file) throw new Error(`fixture has no ${path}`);
  return file.text;
}

/** Replaces (or adds) one file. */
export function withFile(fixture: RepoFixture, path: string, text: string): RepoFixture {
  const exists = fixture.files.some((f) => f.path === path);
  const files = exists ? fixture.files.map((f) => (f.path === path ? { path, text } : f)) : [...fixture.files, { path, text }];
  return { ...fixture, files };
}

/** Drops one file. */
export function withoutFile(fixture: RepoFixture, path: string): RepoFixture {
  fileText(fixture, path);
  return { ...fixture, files: fixture.files.filter((f) => f.path !== path) };
}

/**
 * Rewrites one file. A string `find` must occur in the file (a patch that silently does nothing
 * would let a test pass for the wrong reason).
 */
export function patch(fixture: RepoFixture, path: string, edit: (text: string) => string): RepoFixture {
  const before = fileText(fixture, path);
  const after = edit(before);
  if (after === before) throw new Error(`patch of ${path} changed nothing`);
  return withFile(fixture, path, after);
}

/** `text.replace(find, replacement)` that throws when `find` is absent. */
export function replace(fixture: RepoFixture, path: string, find: string, replacement: string): RepoFixture {
  return patch(fixture, path, (text) => {
    if (!text.includes(find)) throw new Error(`${JSON.stringify(find)} is not in ${path}`);
    return text.replace(find, replacement);
  });
}

/** Appends lines to one file. */
export function append(fixture: RepoFixture, path: string, ...extra: string[]): RepoFixture {
  return patch(fixture, path, (text) => text + lines(...extra));
}

export function withInventory(fixture: RepoFixture, inventory: Inventory | undefined): RepoFixture {
  return { ...fixture, inventory };
}

/** Adds tables to the fixture's inventory (kept sorted by name, as inventory.json is). */
export function withInventoryTables(fixture: RepoFixture, ...tables: InventoryTable[]): RepoFixture {
  const all = [...(fixture.inventory?.tables ?? []), ...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...fixture, inventory: { format: 1, tables: all } };
}

export function validateFixture(fixture: RepoFixture): ValidationResult {
  return validateRepository({ dir: '/virtual', files: fixture.files, inventoryValue: fixture.inventory });
}

/** A diagnostic as tests compare it: where as one `file:line:col` string. */
export interface Seen {
  readonly severity: Diagnostic['severity'];
  readonly code: string;
  readonly at: string;
  readonly message: string;
  readonly hint?: string;
}

export function seen(d: Diagnostic): Seen {
  return { severity: d.severity, code: d.code, at: formatPos(d.at), message: d.message, ...(d.hint !== undefined ? { hint: d.hint } : {}) };
}

/** Every diagnostic of a run, sorted as the CLI prints them. */
export function diagnosticsOf(fixture: RepoFixture): Seen[] {
  return validateFixture(fixture).diagnostics.sorted().map(seen);
}

export function errorsOf(fixture: RepoFixture): Seen[] {
  return diagnosticsOf(fixture).filter((d) => d.severity === 'error');
}

export function warningsOf(fixture: RepoFixture): Seen[] {
  return diagnosticsOf(fixture).filter((d) => d.severity === 'warning');
}
