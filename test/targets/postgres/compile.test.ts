import { freshPGlite } from '../../support/fresh-pglite.js';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../../src/model/types.js';
import { applyMask, type MaskMethod } from '../../../src/resolve/mask-methods.js';
import { strictest, type MaskCandidate } from '../../../src/resolve/strictest.js';
import { compile, rowPredicateSql, viewSelectSql } from '../../../src/targets/postgres/compile.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { namesForResolved, postgresNames } from '../../../src/targets/postgres/native-names.js';
import { ROLE_DEFAULTS, type GrantSpec, type ViewSpec } from '../../../src/targets/postgres/objects.js';
import { maskCaseSql } from '../../../src/targets/postgres/view.js';
import type { NativeObject } from '../../../src/targets/target.js';
import { validateRepository } from '../../../src/validate.js';
import { FIXTURE_FILES, FIXTURE_INVENTORY } from './fixture-repo.js';
import { comparable } from './pg-values.js';
import { expected, observe } from './probe-check.js';
import { compileAndRender, contextFor, resolvedOrThrow } from './support.js';

const example = resolvedOrThrow(validateRepository({ dir: 'policies' }));
const ctx = contextFor(example.model, 'policies');
const desired = compile(example, ctx);
const byKind = (kind: string) => desired.filter((o) => o.kind === kind);
const spec = <T,>(o: NativeObject) => o.spec as T;

describe('compile (example repository)', () => {
  it('is deterministic and keys are unique', () => {
    expect(compile(example, ctx)).toEqual(desired);
    expect(new Set(desired.map((o) => o.key)).size).toBe(desired.length);
    expect(ctx.diagnostics.errors).toEqual([]);
  });

  it('creates the governance schema, the owner role and one role per group with their memberships', () => {
    expect(byKind('governance').map((o) => o.spec)).toEqual([{ schema: 'mw_meta', version: 2 }]);
    expect(desired.find((o) => o.key === 'schema:mw_meta')?.spec).toEqual({ name: 'mw_meta', owner: 'mw_owner', comment: 'meshward:acme:governance:mw_meta' });
    const roles = byKind('role').map((o) => o.spec);
    // every attribute that could widen access, at the value CREATE ROLE … NOLOGIN gives
    expect(roles[0]).toEqual({ name: 'mw_owner', comment: 'meshward:acme:owner:views', ...ROLE_DEFAULTS });
    expect(ROLE_DEFAULTS).toEqual({ superuser: false, inherit: true, createrole: false, createdb: false, login: false, replication: false, bypassrls: false, connection_limit: -1, settings: [] });
    expect(roles).toContainEqual({ name: 'mw_sales_leads', comment: 'meshward:acme:group:sales_leads', ...ROLE_DEFAULTS });
    expect(roles).toHaveLength(example.model.groups.size + 1);
    const memberships = byKind('membership').map((o) => `${o.spec.member} -> ${o.spec.role}`);
    expect(memberships).toContain('mw_sales_leads -> mw_sales_analysts');
    expect(memberships.filter((m) => m.startsWith('mw_sales_directors '))).toEqual(['mw_sales_directors -> mw_sales_analysts_apac', 'mw_sales_directors -> mw_sales_analysts_us', 'mw_sales_directors -> mw_sales_leads']);
  });

  it('builds one definer view per governed table, owned by the owner role, over the exact base table', () => {
    const view = desired.find((o) => o.key === 'view:"mw_sales"."customers"')!;
    const v = spec<ViewSpec>(view);
    expect(view.domain).toBe('sales');
    expect(view.table).toBe('analytics.sales.customers');
    expect(view.policies).toEqual(['own-region', 'phone-last2', 'pii-birth-date-year', 'pii-email-domain', 'pii-name-address-redact', 'pii-phone-last4']);
    expect(v).toMatchObject({ schema: 'mw_sales', name: 'customers', base: { schema: 'sales', table: 'customers' }, owner: 'mw_owner', comment: 'meshward:acme:view:analytics.sales.customers' });
    expect(v.select.startsWith('SELECT\n  "customer_id",')).toBe(true);
    expect(v.select).toContain('FROM "sales"."customers"');
    expect(v.select).not.toMatch(/security_invoker/);
    expect(v.masks.phone).toEqual(['phone-last2:partial:2:', 'pii-phone-last4:partial:4:privacy_officers']);
    expect(v.filters).toEqual(['own-region:sales_leads:region IN user.region']);
    expect(v.columns.find((c) => c.name === 'phone')).toEqual({ name: 'phone', type: 'character varying' });
    expect(v.columns.find((c) => c.name === 'customer_id')).toEqual({ name: 'customer_id', type: 'bigint' });
    expect(byKind('view')).toHaveLength(example.tables.length);
  });

  it("writes each group's own attribute values as rows the views read, and no value into a view", () => {
    const rows = byKind('attribute').map((o) => o.spec);
    expect(rows.filter((r) => r.role === 'mw_sales_analysts')).toEqual([
      { role: 'mw_sales_analysts', attribute: 'department', type: 'string', value: 'sales' },
      { role: 'mw_sales_analysts', attribute: 'region', type: 'string', value: 'EMEA' },
    ]);
    // inherited values are not copied: pg_has_role gives the closure
    expect(rows.filter((r) => r.role === 'mw_sales_leads')).toEqual([]);
    expect(new Set(rows.map((r) => r.role)).size).toBeLessThan(example.model.groups.size);
    const select = spec<ViewSpec>(desired.find((o) => o.key === 'view:"mw_sales"."customers"')!).select;
    expect(select).toContain(`"region" IN (SELECT a."value" FROM "mw_meta"."attributes" AS a WHERE a."attribute" = 'region' AND pg_has_role(current_user, a."role", 'MEMBER'))`);
    expect(select).not.toContain("'EMEA'");
    expect(select).not.toContain('mw_sales_analysts_us');
  });

  it('grants the owner SELECT on base tables, groups SELECT on views and USAGE on managed schemas', () => {
    const grants = byKind('grant').map((o) => spec<GrantSpec>(o));
    expect(grants).toContainEqual({ privilege: 'SELECT', on: 'table', object: '"sales"."customers"', grantee: 'mw_owner' });
    const customers = grants.filter((g) => g.on === 'view' && g.object === '"mw_sales"."customers"').map((g) => g.grantee);
    expect(customers).toEqual(['mw_data_scientists', 'mw_sales_analysts', 'mw_sales_analysts_apac', 'mw_sales_analysts_us']);
    const usage = grants.filter((g) => g.on === 'schema' && g.object === '"mw_sales"').map((g) => g.grantee);
    expect(usage).toEqual(['mw_data_scientists', 'mw_employees', 'mw_marketing_analysts', 'mw_sales_analysts', 'mw_sales_analysts_apac', 'mw_sales_analysts_us']);
    // sales_leads inherits through membership; it is never granted directly.
    expect(grants.some((g) => g.grantee === 'mw_sales_leads' && g.object.startsWith('"mw_sales"'))).toBe(false);
  });

  it('records table and column tags under neutral names', () => {
    const tags = byKind('tag').map((o) => o.spec);
    expect(tags).toContainEqual({ object: 'analytics.sales.customers', tag: 'sensitivity', value: 'confidential' });
    expect(tags).toContainEqual({ object: 'analytics.sales.customers.email', tag: 'pii', value: 'email' });
  });

  it('builds no view for a governed table missing from the inventory, and says so', () => {
    const inventory = { format: 1 as const, tables: FIXTURE_INVENTORY.tables.filter((t) => t.name !== 'db.s.filtered') };
    const resolved = validateRepository({ dir: '/virtual', files: FIXTURE_FILES, inventoryValue: inventory }).resolved!;
    const c = contextFor(resolved.model);
    const objects = compile(resolved, c);
    expect(objects.filter((o) => o.kind === 'view').map((o) => o.key)).toEqual(['view:"mw_s"."masked"']);
    expect(objects.some((o) => o.kind === 'tag' && o.spec.object === 'db.s.filtered')).toBe(true);
    expect(c.diagnostics.errors.map((d) => d.code)).toEqual(['view-needs-inventory']);
  });

  it('exports the WHERE text and the SELECT text', () => {
    const customers = example.table('analytics.sales.customers')!;
    expect(rowPredicateSql(customers, ctx)).toMatch(/^\(pg_has_role\(current_user, 'mw_sales_leads', 'MEMBER'\) OR /);
    expect(rowPredicateSql(example.table('analytics.sales.stores')!, ctx)).toBe('TRUE');
    expect(viewSelectSql(customers, ctx)).toBe(spec<ViewSpec>(desired.find((o) => o.key === 'view:"mw_sales"."customers"')!).select);
  });

  it('keeps native names unique: the owner role, the governance schema and base schemas are never reused', () => {
    const groups = new Map(example.model.groups);
    groups.set('owner', { ...groups.get('employees')!, name: 'owner', memberOf: [] });
    const model = { ...example.model, groups };
    const names = postgresNames(model, ['meta', 'sales', 'mw_sales'], {});
    expect(names.role('owner')).toMatch(/^mw_owner_[0-9a-f]{8}$/);
    expect(names.schema('meta')).toMatch(/^mw_meta_[0-9a-f]{8}$/);
    expect(names.schema('sales')).toMatch(/^mw_sales_[0-9a-f]{8}$/);
    expect(names.schema('mw_sales')).toBe('mw_mw_sales');
    const long = 'x'.repeat(70);
    groups.set(long, { ...groups.get('employees')!, name: long, memberOf: [] });
    const role = postgresNames({ ...model, groups }, [], {}).role(long);
    expect(Buffer.byteLength(role)).toBeLessThanOrEqual(63);
    expect(namesForResolved(example, { governance_schema: 'gov' }).governance).toBe('gov');
  });
});

// ---- the CASE is strictest() per querying role ------------------------------------------------

const EXEMPT_GROUPS = ['e0', 'e1', 'e2', 'e3'];
const roleOf = (g: string) => `mwc_${g}`;
const STRING_VALUES = [null, '', 'a', 'abc', 'abcdefgh', 'x@y.z', 'no-at', 'a@b@c', '😀@ü', "o'neil"];
const DATE_VALUES = [null, '2024-02-29', '1999-12-31'];

function policy(i: number): Policy {
  return { name: `p${i}`, scope: i % 2 ? 'global' : 'domain', spec: { kind: 'mask' } as Policy['spec'], exempt: [], refusedKeys: [], at: { file: 'x', line: 1, col: 1 } };
}

const candidatesArb = (methods: readonly MaskMethod[]) =>
  fc.array(fc.record({ method: fc.constantFrom(...methods), keepLast: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), exempt: fc.subarray(EXEMPT_GROUPS) }), { minLength: 1, maxLength: 5 }).map((list) =>
    list.map((c, i): MaskCandidate => ({ policy: policy(i), method: c.method, keepLast: c.method === 'partial' ? c.keepLast : undefined, exempt: c.exempt })),
  );

describe('mask CASE on PGlite agrees with strictest() for every waiver subset', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(
      [
        ...EXEMPT_GROUPS.map((g) => `CREATE ROLE ${roleOf(g)} NOLOGIN;`),
        'CREATE TABLE s (id int PRIMARY KEY, v text); CREATE TABLE d (id int PRIMARY KEY, v date);',
        `INSERT INTO s VALUES ${STRING_VALUES.map((v, i) => `(${i}, ${v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`})`).join(', ')};`,
        `INSERT INTO d VALUES ${DATE_VALUES.map((v, i) => `(${i}, ${v === null ? 'NULL' : `'${v}'`})`).join(', ')};`,
        'GRANT SELECT ON s, d TO PUBLIC;',
      ].join('\n'),
    );
  });
  afterAll(async () => db.close());

  const check = async (table: 's' | 'd', type: 'string' | 'date', candidates: MaskCandidate[], member: string[]) => {
    const column = { ref: '"v"', nativeType: type === 'string' ? 'text' : 'date', type } as const;
    const sql = maskCaseSql(candidates, column, roleOf);
    const active = candidates.filter((c) => !c.exempt.some((g) => member.includes(g)));
    const outcome = strictest(active);
    const { rows: clear } = await db.query<{ v: unknown }>(`SELECT v FROM ${table} ORDER BY id`);
    const want = clear.map((r) => comparable(outcome ? applyMask(outcome.method, { keep_last: outcome.keepLast }, r.v, type) : r.v, type));
    await db.exec('BEGIN');
    try {
      await db.exec(`CREATE ROLE mwc_probe NOLOGIN${member.length ? ` IN ROLE ${member.map(roleOf).join(', ')}` : ''}; SET LOCAL ROLE mwc_probe;`);
      const { rows } = await db.query<{ m: unknown }>(`SELECT ${sql} AS m FROM ${table} ORDER BY id`);
      expect(rows.map((r) => comparable(r.m, type)), sql).toEqual(want);
    } finally {
      await db.exec('ROLLBACK');
    }
  };

  it('string columns: nullify, redact, hash, partial (any keep_last), email_domain', async () => {
    await fc.assert(
      fc.asyncProperty(candidatesArb(['nullify', 'redact', 'hash', 'partial', 'partial', 'email_domain', 'email_domain']), fc.subarray(EXEMPT_GROUPS), (c, m) => check('s', 'string', c, m)),
      { numRuns: 200 },
    );
  });

  it('date columns: nullify, redact, year_only', async () => {
    await fc.assert(fc.asyncProperty(candidatesArb(['nullify', 'redact', 'year_only', 'year_only']), fc.subarray(EXEMPT_GROUPS), (c, m) => check('d', 'date', c, m)), { numRuns: 60 });
  });

  it('a candidate without exemptions ends the CASE; two middle methods met resolve to hash', () => {
    const column = { ref: '"v"', nativeType: 'text', type: 'string' } as const;
    const fixed = maskCaseSql([{ policy: policy(0), method: 'partial', keepLast: 2, exempt: [] }], column, roleOf);
    expect(fixed).not.toContain('pg_has_role');
    expect(fixed.startsWith('CAST(')).toBe(true);
    const both = maskCaseSql(
      [
        { policy: policy(0), method: 'partial', keepLast: 4, exempt: ['e0'] },
        { policy: policy(1), method: 'email_domain', exempt: ['e1'] },
      ],
      column,
      roleOf,
    );
    expect(both.split('\n')[1]).toBe(`    WHEN (NOT pg_has_role(current_user, 'mwc_e0', 'MEMBER') AND NOT pg_has_role(current_user, 'mwc_e1', 'MEMBER')) THEN CAST(encode(sha256(convert_to("v", 'UTF8')), 'hex') AS text)`);
  });
});

// ---- the example repository, applied to PGlite ----------------------------------------------

describe('the example repository applied to PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(readFileSync('policies/warehouse/acme.sql', 'utf8'));
    const { steps } = compileAndRender(example, ctx);
    await db.exec(['BEGIN;', ...steps.flatMap((s) => s.sql), 'COMMIT;'].join('\n'));
  });
  afterAll(async () => db.close());

  it('creates every view as a security-barrier definer view owned by mw_owner', async () => {
    const { rows } = await db.query<{ n: string; owner: string; opts: string[] | null }>(
      `SELECT c.relname AS n, pg_get_userbyid(c.relowner) AS owner, c.reloptions AS opts FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname LIKE 'mw\\_%' AND c.relkind = 'v'`,
    );
    expect(rows).toHaveLength(example.tables.length);
    for (const r of rows) {
      expect(r.owner).toBe('mw_owner');
      expect(r.opts).toEqual(['security_barrier=true']);
    }
  });

  it('records the view columns exactly as compile declared them', async () => {
    for (const view of byKind('view').map((o) => spec<ViewSpec>(o))) {
      const { rows } = await db.query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum`,
        [`${quoteIdent(view.schema)}.${quoteIdent(view.name)}`],
      );
      expect(rows, view.name).toEqual(view.columns);
    }
  });

  const CASES: [string, string[]][] = [
    ['analytics.sales.customers', ['sales_analysts']],
    ['analytics.sales.customers', ['sales_leads']],
    ['analytics.sales.customers', ['sales_directors']],
    ['analytics.sales.customers', ['privacy_officers']],
    ['analytics.sales.customers', ['sales_analysts_us', 'privacy_officers']],
    ['analytics.finance.payment_cards', ['finance_analysts']],
    ['analytics.finance.payment_cards', ['finance_controllers']],
    ['analytics.finance.bank_accounts', ['finance_controllers']],
    ['analytics.hr.salaries', ['hr_partners']],
    ['analytics.hr.salaries', ['hr_admins']],
    ['analytics.hr.employees', ['hr_partners']],
    ['analytics.hr.employees', ['privacy_officers']],
    ['analytics.finance.ledger_entries', ['finance_analysts']],
    ['analytics.finance.ledger_entries', ['finance_controllers']],
    ['analytics.marketing.web_sessions', ['data_scientists']],
  ];
  it.each(CASES)('%s as %j matches the resolver cell by cell', async (name, groups) => {
    const table = example.table(name)!;
    const view = `${quoteIdent(namesForResolved(example).schema(table.table.parts[1]))}.${quoteIdent(table.table.parts[2])}`;
    const want = await expected(db, example, table, groups);
    const got = await observe(db, view, groups.map((g) => `mw_${g}`), table.table.columns.map((c) => ({ name: c.name, type: c.type! })));
    expect(got.readable).toBe(want.readable);
    expect(got.rows).toEqual(want.rows);
  });

  it('every group × every table agrees with the resolver', async () => {
    const names = namesForResolved(example);
    let readable = 0;
    let rows = 0;
    for (const table of example.tables) {
      const view = `${quoteIdent(names.schema(table.table.parts[1]))}.${quoteIdent(table.table.parts[2])}`;
      const columns = table.table.columns.map((c) => ({ name: c.name, type: c.type! }));
      for (const group of example.model.groups.keys()) {
        const want = await expected(db, example, table, [group]);
        const got = await observe(db, view, [names.role(group)], columns);
        expect({ table: table.table.name, group, ...got }).toEqual({ table: table.table.name, group, ...want });
        if (got.readable) readable++;
        rows += got.rows.length;
      }
    }
    expect(readable).toBeGreaterThan(20);
    expect(rows).toBeGreaterThan(100);
  });

  it('gives consumers no path to the base tables', async () => {
    const got = await observe(db, '"sales"."customers"', ['mw_sales_leads'], [{ name: 'customer_id', type: 'number' }]);
    expect(got.readable).toBe(false);
  });
});
