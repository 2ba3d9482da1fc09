import { afterAll } from 'vitest';
import type { TargetSession } from '../../src/session/open-target.js';
import { faultyConnection } from '../../src/targets/postgres/faults.js';
import { cloneTarget, statementAt, templateTarget } from '../apply/pglite.js';
import { enforcement } from '../support/e2e-enforce.js';
import { q, withOutOfBand, type SqlClient } from '../support/e2e-session.js';
import { makeTarget, type E2eTarget } from '../support/e2e-target.js';
import { SCENARIOS } from '../support/exposure-scenarios.js';
import { editRepo, planExposure, withModel } from '../support/exposure-session.js';
import { openFixture, seeded, textsOf, type Fixture, type Harness, type OutOfBandEdit } from './harness.js';
import { HOSTILE, hostileSource, loadHostile, type HostileTable } from './postgres-hostile.js';

/**
 * The PostgreSQL harnesses: the embedded engine (PGlite), always, and a real server when
 * MESHWARD_TEST_PG_URL is set. Fixtures are the example repository (policies/): on PGlite a copy
 * of one bootstrapped template (a new database in a fraction of a second, e2e-target.ts), on a
 * server a new database with its own managed prefix (roles are cluster-wide).
 */

/** The E2eTarget behind each fixture: the edits need its prefix and, on a server, its URL. */
const targets = new WeakMap<Fixture, E2eTarget>();

function fixtureOf(t: E2eTarget): Fixture {
  const f: Fixture = { dir: t.dir, target: t.target, env: t.env, open: () => openFixture(t), cleanup: () => t.cleanup() };
  targets.set(f, t);
  return f;
}

function targetOf(f: Fixture): E2eTarget {
  const t = targets.get(f);
  if (!t) throw new Error(`${f.dir} is not a PostgreSQL fixture`);
  return t;
}

/** Out-of-band SQL as the superuser: the session's own connection on PGlite (single-connection), a second client on a server. */
const dba = (f: Fixture, s: TargetSession, fn: (db: SqlClient, p: string) => Promise<void>) => withOutOfBand(targetOf(f), s, (db) => fn(db, targetOf(f).prefix));
const sql = (...statements: ((p: string) => string)[]) => (f: Fixture, s: TargetSession) => dba(f, s, async (db, p) => {
  for (const st of statements) await db.exec(st(p));
});

/** Every kind of out-of-band edit on the applied example, each repaired before the next (drift.test.ts, drift-random.test.ts). */
const EDITS: readonly OutOfBandEdit[] = [
  { name: 'a managed view dropped', expect: { status: 'missing', kind: 'view' }, apply: sql((p) => `DROP VIEW ${q(`${p}marketing`)}.newsletter_subscribers`) },
  {
    name: 'a managed view replaced (CREATE OR REPLACE, every column in clear, the marker kept)',
    expect: { status: 'altered', kind: 'view' },
    apply: (f, s) =>
      dba(f, s, async (db, p) => {
        const view = `${q(`${p}sales`)}.customers`;
        const { rows } = await db.query(`SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [view]);
        await db.exec(`CREATE OR REPLACE VIEW ${view} AS SELECT ${rows.map((c) => `${q(String(c.name))}::${String(c.type)} AS ${q(String(c.name))}`).join(', ')} FROM sales.customers`);
        const marker = await db.query(`SELECT obj_description($1::regclass, 'pg_class') AS c`, [view]);
        if (!String(marker.rows[0]?.c).startsWith('meshward:')) throw new Error(`the replaced view lost its marker: ${String(marker.rows[0]?.c)}`);
      }),
  },
  { name: 'an extra grant on a managed view', expect: { status: 'extra', kind: 'grant' }, apply: sql((p) => `GRANT SELECT ON ${q(`${p}finance`)}.invoices TO ${q(`${p}marketing_analysts`)}`) },
  { name: 'a managed grant revoked', expect: { status: 'missing', kind: 'grant' }, apply: sql((p) => `REVOKE SELECT ON ${q(`${p}marketing`)}.campaigns FROM ${q(`${p}marketing_analysts`)}`) },
  { name: 'a membership between managed roles removed', expect: { status: 'missing', kind: 'membership' }, apply: sql((p) => `REVOKE ${q(`${p}sales_analysts`)} FROM ${q(`${p}sales_leads`)}`) },
  // reported as a bypass and revoked only when asked (--revoke-unmanaged): PUBLIC is not meshward's
  { name: 'a grant to PUBLIC on a governed base table', expect: { status: 'bypass', kind: 'grant' }, apply: sql(() => 'GRANT SELECT ON sales.customers TO PUBLIC') },
  { name: 'a grant to a managed role on a governed base table', expect: { status: 'extra', kind: 'grant' }, apply: sql((p) => `GRANT SELECT ON hr.salaries TO ${q(`${p}hr_partners`)}`) },
  // DROP OWNED first: a role that holds privileges cannot be dropped
  { name: 'a managed role dropped', expect: { status: 'missing', kind: 'role' }, apply: sql((p) => `DROP OWNED BY ${q(`${p}marketing_analysts`)}`, (p) => `DROP ROLE ${q(`${p}marketing_analysts`)}`) },
];

/** A model edit whose plan both narrows and widens (a filter changed, a group gaining a grant): the one the legacy order leaked on. */
const EXPOSURE_EDIT = SCENARIOS.find(([name]) => name.startsWith('change a filter expression and grant the table to a new group'))![1];

/** Fault positions on a ~150-statement plan: every k would take minutes, so the places that differ, and 3 seeded ones. */
function faultSteps(plan: Parameters<Harness['faultSteps']>[0]) {
  const n = textsOf(plan).length;
  const chosen = [
    { k: 1, why: 'first' },
    { k: 2, why: 'second' },
    { k: statementAt(plan, 'inside a change'), why: 'inside a multi-statement change' },
    { k: Math.ceil(n / 2), why: 'middle' },
    { k: n, why: 'last' },
  ].filter((c, i, all) => c.k <= n && all.findIndex((d) => d.k === c.k) === i);
  const random = seeded(20261203); // fixed: the same k on every run, printed in the test's log
  for (let extra = 0; extra < 3 && chosen.length < n; ) {
    const k = 1 + Math.floor(random() * n);
    if (!chosen.some((c) => c.k === k)) chosen.push({ k, why: 'seeded random' }), extra++;
  }
  return chosen;
}

export function postgresHarness(engine: 'pglite' | 'server'): Harness {
  let template: Promise<E2eTarget> | undefined;
  const clone = async () => cloneTarget(await (template ??= templateTarget()));
  async function hostile(names: HostileTable): Promise<Fixture> {
    const source = hostileSource(names);
    try {
      if (engine === 'server') return fixtureOf(await makeTarget('server', source.dir)); // runs the bootstrap in a new database
      const t = await clone(); // the example's database, its repository replaced by the hostile one
      await loadHostile(t, source, names);
      return fixtureOf(t);
    } finally {
      source.cleanup();
    }
  }
  return {
    name: `postgres (${engine === 'pglite' ? 'PGlite' : 'server'})`,
    register() {
      afterAll(async () => {
        await (await template)?.cleanup();
        template = undefined;
      });
    },
    fresh: async () => fixtureOf(engine === 'pglite' ? await clone() : await makeTarget('server')),
    hostile: () => hostile(HOSTILE),
    edits: EDITS,
    foreign: {
      // prefixed but without this project's marker: reported, never changed (managed-scope.test.ts)
      add: sql((p) => `CREATE ROLE ${q(`${p}legacy`)} NOLOGIN`, (p) => `COMMENT ON ROLE ${q(`${p}legacy`)} IS 'legacy reporting role, hand-made'`),
      async present(f, s) {
        let found = false;
        await dba(f, s, async (db, p) => void (found = (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${p}legacy`])).rows.length === 1));
        return found;
      },
    },
    faulty(conn, k) {
      const faulty = faultyConnection(conn, { at: { statement: k }, fault: 'permission-denied' });
      return { conn: faulty, sent: () => faulty.calls };
    },
    faultSteps,
    engine: {
      async exposure(session, old) {
        const r = await planExposure(session, old);
        return { plan: r.plan, problems: r.problems, prefixes: r.report.steps, checks: r.report.checks };
      },
      edited(session) {
        const restore = editRepo(session.root, EXPOSURE_EDIT);
        try {
          return withModel(session);
        } finally {
          restore();
        }
      },
      enforcement: (session) => enforcement(session),
    },
  };
}
