import type { PolicyFile } from '../../../src/config/load.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import { neutralTypeOf } from '../../../src/targets/postgres/types.js';

/**
 * A small repository exercising every mask method × column type and every filter construct,
 * with base tables and rows to load into PGlite (golden SQL and execution in render.test.ts).
 */

const yaml = (...lines: string[]) => lines.join('\n') + '\n';

export const FIXTURE_FILES: PolicyFile[] = [
  {
    path: 'meshward.yaml',
    text: yaml('kind: Project', 'name: fx', 'managed_prefix: mw_', 'targets:', '  local:', '    type: postgres', '    database: db'),
  },
  { path: 'catalog.yaml', text: yaml('kind: TagCatalog', 'tags:', '  pii:', '    values: [email, other]', '  level:', '    values: [low, high]', '    ordered: true') },
  {
    path: 'principals.yaml',
    text: yaml(
      'kind: Principals',
      'attributes:',
      '  region: { type: string }',
      '  level: { type: number }',
      '  day: { type: date }',
      '  since: { type: timestamp }',
      'groups:',
      '  base: { attributes: { region: [EMEA], level: [1, 2.5] } }',
      '  lead: { member_of: [base], attributes: { region: [AMER], day: ["2024-01-01"] } }',
      '  auditor: { attributes: { since: ["2024-01-01 00:00:00"] } }',
      '  nobody: {}',
    ),
  },
  {
    path: 'global.yaml',
    text: yaml(
      'kind: GlobalPolicies',
      'policies:',
      '  - name: g-email',
      '    mask: { tags: { pii: email }, method: email_domain, exempt: [lead] }',
      '  - name: g-levels',
      '    row_filter: { tables_tagged: { level: { at_least: high } }, allow: "amount IN user.level OR in_group(\'auditor\')" }',
    ),
  },
  {
    path: 'domains/d.yaml',
    text: yaml(
      'kind: Domain',
      'name: d',
      'schemas: [db.s]',
      'tables:',
      '  db.s.masked:',
      '    columns:',
      '      t_text: { pii: email }',
      '      t_char: { pii: email }',
      '  db.s.filtered:',
      '    tags: { level: high }',
      'grants:',
      '  - groups: [base, auditor]',
      '    read: [db.s.*]',
      'policies:',
      '  - name: m-hash',
      '    mask: { columns: [db.s.masked.t_text, db.s.masked.bin], method: hash, exempt: [auditor] }',
      '  - name: m-partial',
      '    mask: { columns: [db.s.masked.t_text, db.s.masked.t_varchar], method: partial, keep_last: 3 }',
      '  - name: m-partial-2',
      '    mask: { columns: [db.s.masked.t_varchar], method: partial, keep_last: 2, exempt: [base] }',
      '  - name: m-redact',
      '    mask: { columns: [db.s.masked.n_int, db.s.masked.n_num, db.s.masked.b, db.s.masked.j, db.s.masked.t_char], method: redact, exempt: [auditor] }',
      '  - name: m-year',
      '    mask: { columns: [db.s.masked.d, db.s.masked.ts, db.s.masked.tp], method: year_only, exempt: [lead] }',
      '  - name: m-nullify',
      '    mask: { columns: [db.s.masked.u, db.s.masked.ts], method: nullify, exempt: [auditor, base] }',
      '  - name: f-region',
      '    row_filter: { tables: [db.s.filtered], allow: "region IN user.region AND day NOT IN user.day", exempt: [auditor] }',
      '  - name: f-dates',
      '    row_filter:',
      '      tables: [db.s.filtered]',
      `      allow: "(day IN user.day OR day >= DATE '2024-06-01' OR since < TIMESTAMP '2024-06-01 12:00:00.5') AND NOT (vip = TRUE AND at_local <> TIMESTAMP '2024-01-01 00:00:00') OR in_group('lead')"`,
      '  - name: f-misc',
      '    row_filter:',
      '      tables: [db.s.filtered]',
      `      allow: "name IS NOT NULL AND name NOT IN ('x', 'it''s') AND (user.region = 'EMEA' OR amount > -1.5) AND (vip OR vip IS NULL) AND (since IN user.since OR since IS NULL OR at_local IS NOT NULL) OR in_group('auditor') AND vip = FALSE"`,
    ),
  },
];

interface Column {
  readonly name: string;
  readonly native: string;
}

const MASKED: Column[] = [
  { name: 'id', native: 'integer' },
  { name: 't_text', native: 'text' },
  { name: 't_varchar', native: 'character varying(10)' },
  { name: 't_char', native: 'character(8)' },
  { name: 'n_int', native: 'integer' },
  { name: 'n_num', native: 'numeric(12,2)' },
  { name: 'b', native: 'boolean' },
  { name: 'd', native: 'date' },
  { name: 'ts', native: 'timestamp with time zone' },
  { name: 'tp', native: 'timestamp(3) without time zone' },
  { name: 'bin', native: 'bytea' },
  { name: 'j', native: 'jsonb' },
  { name: 'u', native: 'uuid' },
];

const FILTERED: Column[] = [
  { name: 'id', native: 'integer' },
  { name: 'region', native: 'text' },
  { name: 'amount', native: 'numeric(10,2)' },
  { name: 'day', native: 'date' },
  { name: 'since', native: 'timestamp with time zone' },
  { name: 'at_local', native: 'timestamp without time zone' },
  { name: 'vip', native: 'boolean' },
  { name: 'name', native: 'text' },
];

const MASKED_ROWS = [
  `(1, 'ann@example.com', 'ACC-123456', 'a@b', 7, 12.5, true, '1980-05-17', '2021-01-01 00:30:00+02', '2024-06-30 12:34:56.789', '\\x0102', '{"k": 1}', '00000000-0000-0000-0000-000000000001')`,
  `(2, 'no-at', 'ab', 'nothing', -1, 0, false, '2000-02-29', '1999-12-31 23:59:59+00', '2000-01-01 00:00:00', '\\x', 'null', '00000000-0000-0000-0000-000000000002')`,
  '(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)',
  `(4, 'x@y@z.example', 'üñïçødé😀', '😀@ü', 0, -0.01, NULL, '0044-03-15', '2024-12-31 23:30:00-05', '1970-01-01 00:00:00', '\\x5c27', '[]', NULL)`,
];

const FILTERED_ROWS: string[] = [];
{
  const regions = ["'EMEA'", "'AMER'", "'APAC'", 'NULL'];
  const amounts = ['1', '2.5', '-2', 'NULL', '7'];
  const days = ["'2024-01-01'", "'2024-07-01'", "'2023-01-01'", 'NULL'];
  const since = ["'2024-01-01 00:00:00+00'", "'2024-06-01 12:00:00.5+00'", "'2023-03-03 03:03:03+00'", 'NULL'];
  const local = ["'2024-01-01 00:00:00'", "'2025-05-05 05:05:05'", 'NULL'];
  const vip = ['TRUE', 'FALSE', 'NULL'];
  const names = ["'a'", "'x'", "'it''s'", 'NULL', "'bob'"];
  for (let i = 0; i < 40; i++) {
    const p = <T,>(xs: T[], k: number) => xs[(i * k + Math.floor(i / xs.length)) % xs.length];
    FILTERED_ROWS.push(`(${i}, ${p(regions, 1)}, ${p(amounts, 3)}, ${p(days, 5)}, ${p(since, 7)}, ${p(local, 2)}, ${p(vip, 1)}, ${p(names, 3)})`);
  }
}

const TABLES = { masked: { columns: MASKED, rows: MASKED_ROWS }, filtered: { columns: FILTERED, rows: FILTERED_ROWS } };

/** The inventory of the fixture's base tables. */
export const FIXTURE_INVENTORY: Inventory = {
  format: 1,
  tables: Object.entries(TABLES).map(([name, t]) => ({
    name: `db.s.${name}`,
    native: `"s"."${name}"`,
    columns: t.columns.map((c) => ({ name: c.name, type: neutralTypeOf(c.native) as NeutralType, native_type: c.native })),
  })),
};

/** DDL and rows of the fixture's base tables. */
export const FIXTURE_SQL = [
  'CREATE SCHEMA s;',
  ...Object.entries(TABLES).flatMap(([name, t]) => [
    `CREATE TABLE s.${name} (${t.columns.map((c) => `${c.name} ${c.native}`).join(', ')});`,
    `INSERT INTO s.${name} VALUES ${t.rows.join(', ')};`,
  ]),
].join('\n');
