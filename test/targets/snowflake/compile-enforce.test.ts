import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import { loadRepository } from '../../../src/config/load.js';
import { evaluate } from '../../../src/model/expr/index.js';
import type { NeutralType } from '../../../src/model/neutral-types.js';
import type { TargetDecl } from '../../../src/model/types.js';
import { tableAccess } from '../../../src/resolve/access.js';
import { applyMask } from '../../../src/resolve/mask-methods.js';
import { resolve, type Resolved, type ResolvedTable } from '../../../src/resolve/resolve.js';
import { classifyHazards } from '../../../src/plan/hazards.js';
import { rankOf } from '../../../src/plan/order.js';
import { snowflakeAccess } from '../../../src/targets/snowflake/access.js';
import { compile, scopeOf } from '../../../src/targets/snowflake/compile.js';
import { readLive } from '../../../src/targets/snowflake/introspect.js';
import { groupRoleName } from '../../../src/targets/snowflake/names.js';
import { createSql } from '../../../src/targets/snowflake/render.js';
import { qualified, quoteIdent, quoteLiteral } from '../../../src/targets/snowflake/sql-text.js';
import type { NativeObject, TargetContext } from '../../../src/targets/target.js';
import type { SimConnection, Simulator } from '../../support/snowflake-sim/index.js';
import { EXAMPLE_ROOT, exampleInventory, seedTables, snowflakeAccount } from '../../support/snowflake-example.js';

/**
 * The example compiled for Snowflake and created on the simulator statement by statement (every
 * statement must be one the simulator's Snowflake grammar accepts), then read as each group: what
 * a member sees — which tables, which rows, every cell — must be what the resolver says
 * (tableAccess: grants, the strictest mask per column, the filters), cell by cell.
 */
const root = EXAMPLE_ROOT;

/** The plan from empty in the core's order (hazard classes and rank rules from the Snowflake access dialect; ties by key, as plan.ts). */
function planOrder(objects: readonly NativeObject[]): { object: NativeObject; rank: number }[] {
  return objects
    .map((o) => {
      const change = { action: 'add' as const, key: o.key, kind: o.kind, desired: o, reason: 'new' };
      return { object: o, rank: rankOf(change, classifyHazards(change, snowflakeAccess), snowflakeAccess) };
    })
    .sort((a, b) => a.rank - b.rank || (a.object.key < b.object.key ? -1 : a.object.key > b.object.key ? 1 : 0));
}

/** Three rows per table, of values every column type can hold, NULLs included. */
function sampleValue(type: NeutralType, column: string, row: number): unknown {
  if (row === 2 && !/(_id|^id)$/.test(column)) return null;
  switch (type) {
    case 'string':
      return [`${column}.ann@example.com`, ['EMEA', 'AMER', 'APAC'][row]!, 'standard'][row % 3];
    case 'number':
      return [7, 1234.5, 42][row];
    case 'boolean':
      return row === 0;
    case 'date':
      return ['2024-02-29', '1999-12-31', '2000-01-01'][row];
    case 'timestamp':
      return ['2024-02-29 13:45:01', '1999-12-31 23:59:59', '2000-01-01 00:00:00'][row];
    default:
      return null;
  }
}

/** Rows as sorted JSON text; the driver gives DATE and TIMESTAMP values as Date objects, the oracle as text or Date: compared as text per type. */
function norm(t: ResolvedTable, rows: readonly Record<string, unknown>[]): string[] {
  const types = new Map(t.table.columns.map((c) => [c.name, c.type] as const));
  const text = (k: string, v: unknown): unknown => {
    const type = types.get(k);
    const iso = v instanceof Date ? v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '') : v;
    return type === 'date' && typeof iso === 'string' ? iso.slice(0, 10) : type === 'timestamp' && typeof iso === 'string' ? iso.replace('T', ' ').slice(0, 19) : iso;
  };
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(k, v)])))).sort();
}

describe('the example compiled for Snowflake and enforced by the simulator', () => {
  let sim: Simulator;
  let resolved: Resolved;
  let objects: NativeObject[];
  const checkpoints: Map<string, string[] | null>[] = [];
  const users = new Set<string>();
  const run = (conn: SimConnection, sqlText: string): Promise<Record<string, unknown>[]> =>
    new Promise((res, rej) => conn.execute({ sqlText, complete: (err, _s, rows) => (err ? rej(new Error(`${(err as Error).message}\n${sqlText}`)) : res((rows ?? []) as Record<string, unknown>[])) }));

  beforeAll(async () => {
    const loaded = loadRepository(root);
    const model = loaded.model!;
    const inventory = exampleInventory();
    const diags = new Diagnostics();
    resolved = resolve(model, inventory, diags);
    const decl = { name: 'sf', type: 'snowflake', settings: {}, settingAt: {}, at: model.project.at } as unknown as TargetDecl;
    const ctx: TargetContext = { model, target: decl, settings: { type: 'snowflake' }, root, diagnostics: diags };
    objects = compile(resolved, ctx);
    expect(diags.errors).toEqual([]);

    sim = snowflakeAccount();
    seedTables(sim, inventory, (t) => [0, 1, 2].map((r) => Object.fromEntries(t.columns.map((c) => [c.name, sampleValue(c.type, c.name, r)]))));
    const admin = sim.createConnection({ account: 'acme', username: 'MESHWARD', warehouse: 'WH' });
    await admin.connectAsync();
    // every statement in plan order; at each change of rank, every group that can already read a
    // table must see exactly what the final model gives it (from empty: no step may widen beyond it)
    let rank = -1;
    for (const { object, rank: r } of planOrder(objects)) {
      if (r !== rank) {
        checkpoints.push(await everything(model.groups.keys(), false));
        rank = r;
      }
      for (const sql of createSql(object.kind, object.spec)) await run(admin, sql);
    }
  });

  /** What each group reads of each table: null when it cannot read it. */
  async function everything(groups: Iterable<string>, strict: boolean): Promise<Map<string, string[] | null>> {
    const out = new Map<string, string[] | null>();
    for (const g of groups) {
      const user = `U_${g}`.toUpperCase();
      if (!users.has(user)) {
        sim.createUser(user, { defaultRole: 'PUBLIC', defaultSecondaryRoles: 'ALL', roles: [groupRoleName(resolved.model.project.managedPrefix, g)], defaultWarehouse: 'WH' });
        users.add(user);
      }
      const conn = sim.createConnection({ account: 'acme', username: user, warehouse: 'WH' });
      await conn.connectAsync();
      for (const t of resolved.tables) {
        try {
          out.set(`${g}|${t.table.name}`, norm(t, await run(conn, `SELECT * FROM ${qualified(...t.table.parts)}`)));
        } catch (e) {
          if (strict || !/does not exist or not authorized|Insufficient privileges/.test((e as Error).message)) throw e;
          out.set(`${g}|${t.table.name}`, null);
        }
      }
    }
    return out;
  }

  it('no step of the plan from empty lets a group read beyond the final model', async () => {
    const final = await everything(resolved.model.groups.keys(), false);
    expect(checkpoints.length).toBeGreaterThan(3);
    for (const [i, point] of checkpoints.entries()) {
      for (const [key, seen] of point) if (seen !== null) expect(seen, `checkpoint ${i}: ${key}`).toEqual(final.get(key));
    }
  });

  it('compiles masking into one tag, one policy per type and a tag value per masked column', () => {
    const kinds = new Map<string, number>();
    for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    expect(kinds.get('mask-route')).toBe(1);
    expect(kinds.get('mask-policy')).toBeLessThanOrEqual(4);
    expect(kinds.get('row-access-policy')).toBe(kinds.get('row-policy-on'));
    expect(objects.every((o) => o.kind !== 'mask-policy' || String(o.spec.body).startsWith('CASE SYSTEM$GET_TAG_ON_CURRENT_COLUMN('))).toBe(true);
  });

  it('every group reads exactly what the resolver says, cell by cell', async () => {
    let checkedCells = 0;
    await everything(resolved.model.groups.keys(), false); // the users exist
    for (const g of resolved.model.groups.keys()) {
      const conn = sim.createConnection({ account: 'acme', username: `U_${g}`.toUpperCase(), warehouse: 'WH' });
      await conn.connectAsync();
      const principal = resolved.principals.principal([g]);
      for (const t of resolved.tables) {
        const access = tableAccess(t, principal);
        const [db, schema, name] = t.table.parts;
        const sql = `SELECT * FROM ${qualified(db, schema, name)}`;
        if (!access.readable) {
          await expect(run(conn, sql), `${g} must not read ${t.table.name}`).rejects.toThrow(/does not exist or not authorized|Insufficient privileges/);
          continue;
        }
        const raw = sim.rowsOf(db, schema, name);
        const types = new Map(t.table.columns.map((c) => [c.name.toLowerCase(), c.type ?? 'other'] as const));
        const visible = raw.filter((row) => !access.predicate || evaluate(access.predicate, row, { attributes: principal.attributes, groups: principal.closure }, types as ReadonlyMap<string, NeutralType>) === true);
        const want = visible.map((row) => Object.fromEntries(access.columns.map((c) => {
          const type = t.table.columns.find((x) => x.name === c.name)!.type!;
          const v = row[c.name];
          return [c.name, c.access === 'clear' ? v : applyMask(c.access, c.keepLast !== undefined ? { keep_last: c.keepLast } : {}, v, type)];
        })));
        const got = await run(conn, sql);
        expect(norm(t, got), `${g} reading ${t.table.name}`).toEqual(norm(t, want));
        checkedCells += want.length * access.columns.length;
      }
    }
    expect(checkedCells).toBeGreaterThan(1000);
  });

  it('reads back, in bulk, exactly what it created: every desired object live with an equal spec, nothing else managed', async () => {
    const admin = sim.createConnection({ account: 'acme', username: 'MESHWARD', warehouse: 'WH' });
    await admin.connectAsync();
    const scope = scopeOf({ model: resolved.model, target: { name: 'sf' }, settings: {} } as unknown as TargetContext);
    const live = await readLive((sql) => run(admin, sql), scope, resolved.tables.map((t) => t.table.parts));
    const byKey = new Map(live.objects.map((o) => [o.key, o]));
    const missing = objects.filter((o) => !byKey.has(o.key)).map((o) => o.key);
    expect(missing).toEqual([]);
    for (const o of objects) expect(byKey.get(o.key)!.spec, o.key).toEqual(o.spec);
    const desiredKeys = new Set(objects.map((o) => o.key));
    expect(live.objects.filter((o) => !desiredKeys.has(o.key)).map((o) => o.key)).toEqual([]);
    // a fixed number of statements whatever the table count: per role, per 100 tables, per policy batch
    const roles = objects.filter((o) => o.kind === 'role').length;
    expect(live.statements).toBeLessThanOrEqual(1 + roles + 8 + objects.filter((o) => o.kind === 'mask-policy').length + Math.ceil(resolved.tables.length / 100) * 2);
  });

  it('every identifier and literal in the statements went through the quoting helpers', () => {
    for (const o of objects) for (const sql of createSql(o.kind, o.spec)) expect(sql, sql).toMatch(/^(CREATE|GRANT|INSERT|ALTER) /);
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('every out-of-band edit that changes what a principal reads shows in the read (last: it edits the account)', async () => {
    const admin = sim.createConnection({ account: 'acme', username: 'MESHWARD', warehouse: 'WH' });
    await admin.connectAsync();
    const scope = scopeOf({ model: resolved.model, target: { name: 'sf' }, settings: {} } as unknown as TargetContext);
    const grant = objects.find((o) => o.kind === 'grant' && o.spec.on === 'table')!;
    const masked = objects.find((o) => o.kind === 'tag-value' && o.spec.mask === true)!;
    const policy = objects.find((o) => o.kind === 'mask-policy')!;
    const rap = objects.find((o) => o.kind === 'row-policy-on')!;
    const membership = objects.find((o) => o.kind === 'membership')!;
    const p = (v: unknown) => v as string[];
    for (const sql of [
      `REVOKE SELECT ON TABLE ${qualified(...p(grant.spec.object))} FROM ROLE ${quoteIdent(String(grant.spec.grantee))}`,
      `ALTER TABLE ${qualified(...p(masked.spec.table))} MODIFY COLUMN ${quoteIdent(String(masked.spec.column))} UNSET TAG ${qualified(...p(masked.spec.tag))}`,
      `ALTER MASKING POLICY ${qualified(...p(policy.spec.object))} SET BODY -> "VAL"`,
      `ALTER TABLE ${qualified(...p(rap.spec.table))} DROP ROW ACCESS POLICY ${qualified(...p(rap.spec.policy))}`,
      `REVOKE ROLE ${quoteIdent(String(membership.spec.role))} FROM ROLE ${quoteIdent(String(membership.spec.member))}`,
      `GRANT SELECT ON TABLE ${qualified(...p(grant.spec.object))} TO ROLE ${quoteIdent(groupRoleName(resolved.model.project.managedPrefix, 'employees'))}`,
    ])
      await run(admin, sql);
    const live = new Map((await readLive((sql) => run(admin, sql), scope, resolved.tables.map((t) => t.table.parts))).objects.map((o) => [o.key, o]));
    const differing = objects.filter((o) => JSON.stringify(live.get(o.key)?.spec) !== JSON.stringify(o.spec)).map((o) => o.key).sort();
    expect(differing).toEqual([grant.key, masked.key, policy.key, rap.key, membership.key].sort());
    const desired = new Set(objects.map((o) => o.key));
    expect([...live.keys()].filter((k) => !desired.has(k))).toEqual([`grant:SELECT|table|${qualified(...p(grant.spec.object))}|${groupRoleName(resolved.model.project.managedPrefix, 'employees')}`]);
  });
});
