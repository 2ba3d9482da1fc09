import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A synthetic, seeded estate for benchmarks: the policy repository (meshward.yaml with an embedded
 * target bootstrapped from warehouse/estate.sql, the tag catalog, principals, global policies, one
 * file per domain), inventory.json, and the warehouse SQL (CREATE SCHEMA/TABLE for every table) a
 * server database is bootstrapped from too. The same options and seed give the same bytes.
 *
 * Shapes (what issue 10 describes): wildcard grants per domain (`read: [wh.sN.*]`), a few
 * cross-domain grants of single tables, tag-selected global masks of every method, a global row
 * filter on restricted tables, a per-domain `region IN user.region` row filter with an exempt
 * lead group, extra per-domain filters and column masks (a few hundred policies in all), groups
 * three levels deep (employees ← dN_readers ← dN_analysts_k ← dN_leads).
 */
export interface EstateOptions {
  readonly tables: number;
  /** Columns per table, at least 8 (id, region, amount, created_on, four tagged). */
  readonly columns?: number;
  /** Groups in all (about; at least 4 per domain plus the global ones). */
  readonly groups?: number;
  readonly domains?: number;
  readonly seed?: number;
  /**
   * The "1 % model edit": this fraction of the tables gets one more grant, to a group of another
   * domain (0 = none). Only domain files change.
   */
  readonly edit?: number;
}

/** The generator's command-line options (node:util parseArgs), shared by estate.ts and run.ts. */
export const ESTATE_ARGS = {
  tables: { type: 'string', default: '1000' },
  columns: { type: 'string', default: '20' },
  groups: { type: 'string', default: '500' },
  domains: { type: 'string', default: '50' },
  seed: { type: 'string', default: '1' },
} as const;

/** EstateOptions from parsed ESTATE_ARGS values (`tables` given separately: run.ts takes a list). */
export function estateOptions(values: { columns: string; groups: string; domains: string; seed: string }, tables: number): EstateOptions {
  return { tables, columns: Number(values.columns), groups: Number(values.groups), domains: Number(values.domains), seed: Number(values.seed) };
}

export const BOOTSTRAP_FILE = 'warehouse/estate.sql';
export const DATABASE_LABEL = 'wh';

/** Writes the estate into `dir` (emptied first). Returns what was written, for the report. */
export function generateEstate(dir: string, options: EstateOptions): EstateSummary {
  rmSync(dir, { recursive: true, force: true });
  const files = estateFiles(options);
  for (const [path, text] of files.files) write(dir, path, text);
  return files.summary;
}

/** Rewrites only the domain files that the 1 % model edit changes. Returns how many tables gained a grant. */
export function applyModelEdit(dir: string, options: EstateOptions, edit = 0.01): number {
  const files = estateFiles({ ...options, edit });
  for (const [path, text] of files.files) {
    if (!path.startsWith('domains/')) continue;
    const file = join(dir, path);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) write(dir, path, text);
  }
  return files.summary.editedTables;
}

/**
 * The old benchmark entry point (bench/validate.ts): `tables` tables of 20 columns over `domains`
 * domains with `groupsPerDomain` groups each.
 */
export function generateRepository(dir: string, tables: number, domains = 50, groupsPerDomain = 4): void {
  generateEstate(dir, { tables, domains, groups: GLOBAL_GROUPS.length + domains * Math.max(4, groupsPerDomain), columns: 20, seed: 1 });
}

export interface EstateSummary {
  readonly tables: number;
  readonly columns: number;
  readonly groups: number;
  readonly domains: number;
  readonly policies: number;
  readonly grants: number;
  readonly taggedColumns: number;
  readonly editedTables: number;
  readonly seed: number;
}

const GLOBAL_GROUPS = ['employees', 'privacy_officers', 'auditors', 'data_stewards'] as const;
const REGIONS = ['EMEA', 'AMER', 'APAC', 'LATAM', 'ANZ', 'MEA'] as const;

/** Tagged columns a table may carry: name, native type, neutral type, tag. */
const TAGGED: readonly (readonly [string, string, string, string])[] = [
  ['email', 'text', 'string', 'pii: email'],
  ['phone', 'text', 'string', 'pii: phone'],
  ['full_name', 'text', 'string', 'pii: name'],
  ['birth_date', 'date', 'date', 'pii: birth_date'],
  ['national_id', 'text', 'string', 'pii: national_id'],
  ['street_address', 'text', 'string', 'pii: address'],
  ['ip_address', 'text', 'string', 'pii: ip_address'],
  ['card_number', 'text', 'string', 'finance: card_number'],
  ['iban', 'text', 'string', 'finance: iban'],
  ['salary', 'numeric(12,2)', 'number', 'finance: salary'],
];
/** Untagged filler columns, cycled. */
const FILLER: readonly (readonly [string, string])[] = [
  ['text', 'string'],
  ['integer', 'number'],
  ['date', 'date'],
  ['boolean', 'boolean'],
  ['numeric(12,2)', 'number'],
  ['timestamp with time zone', 'timestamp'],
];

interface Column {
  readonly name: string;
  readonly native: string;
  readonly type: string;
  readonly tag?: string;
}

/** mulberry32: a small seeded PRNG, so an estate is the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function estateFiles(options: EstateOptions): { files: Map<string, string>; summary: EstateSummary } {
  const tables = options.tables;
  const domains = Math.max(1, Math.min(options.domains ?? 50, tables));
  const columnCount = Math.max(8, options.columns ?? 20);
  const domainGroupTotal = Math.max(4 * domains, (options.groups ?? 500) - GLOBAL_GROUPS.length);
  const perDomainGroups = (d: number) => Math.floor(domainGroupTotal / domains) + (d < domainGroupTotal % domains ? 1 : 0);
  const seed = options.seed ?? 1;
  const edit = options.edit ?? 0;
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const files = new Map<string, string>();
  let policies = 0;
  let grants = 0;
  let tagged = 0;

  files.set(
    'meshward.yaml',
    `# A generated benchmark estate (bench/generate.ts): ${tables} tables, seed ${seed}.
kind: Project
name: bench
managed_prefix: mw_
targets:
  local:
    type: postgres
    database: ${DATABASE_LABEL}
    bootstrap: ${BOOTSTRAP_FILE}
`,
  );
  files.set(
    'catalog.yaml',
    `kind: TagCatalog
tags:
  pii: { values: [email, phone, name, national_id, birth_date, address, ip_address] }
  finance: { values: [card_number, iban, salary] }
  sensitivity: { values: [public, internal, confidential, restricted], ordered: true }
classifiers:
  - { tag: pii=email, column: '(?i)(^|_)e_?mail($|_)' }
`,
  );

  // Groups: employees ← dN_readers ← dN_analysts_k ← dN_leads (three levels below employees).
  const domainGroups: string[][] = [];
  const groupLines = [
    '  employees: {}',
    '  privacy_officers: { member_of: [employees], attributes: { clearance: [high], region: [' + REGIONS.join(', ') + '] } }',
    '  auditors: { member_of: [employees], attributes: { clearance: [high] } }',
    '  data_stewards: { member_of: [privacy_officers] }',
  ];
  for (let d = 0; d < domains; d++) {
    const names = [`d${d}_readers`];
    groupLines.push(`  d${d}_readers: { member_of: [employees] }`);
    for (let k = 1; k < perDomainGroups(d) - 1; k++) {
      const name = `d${d}_analysts_${k}`;
      const regions = [...new Set([pick(REGIONS), ...(random() < 0.3 ? [pick(REGIONS)] : [])])];
      const clearance = random() < 0.2 ? ', clearance: [high]' : '';
      groupLines.push(`  ${name}: { member_of: [d${d}_readers], attributes: { region: [${regions.join(', ')}]${clearance} } }`);
      names.push(name);
    }
    groupLines.push(`  d${d}_leads: { member_of: [d${d}_analysts_1], attributes: { region: [${REGIONS.join(', ')}] } }`);
    names.push(`d${d}_leads`);
    domainGroups.push(names);
  }
  files.set(
    'principals.yaml',
    `kind: Principals
attributes:
  region: { type: string, values: [${REGIONS.join(', ')}] }
  clearance: { type: string, values: [standard, high] }
groups:
${groupLines.join('\n')}
`,
  );

  const globalPolicies = [
    `  - name: pii-email-domain\n    mask: { tags: { pii: email }, method: email_domain, exempt: [privacy_officers] }`,
    `  - name: pii-phone-hash\n    mask: { tags: { pii: phone }, method: hash, exempt: [privacy_officers] }`,
    `  - name: pii-name-partial\n    mask: { tags: { pii: name }, method: partial, keep_last: 3, exempt: [privacy_officers] }`,
    `  - name: pii-birth-year\n    mask: { tags: { pii: birth_date }, method: year_only, exempt: [privacy_officers] }`,
    `  - name: pii-national-id-nullify\n    mask: { tags: { pii: national_id }, method: nullify }`,
    `  - name: pii-address-redact\n    mask: { tags: { pii: address }, method: redact, exempt: [privacy_officers] }`,
    `  - name: pii-ip-hash\n    mask: { tags: { pii: ip_address }, method: hash }`,
    `  - name: pci-card-last4\n    mask: { tags: { finance: card_number }, method: partial, keep_last: 4 }`,
    `  - name: iban-last4\n    mask: { tags: { finance: iban }, method: partial, keep_last: 4, exempt: [auditors] }`,
    `  - name: salary-nullify\n    mask: { tags: { finance: salary }, method: nullify, exempt: [auditors] }`,
    `  - name: restricted-rows\n    row_filter: { tables_tagged: { sensitivity: { at_least: restricted } }, allow: "user.clearance = 'high'" }`,
  ];
  policies += globalPolicies.length;
  files.set('global.yaml', `kind: GlobalPolicies\npolicies:\n${globalPolicies.join('\n')}\n`);

  const inventory: { name: string; native: string; columns: { name: string; type: string; native_type: string }[] }[] = [];
  const sql: string[] = [`-- A generated benchmark warehouse (bench/generate.ts): ${tables} tables, seed ${seed}.`];
  const perDomain = Math.ceil(tables / domains);
  const editEvery = edit > 0 ? Math.max(1, Math.round(1 / edit)) : 0;
  let editedTables = 0;
  let n = 0;
  for (let d = 0; d < domains && n < tables; d++) {
    const schema = `s${d}`;
    const groups = domainGroups[d]!;
    sql.push(`CREATE SCHEMA "${schema}";`);
    const lines = ['kind: Domain', `name: d${d}`, `owners: [d${d}_leads]`, `schemas: [${DATABASE_LABEL}.${schema}]`, 'tables:'];
    const names: string[] = [];
    const edited: string[] = [];
    for (let t = 0; t < perDomain && n < tables; t++, n++) {
      const table = `t${t}`;
      const neutral = `${DATABASE_LABEL}.${schema}.${table}`;
      names.push(neutral);
      if (editEvery && n % editEvery === editEvery - 1) edited.push(neutral);
      const columns: Column[] = [
        { name: 'id', native: 'bigint', type: 'number' },
        { name: 'region', native: 'text', type: 'string' },
        { name: 'amount', native: 'numeric(12,2)', type: 'number' },
        { name: 'created_on', native: 'date', type: 'date' },
      ];
      const start = Math.floor(random() * TAGGED.length);
      for (let k = 0; k < 4; k++) {
        const [name, native, type, tag] = TAGGED[(start + k * 3) % TAGGED.length]!;
        if (columns.length < columnCount && !columns.some((c) => c.name === name)) columns.push({ name, native, type, tag });
      }
      for (let c = columns.length; c < columnCount; c++) {
        const [native, type] = FILLER[c % FILLER.length]!;
        columns.push({ name: `c${String(c).padStart(2, '0')}`, native, type });
      }
      const sensitivity = t % 10 === 0 ? 'restricted' : t % 3 === 0 ? 'confidential' : 'internal';
      lines.push(`  ${neutral}:`, `    tags: { sensitivity: ${sensitivity} }`, '    columns:');
      for (const c of columns.filter((x) => x.tag)) {
        lines.push(`      ${c.name}: { ${c.tag} }`);
        tagged++;
      }
      inventory.push({ name: neutral, native: `"${schema}"."${table}"`, columns: columns.map((c) => ({ name: c.name, type: c.type, native_type: c.native })) });
      sql.push(`CREATE TABLE "${schema}"."${table}" (${columns.map((c) => `"${c.name}" ${c.native}`).join(', ')});`);
    }
    const other = domainGroups[(d + 1) % domains]!;
    const grantLines = [
      'grants:',
      `  - groups: [${groups.slice(0, Math.min(groups.length, 4)).join(', ')}, auditors]`,
      `    read: [${DATABASE_LABEL}.${schema}.*]`,
      `  - groups: [${groups.slice(4).join(', ') || groups[0]}]`,
      `    read: [${DATABASE_LABEL}.${schema}.*]`,
      `  - groups: [${other[1] ?? other[0]}, data_stewards]`,
      `    read: [${names.filter((_, i) => i % 7 === 0).join(', ')}]`,
    ];
    grants += 3;
    if (edited.length) {
      grantLines.push(`  - groups: [${other[other.length - 2]}]`, `    read: [${edited.join(', ')}]`);
      grants++;
      editedTables += edited.length;
    }
    const domainPolicies = [
      `  - name: d${d}-own-region`,
      `    row_filter: { tables: [${DATABASE_LABEL}.${schema}.*], allow: "region IN user.region", exempt: [d${d}_leads] }`,
      `  - name: d${d}-large-amounts`,
      `    row_filter: { tables: [${names.filter((_, i) => i % 5 === 1).join(', ') || names[0]}], allow: "amount < 1000 OR user.clearance = 'high'" }`,
      `  - name: d${d}-amount-redact`,
      `    mask: { columns: [${names.filter((_, i) => i % 4 === 2).map((x) => `${x}.amount`).join(', ') || `${names[0]}.amount`}], method: redact, exempt: [d${d}_leads] }`,
      `  - name: d${d}-created-year`,
      `    mask: { columns: [${names.filter((_, i) => i % 6 === 3).map((x) => `${x}.created_on`).join(', ') || `${names[0]}.created_on`}], method: year_only }`,
    ];
    policies += 4;
    if (d % 2 === 0) {
      domainPolicies.push(`  - name: d${d}-recent-only`, `    row_filter: { tables: [${names.filter((_, i) => i % 9 === 4).join(', ') || names[0]}], allow: "created_on >= DATE '2020-01-01'" }`);
      policies++;
    }
    files.set(`domains/d${d}.yaml`, [...lines, ...grantLines, 'policies:', ...domainPolicies].join('\n') + '\n');
  }
  files.set('inventory.json', JSON.stringify({ format: 1, tables: inventory }));
  files.set(BOOTSTRAP_FILE, sql.join('\n') + '\n');
  const groupCount = GLOBAL_GROUPS.length + domainGroups.reduce((s, g) => s + g.length, 0);
  return { files, summary: { tables: n, columns: columnCount, groups: groupCount, domains, policies, grants, taggedColumns: tagged, editedTables, seed } };
}

function write(dir: string, path: string, text: string): void {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
