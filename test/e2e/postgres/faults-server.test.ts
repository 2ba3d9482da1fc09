import pg from 'pg';
import { stepText } from '../../../src/plan/step.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { postgresErrors } from '../../../src/targets/postgres/errors.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Plan } from '../../../src/plan/plan.js';
import { openTarget, type TargetSession } from '../../../src/session/open-target.js';
import { changeAt, changesOf, expectRemainder, statementsOf } from '../../apply/pglite.js';
import { assertEnforced } from '../../support/e2e-enforce.js';
import { pendingChanges, q, serverUrl } from '../../support/e2e-session.js';
import { SERVER_URL, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Real faults on a server (skipped without MESHWARD_TEST_PG_URL). The apply identity is a
 * NON-superuser login role with the minimal privileges README ("Apply identity") lists, and a
 * second connection acts in the middle of the apply, at an exact statement (the seam wrapper's
 * `before` hook): it terminates the apply's backend (found in pg_stat_activity by its
 * application_name), or revokes a privilege the apply needs. Each time: a clear report, the next
 * plan is exactly the rest, and — the privilege restored — applying converges and is enforced.
 */

interface ApplyIdentity {
  readonly role: string;
  readonly env: NodeJS.ProcessEnv;
  /** The governed base tables, `"schema"."table"`. */
  readonly tables: readonly string[];
  drop(): Promise<void>;
}

/**
 * The minimal apply identity (README, Safety → Apply identity): LOGIN CREATEROLE; CREATE on the
 * database; USAGE on the governed base schemas; SELECT WITH GRANT OPTION on the governed base
 * tables; membership in the owner role, created beforehand by the administrator with its marker
 * (on PostgreSQL 15 a role's creator is not a member of it, and CREATE SCHEMA … AUTHORIZATION and
 * ALTER … OWNER TO need membership).
 */
async function createApplyIdentity(t: E2eTarget, admin: pg.Client): Promise<ApplyIdentity> {
  const superSession = await openTarget({ dir: t.dir, target: t.target, env: t.env });
  const tables = superSession.resolved.tables.map((r) => `${q(r.table.parts[1])}.${q(r.table.parts[2])}`);
  const schemas = [...new Set(superSession.resolved.tables.map((r) => q(r.table.parts[1])))];
  const project = superSession.model.project.name;
  await superSession.close();
  const url = new URL(serverUrl(t));
  const database = url.pathname.slice(1);
  const role = `mwapply_${database.slice(-8)}`;
  const owner = `${t.prefix}owner`;
  await admin.query(`CREATE ROLE ${q(role)} LOGIN CREATEROLE`);
  await admin.query(`GRANT CREATE ON DATABASE ${q(database)} TO ${q(role)}`);
  await admin.query(`GRANT USAGE ON SCHEMA ${schemas.join(', ')} TO ${q(role)}`);
  await admin.query(`GRANT SELECT ON TABLE ${tables.join(', ')} TO ${q(role)} WITH GRANT OPTION`);
  await admin.query(`CREATE ROLE ${q(owner)} NOLOGIN`);
  await admin.query(`COMMENT ON ROLE ${q(owner)} IS 'meshward:${project}:owner:views'`);
  await admin.query(`GRANT ${q(owner)} TO ${q(role)}`);
  url.username = role;
  url.password = '';
  return {
    role,
    tables,
    env: { ...t.env, MESHWARD_E2E_URL: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP ROLE IF EXISTS ${q(role)}`);
      await c.end();
    },
  };
}

describe.skipIf(!SERVER_URL)('real faults on a server, applied by a non-superuser identity', () => {
  let t: E2eTarget;
  let admin: pg.Client; // the second connection: a DBA's psql on the same database
  let identity: ApplyIdentity;
  const sessions: TargetSession[] = [];

  const asApplier = async () => {
    const s = await openTarget({ dir: t.dir, target: t.target, env: identity.env });
    sessions.push(s);
    return s;
  };
  const asSuperuser = async () => {
    const s = await openTarget({ dir: t.dir, target: t.target, env: t.env });
    sessions.push(s);
    return s;
  };
  /** Terminates the apply's backend from the second connection and waits until it is gone. */
  const terminateApply = async () => {
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid, 10000) AS gone FROM pg_stat_activity
        WHERE datname = current_database() AND usename = $1 AND left(application_name, 8) = 'meshward' AND pid <> pg_backend_pid()`,
      [identity.role],
    );
    expect(rows).toEqual([{ gone: true }]);
  };
  /** Drift, less the identity's own SELECT on the base tables (a bypass it needs; see the first test). */
  const driftBesidesIdentity = async (session: TargetSession) =>
    (await session.target.drift(session.conn, session.ctx)).items.filter((i) => !(i.status === 'bypass' && i.key.endsWith(`:${identity.role}`))).map((i) => `${i.status} ${i.key}`);
  /** Plan statement (1-based) of the owner's SELECT grant on a base table. */
  /** The 1-based statement granting the owner role SELECT on `table` (joined grants name several tables: `ON TABLE a, b TO …`). */
  const ownerGrantOn = (plan: Plan, table: string) =>
    statementsOf(plan).findIndex((s) => {
      const m = /^GRANT SELECT ON TABLE (.+) TO "([^"]+)";$/s.exec(s);
      return m !== null && m[2] === `${t.prefix}owner` && m[1]!.split(', ').includes(table);
    }) + 1;

  beforeEach(async () => {
    t = await makeTarget('server');
    admin = new pg.Client({ connectionString: serverUrl(t) });
    await admin.connect();
    identity = await createApplyIdentity(t, admin);
  }, 120_000);

  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await t?.cleanup();
    await identity?.drop();
  });

  /** After the fault: the next plan is `remainder`; then applying converges, as the apply identity, and is enforced. */
  async function convergesFrom(remainder: Plan['changes'], transaction: boolean): Promise<void> {
    const session = await asApplier();
    const next = await expectRemainder(session, remainder);
    const again = await applyPlan(session, next, { transaction });
    expect(again.error ?? null).toBeNull();
    expect(await pendingChanges(session)).toEqual([]);
    expect(await driftBesidesIdentity(session)).toEqual([]);
    await assertEnforced(await asSuperuser());
  }

  it('the identity can apply the example on its own, within the server lock budget', async () => {
    const session = await asApplier();
    const { plan } = await planFor(session);
    const report = await applyPlan(session, plan);
    expect(report.error ?? null).toBeNull();
    expect(report.mode).toBe('transaction');
    expect(report.lock?.source).toMatch(/^half of the server's lock table, max_locks_per_transaction \d+ × \(max_connections \d+ \+ max_prepared_transactions \d+\)$/);
    expect(await pendingChanges(session)).toEqual([]);
    // the identity's own SELECT on the base tables (it must hold it to grant it) is a bypass path, and reported as one
    const drift = (await session.target.drift(session.conn, session.ctx)).items;
    expect(drift.map((i) => `${i.status} ${i.key}`)).toEqual(identity.tables.map((t) => `bypass grant:SELECT:table:${t}:${identity.role}`).sort());
    await assertEnforced(await asSuperuser());
  }, 120_000);

  it.each([
    ['one transaction', true],
    ['--no-transaction', false],
  ])('pg_terminate_backend in the middle of the apply (%s): connection lost, the next plan is exactly the rest, re-applying converges', async (_, transaction) => {
    const session = await asApplier();
    const { plan } = await planFor(session);
    const n = Math.ceil(statementsOf(plan).length / 2);
    const conn = faultyConnection(session.conn, { at: { statement: n }, before: terminateApply });
    const report = await applyPlan({ ...session, conn }, plan, { transaction });

    expect(conn.fired).toBe(true);
    expect(report.outcome).toBe('failed');
    expect(report.failure).toMatchObject({ phase: 'statement', index: n, step: plan.changes.flatMap((c) => c.steps)[n - 1] });
    expect(postgresErrors.lost({ message: report.error, code: report.failure!.code })).toBe(true);
    expect(report.next).toMatch(/connection was lost/);
    const appliedChanges = transaction ? 0 : changeAt(plan, n);
    expect(report.changes.filter((c) => c.outcome === 'applied')).toHaveLength(appliedChanges);
    expect(report.applied.map(stepText)).toEqual(plan.changes.slice(0, appliedChanges).flatMap((c) => c.steps.map(stepText)));
    expect(report.rolledBack).toBe(transaction);
    await convergesFrom(plan.changes.slice(appliedChanges), transaction);
  }, 180_000);

  it.each([
    ['one transaction', true],
    ['--no-transaction', false],
  ])('REVOKE of its SELECT on a base table in the middle of the apply (%s): permission denied, the rest reported; restored, it converges', async (_, transaction) => {
    const session = await asApplier();
    const { plan } = await planFor(session);
    const table = '"sales"."orders"';
    const n = ownerGrantOn(plan, table);
    expect(n).toBeGreaterThan(1);
    const conn = faultyConnection(session.conn, { at: { statement: n }, before: async () => void (await admin.query(`REVOKE SELECT ON TABLE ${table} FROM ${q(identity.role)} CASCADE`)) });
    const report = await applyPlan({ ...session, conn }, plan, { transaction });

    expect(report.outcome).toBe('failed');
    expect(report.failure).toMatchObject({ phase: 'statement', index: n, code: '42501' });
    expect(report.error).toMatch(/permission denied for table orders/);
    expect(report.next).toMatch(/lacks a privilege.*Apply identity/);
    const appliedChanges = transaction ? 0 : changeAt(plan, n);
    expect(report.notApplied.map(stepText)).toEqual(statementsOf(plan).slice(plan.changes.slice(0, appliedChanges).flatMap((c) => c.steps.map(stepText)).length));

    // the next plan, still without the privilege, is exactly the rest; restored, applying converges
    expect(changesOf((await planFor(await asApplier())).plan.changes)).toEqual(changesOf(plan.changes.slice(appliedChanges)));
    await admin.query(`GRANT SELECT ON TABLE ${table} TO ${q(identity.role)} WITH GRANT OPTION`);
    await convergesFrom(plan.changes.slice(appliedChanges), transaction);
  }, 180_000);

  it('REVOKE of only the grant option: PostgreSQL merely warns "no privileges were granted"; meshward fails the apply instead of reporting success', async () => {
    const session = await asApplier();
    const { plan } = await planFor(session);
    const table = '"hr"."salaries"';
    const n = ownerGrantOn(plan, table);
    expect(n).toBeGreaterThan(1);
    const conn = faultyConnection(session.conn, { at: { statement: n }, before: async () => void (await admin.query(`REVOKE GRANT OPTION FOR SELECT ON TABLE ${table} FROM ${q(identity.role)} CASCADE`)) });
    const report = await applyPlan({ ...session, conn }, plan);
    expect(report.outcome).toBe('failed');
    expect(report.failure).toMatchObject({ phase: 'statement', index: n, code: '01007' });
    expect(report.error).toMatch(/no privileges were granted for "salaries"/);
    expect(report.applied).toEqual([]);
    await admin.query(`GRANT SELECT ON TABLE ${table} TO ${q(identity.role)} WITH GRANT OPTION`);
    await convergesFrom(plan.changes, true);
  }, 180_000);

  it('over a forced lock budget: batches, each holding no more locks than estimated, and it converges', async () => {
    const session = await asApplier();
    const { plan } = await planFor(session);
    const held: number[] = [];
    const conn = {
      ...session.conn,
      driver: session.conn.driver,
      query: session.conn.query.bind(session.conn),
      exec: async (sql: string) => {
        if (sql === 'COMMIT') {
          const { rows } = await session.conn.query(
            `SELECT count(DISTINCT concat_ws('|', locktype, database, relation, page, tuple, transactionid::text, classid, objid, objsubid))::int AS n
               FROM pg_locks WHERE pid = pg_backend_pid() AND locktype <> 'virtualxid'`,
          );
          held.push(Number(rows[0]!.n));
        }
        return session.conn.exec(sql);
      },
    };
    const notices: string[] = [];
    const report = await applyPlan({ ...session, conn }, plan, { lockBudget: 160, onNotice: (m) => notices.push(m) });
    expect(report.error ?? null).toBeNull();
    expect(report.mode).toBe('batches');
    expect(notices).toHaveLength(1);
    expect(held).toHaveLength(report.batches.length);
    held.forEach((h, i) => expect(h, `batch ${i + 1}`).toBeLessThanOrEqual(report.batches[i]!.lockEstimate!));
    expect(await pendingChanges(session)).toEqual([]);
    expect(await driftBesidesIdentity(session)).toEqual([]);
  }, 180_000);
});
