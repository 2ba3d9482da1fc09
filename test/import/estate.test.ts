import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Inventory } from '../../src/model/inventory.js';
import type { NeutralType } from '../../src/model/neutral-types.js';
import { estateFromSnapshot, type ImportSnapshot } from '../../src/targets/postgres/import.js';
import { errorsOf, importDraft, validateDraft } from './support.js';

/**
 * An unmanaged estate, as the import queries return it (no meshward project): which roles become
 * groups, which grants become `grants:`, and what is listed as unrepresentable. Names are hostile
 * on purpose (quotes, spaces, a role literally named PUBLIC, two tables differing only in case).
 */

const col = (name: string, type: NeutralType = 'string', native_type = 'text') => ({ name, type, native_type });
const table = (schema: string, name: string, columns = [col('id', 'number', 'integer'), col('region')]) => ({ name: `db.${schema}.${name}`, native: `"${schema.replace(/"/g, '""')}"."${name.replace(/"/g, '""')}"`, columns });

const inventory: Inventory = {
  format: 1,
  tables: [
    table('finance', 'invoices'),
    table('finance', 'ledger', [col('id', 'number', 'integer'), col('amount', 'number', 'numeric')]),
    table('sales', 'Weird Table'),
    table('sales', 'big_orders'),
    table('sales', 'customers', [col('id', 'number', 'integer'), col('email'), col('region')]),
    table('sales', 'orders'),
    table('scratch', 'T'),
    table('scratch', 't'),
    table('scratch', 'tmp'),
  ],
};

const rel = (schema: string, name: string, acl: [string, string][], extra: Partial<ImportSnapshot['relations'][number]> = {}) => ({ schema, name, kind: 'r', owner: 'postgres', comment: null, rls: false, acl, columnAcl: [], ...extra });
const role = (name: string, extra: Partial<ImportSnapshot['roles'][number]> = {}) => ({ name, login: false, super: false, comment: null, memberOf: [], ...extra });

const snapshot: ImportSnapshot = {
  database: 'db',
  roles: [
    role('postgres', { login: true, super: true }),
    role('analysts'),
    role('leads', { memberOf: ['analysts'] }),
    role('interns', { memberOf: ['leads'] }), // no grant of its own: a group through the hierarchy
    role('finance'),
    role('alice', { login: true, memberOf: ['leads'] }),
    role('etl', { login: true }),
    role('PUBLIC'),
    role('odd "role"'),
    role('bystander'), // no privilege, no membership: not a group
    role('mw_sales_analysts', { comment: 'meshward:other:group:sales_analysts' }),
    role('pg_read_all_data'),
  ],
  schemas: [
    { name: 'finance', owner: 'postgres', comment: null },
    { name: 'public', owner: 'pg_database_owner', comment: null },
    { name: 'sales', owner: 'postgres', comment: null },
    { name: 'scratch', owner: 'postgres', comment: null },
  ],
  relations: [
    rel('finance', 'invoices', [['postgres', 'SELECT'], ['finance', 'SELECT'], ['leads', 'SELECT']], { rls: true }),
    rel('finance', 'ledger', [['finance', 'SELECT']], { columnAcl: [['amount', 'analysts', 'SELECT'], ['id', 'analysts', 'SELECT']] }),
    rel('sales', 'Weird Table', [['odd "role"', 'SELECT']]),
    rel('sales', 'big_orders', [['analysts', 'SELECT']], { kind: 'v' }),
    rel('sales', 'customers', [['analysts', 'SELECT'], ['etl', 'INSERT'], ['etl', 'UPDATE']]),
    rel('sales', 'orders', [['analysts', 'SELECT'], ['PUBLIC', 'SELECT']]),
    rel('scratch', 'T', [['analysts', 'SELECT']]),
    rel('scratch', 't', [['analysts', 'SELECT']]),
    rel('scratch', 'tmp', [['', 'SELECT'], ['alice', 'SELECT'], ['mw_sales_analysts', 'SELECT']]),
  ],
  rls: [{ schema: 'finance', table: 'invoices', name: 'emea only', cmd: 'r', permissive: true, roles: ['finance'], qual: "(region = 'EMEA'::text)" }],
  functions: [{ schema: 'public', name: 'mask_email', args: 'text', kind: 'f' }],
  inventory,
  state: null,
  tags: [],
  project: null,
};

describe('an unmanaged estate', () => {
  const estate = estateFromSnapshot(snapshot);
  const { draft } = importDraft(snapshot, { name: 'estate', prefix: 'mw_' });

  it('imports NOLOGIN roles holding SELECT, and their members, as groups; login roles as members', () => {
    expect(estate.groups.map((g) => [g.name, g.memberOf])).toEqual([
      ['PUBLIC', []],
      ['analysts', []],
      ['finance', []],
      ['interns', ['leads']],
      ['leads', ['analysts']],
      ['odd "role"', []],
    ]);
    expect(estate.members).toEqual([{ role: 'alice', login: true, groups: ['leads'] }]);
    expect(estate.project).toBeNull();
  });

  it('governs every base table a group may SELECT, with that grant', () => {
    expect(estate.tables.map((t) => [t.name, t.readers])).toEqual([
      ['db.finance.invoices', ['finance', 'leads']],
      ['db.finance.ledger', ['finance']],
      ['db.sales."Weird Table"', ['odd "role"']],
      ['db.sales.customers', ['analysts']],
      ['db.sales.orders', ['PUBLIC', 'analysts']],
    ]);
  });

  it('lists what the model cannot hold, each once, and governs none of it', () => {
    expect(estate.unrepresentable.map((u) => `${u.kind} ${u.object}`)).toEqual([
      'ambiguous_name scratch.T',
      'ambiguous_name scratch.t',
      'column_grant finance.ledger',
      'function public.mask_email(text)',
      'login_grant scratch.tmp',
      'login_grant scratch.tmp',
      'privilege sales.customers',
      'public_grant scratch.tmp',
      'rls_policy finance.invoices',
      'view sales.big_orders',
    ]);
    const detail = (kind: string) => estate.unrepresentable.filter((u) => u.kind === kind).map((u) => u.detail);
    expect(detail('privilege')).toEqual([expect.stringMatching(/^INSERT, UPDATE to "etl": meshward grants read \(SELECT\) only/)]);
    expect(detail('column_grant')).toEqual([expect.stringMatching(/^column-level SELECT \("amount", "id"\) to "analysts"/)]);
    expect(detail('login_grant')).toEqual([expect.stringMatching(/"alice", a login role/), expect.stringMatching(/"mw_sales_analysts", a role of another meshward project/)]);
    expect(detail('rls_policy')).toEqual([expect.stringMatching(/policy "emea only" \(permissive, FOR SELECT TO finance USING \(region = 'EMEA'::text\)\)/)]);
  });

  it('drafts a repository that validates, quoting every hostile name', () => {
    const validated = validateDraft(draft, inventory);
    expect(errorsOf(validated)).toEqual([]);
    expect(validated.diagnostics.warnings.map((w) => w.code)).toEqual(['ungoverned-table']);
    const principals = draft.files.get('principals.yaml')!;
    expect(principals).toContain('# login role alice is a member of leads');
    expect(principals).toContain('# the existing role "analysts"; meshward manages the group role mw_analysts for it');
    expect(Object.keys((YAML.parse(principals) as { groups: object }).groups)).toEqual(['PUBLIC', 'analysts', 'finance', 'interns', 'leads', 'odd "role"']);
    const sales = YAML.parse(draft.files.get('domains/sales.yaml')!) as { schemas: string[]; grants: unknown[] };
    expect(sales.schemas).toEqual(['db.sales']);
    expect(sales.grants).toEqual([
      { groups: ['odd "role"'], read: ['db.sales."Weird Table"'] },
      { groups: ['analysts'], read: ['db.sales.customers'] },
      { groups: ['PUBLIC', 'analysts'], read: ['db.sales.orders'] },
    ]);
    // unrepresentable items are comments in their schema's domain file, and rows of the report
    expect(draft.files.get('domains/sales.yaml')).toMatch(/# - view sales\.big_orders: hand-written view owned by "postgres", SELECT granted to "analysts"/);
    expect(draft.files.get('domains/finance.yaml')).toMatch(/# - rls_policy finance\.invoices/);
    expect(draft.files.has('domains/scratch.yaml')).toBe(false);
    const report = draft.files.get('IMPORT-REPORT.md')!;
    for (const u of estate.unrepresentable) expect(report).toContain(`\`${u.object}\``);
    expect(draft.summary).toMatchObject({ groups: 6, domains: 2, tables: 5, policies: 0, contradictions: 0 });
  });
});
