import { describe, expect, it } from 'vitest';
import { compareDiagnostics, formatDiagnostic } from '../../src/config/diagnostics.js';
import {
  append,
  BASE,
  diagnosticsOf,
  errorsOf,
  patch,
  replace,
  validateFixture,
  warningsOf,
  withInventory,
  type RepoFixture,
  type Seen,
} from '../support/repo-fixture.js';

/**
 * Loading errors: YAML syntax, document shapes, `${env:VAR}`, and the inventory warnings. Every
 * case asserts every diagnostic of the run (code, file:line:col, message, hint), so a stray extra
 * diagnostic or a moved position fails the test. Line numbers refer to test/support/repo-fixture.ts.
 */

const error = (code: string, at: string, message: string, hint?: string): Seen => ({ severity: 'error', code, at, message, ...(hint ? { hint } : {}) });
const warning = (code: string, at: string, message: string, hint?: string): Seen => ({ severity: 'warning', code, at, message, ...(hint ? { hint } : {}) });

const KINDS = 'Project | TagCatalog | Principals | GlobalPolicies | Domain | AccessTests';

describe('the base fixture', () => {
  it('validates with no error and no warning', () => {
    const result = validateFixture(BASE);
    expect(result.diagnostics.items).toEqual([]);
    expect(result.resolved?.tables.map((t) => t.table.name)).toEqual(['analytics.finance.payments', 'analytics.sales.customers', 'analytics.sales.orders']);
  });
});

describe('YAML syntax', () => {
  it.each<[string, RepoFixture, Seen[]]>([
    [
      'a key written twice',
      replace(BASE, 'domains/sales.yaml', 'owners: [sales_leads]\n', 'owners: [sales_leads]\nowners: [sales_analysts]\n'),
      [error('yaml-syntax', 'domains/sales.yaml:4:1', 'YAML: Map keys must be unique', 'fix the YAML syntax')],
    ],
    [
      'a tab used as indentation',
      replace(BASE, 'global.yaml', "  - name: restricted-rows\n    row_filter", "  - name: restricted-rows\n\trow_filter"),
      [
        error('yaml-syntax', 'global.yaml:6:1', 'YAML: Tabs are not allowed as indentation', 'fix the YAML syntax'),
      ],
    ],
  ])('%s is reported at its position', (_, fixture, expected) => {
    expect(diagnosticsOf(fixture)).toEqual(expected);
  });

  it('reports syntax errors of every file in one run', () => {
    const fixture = replace(
      replace(BASE, 'principals.yaml', 'groups:\n', 'groups:\ngroups:\n'),
      'catalog.yaml',
      '  pii:\n',
      '  pii:\n  pii:\n',
    );
    expect(diagnosticsOf(fixture)).toEqual([
      error('yaml-syntax', 'catalog.yaml:4:3', 'YAML: Map keys must be unique', 'fix the YAML syntax'),
      error('yaml-syntax', 'principals.yaml:6:1', 'YAML: Map keys must be unique', 'fix the YAML syntax'),
    ]);
  });
});

describe('document shapes', () => {
  it.each<[string, RepoFixture, Seen[]]>([
    [
      'missing kind',
      replace(BASE, 'domains/sales.yaml', 'kind: Domain\n', ''),
      [error('missing-kind', 'domains/sales.yaml:1:1', "document in domains/sales.yaml has no 'kind'", `add 'kind: ${KINDS}'`)],
    ],
    [
      'unknown kind, with a suggestion',
      replace(BASE, 'domains/sales.yaml', 'kind: Domain', 'kind: Domian'),
      [error('unknown-kind', 'domains/sales.yaml:1:7', 'unknown kind "Domian"', "did you mean 'Domain'?")],
    ],
    [
      'unknown kind, without a close match',
      replace(BASE, 'domains/sales.yaml', 'kind: Domain', 'kind: Pipeline'),
      [error('unknown-kind', 'domains/sales.yaml:1:7', 'unknown kind "Pipeline"', 'write one of: Project, TagCatalog, Principals, GlobalPolicies, Domain, AccessTests')],
    ],
    [
      'unknown top-level key',
      replace(BASE, 'domains/sales.yaml', 'grants:', 'grant:'),
      [error('unknown-key', 'domains/sales.yaml:12:1', "unknown key 'grant' in the document", "did you mean 'grants'?")],
    ],
    [
      'unknown nested key',
      replace(BASE, 'domains/sales.yaml', '      tables: [analytics.sales.customers]', '      tabels: [analytics.sales.customers]'),
      [error('unknown-key', 'domains/sales.yaml:18:7', "unknown key 'tabels' in 'policies.0.row_filter'", "did you mean 'tables'?")],
    ],
    [
      'unknown key without a close match lists the allowed keys',
      replace(BASE, 'principals.yaml', '  sales_leads: { member_of: [sales_analysts] }', '  sales_leads: { member_of: [sales_analysts], manager: bob }'),
      [error('unknown-key', 'principals.yaml:9:47', "unknown key 'manager' in 'groups.sales_leads'", 'allowed keys: description, member_of, attributes')],
    ],
    [
      'a list expected, a string given',
      replace(BASE, 'domains/sales.yaml', 'owners: [sales_leads]', 'owners: sales_leads'),
      [error('schema-invalid_type', 'domains/sales.yaml:3:9', "'owners': expected array")],
    ],
    [
      'a boolean expected, a string given',
      replace(BASE, 'catalog.yaml', '    ordered: true', '    ordered: yes'),
      [error('schema-invalid_type', 'catalog.yaml:7:14', "'tags.sensitivity.ordered': expected boolean")],
    ],
    [
      'a number expected, a string given',
      replace(BASE, 'domains/sales.yaml', 'keep_last: 4 }', 'keep_last: four }'),
      [error('schema-invalid_type', 'domains/sales.yaml:22:85', "'policies.1.mask.keep_last': expected number")],
    ],
    [
      'a required key missing',
      replace(BASE, 'domains/sales.yaml', '      allow: "region IN user.region"\n', ''),
      [error('missing-key', 'domains/sales.yaml:18:7', "missing required 'allow'", "add 'allow: …' (string)")],
    ],
    [
      'a value outside an enumeration',
      replace(BASE, 'global.yaml', 'method: hash', 'method: hsh'),
      [error('invalid-value', 'global.yaml:4:52', `"hsh" is not allowed for 'policies.0.mask.method'`, "did you mean 'hash'?")],
    ],
    [
      'an unknown target type',
      replace(BASE, 'meshward.yaml', 'type: postgres', 'type: postgress'),
      [error('invalid-value', 'meshward.yaml:6:11', "unknown target type at 'targets.local.type'", 'write one of: postgres, snowflake, databricks, bigquery')],
    ],
  ])('%s', (_, fixture, expected) => {
    expect(diagnosticsOf(fixture)).toEqual(expected);
  });
});

describe('a document that cannot be loaded', () => {
  it('a broken Principals document stops the cross-checks instead of making every group unknown', () => {
    const fixture = replace(BASE, 'principals.yaml', 'groups:', 'grups:');
    expect(diagnosticsOf(fixture)).toEqual([
      error('missing-key', 'principals.yaml:1:1', "missing required 'groups'", "add 'groups: …' (record)"),
      error('unknown-key', 'principals.yaml:5:1', "unknown key 'grups' in the document", "did you mean 'groups'?"),
    ]);
  });

  it('a syntax error stops the cross-checks too (the document is missing from the model)', () => {
    const fixture = replace(
      replace(BASE, 'catalog.yaml', '  pii:\n', '  pii:\n  pii:\n'),
      'domains/sales.yaml', // would be an unknown group, but the run stops before cross-checks
      '[sales_analysts, sales_analysts_us]',
      '[sales_analyst, sales_analysts_us]',
    );
    expect(diagnosticsOf(fixture)).toEqual([error('yaml-syntax', 'catalog.yaml:4:3', 'YAML: Map keys must be unique', 'fix the YAML syntax')]);
  });

  it('a broken Domain or GlobalPolicies document does not hide the problems of the other files', () => {
    const fixture = replace(replace(BASE, 'global.yaml', 'method: hash', 'method: hsh'), 'domains/sales.yaml', '[sales_analysts, sales_analysts_us]', '[sales_analyst, sales_analysts_us]');
    expect(diagnosticsOf(fixture)).toEqual([
      error('unknown-group', 'domains/sales.yaml:13:14', "unknown group 'sales_analyst' in a grant of domain 'sales'", "did you mean 'sales_analysts'?"),
      error('invalid-value', 'global.yaml:4:52', `"hsh" is not allowed for 'policies.0.mask.method'`, "did you mean 'hash'?"),
    ]);
  });
});

describe('${env:VAR}', () => {
  it('is refused outside target settings', () => {
    const fixture = append(BASE, 'meshward.yaml', /* 8 */ 'principals:', /* 9 */ "  snowflake: '${env:SNOWFLAKE_ROLE}'");
    expect(diagnosticsOf(fixture)).toEqual([
      error('env-outside-target', 'meshward.yaml:9:14', "'${…}' interpolation is only allowed in target settings", 'write the value literally'),
    ]);
  });

  it('is refused in a domain document', () => {
    const fixture = replace(BASE, 'domains/sales.yaml', 'name: sales\n', 'name: sales\ndescription: "owned by ${env:USER}"\n');
    expect(diagnosticsOf(fixture)).toEqual([
      error('env-outside-target', 'domains/sales.yaml:3:14', "'${…}' interpolation is only allowed in target settings", 'write the value literally'),
    ]);
  });

  it('is accepted in target settings, and a malformed one is reported there', () => {
    const ok = append(BASE, 'meshward.yaml', /* 8 */ '  staging:', /* 9 */ '    type: postgres', /* 10 */ '    url: ${env:STAGING_PG_URL}', /* 11 */ '    database: analytics');
    expect(diagnosticsOf(ok)).toEqual([]);
    const malformed = patch(ok, 'meshward.yaml', (t) => t.replace('${env:STAGING_PG_URL}', "'${STAGING_PG_URL}'"));
    expect(diagnosticsOf(malformed)).toEqual([
      error('env-syntax', 'meshward.yaml:10:10', 'malformed interpolation in "${STAGING_PG_URL}"', "write '${env:VARIABLE_NAME}'"),
    ]);
  });
});

describe('inventory', () => {
  it('a declared table missing from the inventory is a warning, with a suggestion', () => {
    const fixture = replace(BASE, 'domains/sales.yaml', '  analytics.sales.orders: {}', '  analytics.sales.order: {}');
    expect(diagnosticsOf(fixture)).toEqual([
      warning('ungoverned-table', 'domains/sales.yaml:4:11', "analytics.sales.orders is in the territory of domain 'sales' but not governed", "declare it under tables: in domain 'sales' to grant it (an empty {} entry is fine)"),
      warning('table-not-in-inventory', 'domains/sales.yaml:11:3', "table 'analytics.sales.order' is not in the inventory", "did you mean 'analytics.sales.orders'?"),
    ]);
  });

  it('a declared table missing from the inventory, without a close match', () => {
    const fixture = withInventory(BASE, { format: 1, tables: BASE.inventory!.tables.filter((t) => t.name !== 'analytics.sales.orders') });
    expect(diagnosticsOf(fixture)).toEqual([
      warning('table-not-in-inventory', 'domains/sales.yaml:11:3', "table 'analytics.sales.orders' is not in the inventory", 'create it, or refresh inventory.json'),
    ]);
  });

  it('no inventory: exactly one warning, column checks skipped', () => {
    // Without an inventory the unknown column below cannot be known, so it is not an error.
    const fixture = withInventory(replace(BASE, 'domains/sales.yaml', 'customers.phone]', 'customers.phon]'), undefined);
    expect(diagnosticsOf(fixture)).toEqual([
      warning('no-inventory', '', 'no inventory: column names and types are not checked', "pass --inventory FILE, or write /virtual/inventory.json with 'meshward inventory --target T'"),
    ]);
    expect(validateFixture(fixture).diagnostics.hasErrors).toBe(false);
  });
});

describe('one run reports every problem, sorted by file and line', () => {
  // Five problems in four files, found by four different stages (load, references, resolve).
  const fixture = [
    (f: RepoFixture) => replace(f, 'global.yaml', 'method: hash', 'method: hsh'), // load
    (f: RepoFixture) => replace(f, 'principals.yaml', 'member_of: [sales_analysts]', 'member_of: [sales_analyst]'), // references
    (f: RepoFixture) => replace(f, 'domains/sales.yaml', '[sales_analysts, sales_analysts_us]', '[sales_analysts, sales_analyst_us]'), // references
    (f: RepoFixture) => replace(f, 'domains/sales.yaml', '"region IN user.region"', '"region IN user.regoin"'), // resolve
    (f: RepoFixture) => replace(f, 'domains/finance.yaml', '{ sensitivity: restricted }', '{ sensitivity: restriced }'), // references
  ].reduce((f, edit) => edit(f), BASE);

  const expected: Seen[] = [
    error('unknown-tag-value', 'domains/finance.yaml:7:26', "'restriced' is not a value of tag 'sensitivity'", "did you mean 'restricted'?"),
    error('unknown-group', 'domains/sales.yaml:13:30', "unknown group 'sales_analyst_us' in a grant of domain 'sales'", "did you mean 'sales_analysts_us'?"),
    error('filter-type', 'domains/sales.yaml:19:25', "policy 'own-region' on analytics.sales.customers: unknown attribute 'user.regoin'", "did you mean 'user.region'?"),
    error('invalid-value', 'global.yaml:4:52', `"hsh" is not allowed for 'policies.0.mask.method'`, "did you mean 'hash'?"),
    error('unknown-group', 'principals.yaml:9:30', "unknown group 'sales_analyst' in member_of of 'sales_leads'", "did you mean 'sales_analysts'?"),
  ];

  it('all of them, in file then line order', () => {
    expect(errorsOf(fixture)).toEqual(expected);
  });

  it('in an order that differs from the order they were found in (so sorting is what orders them)', () => {
    const raw = validateFixture(fixture).diagnostics.items.filter((d) => d.severity === 'error');
    expect(raw.map((d) => d.code)).not.toEqual(expected.map((d) => d.code));
    expect([...raw].sort(compareDiagnostics).map((d) => d.message)).toEqual(expected.map((d) => d.message));
  });

  it('each printed as file:line:col: message; hint', () => {
    const printed = validateFixture(fixture).diagnostics.sorted().filter((d) => d.severity === 'error').map(formatDiagnostic);
    expect(printed[1]).toBe("domains/sales.yaml:13:30: unknown group 'sales_analyst_us' in a grant of domain 'sales'; did you mean 'sales_analysts_us'?");
    expect(printed).toHaveLength(5);
  });

  it('warnings are printed with their position too', () => {
    const fixture2 = replace(BASE, 'domains/sales.yaml', '  analytics.sales.orders: {}', '  analytics.sales.order: {}');
    const printed = validateFixture(fixture2).diagnostics.sorted().map(formatDiagnostic);
    expect(printed).toContain("domains/sales.yaml:11:3: warning: table 'analytics.sales.order' is not in the inventory; did you mean 'analytics.sales.orders'?");
    expect(warningsOf(fixture2)).toHaveLength(2);
  });
});
