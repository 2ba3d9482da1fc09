import { describe, expect, it } from 'vitest';
import { tableAccess } from '../../src/resolve/access.js';
import {
  append,
  BASE,
  diagnosticsOf,
  errorsOf,
  inventoryTable,
  patch,
  replace,
  validateFixture,
  warningsOf,
  withInventoryTables,
  type RepoFixture,
  type Seen,
} from '../support/repo-fixture.js';

/**
 * Cross-checks and federated guard rails (product.md, Semantics): one fixture per rule, each
 * asserting every error of the run with its code, file:line:col, message and hint. Line numbers
 * refer to the numbered files in test/support/repo-fixture.ts.
 */

const error = (code: string, at: string, message: string, hint: string): Seen => ({ severity: 'error', code, at, message, hint });
const warning = (code: string, at: string, message: string, hint?: string): Seen => ({ severity: 'warning', code, at, message, ...(hint ? { hint } : {}) });

const SALES = 'domains/sales.yaml';
const FINANCE = 'domains/finance.yaml';
const GLOBAL = 'global.yaml';
const PRINCIPALS = 'principals.yaml';

type Case = [string, RepoFixture, Seen[]];

describe('unknown names', () => {
  it.each<Case>([
    [
      'a tag on a table',
      replace(BASE, SALES, '{ sensitivity: confidential }', '{ sensitivty: confidential }'),
      [error('unknown-tag', `${SALES}:7:25`, "unknown tag 'sensitivty'", "did you mean 'sensitivity'?")],
    ],
    [
      'a tag on a column',
      replace(BASE, SALES, 'email: { pii: email }', 'email: { pi: email }'),
      [error('unknown-tag', `${SALES}:9:20`, "unknown tag 'pi'", "did you mean 'pii'?")],
    ],
    [
      'a tag in a policy selector',
      replace(BASE, GLOBAL, 'tags: { pii: [email, phone] }', 'tags: { pij: [email, phone] }'),
      [error('unknown-tag', `${GLOBAL}:4:21`, "unknown tag 'pij'", "did you mean 'pii'?")],
    ],
    [
      'a tag without a close match',
      replace(BASE, SALES, '{ sensitivity: confidential }', '{ owner: confidential }'),
      [error('unknown-tag', `${SALES}:7:20`, "unknown tag 'owner'", 'declare it in the TagCatalog')],
    ],
    [
      'a tag value on a column',
      replace(BASE, SALES, 'email: { pii: email }', 'email: { pii: emial }'),
      [error('unknown-tag-value', `${SALES}:9:21`, "'emial' is not a value of tag 'pii'", "did you mean 'email'?")],
    ],
    [
      'a tag value in an at_least selector',
      replace(BASE, GLOBAL, '{ sensitivity: restricted }', '{ sensitivity: { at_least: secret } }'),
      [error('unknown-tag-value', `${GLOBAL}:6:36`, "'secret' is not a value of tag 'sensitivity'", 'values: public, internal, confidential, restricted')],
    ],
    [
      'at_least on a tag that is not ordered',
      replace(BASE, GLOBAL, 'tags: { pii: [email, phone] }', 'tags: { pii: { at_least: email } }'),
      [error('at-least-unordered', `${GLOBAL}:4:21`, "policy 'pii-hash': tag 'pii' is not ordered, so at_least has no meaning", "list the values instead, or declare 'pii' with ordered: true")],
    ],
    [
      'an attribute on a group',
      replace(BASE, PRINCIPALS, 'sales_analysts: { attributes: { region: [EMEA] } }', 'sales_analysts: { attributes: { regoin: [EMEA] } }'),
      [error('unknown-attribute', `${PRINCIPALS}:7:35`, "unknown attribute 'regoin' on group 'sales_analysts'", "did you mean 'region'?")],
    ],
    [
      'an attribute in a row filter',
      replace(BASE, SALES, '"region IN user.region"', '"region IN user.regoin"'),
      [error('filter-type', `${SALES}:19:25`, "policy 'own-region' on analytics.sales.customers: unknown attribute 'user.regoin'", "did you mean 'user.region'?")],
    ],
    [
      'an attribute value that is not declared',
      replace(BASE, PRINCIPALS, 'region: [EMEA] }', 'region: [EMEA, EMAE] }'),
      [error('undeclared-attribute-value', `${PRINCIPALS}:7:35`, `value "EMAE" is not declared for attribute 'region' (group 'sales_analysts')`, "did you mean 'EMEA'?")],
    ],
    [
      'an attribute value of the wrong type',
      replace(BASE, PRINCIPALS, 'region: [EMEA] }', 'region: [7] }'),
      [error('attribute-type', `${PRINCIPALS}:7:35`, "attribute 'region' is a string, but group 'sales_analysts' gives 7", 'write a string')],
    ],
    [
      'a group in a grant',
      replace(BASE, SALES, '[sales_analysts, sales_analysts_us]', '[sales_analyst, sales_analysts_us]'),
      [error('unknown-group', `${SALES}:13:14`, "unknown group 'sales_analyst' in a grant of domain 'sales'", "did you mean 'sales_analysts'?")],
    ],
    [
      'a group in an exemption',
      replace(BASE, SALES, 'exempt: [sales_leads]', 'exempt: [sales_lead]'),
      [error('unknown-group', `${SALES}:20:16`, "unknown group 'sales_lead' in exempt of policy 'own-region'", "did you mean 'sales_leads'?")],
    ],
    [
      'a group in member_of',
      replace(BASE, PRINCIPALS, 'member_of: [sales_analysts]', 'member_of: [sales_analyst]'),
      [error('unknown-group', `${PRINCIPALS}:9:30`, "unknown group 'sales_analyst' in member_of of 'sales_leads'", "did you mean 'sales_analysts'?")],
    ],
    [
      'a group in in_group()',
      replace(BASE, FINANCE, `"status = 'paid'"`, `"status = 'paid' OR in_group('finance_analyst')"`),
      [error('unknown-group', `${FINANCE}:17:34`, "unknown group 'finance_analyst' in in_group() of policy 'paid-only'", "did you mean 'finance_analysts'?")],
    ],
    [
      'a group in owners, without a close match',
      replace(BASE, SALES, 'owners: [sales_leads]', 'owners: [revops]'),
      [error('unknown-group', `${SALES}:3:10`, "unknown group 'revops' in owners of domain 'sales'", 'declare it under groups: in a Principals document')],
    ],
  ])('%s', (_, fixture, expected) => {
    expect(errorsOf(fixture)).toEqual(expected);
  });

  it('an unknown group in a filter that reaches no table (yet) is still reported, once', () => {
    // restricted-rows selects sensitivity=internal, which no table carries: a warning, and the
    // expression is still checked for what does not depend on a table.
    const fixture = replace(BASE, GLOBAL, `{ sensitivity: restricted }, allow: "user.clearance = 'high'"`, `{ sensitivity: internal }, allow: "user.clearence = 'high' OR in_group('privacy_officer')"`);
    expect(diagnosticsOf(fixture)).toEqual([
      warning('selector-matches-nothing', `${GLOBAL}:5:5`, "policy 'restricted-rows': no governed table is tagged sensitivity=internal"),
      error('filter-type', `${GLOBAL}:6:69`, "policy 'restricted-rows': unknown attribute 'user.clearence'", "did you mean 'user.clearance'?"),
      error('unknown-group', `${GLOBAL}:6:96`, "unknown group 'privacy_officer' in in_group() of policy 'restricted-rows'", "did you mean 'privacy_officers'?"),
    ]);
  });

  it('a cycle in member_of', () => {
    const fixture = replace(BASE, PRINCIPALS, 'sales_analysts: { attributes:', 'sales_analysts: { member_of: [sales_leads], attributes:');
    expect(errorsOf(fixture)).toEqual([
      error('member-of-cycle', `${PRINCIPALS}:7:3`, 'member_of cycle: sales_analysts -> sales_leads -> sales_analysts', 'remove one member_of link of the cycle'),
    ]);
  });

  it('a group that is its own parent', () => {
    const fixture = replace(BASE, PRINCIPALS, 'privacy_officers: {', 'privacy_officers: { member_of: [privacy_officers],');
    expect(errorsOf(fixture)).toEqual([
      error('member-of-cycle', `${PRINCIPALS}:6:3`, 'member_of cycle: privacy_officers -> privacy_officers', 'remove one member_of link of the cycle'),
    ]);
  });
});

describe('territories', () => {
  const OUTSIDE = 'a domain may only govern its own schemas; ask the owning domain or the central team';

  it.each<Case>([
    [
      'a grant',
      replace(BASE, SALES, 'read: [analytics.sales.*]', 'read: [analytics.sales.*, analytics.finance.payments]'),
      [error('outside-territory', `${SALES}:14:31`, "domain 'sales' names analytics.finance.payments, outside its schemas (analytics.sales)", OUTSIDE)],
    ],
    [
      "a row filter's tables:",
      replace(BASE, SALES, 'tables: [analytics.sales.customers]', 'tables: [analytics.sales.customers, analytics.finance.payments]'),
      [error('outside-territory', `${SALES}:18:43`, "domain 'sales' names analytics.finance.payments, outside its schemas (analytics.sales)", OUTSIDE)],
    ],
    [
      "a mask's columns:",
      replace(BASE, SALES, 'columns: [analytics.sales.customers.phone]', 'columns: [analytics.finance.payments.payer_email]'),
      [error('outside-territory', `${SALES}:22:23`, "domain 'sales' names analytics.finance.payments.payer_email, outside its schemas (analytics.sales)", OUTSIDE)],
    ],
    [
      'a table declared under tables:',
      replace(BASE, SALES, '  analytics.sales.orders: {}\n', '  analytics.sales.orders: {}\n  analytics.finance.refunds: {}\n'),
      [
        error(
          'outside-territory',
          `${SALES}:12:3`,
          "domain 'sales' declares analytics.finance.refunds, outside its schemas (analytics.sales)",
          "move it to the domain that owns analytics.finance, or add that schema to 'schemas'",
        ),
      ],
    ],
    [
      'two domains claiming one schema',
      replace(BASE, SALES, 'schemas: [analytics.sales]', 'schemas: [analytics.sales, analytics.finance]'),
      [
        error(
          'schema-claimed-twice',
          `${SALES}:4:28`,
          "schema analytics.finance is claimed by domains 'finance' and 'sales'",
          "one schema belongs to one domain; remove it from 'sales' or from 'finance' (domains/finance.yaml:4:11)",
        ),
      ],
    ],
  ])('%s outside its schemas is an error', (_, fixture, expected) => {
    expect(errorsOf(fixture)).toEqual(expected);
  });

  it('a grant cannot widen its reach with a wildcard schema', () => {
    const fixture = replace(BASE, SALES, 'read: [analytics.sales.*]', 'read: [analytics.*.*]');
    expect(errorsOf(fixture)).toEqual([{ severity: 'error', code: 'bad-pattern', at: `${SALES}:14:12`, message: "'analytics.*.*': only the table part may be '*'" }]);
  });

  it("a domain's tag selectors apply only inside its own schemas", () => {
    // payments (finance) carries pii=email and sensitivity=restricted; sales selects both tags.
    const fixture = append(
      BASE,
      SALES,
      /* 23 */ '  - name: sales-email-nullify',
      /* 24 */ '    mask: { tags: { pii: email }, method: nullify }',
      /* 25 */ '  - name: sales-sensitive-rows',
      /* 26 */ '    row_filter: { tables_tagged: { sensitivity: [confidential, restricted] }, allow: "id > 0" }',
    );
    const result = validateFixture(fixture);
    expect(result.diagnostics.items).toEqual([]);
    const resolved = result.resolved!;
    const masksOf = (table: string, column: string) => resolved.table(table)!.masks.get(column)!.map((m) => m.policy.name);
    const filtersOf = (table: string) => resolved.table(table)!.filters.map((f) => f.policy.name);

    expect(masksOf('analytics.sales.customers', 'email')).toEqual(['pii-hash', 'sales-email-nullify']);
    expect(masksOf('analytics.finance.payments', 'payer_email')).toEqual(['pii-hash']);
    expect(filtersOf('analytics.sales.customers')).toEqual(['own-region', 'sales-sensitive-rows']);
    expect(filtersOf('analytics.finance.payments')).toEqual(['restricted-rows', 'paid-only']);

    const finance = resolved.principals.principal(['finance_analysts']);
    const payments = tableAccess(resolved.table('analytics.finance.payments')!, finance);
    expect(payments.columns.find((c) => c.name === 'payer_email')!.access).toBe('hash');
    expect(payments.filters.map((f) => f.candidate.policy.name)).toEqual(['restricted-rows', 'paid-only']);
    const sales = tableAccess(resolved.table('analytics.sales.customers')!, resolved.principals.principal(['sales_analysts']));
    expect(sales.columns.find((c) => c.name === 'email')!.access).toBe('nullify');
  });
});

describe('PostgreSQL database labels', () => {
  const otherFinance = (f: RepoFixture) => patch(f, FINANCE, (t) => t.replaceAll('analytics.finance', 'other.finance'));

  it('more than one label on a target without database: is an error, once per extra label', () => {
    const fixture = otherFinance(replace(BASE, 'meshward.yaml', '    database: analytics\n', ''));
    expect(errorsOf(fixture)).toEqual([
      error(
        'pg-database-label',
        `${SALES}:6:3`,
        "PostgreSQL target 'local' would serve two database labels: 'other' (domains/finance.yaml:6:3) and 'analytics'",
        "use one label for every table, or set 'database:' on the target",
      ),
    ]);
  });

  it("a table outside the target's database: label is an error", () => {
    const fixture = otherFinance(BASE);
    expect(errorsOf(fixture)).toEqual([
      error('pg-database-label', `${FINANCE}:6:3`, "table other.finance.payments is in database 'other', but PostgreSQL target 'local' serves 'analytics'", 'name it analytics.… or give it a target of its own'),
    ]);
  });
});

describe('a domain adds protection, never removes it', () => {
  const REFUSED_DOC = 'exemptions from global policies are declared in GlobalPolicies by the central team; remove this key';
  const REFUSED_POLICY = 'a domain can add masks and filters, never exempt from or override a global one; remove this key';

  it.each<Case>([
    [
      'a domain policy named like a global one',
      replace(BASE, SALES, '  - name: phone-last4', '  - name: pii-hash'),
      [error('shadows-global', `${SALES}:21:5`, "domain policy 'pii-hash' is named like the global policy at global.yaml:3:5", 'a domain can add masks, never replace a global one; choose another name')],
    ],
    [
      'exemptions: in a domain document',
      append(BASE, SALES, /* 23 */ 'exemptions: [pii-hash]'),
      [error('domain-exempts-global', `${SALES}:23:1`, "domain 'sales' cannot exempt from or override global policies ('exemptions')", REFUSED_DOC)],
    ],
    [
      'overrides: in a domain document',
      append(BASE, SALES, /* 23 */ 'overrides:', /* 24 */ '  pii-hash: { method: partial }'),
      [error('domain-exempts-global', `${SALES}:23:1`, "domain 'sales' cannot exempt from or override global policies ('overrides')", REFUSED_DOC)],
    ],
    [
      'override: in a domain policy',
      append(BASE, SALES, /* 23 */ '    override: pii-hash'),
      [error('domain-exempts-global', `${SALES}:23:5`, `domain policy 'phone-last4' cannot override "pii-hash"`, REFUSED_POLICY)],
    ],
    [
      'exempt_from: in a domain policy',
      append(BASE, SALES, /* 23 */ '    exempt_from: [pii-hash]'),
      [error('domain-exempts-global', `${SALES}:23:5`, `domain policy 'phone-last4' cannot exempt from ["pii-hash"]`, REFUSED_POLICY)],
    ],
  ])('%s is an error', (_, fixture, expected) => {
    expect(errorsOf(fixture)).toEqual(expected);
  });
});

describe('masks and filters against the inventory', () => {
  it.each<Case>([
    [
      'a masking method on a column type it does not accept (columns:)',
      replace(BASE, SALES, 'customers.phone], method: partial', 'customers.birth_date], method: partial'),
      [error('mask-type', `${SALES}:22:70`, "policy 'phone-last4': method partial does not accept analytics.sales.customers.birth_date of type date", 'use nullify or redact there, or narrow the selector')],
    ],
    [
      'a masking method on a column type it does not accept (tags:, global)',
      replace(replace(BASE, GLOBAL, '{ pii: [email, phone] }', '{ pii: [email, phone, birth_date] }'), SALES, '      phone: { pii: phone }\n', '      phone: { pii: phone }\n      birth_date: { pii: birth_date }\n'),
      [error('mask-type', `${GLOBAL}:4:64`, "policy 'pii-hash': method hash does not accept analytics.sales.customers.birth_date of type date", 'use nullify or redact there, or narrow the selector')],
    ],
    [
      'a mask on a column the inventory does not have',
      replace(BASE, SALES, 'customers.phone]', 'customers.phon]'),
      [error('unknown-column', `${SALES}:22:23`, "column 'phon' does not exist in analytics.sales.customers (inventory)", "did you mean 'phone'?")],
    ],
    [
      'a declared column the inventory does not have',
      replace(BASE, SALES, '      phone: { pii: phone }', '      phne: { pii: phone }'),
      [error('unknown-column', `${SALES}:10:7`, "column 'phne' does not exist in analytics.sales.customers (inventory)", "did you mean 'phone'?")],
    ],
    [
      'a mask on a table no domain declares',
      replace(BASE, SALES, 'customers.phone]', 'returns.phone]'),
      [error('ungoverned-table', `${SALES}:22:23`, "'analytics.sales.returns.phone' is not in a governed table", "declare the table under 'tables:' in its domain")],
    ],
    [
      'a row filter on a column the inventory does not have',
      replace(BASE, SALES, '"region IN user.region"', '"regoin IN user.region"'),
      [error('filter-type', `${SALES}:19:15`, "policy 'own-region' on analytics.sales.customers: unknown column 'regoin'", "did you mean 'region'?")],
    ],
    [
      'a row filter is checked against every table it reaches',
      replace(replace(BASE, SALES, 'tables: [analytics.sales.customers]', 'tables: [analytics.sales.customers, analytics.sales.orders]'), SALES, '"region IN user.region"', '"vip = true"'),
      [error('filter-type', `${SALES}:19:15`, "policy 'own-region' on analytics.sales.orders: unknown column 'vip'", 'columns: id, customer_id, region, amount, ordered_at')],
    ],
    [
      'a comparison of incompatible types',
      replace(BASE, FINANCE, `"status = 'paid'"`, `"amount = 'paid'"`),
      [error('filter-type', `${FINANCE}:17:24`, "policy 'paid-only' on analytics.finance.payments: cannot compare column 'amount' (number) with 'paid' (string)", 'write a number without quotes, e.g. 100.5')],
    ],
    [
      'a date compared with a string',
      replace(BASE, FINANCE, `"status = 'paid'"`, `"paid_on >= '2024-01-01'"`),
      [error('filter-type', `${FINANCE}:17:26`, "policy 'paid-only' on analytics.finance.payments: cannot compare column 'paid_on' (date) with '2024-01-01' (string)", "write DATE '2024-01-01'")],
    ],
    [
      'an ordering comparison of strings',
      replace(BASE, FINANCE, `"status = 'paid'"`, `"status > 'paid'"`),
      [error('filter-type', `${FINANCE}:17:15`, "policy 'paid-only' on analytics.finance.payments: '>' cannot compare strings (strings have no portable collation)", 'use =, <> or IN (…)')],
    ],
    [
      'user.<a> compared as a single value',
      replace(BASE, SALES, '"region IN user.region"', '"region = user.region"'),
      [error('filter-type', `${SALES}:19:24`, "policy 'own-region' on analytics.sales.customers: user.region is a set of values, not a single value", "write <column> IN user.region, or user.region = '<value>' to test one value")],
    ],
    [
      'user.<a> with <>',
      replace(BASE, SALES, '"region IN user.region"', `"user.region <> 'EMEA'"`),
      [error('filter-type', `${SALES}:19:15`, "policy 'own-region' on analytics.sales.customers: user.region is a set of values, not a single value", "write <column> IN user.region, or user.region = '<value>' to test one value")],
    ],
    [
      'a filter that does not parse',
      replace(BASE, SALES, '"region IN user.region"', '"region IN user.region AND"'),
      [{ severity: 'error', code: 'filter-syntax', at: `${SALES}:19:40`, message: "policy 'own-region': unexpected end of expression; expected a column, a literal or user.<attribute>" }],
    ],
    [
      // Tables of one shape are checked once; a later table whose column has another type is still checked.
      'a filter over a schema where one table holds the column with another type',
      withInventoryTables(
        replace(replace(BASE, SALES, '  analytics.sales.orders: {}', '  analytics.sales.orders: {}\n  analytics.sales.returns: {}'), SALES, 'tables: [analytics.sales.customers]', 'tables: [analytics.sales.*]'),
        inventoryTable('analytics.sales.returns', [{ name: 'id', type: 'number', native_type: 'bigint' }, { name: 'region', type: 'number', native_type: 'integer' }]),
      ),
      [error('filter-type', `${SALES}:20:15`, "policy 'own-region' on analytics.sales.returns: cannot test column 'region' (number) against user.region (string)", 'user.region holds string values; compare a string column')],
    ],
  ])('%s', (_, fixture, expected) => {
    expect(errorsOf(fixture)).toEqual(expected);
  });
});

describe('policy shape', () => {
  it.each<Case>([
    [
      'both mask and row_filter',
      append(BASE, SALES, /* 23 */ '    row_filter: { tables: [analytics.sales.customers], allow: "id > 0" }'),
      [error('policy-both-kinds', `${SALES}:21:5`, "policy 'phone-last4' has both 'mask' and 'row_filter'", 'split it into two policies')],
    ],
    [
      'a mask with two selectors',
      replace(BASE, SALES, 'mask: { columns:', 'mask: { tags: { pii: phone }, columns:'),
      [error('policy-two-selectors', `${SALES}:22:11`, "policy 'phone-last4' has two selectors ('tags' and 'columns')", "keep exactly one of 'tags' or 'columns'")],
    ],
    [
      'a row filter with two selectors',
      replace(BASE, SALES, '      tables: [analytics.sales.customers]\n', '      tables: [analytics.sales.customers]\n      tables_tagged: { sensitivity: confidential }\n'),
      [error('policy-two-selectors', `${SALES}:18:7`, "policy 'own-region' has two selectors ('tables_tagged' and 'tables')", "keep exactly one of 'tables_tagged' or 'tables'")],
    ],
    [
      'a policy name used in two domains',
      replace(BASE, FINANCE, '  - name: paid-only', '  - name: own-region'),
      [error('duplicate-policy', `${SALES}:16:5`, "policy name 'own-region' is used twice (first at domains/finance.yaml:14:5)", 'policy names are unique across the repository')],
    ],
    [
      'a policy name used twice in global policies',
      append(BASE, GLOBAL, /* 7 */ '  - name: pii-hash', /* 8 */ '    mask: { tags: { pii: name }, method: redact }'),
      [error('duplicate-policy', `${GLOBAL}:7:5`, "policy name 'pii-hash' is used twice (first at global.yaml:3:5)", 'policy names are unique across the repository')],
    ],
  ])('%s is an error', (_, fixture, expected) => {
    expect(errorsOf(fixture)).toEqual(expected);
  });
});

describe('warnings (exit 0, shown)', () => {
  const CLASSIFIER = '(classifier at catalog.yaml:9:5)';

  it.each<Case>([
    [
      'an ungoverned table inside a territory',
      withInventoryTables(BASE, inventoryTable('analytics.sales.returns', [{ name: 'id', type: 'number', native_type: 'bigint' }])),
      [warning('ungoverned-table', `${SALES}:4:11`, "analytics.sales.returns is in the territory of domain 'sales' but not governed", "declare it under tables: in domain 'sales' to grant it (an empty {} entry is fine)")],
    ],
    [
      'a declared column a classifier matches by name but untagged',
      replace(BASE, SALES, 'email: { pii: email }', 'email: {}'),
      [warning('classifier-untagged', `${SALES}:9:7`, `analytics.sales.customers.email looks like pii=email ${CLASSIFIER} but carries no 'pii' tag`, 'tag it under tables: analytics.sales.customers: columns: email: { pii: email }')],
    ],
    [
      'an undeclared inventory column a classifier matches by name',
      withInventoryTables(
        { ...BASE, inventory: { format: 1, tables: BASE.inventory!.tables.filter((t) => t.name !== 'analytics.sales.orders') } },
        inventoryTable('analytics.sales.orders', [
          { name: 'id', type: 'number', native_type: 'bigint' },
          { name: 'contact_email', type: 'string', native_type: 'text' },
        ]),
      ),
      [warning('classifier-untagged', `${SALES}:11:3`, `analytics.sales.orders.contact_email looks like pii=email ${CLASSIFIER} but carries no 'pii' tag`, 'tag it under tables: analytics.sales.orders: columns: contact_email: { pii: email }')],
    ],
    [
      'two middle-tier masks meeting on one column',
      append(
        BASE,
        SALES,
        /* 23 */ '  - name: email-last4',
        /* 24 */ '    mask: { columns: [analytics.sales.customers.email], method: partial }',
        /* 25 */ '  - name: email-domain-only',
        /* 26 */ '    mask: { columns: [analytics.sales.customers.email], method: email_domain }',
      ),
      [
        warning(
          'middle-masks-meet',
          `${SALES}:23:5`,
          'email-domain-only (email_domain) and email-last4 (partial) meet on analytics.sales.customers.email: it resolves to hash for whoever both reach',
          'choose one method for the column, or make one policy stricter on purpose',
        ),
      ],
    ],
    [
      'a pair of groups that together waive more filters than either alone',
      append(
        BASE,
        SALES,
        /* 23 */ '  - name: vip-only',
        /* 24 */ '    row_filter:',
        /* 25 */ '      tables: [analytics.sales.customers]',
        /* 26 */ '      allow: "vip = true"',
        /* 27 */ '      exempt: [sales_analysts_us]',
      ),
      [
        warning(
          'pair-waives-more',
          `${SALES}:6:3`,
          "groups 'sales_analysts_us' and 'sales_leads' together waive own-region and vip-only on analytics.sales.customers: a person in both sees rows neither sees alone",
          'if that is not intended, exempt one group from both filters or neither',
        ),
      ],
    ],
  ])('%s', (_, fixture, expected) => {
    expect(diagnosticsOf(fixture)).toEqual(expected);
    expect(validateFixture(fixture).diagnostics.hasErrors).toBe(false);
  });

  it('an untagged classifier match is an error with strict: true', () => {
    const fixture = append(replace(BASE, SALES, 'email: { pii: email }', 'email: {}'), 'meshward.yaml', /* 8 */ 'strict: true');
    expect(diagnosticsOf(fixture)).toEqual([
      error('classifier-untagged', `${SALES}:9:7`, `analytics.sales.customers.email looks like pii=email ${CLASSIFIER} but carries no 'pii' tag`, 'tag it under tables: analytics.sales.customers: columns: email: { pii: email }'),
    ]);
  });

  it('groups whose waivers are nested raise no pair warning', () => {
    // sales_leads inherits from sales_analysts, and only sales_leads is exempt: nothing to warn.
    expect(warningsOf(BASE)).toEqual([]);
  });
});
