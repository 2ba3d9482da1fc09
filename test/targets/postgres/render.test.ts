import { freshPGlite } from '../../support/fresh-pglite.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/targets/postgres/compile.js';
import { hazards } from '../../../src/targets/postgres/hazards.js';
import { quoteIdent } from '../../../src/targets/postgres/naming.js';
import { namesForResolved } from '../../../src/targets/postgres/native-names.js';
import { objects, type GrantSpec, type ViewSpec } from '../../../src/targets/postgres/objects.js';
import { loadPostgresTemplates, POSTGRES_TEMPLATES, render, replaceableInPlace } from '../../../src/targets/postgres/render.js';
import { templatesDir } from '../../../src/targets/shared/templates.js';
import type { Change, NativeObject, RenderContext } from '../../../src/targets/target.js';
import { validateRepository } from '../../../src/validate.js';
import { checkGolden as checkSharedGolden } from '../../support/golden.js';
import { FIXTURE_FILES, FIXTURE_INVENTORY, FIXTURE_SQL } from './fixture-repo.js';
import { expected, observe } from './probe-check.js';
import { compileAndRender, contextFor, resolvedOrThrow } from './support.js';

const GOLDEN = join(import.meta.dirname, 'golden');

/** One golden file's text: every step as `-- label` followed by its statements. */
function goldenText(steps: { object: NativeObject; sql: string[] }[]): string {
  return steps.map((s) => `-- ${s.object.label}\n${s.sql.join('\n')}\n`).join('\n');
}

/** A golden file of this directory (test/support/golden.ts: a missing one fails unless UPDATE_GOLDEN=1). */
function checkGolden(file: string, text: string): void {
  checkSharedGolden(join(GOLDEN, file), text);
}

const example = resolvedOrThrow(validateRepository({ dir: 'policies' }));
const exampleCtx = contextFor(example.model, 'policies');
const fixture = resolvedOrThrow(validateRepository({ dir: '/virtual', files: FIXTURE_FILES, inventoryValue: FIXTURE_INVENTORY }));
const fixtureCtx = contextFor(fixture.model);

describe('golden SQL', () => {
  it('example repository: one file per domain, one for roles and governance', () => {
    const { steps } = compileAndRender(example, exampleCtx);
    const files = new Map<string, typeof steps>();
    for (const s of steps) {
      const file = `${s.object.domain ?? 'roles'}.sql`;
      files.set(file, [...(files.get(file) ?? []), s]);
    }
    expect([...files.keys()].sort()).toEqual(['finance.sql', 'hr.sql', 'marketing.sql', 'roles.sql', 'sales.sql']);
    for (const [file, list] of files) checkGolden(file, goldenText(list));
  });

  it('fixture: every mask method × type and every filter construct', () => {
    checkGolden('fixture.sql', goldenText(compileAndRender(fixture, fixtureCtx).steps));
  });

  it('every statement ends with a semicolon and none uses CASCADE or security_invoker', () => {
    for (const r of [example, fixture]) {
      for (const s of compileAndRender(r, r === example ? exampleCtx : fixtureCtx).steps.flatMap((x) => x.sql)) {
        expect(s.endsWith(';')).toBe(true);
        expect(s).not.toMatch(/\bCASCADE\b|security_invoker|E'/);
      }
    }
  });
});

describe('the fixture applied to PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(FIXTURE_SQL);
    const { steps } = compileAndRender(fixture, fixtureCtx);
    await db.exec(['BEGIN;', ...steps.flatMap((s) => s.sql), 'COMMIT;'].join('\n'));
  });
  afterAll(async () => db.close());

  const PRINCIPALS = [['base'], ['lead'], ['auditor'], ['nobody'], ['lead', 'auditor'], ['base', 'auditor']];
  it.each(PRINCIPALS)('every table as %j matches the resolver', async (...groups) => {
    const names = namesForResolved(fixture);
    for (const table of fixture.tables) {
      const view = `${quoteIdent(names.schema(table.table.parts[1]))}.${quoteIdent(table.table.parts[2])}`;
      const want = await expected(db, fixture, table, groups);
      const got = await observe(db, view, groups.map((g) => names.role(g)), table.table.columns.map((c) => ({ name: c.name, type: c.type! })));
      expect(got, `${table.table.name} as ${groups.join('+')}`).toEqual(want);
    }
  });

  it('records the tags and the governance metadata', async () => {
    const { rows } = await db.query<{ object: string; tag: string; value: string }>('SELECT object, tag, value FROM mw_meta.tags ORDER BY object, tag');
    expect(rows).toEqual([
      { object: 'db.s.filtered', tag: 'level', value: 'high' },
      { object: 'db.s.masked.t_char', tag: 'pii', value: 'email' },
      { object: 'db.s.masked.t_text', tag: 'pii', value: 'email' },
    ]);
    const meta = await db.query<{ key: string; value: unknown }>('SELECT key, value FROM mw_meta.meta ORDER BY key');
    expect(meta.rows).toEqual([
      { key: 'layout_version', value: 2 },
      { key: 'project', value: 'fx' },
    ]);
  });

  it('keeps the group attribute values where only the view owner reads them: a consumer cannot read the table', async () => {
    const { rows } = await db.query<Record<string, string>>('SELECT role, attribute, type, value FROM mw_meta.attributes ORDER BY role, attribute, value');
    expect(rows.length).toBeGreaterThan(0);
    const acl = await db.query<{ owner: string; acl: string[] | null }>(`SELECT pg_get_userbyid(relowner) AS owner, relacl::text[] AS acl FROM pg_class WHERE oid = 'mw_meta.attributes'::regclass`);
    expect(acl.rows).toEqual([{ owner: 'mw_owner', acl: null }]);
    for (const groups of PRINCIPALS) {
      await db.exec('BEGIN');
      try {
        await db.exec(`CREATE ROLE x_probe NOLOGIN IN ROLE ${groups.map((g) => quoteIdent(namesForResolved(fixture).role(g))).join(', ')}; SET LOCAL ROLE x_probe;`);
        await expect(db.query('SELECT * FROM mw_meta.attributes')).rejects.toThrow(/permission denied/);
      } finally {
        await db.exec('ROLLBACK');
      }
    }
  });

  it('replaces a view in place when columns only get appended, else drops, creates and re-grants in one transaction', async () => {
    const desired = compile(fixture, fixtureCtx);
    const view = desired.find((o) => o.key === 'view:"mw_s"."masked"')!;
    const spec = view.spec as ViewSpec;
    const ctx: RenderContext = { ...fixtureCtx, desired };
    const inPlace: Change = { action: 'change', key: view.key, kind: 'view', desired: view, current: { ...view, spec: { ...spec, columns: spec.columns.slice(0, 3), masks: {} } }, reason: 't', hazards: [] };
    const sql1 = render(inPlace, ctx);
    expect(sql1[0]).toMatch(/^CREATE OR REPLACE VIEW "mw_s"."masked" WITH \(security_barrier = true\) AS\nSELECT/);
    expect(sql1.some((s) => s.startsWith('DROP'))).toBe(false);

    const typeChanged = { ...spec, columns: spec.columns.map((c) => (c.name === 't_varchar' ? { ...c, type: 'character varying(10)' } : c)) };
    const recreate: Change = { ...inPlace, current: { ...view, spec: typeChanged } };
    const sql2 = render(recreate, ctx);
    expect(sql2[0]).toBe('DROP VIEW "mw_s"."masked" RESTRICT;');
    expect(sql2.filter((s) => s.startsWith('GRANT SELECT ON TABLE "mw_s"."masked"'))).toEqual(['GRANT SELECT ON TABLE "mw_s"."masked" TO "mw_auditor";', 'GRANT SELECT ON TABLE "mw_s"."masked" TO "mw_base";']);
    await db.exec('BEGIN');
    try {
      for (const s of [...sql2, ...sql1]) await db.exec(s);
      const acl = await db.query<{ acl: string[] }>(`SELECT relacl::text[] AS acl FROM pg_class WHERE oid = '"mw_s"."masked"'::regclass`);
      expect(acl.rows[0]!.acl.filter((a) => !a.startsWith('mw_owner='))).toEqual(['mw_auditor=r/mw_owner', 'mw_base=r/mw_owner']);
    } finally {
      await db.exec('ROLLBACK');
    }
  });

  it('the revokes of privileges meshward did not make run and take effect (grant option chains included)', async () => {
    const desired = compile(fixture, fixtureCtx);
    const ctx: RenderContext = { ...fixtureCtx, desired };
    const view = '"mw_s"."masked"';
    await db.exec('BEGIN');
    try {
      await db.exec('CREATE ROLE x_alice NOLOGIN; CREATE ROLE x_bob NOLOGIN');
      await db.exec(`GRANT UPDATE, SELECT ON ${view} TO x_alice WITH GRANT OPTION; GRANT CREATE ON SCHEMA mw_s TO x_alice; GRANT mw_base TO x_alice WITH ADMIN OPTION`);
      await db.exec(`SET ROLE x_alice; GRANT SELECT ON ${view} TO x_bob; RESET ROLE`); // x_bob's grant depends on x_alice's grant option
      const rm = (o: NativeObject) => render({ action: 'remove', key: o.key, kind: o.kind, current: o, reason: 't', hazards: [] }, ctx);
      const sql = [
        ...rm(objects.grant({ privilege: 'SELECT', on: 'view', object: view, grantee: 'x_alice', grantable: true })),
        ...rm(objects.grant({ privilege: 'UPDATE', on: 'view', object: view, grantee: 'x_alice', grantable: true })),
        ...rm(objects.grant({ privilege: 'SELECT', on: 'view', object: view, grantee: 'x_bob', dependent: true })),
        ...rm(objects.grant({ privilege: 'CREATE', on: 'schema', object: '"mw_s"', grantee: 'x_alice' })),
        ...rm(objects.roleAdmin({ role: 'mw_base', member: 'x_alice' })),
      ];
      for (const s of sql) await db.exec(s);
      const { rows } = await db.query<Record<string, boolean>>(
        // x_alice is a member of mw_base, which may read the view: her own ACL entries are what must be gone
        `SELECT EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = '${view}'::regclass AND a.grantee = 'x_alice'::regrole) AS a_sel,
                has_table_privilege('x_alice', '${view}', 'UPDATE') AS a_upd,
                has_table_privilege('x_bob', '${view}', 'SELECT') AS b_sel, has_schema_privilege('x_alice', 'mw_s', 'CREATE') AS a_create,
                pg_has_role('x_alice', 'mw_base', 'MEMBER') AS a_member, pg_has_role('x_alice', 'mw_base', 'USAGE WITH ADMIN OPTION') AS a_admin`,
      );
      expect(rows[0]).toEqual({ a_sel: false, a_upd: false, b_sel: false, a_create: false, a_member: true, a_admin: false });
    } finally {
      await db.exec('ROLLBACK');
    }
  });

  it('drops nothing that is not empty: DROP SCHEMA without CASCADE fails while a view remains', async () => {
    const schema = compile(fixture, fixtureCtx).find((o) => o.key === 'schema:mw_s')!;
    const [drop] = render({ action: 'remove', key: schema.key, kind: 'schema', current: schema, reason: 't', hazards: [] }, { ...fixtureCtx, desired: [] });
    expect(drop).toBe('DROP SCHEMA "mw_s" RESTRICT;');
    await expect(db.exec(drop!)).rejects.toThrow(/depend/);
  });
});

describe('render', () => {
  const ctx: RenderContext = { ...exampleCtx, desired: [] };
  const change = (action: Change['action'], o: NativeObject): Change => {
    const c = { action, key: o.key, kind: o.kind, ...(action === 'remove' ? { current: o } : { desired: o }), reason: 't' };
    return { ...c, hazards: hazards(c) };
  };

  it('renders each kind and action as its own statements', () => {
    const role = objects.role({ name: "mw_o'ne\"il", comment: "meshward:acme:group:o'ne\"il" });
    expect(render(change('add', role), ctx)).toEqual([`CREATE ROLE "mw_o'ne""il" NOLOGIN;`, `COMMENT ON ROLE "mw_o'ne""il" IS 'meshward:acme:group:o''ne"il';`]);
    expect(render(change('remove', role), ctx)).toEqual([`DROP ROLE "mw_o'ne""il";`]);
    const m = objects.membership({ role: 'mw_a', member: 'mw_b' });
    expect(render(change('add', m), ctx)).toEqual(['GRANT "mw_a" TO "mw_b";']);
    expect(render(change('remove', m), ctx)).toEqual(['REVOKE "mw_a" FROM "mw_b";']);
    const usage = objects.grant({ privilege: 'USAGE', on: 'schema', object: '"mw_x"', grantee: 'mw_a' });
    expect(render(change('remove', usage), ctx)).toEqual(['REVOKE USAGE ON SCHEMA "mw_x" FROM "mw_a";']);
    const tag = objects.tag({ object: 'a.b.c', tag: 'k', value: "v;\n'x" });
    expect(render(change('remove', tag), ctx)).toEqual([`DELETE FROM "mw_meta"."tags" WHERE object = 'a.b.c' AND tag = 'k';`]);
    expect(render(change('change', tag), ctx)).toEqual([`INSERT INTO "mw_meta"."tags" (object, tag, value) VALUES ('a.b.c', 'k', 'v;\n''x')\n  ON CONFLICT (object, tag) DO UPDATE SET value = EXCLUDED.value;`]);
    expect(render(change('remove', objects.governance({ schema: 'mw_meta', version: 1 })), ctx)).toEqual([]);
  });

  it('puts a role back with exactly the attributes that differ, and resets its settings per database', () => {
    const desired = objects.role({ name: 'mw_g', comment: 'meshward:acme:group:g' });
    const live = objects.role({ name: 'mw_g', comment: 'meshward:acme:group:g', superuser: true, login: true, bypassrls: true, inherit: false, connection_limit: 3, settings: [['', 'search_path=evil'], ['analytics', 'work_mem=1MB']] });
    const c: Change = { action: 'change', key: desired.key, kind: 'role', desired, current: live, reason: 't', hazards: [] };
    expect(render(c, ctx)).toEqual([
      'ALTER ROLE "mw_g" NOSUPERUSER INHERIT NOLOGIN NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD NULL;',
      'ALTER ROLE "mw_g" RESET ALL;',
      'ALTER ROLE "mw_g" IN DATABASE "analytics" RESET ALL;',
      `COMMENT ON ROLE "mw_g" IS 'meshward:acme:group:g';`,
    ]);
    // a comment-only change names no attribute (a non-superuser may not even write NOSUPERUSER)
    expect(render({ ...c, current: objects.role({ name: 'mw_g', comment: 'x' }) }, ctx)).toEqual([`COMMENT ON ROLE "mw_g" IS 'meshward:acme:group:g';`]);
  });

  it('revokes any privilege, grant option, column grant and ADMIN OPTION meshward did not make', () => {
    const view = '"mw_x"."t"';
    const update = objects.grant({ privilege: 'UPDATE', on: 'view', object: view, grantee: 'alice', grantable: true });
    expect(render(change('remove', update), ctx)).toEqual(['REVOKE UPDATE ON TABLE "mw_x"."t" FROM "alice" CASCADE;']);
    const create = objects.grant({ privilege: 'CREATE', on: 'schema', object: '"mw_x"', grantee: '' });
    expect(render(change('remove', create), ctx)).toEqual(['REVOKE CREATE ON SCHEMA "mw_x" FROM PUBLIC;']);
    const cols = objects.grant({ privilege: 'SELECT', on: 'columns', object: view, grantee: 'bob', columns: ['a"b', 'c'] });
    expect(render(change('remove', cols), ctx)).toEqual(['REVOKE SELECT ("a""b", "c") ON TABLE "mw_x"."t" FROM "bob";']);
    const dependent = objects.grant({ privilege: 'SELECT', on: 'view', object: view, grantee: 'carol', dependent: true });
    expect(render(change('remove', dependent), ctx)).toEqual([]); // goes with its grantor's CASCADE
    const model = objects.grant({ privilege: 'SELECT', on: 'view', object: view, grantee: 'mw_g' });
    const option: Change = { action: 'change', key: model.key, kind: 'grant', desired: model, current: objects.grant({ ...(model.spec as GrantSpec), grantable: true }), reason: 't', hazards: [] };
    expect(render(option, ctx)).toEqual(['REVOKE GRANT OPTION FOR SELECT ON TABLE "mw_x"."t" FROM "mw_g" CASCADE;']);
    expect(render(change('remove', objects.roleAdmin({ role: 'mw_g', member: 'alice' })), ctx)).toEqual(['REVOKE ADMIN OPTION FOR "mw_g" FROM "alice";']);
    const bad = objects.grant({ privilege: 'SELECT; DROP TABLE x' as never, on: 'view', object: view, grantee: 'r' });
    expect(() => render(change('remove', bad), ctx)).toThrow(/unexpected privilege/);
  });

  it('refuses a grant object that is not a quoted name', () => {
    const bad = objects.grant({ privilege: 'SELECT', on: 'view', object: '"a"."b"; DROP TABLE x; --', grantee: 'r' });
    expect(() => render(change('add', bad), ctx)).toThrow(/not a quoted/);
    const wrong = objects.grant({ privilege: 'USAGE', on: 'view', object: '"a"."b"', grantee: 'r' });
    expect(() => render(change('add', wrong), ctx)).toThrow(/unexpected USAGE/);
  });

  it('replaces in place only over a compatible prefix', () => {
    const a = { name: 'a', type: 'text' };
    const b = { name: 'b', type: 'integer' };
    expect(replaceableInPlace([a], [a, b])).toBe(true);
    expect(replaceableInPlace([a, b], [a, b])).toBe(true);
    expect(replaceableInPlace([a, b], [a])).toBe(false);
    expect(replaceableInPlace([b, a], [a, b])).toBe(false);
    expect(replaceableInPlace([{ ...a, type: 'character varying(5)' }], [a])).toBe(false);
  });

  it('has a template for every kind and action, and fails naming a missing one', () => {
    const dir = templatesDir('postgres');
    // Found the same way from the compiled module under dist/.
    expect(templatesDir('postgres', pathToFileURL(join(process.cwd(), 'dist/src/targets/shared/templates.js')).href)).toBe(dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.sql.hbs')).map((f) => f.slice(0, -8)).sort()).toEqual([...POSTGRES_TEMPLATES].sort());
    const partial = mkdtempSync(join(tmpdir(), 'mw-templates-'));
    try {
      for (const name of POSTGRES_TEMPLATES) if (name !== 'view.change') writeFileSync(join(partial, `${name}.sql.hbs`), readFileSync(join(dir, `${name}.sql.hbs`)));
      expect(() => loadPostgresTemplates(partial)).toThrow(`missing template ${join(partial, 'view.change.sql.hbs')}`);
    } finally {
      rmSync(partial, { recursive: true });
    }
  });
});
