import { freshPGlite } from '../../support/fresh-pglite.js';
import { stepText } from '../../../src/plan/step.js';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan, joinedRenderer, type Plan } from '../../../src/plan/plan.js';
import { postgresTarget } from '../../../src/targets/postgres/index.js';
import { compile } from '../../../src/targets/postgres/compile.js';
import { joinClass, MAX_JOINED_OBJECTS } from '../../../src/targets/postgres/join.js';
import type { NativeObject } from '../../../src/targets/target.js';
import { validateRepository } from '../../../src/validate.js';
import { FIXTURE_FILES, FIXTURE_INVENTORY, FIXTURE_SQL } from './fixture-repo.js';
import { contextFor, resolvedOrThrow } from './support.js';

/**
 * Statement economy (join.ts): a plan whose adjacent grants and tag rows share statements makes
 * exactly the catalog and the rows that one statement per change makes.
 */
const fixture = resolvedOrThrow(validateRepository({ dir: '/virtual', files: FIXTURE_FILES, inventoryValue: FIXTURE_INVENTORY }));
const ctx = contextFor(fixture.model);
const desired = compile(fixture, ctx);

function planOf(want: readonly NativeObject[], have: readonly NativeObject[], joined: boolean): Plan {
  const rctx = { ...ctx, desired: want };
  return buildPlan({
    target: postgresTarget,
    targetName: 'local',
    project: fixture.model.project.name,
    desired: want,
    current: have,
    findings: [],
    stateHash: 'h',
    render: (c) => postgresTarget.render(c, rctx),
    ...(joined ? { renderJoined: joinedRenderer(postgresTarget, rctx) } : {}),
  }).plan;
}

/** Privileges on every relation and schema, memberships aside, and the governance rows. */
async function catalog(db: PGlite): Promise<unknown> {
  const acl = await db.query(`SELECT n.nspname, c.relname, c.relacl::text AS acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`);
  const schemas = await db.query(`SELECT nspname, nspacl::text AS acl FROM pg_namespace ORDER BY 1`);
  const tags = await db.query('SELECT object, tag, value FROM mw_meta.tags ORDER BY object, tag');
  const attributes = await db.query('SELECT role, attribute, type, value FROM mw_meta.attributes ORDER BY role, attribute, value');
  return { acl: acl.rows, schemas: schemas.rows, tags: tags.rows, attributes: attributes.rows };
}

async function applied(statements: readonly string[]): Promise<PGlite> {
  const db = await freshPGlite();
  await db.exec(FIXTURE_SQL);
  await db.exec(['BEGIN;', ...statements, 'COMMIT;'].join('\n'));
  return db;
}

describe('joined statements', () => {
  const joined = planOf(desired, [], true);
  const single = planOf(desired, [], false);
  const dbs: PGlite[] = [];
  afterAll(async () => Promise.all(dbs.map((d) => d.close())));

  it('the same changes in the same order, fewer statements; a joined change points back at the change holding its statement', () => {
    expect(joined.changes.map((c) => c.key)).toEqual(single.changes.map((c) => c.key));
    expect(joined.summary.statements).toBeLessThan(single.summary.statements);
    expect(joined.summary.statements).toBe(joined.changes.reduce((n, c) => n + c.steps.map(stepText).length, 0));
    joined.changes.forEach((c, i) => {
      if (c.served_by === undefined) return;
      expect(c.steps.map(stepText)).toEqual([]);
      const leader = joined.changes[c.served_by]!;
      expect(c.served_by).toBeLessThan(i);
      expect(leader.steps.map(stepText).length).toBeGreaterThan(0);
      expect(leader.hazards).toEqual(c.hazards);
      // every change between the two is served by the same statement: a group is contiguous
      for (let k = c.served_by + 1; k < i; k++) expect(joined.changes[k]!.served_by).toBe(c.served_by);
    });
    expect(joined.changes.some((c) => c.kind === 'tag' && c.served_by !== undefined)).toBe(true);
    expect(joined.changes.some((c) => c.kind === 'grant' && c.served_by !== undefined)).toBe(true);
    // the owner's SELECT on every base table is one statement
    const owner = joined.changes.filter((c) => c.kind === 'grant' && c.key.startsWith('grant:SELECT:table:'));
    expect(owner.filter((c) => c.steps.map(stepText).length > 0).map((c) => c.steps.map(stepText))).toEqual([[expect.stringMatching(/^GRANT SELECT ON TABLE "s"\."[a-z_]+", "s"\./)]]);
  });

  let fromEmpty: { joined: PGlite; single: PGlite };
  beforeAll(async () => {
    fromEmpty = { joined: await applied(joined.changes.flatMap((c) => c.steps.map(stepText))), single: await applied(single.changes.flatMap((c) => c.steps.map(stepText))) };
    dbs.push(fromEmpty.joined, fromEmpty.single);
  });

  it('from empty: the same privileges and tag rows as one statement per change', async () => {
    const got = await catalog(fromEmpty.joined);
    expect(got).toEqual(await catalog(fromEmpty.single));
    expect((got as { tags: unknown[] }).tags.length).toBeGreaterThan(1);
  });

  it('removals (plain revokes, tag rows) joined: the same result as one statement per change', async () => {
    // drop every grant to view readers and every tag: the rest of the model stays
    const kept = desired.filter((o) => !(o.kind === 'tag' || (o.kind === 'grant' && o.spec.on === 'view')));
    const removeJoined = planOf(kept, desired, true);
    const removeSingle = planOf(kept, desired, false);
    expect(removeJoined.changes.filter((c) => c.action === 'remove').length).toBeGreaterThan(2);
    expect(removeJoined.summary.statements).toBeLessThan(removeSingle.summary.statements);
    expect(removeJoined.changes.flatMap((c) => c.steps.map(stepText)).some((s) => /^DELETE FROM "mw_meta"\."tags" WHERE \(object, tag\) IN \(/.test(s))).toBe(true);
    await fromEmpty.joined.exec(['BEGIN;', ...removeJoined.changes.flatMap((c) => c.steps.map(stepText)), 'COMMIT;'].join('\n'));
    await fromEmpty.single.exec(['BEGIN;', ...removeSingle.changes.flatMap((c) => c.steps.map(stepText)), 'COMMIT;'].join('\n'));
    const got = await catalog(fromEmpty.joined);
    expect(got).toEqual(await catalog(fromEmpty.single));
    expect((got as { tags: unknown[] }).tags).toEqual([]);
  });

  it('attribute values: added rows share one INSERT, removed ones one DELETE, never across their two ranks', async () => {
    const attrs = desired.filter((o) => o.kind === 'attribute');
    expect(attrs.length).toBeGreaterThan(1);
    const added = joined.changes.filter((c) => c.kind === 'attribute');
    expect(added.filter((c) => c.steps.map(stepText).length > 0)).toHaveLength(1);
    expect(added[0]!.steps.map(stepText)[0]).toMatch(/^INSERT INTO "mw_meta"\."attributes" \(role, attribute, type, value\) VALUES\n  \(/);
    expect((await fromEmpty.joined.query('SELECT count(*)::int AS n FROM mw_meta.attributes')).rows).toEqual([{ n: attrs.length }]);
    // each group's values replaced by others: removals (narrowing, rank 57) before additions (58.5), each run one statement
    const moved = (o: NativeObject): NativeObject => (o.kind === 'attribute' ? { ...o, key: `${o.key}:x`, spec: { ...o.spec, value: `${String(o.spec.value)}x` } } : o);
    const want = desired.map(moved);
    const rejoin = planOf(want, desired, true);
    const resingle = planOf(want, desired, false);
    const statements = rejoin.changes.filter((c) => c.kind === 'attribute' && c.steps.map(stepText).length > 0);
    expect(statements.map((c) => c.action)).toEqual(['remove', 'add']);
    expect(statements[0]!.steps.map(stepText)[0]).toMatch(/^DELETE FROM "mw_meta"\."attributes" WHERE \(role, attribute, value\) IN \(/);
    const dbJoined = await applied(joined.changes.flatMap((c) => c.steps.map(stepText)));
    const dbSingle = await applied(single.changes.flatMap((c) => c.steps.map(stepText)));
    dbs.push(dbJoined, dbSingle);
    await dbJoined.exec(['BEGIN;', ...rejoin.changes.flatMap((c) => c.steps.map(stepText)), 'COMMIT;'].join('\n'));
    await dbSingle.exec(['BEGIN;', ...resingle.changes.flatMap((c) => c.steps.map(stepText)), 'COMMIT;'].join('\n'));
    const got = await catalog(dbJoined);
    expect(got).toEqual(await catalog(dbSingle));
    expect((got as { attributes: { value: string }[] }).attributes.every((r) => r.value.endsWith('x'))).toBe(true);
  });

  it('never joins what must stay alone: revokes with a grant option or of a dependent grant, grant repairs, other kinds', () => {
    const g = { privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'mw_x' };
    const grant = (spec: Record<string, unknown>): NativeObject => ({ key: 'k', kind: 'grant', label: 'l', spec });
    const base = { key: 'k', kind: 'grant', reason: '', hazards: [] as const };
    expect(joinClass({ ...base, action: 'remove', current: grant({ ...g, grantable: true }) })).toBeNull();
    expect(joinClass({ ...base, action: 'remove', current: grant({ ...g, dependent: true }) })).toBeNull();
    expect(joinClass({ ...base, action: 'remove', current: grant({ ...g, on: 'columns', columns: ['a'] }) })).toBeNull();
    expect(joinClass({ ...base, action: 'change', current: grant(g), desired: grant(g) })).toBeNull();
    expect(joinClass({ ...base, action: 'add', kind: 'view', desired: grant(g) })).toBeNull();
    expect(joinClass({ ...base, action: 'add', desired: grant(g) })).toBe(joinClass({ ...base, action: 'add', desired: grant({ ...g, object: '"mw_s"."u"' }) }));
  });

  it('at most MAX_JOINED_OBJECTS objects per GRANT', () => {
    const many: NativeObject[] = [];
    for (let i = 0; i < MAX_JOINED_OBJECTS * 2 + 1; i++) {
      const spec = { privilege: 'SELECT', on: 'view', object: `"mw_s"."t${String(i).padStart(4, '0')}"`, grantee: 'mw_x' };
      many.push({ key: `grant:SELECT:view:${spec.object}:mw_x`, kind: 'grant', label: 'l', spec });
    }
    const plan = planOf(many, [], true);
    expect(plan.changes.filter((c) => c.steps.map(stepText).length > 0).map((c) => (c.steps.map(stepText)[0]!.match(/"mw_s"\./g) ?? []).length)).toEqual([MAX_JOINED_OBJECTS, MAX_JOINED_OBJECTS, 1]);
  });
});
