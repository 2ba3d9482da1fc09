import { freshPGlite } from './fresh-pglite.js';
import { applyPreamble } from '../../src/targets/postgres/transactions.js';
import { stepText } from '../../src/plan/step.js';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUrl } from '../../src/targets/postgres/connect.js';
import { pgliteConnection } from '../../src/targets/postgres/embedded.js';
import type { Connection } from '../../src/targets/target.js';
import { ENGINES, SERVER_URL } from './e2e-target.js';
import { planFor } from '../../src/session/plan-for.js';
import { runExposureCheck } from '../../src/safety/exposure.js';
import { postgresExposureProbe } from '../../src/targets/postgres/exposure.js';
import { caseFiles, describeCase, exposureCaseArb, runCase, sessionOn, warehouseSql, type ExposureCase } from './exposure-random.js';
import { modelInventory, type RandomModel } from './random-model.js';

/**
 * The exposure window over random model changes (fast-check): small random models with random
 * base tables and rows, one to three random edits (or a replacement, or a first apply). For each
 * change the old model is applied through its own plan, the plan to the new model runs through
 * the harness — every statement prefix × every group and pair × every table — and everything is
 * rolled back. MESHWARD_EXPOSURE_RUNS raises the number of changes (default 200).
 */
const RUNS = Number(process.env.MESHWARD_EXPOSURE_RUNS ?? 200);

const totals = { cases: 0, statements: 0, checks: 0, cells: 0, violations: 0 };

/**
 * A known limit of ordering, kept as a failing case: g1 reads t0 through `region NOT IN
 * user.region` and moves from g0 to g2, both of region EMEA, so both models show it the same
 * non-EMEA rows. The plan revokes g0 from g1 before it grants g2 (revoke before grant); in between
 * g1 has no region, `region IN user.region` is FALSE, and its negation shows the EMEA row and the
 * row without a region, which neither model shows. Granting first would instead leak through a
 * positive filter (the union of both memberships). Only a single transaction (apply's default)
 * prevents it; non-transactional engines must refuse or emulate negated principal predicates.
 */
const NEGATED_ATTRIBUTE: ExposureCase = (() => {
  const model = (memberOf: number): RandomModel => ({
    groups: [
      { memberOf: [], regions: ['EMEA'] },
      { memberOf: [memberOf], regions: [] },
      { memberOf: [], regions: ['EMEA'] },
    ],
    tables: [{ domain: 0, sensitivity: 'public', columnTags: { email: 'none', phone: 'none', name: 'none' } }],
    grants: [{ domain: 0, groups: [1], tables: 'all' }],
    globals: [],
    locals: [{ kind: 'filter', domain: 0, selector: { tables: [0] }, allow: 'region NOT IN user.region', exempt: [] }],
  });
  const row = (region: string | null) => ({ region, amount: '5', email: null, phone: null, name: null });
  return { old: model(0), next: model(2), edits: ['g1 member_of g0 -> g2 (same region)'], rows: { 's0.t0': [row('EMEA'), row('AMER'), row(null)] } };
})();

/** The suite on one engine (a test file per engine, so that vitest runs them side by side). */
export function exposureRandomSuite(engine: 'pglite' | 'server'): void {
  Object.assign(totals, { cases: 0, statements: 0, checks: 0, cells: 0, violations: 0 }); // one file's totals: workers reuse modules
// Without the engine (no MESHWARD_TEST_PG_URL) the suite is reported as not run, not as passed.
describe.runIf(ENGINES.includes(engine))(`exposure window, random model changes on ${engine}`, () => {
  let conn: Connection;
  let cleanup: () => Promise<void> = async () => undefined;
  const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  // Roles are cluster-wide on a server: a prefix of its own (every case is rolled back anyway).
  const prefix = engine === 'server' ? `x${tag}_` : 'mw_';
  const project = `exposure-${tag}`;

  beforeAll(async () => {
    if (engine === 'pglite') {
      const db = await freshPGlite();
      conn = pgliteConnection(db);
      cleanup = () => conn.close();
      return;
    }
    const database = `meshward_xr_${tag}`;
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const url = new URL(SERVER_URL!);
    url.pathname = `/${database}`;
    conn = await connectUrl(url.toString());
    cleanup = async () => {
      await conn.close();
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      const { rows } = await c.query('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [prefix]);
      for (const r of rows) await c.query(`DROP ROLE IF EXISTS "${String(r.rolname).replace(/"/g, '""')}"`);
      await c.end();
    };
  }, 120_000);

  afterAll(async () => {
    await cleanup();
    if (totals.cases > 0) {
      console.log(`exposure random, ${engine}: ${totals.cases} model changes, ${totals.statements} statements, ${totals.checks} (change, statement-prefix, principal, table) checks, ${totals.cells} cells, ${totals.violations} violations`);
    }
  });

  it(`${RUNS} random model changes: no statement prefix exposes a cell neither model allows`, async () => {
    const before = { ...totals };
    await fc.assert(
      fc.asyncProperty(exposureCaseArb(), async (c) => {
        const r = await runCase(conn, c, project, prefix);
        totals.cases++;
        totals.statements += r.statements.length;
        totals.checks += r.report.checks;
        totals.cells += r.report.cells;
        totals.violations += r.report.violations.length;
        expect(r.problems.slice(0, 10), `${r.problems.length} violations\n${describeCase(c)}\n--- plan\n${r.statements.join('\n')}`).toEqual([]);
        if (totals.cases % 10 === 1) {
          // Every tenth change again without reusing unchanged reads: the probe's catalog
          // fingerprint must never hide a change (same counts, same verdict).
          const full = await runCase(conn, c, project, prefix, { reuseUnchanged: false });
          expect({ readable: full.report.readable, cells: full.report.cells, violations: full.report.violations.length }).toEqual({ readable: r.report.readable, cells: r.report.cells, violations: 0 });
        }
      }),
      { numRuns: RUNS },
    );
    console.log(
      `exposure random [${engine}]: ${totals.cases - before.cases} model changes, ${totals.statements - before.statements} statements, ${totals.checks - before.checks} checks, ${totals.cells - before.cells} cells, ${totals.violations - before.violations} violations`,
    );
    expect(totals.cells - before.cells).toBeGreaterThan(0);
  }, 1_800_000);

  it('finish: rollback (the default) leaves nothing of the plan, commit leaves exactly the new model', async () => {
    const c: ExposureCase = { ...NEGATED_ATTRIBUTE, old: null };
    await conn.exec('BEGIN');
    try {
      await conn.exec(warehouseSql(c));
      const next = sessionOn(conn, caseFiles(c.next, project, prefix), modelInventory(c.next));
      const statements = (await planFor(next)).plan.changes.flatMap((x) => x.steps.map(stepText));
      const preamble = applyPreamble(10_000);
      /** What is live, judged against a model at both ends of an empty run. */
      const live = async (oldResolved: typeof next.resolved | null) => {
        const probe = postgresExposureProbe(conn, next.ctx, { old: oldResolved, new: next.resolved }, { nested: true, preamble });
        return (await runExposureCheck({ probe, oldResolved, newResolved: next.resolved, statements: [] })).violations;
      };
      for (const finish of ['rollback', 'commit'] as const) {
        const probe = postgresExposureProbe(conn, next.ctx, { old: null, new: next.resolved }, { nested: true, finish, preamble });
        const r = await runExposureCheck({ probe, oldResolved: null, newResolved: next.resolved, statements });
        expect(r.violations).toEqual([]);
        const now = await live(finish === 'commit' ? next.resolved : null);
        if (finish === 'commit') {
          expect(now).toEqual([]);
        } else {
          expect(now.filter((v) => v.kind === 'initial-state')).toEqual([]); // nothing is live
          expect(now.some((v) => v.kind === 'final-state')).toBe(true); // and so it is not the new model
        }
      }
    } finally {
      await conn.exec('ROLLBACK');
    }
  });

  it.fails('KNOWN LIMIT: a negated user.<attribute> filter leaks while a reader moves between groups (NEGATED_ATTRIBUTE)', async () => {
    const r = await runCase(conn, NEGATED_ATTRIBUTE, project, prefix);
    expect(r.problems).toEqual([]);
  });

  it('the known limit is exactly that: after the revoke, g1 sees the EMEA row and the row without a region', async () => {
    const r = await runCase(conn, NEGATED_ATTRIBUTE, project, prefix);
    expect(r.statements).toEqual([`REVOKE "${prefix}g0" FROM "${prefix}g1";`, `GRANT "${prefix}g2" TO "${prefix}g1";`]);
    const leaked = r.report.violations.filter((v) => v.kind === 'exposure');
    expect(new Set(leaked.map((v) => `${v.step} ${v.principal.join('+')} ${v.table} row ${v.pk}`))).toEqual(new Set(['1 g1 db.s0.t0 row 0', '1 g1 db.s0.t0 row 2']));
    expect(leaked.every((v) => v.why.includes('old: row hidden; new: row hidden'))).toBe(true);
    expect(r.report.violations.filter((v) => v.kind !== 'exposure')).toEqual([]);
  });
});
}
