import fc from 'fast-check';
import type { PolicyFile } from '../../src/config/load.js';
import type { Inventory } from '../../src/model/inventory.js';

/** A random but always-valid policy repository, as YAML files plus an inventory. */
export interface RandomModel {
  groups: GroupSpec[];
  tables: TableSpec[];
  grants: { domain: number; groups: number[]; tables: number[] | 'all' }[];
  globals: PolicySpec[];
  locals: PolicySpec[];
}

interface GroupSpec {
  memberOf: number[];
  regions: string[];
}

interface TableSpec {
  domain: number;
  sensitivity: string;
  columnTags: Record<string, string>;
}

export type PolicySpec =
  | { kind: 'mask'; domain: number; selector: { tags: string[] } | { columns: [number, string][] }; method: string; keepLast: number; exempt: number[] }
  | { kind: 'filter'; domain: number; selector: { atLeast: string } | { tables: number[] }; allow: string; exempt: number[] };

export const REGIONS = ['EMEA', 'AMER', 'APAC'];
const SENSITIVITY = ['public', 'internal', 'restricted'];
const STRING_COLUMNS = ['email', 'phone', 'name'];
const METHODS = ['nullify', 'redact', 'hash', 'partial', 'email_domain'];

export const COLUMNS = [
  { name: 'id', type: 'number', native_type: 'integer' },
  { name: 'region', type: 'string', native_type: 'text' },
  { name: 'amount', type: 'number', native_type: 'numeric' },
  { name: 'email', type: 'string', native_type: 'text' },
  { name: 'phone', type: 'string', native_type: 'text' },
  { name: 'name', type: 'string', native_type: 'text' },
] as const;

/** Sample rows every random table is evaluated over (NULLs included). */
export const SAMPLE_ROWS: Record<string, unknown>[] = [];
for (const region of [...REGIONS, null]) for (const amount of [5, 50, null]) SAMPLE_ROWS.push({ id: SAMPLE_ROWS.length, region, amount, email: 'a@b.io', phone: '5550100', name: 'Ann' });

function exprArb(groupCount: number, allowNot: boolean): fc.Arbitrary<string> {
  const atom = fc.oneof(
    fc.constant('region IN user.region'),
    fc.constantFrom(...REGIONS).map((r) => `region = '${r}'`),
    fc.constantFrom(...REGIONS).map((r) => `user.region = '${r}'`),
    fc.constantFrom(10, 20, 100).map((n) => `amount > ${n}`),
    fc.constant('amount IS NULL'),
    fc.constant('region IS NOT NULL'),
    fc.nat(groupCount - 1).map((g) => `in_group('g${g}')`),
    fc.constantFrom(...REGIONS).map((r) => `region IN ('${r}', 'APAC')`),
  );
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('expr'), fc.constantFrom('AND', 'OR'), tie('expr')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
      ...(allowNot ? [tie('expr').map((e) => `NOT (${e})`), fc.constant('region NOT IN user.region')] : []),
    ),
  }));
  return expr;
}

export function randomModelArb(options: { allowNot?: boolean; domains?: number } = {}): fc.Arbitrary<RandomModel> {
  const domains = options.domains ?? 2;
  return fc.integer({ min: 2, max: 6 }).chain((groupCount) => {
    const groupIdx = fc.nat(groupCount - 1);
    const groupSubset = fc.uniqueArray(groupIdx, { maxLength: 2 });
    const group = (i: number) =>
      fc.record({
        memberOf: i === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat(i - 1), { maxLength: 2 }),
        regions: fc.subarray(REGIONS),
      });
    const table = fc.record({
      domain: fc.nat(domains - 1),
      sensitivity: fc.constantFrom(...SENSITIVITY),
      columnTags: fc.record({ email: fc.constantFrom('email', 'phone', 'none'), phone: fc.constantFrom('phone', 'none'), name: fc.constantFrom('name', 'none') }),
    });
    return fc.tuple(fc.tuple(...Array.from({ length: groupCount }, (_, i) => group(i))), fc.array(table, { minLength: 1, maxLength: 4 })).chain(([groups, tables]) => {
      const tableIdx = fc.nat(tables.length - 1);
      const policy = (local: boolean): fc.Arbitrary<PolicySpec> =>
        fc.oneof(
          fc.record({
            kind: fc.constant('mask' as const),
            domain: fc.nat(domains - 1),
            selector: local
              ? fc.uniqueArray(fc.tuple(tableIdx, fc.constantFrom(...STRING_COLUMNS)), { minLength: 1, maxLength: 3 }).map((columns) => ({ columns }))
              : fc.subarray(['email', 'phone', 'name'], { minLength: 1 }).map((tags) => ({ tags })),
            method: fc.constantFrom(...METHODS),
            keepLast: fc.integer({ min: 1, max: 6 }),
            exempt: local ? fc.constant<number[]>([]) : groupSubset,
          }),
          fc.record({
            kind: fc.constant('filter' as const),
            domain: fc.nat(domains - 1),
            selector: local ? fc.uniqueArray(tableIdx, { minLength: 1, maxLength: 3 }).map((t) => ({ tables: t })) : fc.constantFrom(...SENSITIVITY).map((atLeast) => ({ atLeast })),
            allow: exprArb(groupCount, options.allowNot ?? true),
            exempt: groupSubset,
          }),
        );
      return fc.record({
        groups: fc.constant(groups),
        tables: fc.constant(tables),
        grants: fc.array(
          fc.record({ domain: fc.nat(domains - 1), groups: fc.uniqueArray(groupIdx, { minLength: 1, maxLength: 3 }), tables: fc.oneof(fc.constant('all' as const), fc.uniqueArray(tableIdx, { minLength: 1, maxLength: 2 })) }),
          { maxLength: 4 },
        ),
        globals: fc.array(policy(false), { maxLength: 3 }),
        locals: fc.array(policy(true), { maxLength: 3 }),
      });
    });
  });
}

const tableName = (m: RandomModel, i: number) => `db.s${m.tables[i]!.domain}.t${i}`;

/** Renders the model as policy files; local policies keep only targets inside their domain. */
export function renderModel(m: RandomModel, order: 'forward' | 'reverse' = 'forward'): PolicyFile[] {
  const domains = [...new Set([0, 1, ...m.tables.map((t) => t.domain)])];
  const files: PolicyFile[] = [
    { path: 'meshward.yaml', text: 'kind: Project\nname: prop\ntargets:\n  local: { type: postgres, database: db }\n' },
    {
      path: 'catalog.yaml',
      text: 'kind: TagCatalog\ntags:\n  pii: { values: [email, phone, name] }\n  sensitivity: { values: [public, internal, restricted], ordered: true }\n',
    },
    {
      path: 'principals.yaml',
      text:
        'kind: Principals\nattributes:\n  region: { type: string, values: [EMEA, AMER, APAC] }\ngroups:\n' +
        m.groups.map((g, i) => `  g${i}: { member_of: [${g.memberOf.map((j) => `g${j}`).join(', ')}], attributes: { region: [${g.regions.join(', ')}] } }`).join('\n') +
        '\n',
    },
  ];
  const globals = m.globals.map((p, i) => renderPolicy(m, p, `global-${i}`, undefined)).filter(Boolean);
  files.push({ path: 'global.yaml', text: `kind: GlobalPolicies\npolicies:\n${globals.join('\n') || '  []'}\n`.replace('policies:\n  []', 'policies: []') });
  for (const d of domains) {
    const tables = m.tables.map((t, i) => [t, i] as const).filter(([t]) => t.domain === d);
    const lines = [`kind: Domain`, `name: d${d}`, `schemas: [db.s${d}]`, 'tables:'];
    if (tables.length === 0) lines[lines.length - 1] = 'tables: {}';
    for (const [t, i] of tables) {
      const cols = Object.entries(t.columnTags).filter(([, v]) => v !== 'none').map(([c, v]) => `      ${c}: { pii: ${v} }`);
      lines.push(`  ${tableName(m, i)}:`, `    tags: { sensitivity: ${t.sensitivity} }`, cols.length ? '    columns:' : '    columns: {}', ...cols);
    }
    const grants = m.grants.filter((g) => g.domain === d).map((g) => {
      const read = g.tables === 'all' ? [`db.s${d}.*`] : g.tables.filter((i) => m.tables[i]!.domain === d).map((i) => tableName(m, i));
      return read.length ? `  - { groups: [${g.groups.map((x) => `g${x}`).join(', ')}], read: [${read.join(', ')}] }` : '';
    }).filter(Boolean);
    lines.push(grants.length ? 'grants:' : 'grants: []', ...grants);
    const locals = m.locals.map((p, i) => (p.domain === d ? renderPolicy(m, p, `local-${i}`, d) : '')).filter(Boolean);
    lines.push(locals.length ? 'policies:' : 'policies: []', ...locals);
    files.push({ path: `domains/d${d}.yaml`, text: lines.join('\n') + '\n' });
  }
  return order === 'reverse' ? [...files].reverse() : files;
}

function renderPolicy(m: RandomModel, p: PolicySpec, name: string, domain: number | undefined): string {
  const exempt = p.exempt.length ? `, exempt: [${p.exempt.map((g) => `g${g}`).join(', ')}]` : '';
  if (p.kind === 'mask') {
    let selector: string;
    if ('tags' in p.selector) selector = `tags: { pii: [${p.selector.tags.join(', ')}] }`;
    else {
      const cols = p.selector.columns.filter(([t]) => m.tables[t]!.domain === domain).map(([t, c]) => `${tableName(m, t)}.${c}`);
      if (!cols.length) return '';
      selector = `columns: [${cols.join(', ')}]`;
    }
    const keep = p.method === 'partial' ? `, keep_last: ${p.keepLast}` : '';
    return `  - name: ${name}\n    mask: { ${selector}, method: ${p.method}${keep}${exempt} }`;
  }
  let selector: string;
  if ('atLeast' in p.selector) selector = `tables_tagged: { sensitivity: { at_least: ${p.selector.atLeast} } }`;
  else {
    const tables = p.selector.tables.filter((t) => m.tables[t]!.domain === domain).map((t) => tableName(m, t));
    if (!tables.length) return '';
    selector = `tables: [${tables.join(', ')}]`;
  }
  return `  - name: ${name}\n    row_filter: { ${selector}, allow: "${p.allow}"${exempt} }`;
}

export function modelInventory(m: RandomModel): Inventory {
  return {
    format: 1,
    tables: m.tables.map((t, i) => ({ name: tableName(m, i), native: `"s${t.domain}"."t${i}"`, columns: COLUMNS.map((c) => ({ ...c })) })),
  } as Inventory;
}
