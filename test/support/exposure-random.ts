import fc from 'fast-check';
import { Diagnostics } from '../../src/config/diagnostics.js';
import type { PolicyFile } from '../../src/config/load.js';
import type { Inventory } from '../../src/model/inventory.js';
import type { TargetSession } from '../../src/session/open-target.js';
import { targetFor } from '../../src/targets/index.js';
import type { Connection } from '../../src/targets/target.js';
import { modelInventory, randomModelArb, renderModel, REGIONS, type PolicySpec, type RandomModel } from './random-model.js';
import { planAndApplyModel, planExposure, withModel, type PlanExposure } from './exposure-session.js';

/**
 * Random model CHANGES for the exposure harness: a small random model (random-model.ts), one to
 * three edits of it — or a replacement, or a first apply from nothing — and a warehouse to run
 * them on: the base tables of both models with a handful of rows (NULLs, short values, e-mails
 * without '@', non-ASCII) created on the engine. Every case runs inside one transaction that is
 * rolled back, so cases never see each other.
 */

export interface Row {
  readonly region: string | null;
  readonly amount: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly name: string | null;
}

export interface ExposureCase {
  /** null: a first apply onto a target meshward never touched. */
  readonly old: RandomModel | null;
  readonly next: RandomModel;
  /** What was done to `old` to get `next`, for the failure message. */
  readonly edits: readonly string[];
  /** Rows of every base table, by table name `s<d>.t<i>`. */
  readonly rows: Readonly<Record<string, readonly Row[]>>;
}

const STRING_COLUMNS = ['email', 'phone', 'name'] as const;
const METHODS = ['nullify', 'redact', 'hash', 'partial', 'email_domain'] as const;
const SENSITIVITY = ['public', 'internal', 'restricted'] as const;

const rowArb: fc.Arbitrary<Row> = fc.record({
  region: fc.constantFrom<string | null>(...REGIONS, null),
  amount: fc.constantFrom<string | null>('5', '12.50', '50', '150', null),
  email: fc.constantFrom<string | null>('ann@example.com', 'bob@', 'no-at-sign', '', 'zoë@exämple.org', null),
  phone: fc.constantFrom<string | null>('+44 20 7946 0123', '12', '5550100', '', null),
  name: fc.constantFrom<string | null>('Ann', "O'Brien", 'Zoë', '', null),
});

/**
 * A row-filter expression. Negation wraps column-only predicates: a negated user.<attribute> or
 * in_group() shows MORE rows to a principal with FEWER memberships, which no statement order can
 * keep within both models while memberships change (see the it.fails case in the random suite).
 */
function exprArb(groupCount: number): fc.Arbitrary<string> {
  const columnAtom = fc.oneof(
    fc.constantFrom(...REGIONS).map((r) => `region = '${r}'`),
    fc.constantFrom(10, 20, 100).map((n) => `amount > ${n}`),
    fc.constant('amount IS NULL'),
    fc.constant('region IS NOT NULL'),
  );
  const atom = fc.oneof(
    columnAtom,
    fc.constant('region IN user.region'),
    fc.constantFrom(...REGIONS).map((r) => `user.region = '${r}'`),
    fc.nat(groupCount - 1).map((g) => `in_group('g${g}')`),
    columnAtom.map((a) => `NOT (${a})`),
  );
  return fc.oneof({ weight: 3, arbitrary: atom }, fc.tuple(atom, fc.constantFrom('AND', 'OR'), atom).map(([a, op, b]) => `(${a}) ${op} (${b})`));
}

function policyArb(m: RandomModel, local: boolean): fc.Arbitrary<PolicySpec> {
  const groups = m.groups.length;
  const exempt = fc.uniqueArray(fc.nat(groups - 1), { maxLength: 2 });
  const tableIdx = fc.nat(m.tables.length - 1);
  const mask = fc.record({
    kind: fc.constant('mask' as const),
    domain: fc.nat(1),
    selector: local
      ? fc.uniqueArray(fc.tuple(tableIdx, fc.constantFrom(...STRING_COLUMNS)), { minLength: 1, maxLength: 3 }).map((columns) => ({ columns: columns as [number, string][] }))
      : fc.subarray(['email', 'phone', 'name'], { minLength: 1 }).map((tags) => ({ tags })),
    method: fc.constantFrom<string>(...METHODS),
    keepLast: fc.integer({ min: 1, max: 6 }),
    exempt: local ? fc.constant<number[]>([]) : exempt,
  });
  const filter = fc.record({
    kind: fc.constant('filter' as const),
    domain: fc.nat(1),
    selector: local ? fc.uniqueArray(tableIdx, { minLength: 1, maxLength: 3 }).map((tables) => ({ tables })) : fc.constantFrom(...SENSITIVITY).map((atLeast) => ({ atLeast })),
    allow: exprArb(groups),
    exempt,
  });
  return fc.oneof(mask, filter);
}

/** Replaces element `i` of a list. */
const put = <T>(list: readonly T[], i: number, value: T): T[] => list.map((x, j) => (j === i ? value : x));
const without = <T>(list: readonly T[], i: number): T[] => list.filter((_, j) => j !== i);

/** One edit of a model: [description, edited model]. */
function editArb(m: RandomModel): fc.Arbitrary<[string, RandomModel]> {
  const groups = m.groups.length;
  const edits: fc.Arbitrary<[string, RandomModel]>[] = [
    policyArb(m, false).map((p) => [`add global ${p.kind}`, { ...m, globals: [...m.globals, p] }]),
    policyArb(m, true).map((p) => [`add local ${p.kind}`, { ...m, locals: [...m.locals, p] }]),
    fc.uniqueArray(fc.nat(groups - 1), { minLength: 1, maxLength: 3 }).chain((gs) =>
      fc.record({ domain: fc.nat(1), tables: fc.oneof(fc.constant('all' as const), fc.uniqueArray(fc.nat(m.tables.length - 1), { minLength: 1, maxLength: 2 })) }).map((g): [string, RandomModel] => ['add grant', { ...m, grants: [...m.grants, { ...g, groups: gs }] }]),
    ),
    fc.nat(groups - 1).chain((i) => fc.subarray(REGIONS).map((regions): [string, RandomModel] => [`g${i} regions = [${regions}]`, { ...m, groups: put(m.groups, i, { ...m.groups[i]!, regions }) }])),
    fc.nat(m.tables.length - 1).chain((i) =>
      fc.record({ sensitivity: fc.constantFrom(...SENSITIVITY), columnTags: fc.record({ email: fc.constantFrom('email', 'phone', 'none'), phone: fc.constantFrom('phone', 'none'), name: fc.constantFrom('name', 'none') }) }).map((t): [string, RandomModel] => [`retag t${i}`, { ...m, tables: put(m.tables, i, { ...m.tables[i]!, ...t }) }]),
    ),
    fc.nat(groups).map((i): [string, RandomModel] => [`add group g${groups}`, { ...m, groups: [...m.groups, { memberOf: i < groups ? [i] : [], regions: [REGIONS[i % 3]!] }] }]),
  ];
  if (groups > 1) {
    edits.push(fc.integer({ min: 1, max: groups - 1 }).chain((i) => fc.uniqueArray(fc.nat(i - 1), { maxLength: 2 }).map((memberOf): [string, RandomModel] => [`g${i} member_of = [${memberOf.map((j) => `g${j}`)}]`, { ...m, groups: put(m.groups, i, { ...m.groups[i]!, memberOf }) }])));
  }
  if (groups > 2) edits.push(fc.constant<[string, RandomModel]>([`remove group g${groups - 1}`, removeLastGroup(m)]));
  if (m.grants.length) {
    edits.push(fc.nat(m.grants.length - 1).map((i): [string, RandomModel] => [`remove grant ${i}`, { ...m, grants: without(m.grants, i) }]));
    edits.push(fc.nat(m.grants.length - 1).chain((i) => fc.uniqueArray(fc.nat(groups - 1), { minLength: 1, maxLength: 3 }).map((gs): [string, RandomModel] => [`grant ${i} to [${gs.map((g) => `g${g}`)}]`, { ...m, grants: put(m.grants, i, { ...m.grants[i]!, groups: gs }) }])));
  }
  for (const key of ['globals', 'locals'] as const) {
    const list = m[key];
    if (!list.length) continue;
    const at = fc.nat(list.length - 1);
    edits.push(at.map((i): [string, RandomModel] => [`remove ${key} ${i}`, { ...m, [key]: without(list, i) }]));
    edits.push(
      at.chain((i) => {
        const p = list[i]!;
        if (p.kind === 'mask') {
          return fc.oneof(
            fc.constantFrom<string>(...METHODS).map((method): [string, RandomModel] => [`${key} ${i} method ${method}`, { ...m, [key]: put(list, i, { ...p, method }) }]),
            fc.integer({ min: 1, max: 6 }).map((keepLast): [string, RandomModel] => [`${key} ${i} partial keep_last ${keepLast}`, { ...m, [key]: put(list, i, { ...p, method: 'partial', keepLast }) }]),
            key === 'globals'
              ? fc.uniqueArray(fc.nat(groups - 1), { maxLength: 2 }).map((exempt): [string, RandomModel] => [`${key} ${i} exempt [${exempt}]`, { ...m, [key]: put(list, i, { ...p, exempt }) }])
              : fc.constant<[string, RandomModel]>([`${key} ${i} unchanged`, m]),
          );
        }
        return fc.oneof(
          exprArb(groups).map((allow): [string, RandomModel] => [`${key} ${i} allow "${allow}"`, { ...m, [key]: put(list, i, { ...p, allow }) }]),
          fc.uniqueArray(fc.nat(groups - 1), { maxLength: 2 }).map((exempt): [string, RandomModel] => [`${key} ${i} exempt [${exempt}]`, { ...m, [key]: put(list, i, { ...p, exempt }) }]),
        );
      }),
    );
  }
  return fc.oneof(...edits);
}

/** Drops the last group and every reference to it (in_group of it becomes in_group('g0')). */
function removeLastGroup(m: RandomModel): RandomModel {
  const last = m.groups.length - 1;
  const keep = (gs: readonly number[]) => gs.filter((g) => g !== last);
  const policy = (p: PolicySpec): PolicySpec => (p.kind === 'mask' ? { ...p, exempt: keep(p.exempt) } : { ...p, exempt: keep(p.exempt), allow: p.allow.replaceAll(`in_group('g${last}')`, "in_group('g0')") });
  return {
    groups: m.groups.slice(0, last).map((g) => ({ ...g, memberOf: keep(g.memberOf) })),
    tables: m.tables,
    grants: m.grants.map((g) => ({ ...g, groups: keep(g.groups) })).filter((g) => g.groups.length > 0),
    globals: m.globals.map(policy),
    locals: m.locals.map(policy),
  };
}

/** Applies `count` edits in sequence. */
function editsArb(m: RandomModel, count: number): fc.Arbitrary<[string[], RandomModel]> {
  if (count === 0) return fc.constant([[], m]);
  return editArb(m).chain(([what, next]) => editsArb(next, count - 1).map(([rest, last]): [string[], RandomModel] => [[what, ...rest], last]));
}

/** Base tables of a model: `s<domain>.t<index>`. */
export function tablesOf(m: RandomModel): string[] {
  return m.tables.map((t, i) => `s${t.domain}.t${i}`);
}

/** A random change: mostly 1–3 edits of a random model, sometimes a replacement or a first apply. */
export function exposureCaseArb(): fc.Arbitrary<ExposureCase> {
  return randomModelArb({ allowNot: false })
    .chain((m) =>
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }).chain((n) => editsArb(m, n)).map(([edits, next]) => ({ old: m as RandomModel | null, next, edits })) },
        { weight: 1, arbitrary: randomModelArb({ allowNot: false }).map((next) => ({ old: m as RandomModel | null, next, edits: ['replace the whole model'] })) },
        { weight: 1, arbitrary: fc.constant({ old: null, next: m, edits: ['first apply'] }) },
      ),
    )
    .chain((c) => {
      const names = [...new Set([...(c.old ? tablesOf(c.old) : []), ...tablesOf(c.next)])];
      return fc.tuple(...names.map(() => fc.array(rowArb, { minLength: 1, maxLength: 5 }))).map((rows) => ({ ...c, rows: Object.fromEntries(names.map((n, i) => [n, rows[i]!])) }));
    });
}

const lit = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

/** CREATE SCHEMA / TABLE / INSERT for every base table of the case. */
export function warehouseSql(c: ExposureCase): string {
  const schemas = [...new Set(Object.keys(c.rows).map((n) => n.split('.')[0]!))].sort();
  const out = schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS "${s}";`);
  for (const [name, rows] of Object.entries(c.rows)) {
    const [schema, table] = name.split('.');
    out.push(`CREATE TABLE "${schema}"."${table}" (id integer PRIMARY KEY, region text, amount numeric, email text, phone text, name text);`);
    const values = rows.map((r, id) => `(${id}, ${lit(r.region)}, ${r.amount ?? 'NULL'}, ${lit(r.email)}, ${lit(r.phone)}, ${lit(r.name)})`);
    out.push(`INSERT INTO "${schema}"."${table}" VALUES ${values.join(', ')};`);
  }
  return out.join('\n');
}

/** A random model's policy files, under this project name and managed prefix. */
export function caseFiles(m: RandomModel, project: string, prefix: string): PolicyFile[] {
  return renderModel(m).map((f) => (f.path === 'meshward.yaml' ? { path: f.path, text: `kind: Project\nname: ${project}\nmanaged_prefix: ${prefix}\ntargets:\n  local: { type: postgres, database: db }\n` } : f));
}

/** A session on `conn` for the first model of a run; `withModel` re-points it per case. */
export function sessionOn(conn: Connection, files: readonly PolicyFile[], inventory: Inventory): TargetSession {
  const target = targetFor('postgres')!;
  const stub = { root: '/virtual', decl: { name: 'local' }, target, conn, inventory, ctx: { settings: { type: 'postgres', database: 'db' }, root: '/virtual', diagnostics: new Diagnostics() }, close: async () => undefined } as unknown as TargetSession;
  return withModel(stub, files, inventory);
}

/**
 * Runs one case inside a transaction that is rolled back: the warehouse, the old model applied
 * through its own plan, then the plan to the new model through the exposure harness.
 */
export async function runCase(conn: Connection, c: ExposureCase, project: string, prefix: string, options: { reuseUnchanged?: boolean } = {}): Promise<PlanExposure> {
  await conn.exec('BEGIN');
  try {
    await conn.exec(warehouseSql(c));
    let oldSession: TargetSession | null = null;
    if (c.old) {
      oldSession = sessionOn(conn, caseFiles(c.old, project, prefix), modelInventory(c.old));
      await planAndApplyModel(oldSession, { nested: true });
    }
    const next = sessionOn(conn, caseFiles(c.next, project, prefix), modelInventory(c.next));
    return await planExposure(next, oldSession?.resolved ?? null, { nested: true, reuseUnchanged: options.reuseUnchanged });
  } finally {
    await conn.exec('ROLLBACK');
  }
}

/** The case in words: the edits, and both models' policy files. */
export function describeCase(c: ExposureCase): string {
  const files = (m: RandomModel | null) => (m ? renderModel(m).filter((f) => f.path !== 'meshward.yaml').map((f) => `# ${f.path}\n${f.text}`).join('') : '(nothing applied)\n');
  return `edits: ${c.edits.join('; ')}\n--- old\n${files(c.old)}--- new\n${files(c.next)}--- rows\n${JSON.stringify(c.rows)}`;
}
