import { freshPGlite } from '../../support/fresh-pglite.js';
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent as exprIdent, quoteString as exprString } from '../../../src/model/expr/print.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { joinName } from '../../../src/resolve/names.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { namesForResolved } from '../../../src/targets/postgres/native-names.js';
import { postgresTarget } from '../../../src/targets/postgres/index.js';
import { qualified } from '../../../src/targets/postgres/objects.js';
import * as probeModule from '../../../src/targets/postgres/probe.js';
import { quoteLiteral } from '../../../src/targets/postgres/sql-text.js';
import { validateRepository } from '../../../src/validate.js';
import { hostileName, utf8Bytes } from '../../fixtures/hostile-names.js';
import { expected, observe } from './probe-check.js';
import { compileAndRender, contextFor, resolvedOrThrow } from './support.js';

/**
 * A repository whose schema, table, column, group and tag value names are hostile: compiled,
 * rendered and executed on PGlite inside a transaction that is rolled back, so one PGlite
 * serves every run. The objects must exist with the exact names, masking and filtering must
 * match the resolver, and nothing else may change.
 */

interface Names {
  schema: string;
  table: string;
  columns: [string, string, string];
  groups: [string, string, string];
  region: string;
  tagValues: [string, string];
}

const distinct = (xs: readonly string[], fold = (s: string) => s) => new Set(xs.map(fold)).size === xs.length;

const namesArb: fc.Arbitrary<Names> = fc
  .record({
    schema: hostileName(63),
    table: hostileName(63),
    columns: fc.tuple(hostileName(63), hostileName(63), hostileName(63)),
    groups: fc.tuple(hostileName(120), hostileName(120), hostileName(120)),
    region: hostileName(40),
    tagValues: fc.tuple(hostileName(40), hostileName(40)),
  })
  .filter((n) => distinct(n.columns, (s) => s.toLowerCase()) && distinct(n.groups) && distinct(n.tagValues) && !n.schema.startsWith('mw_') && !n.schema.startsWith('pg_'));

function repository(n: Names): { files: { path: string; text: string }[]; inventory: Inventory } {
  const [g1, g2, g3] = n.groups;
  const [c1, c2, c3] = n.columns;
  const table = joinName(['db', n.schema, n.table]);
  const doc = (value: unknown) => YAML.stringify(value, { lineWidth: 0 });
  const files = [
    { path: 'meshward.yaml', text: doc({ kind: 'Project', name: 'hostile', managed_prefix: 'mw_', targets: { local: { type: 'postgres', database: 'db' } } }) },
    { path: 'catalog.yaml', text: doc({ kind: 'TagCatalog', tags: { pii: { values: [n.tagValues[0]] }, sens: { values: [n.tagValues[1]] } } }) },
    {
      path: 'principals.yaml',
      text: doc({ kind: 'Principals', attributes: { region: { type: 'string' } }, groups: { [g1]: { attributes: { region: [n.region] } }, [g2]: { member_of: [g1] }, [g3]: {} } }),
    },
    { path: 'global.yaml', text: doc({ kind: 'GlobalPolicies', policies: [{ name: 'hash-pii', mask: { tags: { pii: n.tagValues[0] }, method: 'hash', exempt: [g3] } }] }) },
    {
      path: 'domain.yaml',
      text: doc({
        kind: 'Domain',
        name: 'd',
        schemas: [joinName(['db', n.schema])],
        tables: { [table]: { tags: { sens: n.tagValues[1] }, columns: { [c1]: { pii: n.tagValues[0] } } } },
        grants: [{ groups: [g1, g3], read: [table] }],
        policies: [
          { name: 'own-region', row_filter: { tables: [table], allow: `${exprIdent(c2)} IN user.region OR in_group(${exprString(g3)})`, exempt: [g2] } },
          { name: 'last-two', mask: { columns: [joinName(['db', n.schema, n.table, c2])], method: 'partial', keep_last: 2 } },
        ],
      }),
    },
  ];
  const inventory: Inventory = {
    format: 1,
    tables: [
      {
        name: table,
        native: qualified(n.schema, n.table),
        columns: [
          { name: c3, type: 'number', native_type: 'integer' },
          { name: c1, type: 'string', native_type: 'text' },
          { name: c2, type: 'string', native_type: 'character varying(70)' },
        ],
      },
    ],
  };
  return { files, inventory };
}

describe('hostile names', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(`CREATE TABLE public.sentinel (id int); INSERT INTO public.sentinel VALUES (42);`);
  });
  afterAll(async () => db.close());

  const snapshot = async () => ({
    roles: (await db.query<{ n: string }>('SELECT rolname AS n FROM pg_roles')).rows.map((r) => r.n),
    schemas: (await db.query<{ n: string }>('SELECT nspname AS n FROM pg_namespace')).rows.map((r) => r.n),
    relations: (await db.query<{ n: string }>(`SELECT n.nspname || '.' || c.relname AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')`)).rows.map((r) => r.n),
  });
  const added = (before: string[], after: string[]) => after.filter((x) => !before.includes(x)).sort();

  it('are quoted everywhere: exact objects, working masks and filters, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(namesArb, async (n) => {
        const { files, inventory } = repository(n);
        const resolved = resolvedOrThrow(validateRepository({ dir: '/virtual', files, inventoryValue: inventory }));
        const ctx = contextFor(resolved.model);
        const { steps } = compileAndRender(resolved, ctx);
        const names = namesForResolved(resolved);
        const [c1, c2, c3] = n.columns;
        await db.exec('BEGIN');
        try {
          await db.exec(
            [
              `CREATE SCHEMA ${quoteIdent(n.schema)};`,
              `CREATE TABLE ${qualified(n.schema, n.table)} (${quoteIdent(c3)} integer, ${quoteIdent(c1)} text, ${quoteIdent(c2)} character varying(70));`,
              `INSERT INTO ${qualified(n.schema, n.table)} VALUES (1, ${quoteLiteral(n.region)}, ${quoteLiteral(n.region)}), (2, 'x;''--', 'other'), (3, NULL, NULL), (4, '\\', ${quoteLiteral(n.tagValues[0])});`,
            ].join('\n'),
          );
          const before = await snapshot();
          for (const s of steps.flatMap((x) => x.sql)) await db.exec(s);
          const after = await snapshot();

          // Exactly the managed roles, schemas and relations, under their exact names.
          const roleNames = [names.owner, ...n.groups.map((g) => names.role(g))];
          for (const r of roleNames) expect(utf8Bytes(r)).toBeLessThanOrEqual(63);
          expect(added(before.roles, after.roles)).toEqual([...roleNames].sort());
          const managed = names.schema(n.schema);
          expect(added(before.schemas, after.schemas)).toEqual([names.governance, managed].sort());
          expect(added(before.relations, after.relations)).toEqual([`${managed}.${n.table}`, ...['attributes', 'audit', 'meta', 'state', 'tags'].map((t) => `${names.governance}.${t}`)].sort());
          const cols = await db.query<{ n: string }>(`SELECT attname AS n FROM pg_attribute WHERE attrelid = ${quoteLiteral(qualified(managed, n.table))}::regclass AND attnum > 0 ORDER BY attnum`);
          expect(cols.rows.map((r) => r.n)).toEqual([c3, c1, c2]);
          const comments = await db.query<{ c: string }>(`SELECT obj_description(${quoteLiteral(qualified(managed, n.table))}::regclass, 'pg_class') AS c`);
          expect(comments.rows[0]!.c).toBe(`meshward:hostile:view:${joinName(['db', n.schema, n.table])}`);
          const tags = await db.query<{ object: string; tag: string; value: string }>(`SELECT object, tag, value FROM ${qualified(names.governance, 'tags')} ORDER BY tag`);
          expect(tags.rows).toEqual([
            { object: joinName(['db', n.schema, n.table, c1]), tag: 'pii', value: n.tagValues[0] },
            { object: joinName(['db', n.schema, n.table]), tag: 'sens', value: n.tagValues[1] },
          ]);
          const attributeRows = await db.query(`SELECT role, attribute, type, value FROM ${qualified(names.governance, 'attributes')}`);
          expect(attributeRows.rows).toEqual([{ role: names.role(n.groups[0]), attribute: 'region', type: 'string', value: n.region }]);
          expect((await db.query<{ id: number }>('SELECT id FROM public.sentinel')).rows).toEqual([{ id: 42 }]);

          // Masks and filters for principals of the hostile groups, against the resolver.
          const table = resolved.tables[0]!;
          const view = qualified(managed, n.table);
          const columns = table.table.columns.map((c) => ({ name: c.name, type: c.type! }));
          for (const groups of [[n.groups[0]], [n.groups[1]], [n.groups[2]], [n.groups[0], n.groups[2]]]) {
            const want = await expected(db, resolved, table, groups);
            const got = await observe(db, view, groups.map((g) => names.role(g)), columns, { savepoint: true });
            expect(got, groups.join(' + ')).toEqual(want);
          }
          const analyst = await observe(db, view, [names.role(n.groups[0])], columns, { savepoint: true });
          expect(analyst.rows.length).toBeGreaterThan(0);
        } finally {
          await db.exec('ROLLBACK');
        }
        expect((await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [names.owner])).rows).toEqual([]);
      }),
      {
        numRuns: 40,
        examples: [
          [
            {
              schema: 'ß'.repeat(31) + 'x',
              table: 'select',
              columns: ['user', 'order', "a'; DROP TABLE public.sentinel; --"],
              groups: ['g'.repeat(120), 'g'.repeat(119) + 'h', 'x /* y */ "z"'],
              region: "EMEA'); --",
              tagValues: ['{{name}}', '\\'],
            },
          ],
        ],
      },
    );
  });

  it('consumer SQL naming a hostile table is rewritten to its view exactly (the one rewrite, query-sandbox.ts; probe.ts keeps no copy)', () => {
    expect('rewriteNeutralNames' in probeModule).toBe(false);
    const dollar = fc.constantFrom('$&', "$'", '$`', '$1', '$$', '$<x>', 'a$&b');
    const withDollars = fc.record({ n: namesArb, s: dollar, t: dollar }).map(({ n, s, t }) => ({ ...n, schema: `${n.schema}${s}`, table: `${t}${n.table}` }))
      // `${` anywhere in YAML outside target settings is (rightly) an interpolation error, not a name
      .filter((n) => utf8Bytes(n.schema) <= 63 && utf8Bytes(n.table) <= 63 && !`${n.schema}\u0000${n.table}`.includes('${'));
    fc.assert(
      fc.property(withDollars, (n) => {
        const { files, inventory } = repository(n);
        const resolved = resolvedOrThrow(validateRepository({ dir: '/virtual', files, inventoryValue: inventory }));
        const ctx = contextFor(resolved.model);
        const view = qualified(namesForResolved(resolved).schema(n.schema), n.table);
        const neutral = ['db', n.schema, n.table].map(quoteIdent).join('.');
        expect(postgresTarget.rewriteNeutralNames!(`SELECT count(*) FROM ${neutral} AS t`, resolved, ctx)).toBe(`SELECT count(*) FROM ${view} AS t`);
      }),
      { numRuns: 40 },
    );
  });
});
