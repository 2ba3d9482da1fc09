import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlSteps, stepText } from '../../../src/plan/step.js';
import { applyPlan } from '../../../src/apply/apply.js';
import { faultyConnection } from '../../../src/targets/postgres/faults.js';
import { planFor, PlanRefusedError } from '../../../src/session/plan-for.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { postgresProbe } from '../../../src/targets/postgres/live.js';
import { TargetReadError, type DriftItem } from '../../../src/targets/target.js';
import { edit, open, pendingChanges, planAndApply, q, type SqlClient, withOutOfBand } from '../../support/e2e-session.js';
import { readAs } from '../../support/e2e-read.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';
import { captureStderr } from '../../support/stderr.js';

/**
 * Issue 8 ("fail closed"), the live-state items, on PGlite and a server. After an apply, a DBA
 * edits the catalog by hand; each edit must be named by drift, be visible in plan, and be
 * repaired by apply — proven by querying AS the principal before and after:
 *   3. role attributes of managed roles (SUPERUSER, LOGIN, BYPASSRLS, settings, …);
 *   4. privileges on managed objects meshward did not make (owner membership, CREATE, UPDATE,
 *      grant options and what was granted through them, column grants, ADMIN OPTION);
 *   5. forged markers: never dropped or altered, reported, refused when the model needs the name;
 *   9. RLS enabled and columns renamed on a governed base table: findings in plan, drift and
 *      test --target.
 */

describe.each(ENGINES)('fail closed on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;
  let project: string;
  const role = (name: string) => `${p}${name}`;
  /** Helper roles of the tests: prefixed (so the server cleanup drops them), never marked. */
  const helper = (name: string) => `${p}zz_${name}`;
  const view = (schema: string, table: string) => `${q(role(schema))}.${q(table)}`;

  const sql = <T>(fn: (db: SqlClient) => Promise<T>): Promise<T> => withOutOfBand(t, session, fn);
  const drift = async () => (await session.target.drift(session.conn, session.ctx)).items;
  const byKey = (items: readonly DriftItem[]) => new Map(items.map((i) => [i.key, i]));

  beforeAll(async () => {
    t = await makeTarget(engine);
    p = t.prefix;
    session = await open(t);
    project = session.model.project.name;
    await planAndApply(session);
    await sql(async (db) => {
      for (const h of ['alice', 'bob', 'carol', 'login']) await db.exec(`CREATE ROLE ${q(helper(h))} NOLOGIN`);
      // the administrator's way in: a group granted to a person — never reported, never revoked
      await db.exec(`GRANT ${q(role('sales_analysts'))} TO ${q(helper('carol'))}`);
    });
    expect(await drift()).toEqual([]);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('3. attributes of managed roles are read, reported, reset by apply — and the leak they open is closed', async () => {
    const analysts = role('sales_analysts');
    const owner = role('owner');
    await sql(async (db) => {
      await db.exec(`ALTER ROLE ${q(analysts)} SUPERUSER LOGIN PASSWORD 'pw-1' BYPASSRLS CREATEROLE CREATEDB CONNECTION LIMIT 5`);
      await db.exec(`ALTER ROLE ${q(analysts)} SET search_path = evil, public`);
      await db.exec(`ALTER ROLE ${q(owner)} LOGIN PASSWORD 'pw-2'`);
      // a member of the group now reads clear data: SET ROLE to the (superuser) group, then the base table
      expect(await readAs(db, analysts, 'sales.customers')).not.toBe('denied');
    });
    const items = byKey(await drift());
    const a = items.get(`role:${analysts}`)!;
    expect(a).toMatchObject({ status: 'altered', kind: 'role' });
    for (const f of ['superuser changed from false to true', 'login changed from false to true', 'bypassrls changed from false to true', 'createrole', 'createdb', 'connection_limit changed from -1 to 5', 'search_path=evil']) {
      expect(a.detail).toContain(f);
    }
    expect(items.get(`role:${owner}`)).toMatchObject({ status: 'altered', detail: expect.stringContaining('login changed from false to true') });

    const { plan } = await planFor(session);
    const change = plan.changes.find((c) => c.key === `role:${analysts}`)!;
    expect(change).toMatchObject({ action: 'change', hazards: ['AUTHZ_NARROW'] });
    expect(change.steps.map(stepText)[0]).toBe(`ALTER ROLE ${q(analysts)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOLOGIN NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD NULL;`);
    expect(change.steps.map(stepText)).toContain(`ALTER ROLE ${q(analysts)} RESET ALL;`);
    expect(plan.changes.find((c) => c.key === `role:${owner}`)!.steps.map(stepText)[0]).toBe(`ALTER ROLE ${q(owner)} NOLOGIN PASSWORD NULL;`);

    await planAndApply(session);
    expect(await drift()).toEqual([]);
    expect(await pendingChanges(session)).toEqual([]);
    await sql(async (db) => {
      const { rows } = await db.query(
        `SELECT rolsuper, rolcanlogin, rolbypassrls, rolcreaterole, rolcreatedb, rolconnlimit,
                (SELECT count(*)::int FROM pg_db_role_setting s WHERE s.setrole = r.oid) AS settings
           FROM pg_roles r WHERE rolname = ANY ($1::text[]) ORDER BY rolname`,
        [[analysts, owner]],
      );
      for (const r of rows) expect(r).toEqual({ rolsuper: false, rolcanlogin: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolconnlimit: -1, settings: 0 });
      expect(await readAs(db, analysts, 'sales.customers')).toBe('denied');
      expect(await readAs(db, analysts, view('sales', 'customers'))).not.toBe('denied'); // the model's grant stays
    });
  });

  it('4. every privilege on a managed object that meshward did not make is reported and removed by apply', async () => {
    const analysts = role('sales_analysts');
    const [alice, bob, carol, login] = ['alice', 'bob', 'carol', 'login'].map(helper) as [string, string, string, string];
    const customers = view('sales', 'customers');
    const salaries = view('hr', 'salaries');
    const state = `${q(role('meta'))}."state"`;
    await sql(async (db) => {
      await db.exec(`GRANT ${q(role('owner'))} TO ${q(login)}`);
      await db.exec(`GRANT CREATE ON SCHEMA ${q(role('sales'))} TO ${q(alice)}`);
      await db.exec(`GRANT UPDATE ON ${customers} TO ${q(alice)}`);
      await db.exec(`GRANT SELECT ON ${customers} TO ${q(analysts)} WITH GRANT OPTION`);
      await db.exec('BEGIN');
      await db.exec(`SET LOCAL ROLE ${q(analysts)}`);
      await db.exec(`GRANT SELECT ON ${customers} TO ${q(bob)}`); // through the grant option: grantor is the group
      await db.exec('COMMIT');
      await db.exec(`GRANT USAGE ON SCHEMA ${q(role('sales'))}, ${q(role('hr'))} TO ${q(bob)}, ${q(alice)}`);
      await db.exec(`GRANT SELECT (employee_id) ON ${salaries} TO ${q(alice)}`);
      await db.exec(`GRANT ${q(analysts)} TO ${q(carol)} WITH ADMIN OPTION`); // carol is the administrator's member already
      await db.exec(`GRANT SELECT ON ${state} TO ${q(alice)}`); // a write privilege (or another owner) makes the state untrusted: test 2
      // through the owner role: the recorded state (and the views it owns, which it may replace by unmasked ones)
      expect(await readAs(db, login, state)).toMatch(/^[1-9]/);
      expect(await readAs(db, bob, customers)).not.toBe('denied');
      expect(await readAs(db, alice, `(SELECT employee_id FROM ${salaries})`)).not.toBe('denied');
    });

    const items = byKey(await drift());
    const k = {
      owner: `membership:${role('owner')}:${login}`,
      create: `grant:CREATE:schema:${q(role('sales'))}:${alice}`,
      update: `grant:UPDATE:view:${customers}:${alice}`,
      option: `grant:SELECT:view:${customers}:${analysts}`,
      bob: `grant:SELECT:view:${customers}:${bob}`,
      usage: `grant:USAGE:schema:${q(role('hr'))}:${bob}`,
      column: `grant:SELECT:columns:${salaries}:${alice}`,
      admin: `role_admin:${analysts}:${carol}`,
      state: `grant:SELECT:relation:${state}:${alice}`,
    };
    expect(items.get(k.owner)).toMatchObject({ status: 'extra', detail: expect.stringContaining('reads every governed base table in clear') });
    for (const key of [k.create, k.update, k.bob, k.usage, k.column, k.admin, k.state]) expect(items.get(key), key).toMatchObject({ status: 'extra' });
    expect(items.get(k.option)).toMatchObject({ status: 'altered', detail: expect.stringContaining('grantable changed from null to true') });
    expect(items.get(k.admin)!.detail).toMatch(/ADMIN OPTION/);
    // the administrator's membership (carol in sales_analysts) is not drift; only her ADMIN OPTION is
    expect([...items.keys()].filter((x) => x.includes(carol))).toEqual([k.admin]);

    const { plan } = await planFor(session);
    const change = (key: string) => plan.changes.find((c) => c.key === key);
    expect(change(k.owner)).toMatchObject({ action: 'remove', steps: sqlSteps([`REVOKE ${q(role('owner'))} FROM ${q(login)};`]) });
    expect(change(k.option)).toMatchObject({ action: 'change', hazards: ['AUTHZ_NARROW'], steps: sqlSteps([`REVOKE GRANT OPTION FOR SELECT ON TABLE ${customers} FROM ${q(analysts)} CASCADE;`]) });
    expect(change(k.bob)).toMatchObject({ action: 'remove', steps: sqlSteps([]) }); // goes with the CASCADE above
    expect(change(k.column)!.steps.map(stepText)).toEqual([`REVOKE SELECT ("employee_id") ON TABLE ${salaries} FROM ${q(alice)};`]);
    expect(change(k.admin)!.steps.map(stepText)).toEqual([`REVOKE ADMIN OPTION FOR ${q(analysts)} FROM ${q(carol)};`]);
    // a grant nobody recorded is shown where it is: the view's table and domain, the schema's domain
    expect(change(k.update)).toMatchObject({ domain: 'sales', table: 'analytics.sales.customers' });
    expect(change(k.usage)).toMatchObject({ domain: 'hr', table: null });

    await planAndApply(session);
    expect(await drift()).toEqual([]);
    expect(await pendingChanges(session)).toEqual([]);
    await sql(async (db) => {
      expect(await readAs(db, login, state)).toBe('denied');
      expect(await readAs(db, bob, customers)).toBe('denied');
      expect(await readAs(db, alice, `(SELECT employee_id FROM ${salaries})`)).toBe('denied');
      const { rows } = await db.query(
        `SELECT has_schema_privilege($1, $2, 'CREATE') AS create, has_table_privilege($1, $3, 'UPDATE') AS update, has_table_privilege($1, $4, 'SELECT') AS state,
                pg_has_role($5, $6, 'MEMBER') AS carol, pg_has_role($5, $6, 'USAGE WITH ADMIN OPTION') AS carol_admin`,
        [alice, role('sales'), customers, state, carol, analysts],
      );
      expect(rows[0]).toEqual({ create: false, update: false, state: false, carol: true, carol_admin: false });
      const acl = await db.query(`SELECT a.is_grantable AS g FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1::regclass AND a.grantee = $2::regrole`, [customers, analysts]);
      expect(acl.rows).toEqual([{ g: false }]);
      // carol, the administrator's member of sales_analysts, still reads what the model gives the group
      expect(await readAs(db, carol, customers)).not.toBe('denied');
    });
  });

  it('4b. every privilege a managed role holds on a governed base table that meshward did not grant is a finding, and apply revokes it', async () => {
    const analysts = role('sales_analysts');
    const partners = role('hr_partners');
    const owner = role('owner');
    const etl = helper('etl');
    /** Whether `who` may create a trigger on sales.customers (a trigger that could copy every new row). */
    const canTrigger = (db: SqlClient, who: string) =>
      (async () => {
        await db.exec('BEGIN');
        try {
          await db.exec(`SET LOCAL ROLE ${q(who)}`);
          await db.exec(`CREATE TRIGGER zz_copy AFTER INSERT ON sales.customers FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()`);
          return true;
        } catch (e) {
          if (/permission denied|must be owner/i.test((e as Error).message)) return false;
          throw e;
        } finally {
          await db.exec('ROLLBACK');
        }
      })();
    await sql(async (db) => {
      await db.exec(`CREATE ROLE ${q(etl)} NOLOGIN`);
      await db.exec(`GRANT USAGE ON SCHEMA sales TO ${q(analysts)}`); // the base schema is the administrator's
      await db.exec(`GRANT TRIGGER ON sales.customers TO ${q(analysts)}`);
      await db.exec(`GRANT REFERENCES (email) ON sales.customers TO ${q(partners)}`);
      await db.exec(`GRANT INSERT, UPDATE ON hr.salaries TO ${q(owner)} WITH GRANT OPTION`);
      await db.exec(`GRANT SELECT ON sales.orders TO ${q(owner)} WITH GRANT OPTION`); // the owner's own SELECT, with a grant option meshward never gives
      await db.exec(`GRANT INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER ON sales.customers TO ${q(etl)}`); // an ETL role: not meshward's
      expect(await canTrigger(db, analysts)).toBe(true);
    });
    const customers = '"sales"."customers"';
    const k = {
      trigger: `grant:TRIGGER:table:${customers}:${analysts}`,
      references: `grant:REFERENCES:columns:${customers}:${partners}`,
      insert: `grant:INSERT:table:"hr"."salaries":${owner}`,
      update: `grant:UPDATE:table:"hr"."salaries":${owner}`,
      option: `grant:SELECT:table:"sales"."orders":${owner}`,
    };
    const items = byKey(await drift());
    expect(items.get(k.trigger)).toMatchObject({ status: 'extra', detail: expect.stringContaining('create a trigger on it that copies every new or changed row') });
    expect(items.get(k.references)).toMatchObject({ status: 'extra', detail: expect.stringContaining('GRANT REFERENCES ("email") on the governed base table analytics.sales.customers') });
    for (const key of [k.insert, k.update]) expect(items.get(key), key).toMatchObject({ status: 'extra', detail: expect.stringContaining('WITH GRANT OPTION') });
    expect(items.get(k.option)).toMatchObject({ status: 'altered', detail: expect.stringContaining('grantable changed from null to true') });
    expect([...items.keys()].filter((x) => x.includes(etl))).toEqual([]); // privileges of unmanaged roles other than SELECT are not meshward's

    const { plan } = await planFor(session);
    const found = plan.findings.filter((f) => f.code === 'BASE_TABLE_GRANT');
    expect(found.map((f) => f.key).sort()).toEqual(Object.values(k).sort());
    expect(found.find((f) => f.key === k.references)).toMatchObject({ grantee: partners, columnLevel: true, table: 'analytics.sales.customers' });
    const change = (key: string) => plan.changes.find((c) => c.key === key);
    expect(change(k.trigger)).toMatchObject({ action: 'remove', steps: sqlSteps([`REVOKE TRIGGER ON TABLE ${customers} FROM ${q(analysts)};`]) });
    expect(change(k.references)!.steps.map(stepText)).toEqual([`REVOKE REFERENCES ("email") ON TABLE ${customers} FROM ${q(partners)};`]);
    expect(change(k.insert)!.steps.map(stepText)).toEqual([`REVOKE INSERT ON TABLE "hr"."salaries" FROM ${q(owner)} CASCADE;`]);
    expect(change(k.option)).toMatchObject({ action: 'change', steps: sqlSteps([`REVOKE GRANT OPTION FOR SELECT ON TABLE "sales"."orders" FROM ${q(owner)} CASCADE;`]) });
    const probe = postgresProbe(session.conn, session.ctx, session.resolved);
    expect((await probe.bypasses()).filter((f) => f.code === 'BASE_TABLE_GRANT').map((f) => f.key).sort()).toEqual(Object.values(k).sort());

    await planAndApply(session);
    expect(await drift()).toEqual([]);
    expect(await pendingChanges(session)).toEqual([]);
    await sql(async (db) => {
      expect(await canTrigger(db, analysts)).toBe(false);
      const { rows } = await db.query(
        `SELECT has_column_privilege($1, 'sales.customers', 'email', 'REFERENCES') AS refs, has_table_privilege($2, 'hr.salaries', 'INSERT') AS ins,
                has_table_privilege($2, 'sales.orders', 'SELECT WITH GRANT OPTION') AS opt, has_table_privilege($2, 'sales.orders', 'SELECT') AS sel,
                has_table_privilege($3, 'sales.customers', 'TRIGGER') AS etl`,
        [partners, owner, etl],
      );
      expect(rows[0]).toEqual({ refs: false, ins: false, opt: false, sel: true, etl: true });
      await db.exec(`REVOKE ALL ON sales.customers FROM ${q(etl)}`);
      await db.exec(`REVOKE USAGE ON SCHEMA sales FROM ${q(analysts)}`);
      await db.exec(`DROP ROLE ${q(etl)}`);
    });
    expect(await drift()).toEqual([]);
  });

  it('2. the governance schema is trusted only while the owner role owns it and nobody else can write it', async () => {
    const alice = helper('alice');
    const meta = q(role('meta'));
    const refused = async () => {
      const error = await planFor(session).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(TargetReadError);
      return error!.message;
    };
    const cases: { edit: string; says: RegExp; fix: string }[] = [
      { edit: `GRANT UPDATE ON ${meta}."state" TO ${q(alice)}`, says: new RegExp(`"${alice}" holds UPDATE on ${meta}\."state"`), fix: `REVOKE UPDATE ON TABLE ${meta}."state" FROM ${q(alice)} CASCADE;` },
      { edit: `GRANT INSERT (key) ON ${meta}."state" TO PUBLIC`, says: /PUBLIC holds INSERT on /, fix: `REVOKE INSERT ON TABLE ${meta}."state" FROM PUBLIC CASCADE;` },
      { edit: `ALTER TABLE ${meta}."tags" OWNER TO ${q(alice)}`, says: new RegExp(`${meta}\."tags" is owned by "${alice}"`), fix: `ALTER TABLE ${meta}."tags" OWNER TO ${q(role('owner'))};` },
      { edit: `GRANT CREATE ON SCHEMA ${meta} TO ${q(alice)}`, says: new RegExp(`"${alice}" holds CREATE on the schema ${meta}`), fix: `REVOKE CREATE ON SCHEMA ${meta} FROM ${q(alice)} CASCADE;` },
      { edit: `ALTER SCHEMA ${meta} OWNER TO ${q(alice)}`, says: new RegExp(`the schema ${meta} is owned by "${alice}"`), fix: `ALTER SCHEMA ${meta} OWNER TO ${q(role('owner'))};` },
    ];
    for (const c of cases) {
      await sql((db) => db.exec(c.edit));
      const message = await refused();
      expect(message, c.edit).toMatch(c.says);
      expect(message, c.edit).toContain(c.fix);
      expect(message).not.toContain('\n');
      const items = await drift();
      expect(items, c.edit).toEqual([expect.objectContaining({ key: `governance:${role('meta')}`, status: 'altered', repair: 'manual', detail: message })]);
      await sql((db) => db.exec(c.fix.replace(/ CASCADE;$/, ';')));
      expect((await drift()).map((i) => `${i.key} ${i.detail}`), c.edit).toEqual([]);
    }
    // a column-level UPDATE is a write too (the REVOKE of the table privilege takes it away)
    await sql((db) => db.exec(`GRANT UPDATE (spec) ON ${meta}."state" TO ${q(alice)}`));
    expect(await refused()).toContain(`REVOKE UPDATE ON TABLE ${meta}."state" FROM ${q(alice)} CASCADE;`);
    await sql((db) => db.exec(`REVOKE UPDATE ON TABLE ${meta}."state" FROM ${q(alice)}`));
    expect(await drift()).toEqual([]);
  });

  it('2. on a fresh target, a governance schema pre-made by someone else with a forged state is refused, never adopted', async () => {
    const fresh = await makeTarget(engine);
    let s = await open(fresh);
    try {
      const fp = fresh.prefix;
      const forger = `${fp}zz_forger`;
      const meta = q(`${fp}meta`);
      const root = `${fp}root`;
      const name = s.model.project.name;
      await withOutOfBand(fresh, s, async (db) => {
        await db.exec(`CREATE ROLE ${q(forger)} NOLOGIN`);
        await db.exec(`CREATE ROLE ${q(root)} NOLOGIN`);
        await db.exec(`COMMENT ON ROLE ${q(root)} IS 'meshward:${name}:group:root'`);
        await db.exec(`CREATE SCHEMA ${meta} AUTHORIZATION ${q(forger)}`);
        await db.exec(`COMMENT ON SCHEMA ${meta} IS 'meshward:${name}:governance:${fp}meta'`);
        await db.exec(`CREATE TABLE ${meta}."state" (key text PRIMARY KEY, kind text, spec jsonb, fingerprint text, applied_at timestamptz)`);
        await db.exec(`CREATE TABLE ${meta}."tags" (object text, tag text, value text, PRIMARY KEY (object, tag))`);
        await db.exec(`CREATE TABLE ${meta}."meta" (key text PRIMARY KEY, value jsonb)`);
        await db.exec(`INSERT INTO ${meta}."meta" VALUES ('project', to_jsonb('${name}'::text)), ('layout_version', '2'::jsonb)`);
        // the forged record: "meshward made the role root"
        await db.exec(`INSERT INTO ${meta}."state" VALUES ('role:${root}', 'role', '{"name": "${root}", "comment": "meshward:${name}:group:root"}', NULL, now())`);
        await db.exec(`ALTER TABLE ${meta}."state" OWNER TO ${q(forger)}`);
      });
      const error = await planFor(s).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(TargetReadError);
      expect(error!.message).toMatch(new RegExp(`the governance schema ${meta} is not trusted: the schema ${meta} is owned by "${forger}", not "${fp}owner".*DROP SCHEMA ${meta} CASCADE;`));
      await expect(planAndApply(s)).rejects.toThrow(/is not trusted/);
      const items = (await s.target.drift(s.conn, s.ctx)).items;
      expect(items).toEqual([expect.objectContaining({ key: `governance:${fp}meta`, status: 'altered', repair: 'manual' })]);
      await withOutOfBand(fresh, s, async (db) => {
        const { rows } = await db.query(`SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles, (SELECT count(*)::int FROM ${meta}."state") AS state`, [root]);
        expect(rows[0]).toEqual({ roles: 1, state: 1 }); // nothing was changed or dropped
        await db.exec(`DROP SCHEMA ${meta} CASCADE`); // the fix the message names
      });
      // then the forged role is only an unrecorded marker, and the first apply goes ahead around it
      const { plan } = await planFor(s);
      expect(plan.findings.filter((f) => f.key === `role:${root}`).map((f) => f.code)).toEqual(['FOREIGN_OBJECT']);
      expect(plan.changes.filter((c) => c.key === `role:${root}`)).toEqual([]);
      await s.close();
      s = await open(fresh);
      await planAndApply(s);
      expect((await s.target.drift(s.conn, s.ctx)).items.map((i) => i.key)).toEqual([`role:${root}`]);
      await withOutOfBand(fresh, s, (db) => db.exec(`DROP ROLE ${q(root)}`).then(() => db.exec(`DROP ROLE ${q(forger)}`)));
    } finally {
      await s.close();
      await fresh.cleanup();
    }
  }, 240_000);

  it('5b. a hand-made schema with a forged marker is reported and survives apply --yes', async () => {
    const forged = role('zz_forged');
    await sql(async (db) => {
      await db.exec(`CREATE SCHEMA ${q(forged)}`);
      await db.exec(`COMMENT ON SCHEMA ${q(forged)} IS 'meshward:${project}:schema:${forged}'`);
      await db.exec(`CREATE VIEW ${q(forged)}."v" AS SELECT 1 AS x`);
    });
    const items = byKey(await drift());
    expect(items.get(`schema:${forged}`)).toMatchObject({ status: 'extra', repair: 'manual', detail: expect.stringMatching(/forged or unrecorded marker.*DROP SCHEMA/) });
    const { plan } = await planFor(session);
    expect(plan.findings).toContainEqual(expect.objectContaining({ code: 'FOREIGN_OBJECT', key: `schema:${forged}`, contradicts: true }));
    expect(plan.changes.filter((c) => c.key.includes(forged))).toEqual([]);
    await planAndApply(session); // a plain apply --yes
    await sql(async (db) => {
      const { rows } = await db.query(`SELECT to_regnamespace($1) IS NOT NULL AS schema, to_regclass($2) IS NOT NULL AS view`, [q(forged), `${q(forged)}."v"`]);
      expect(rows[0]).toEqual({ schema: true, view: true });
      await db.exec(`DROP SCHEMA ${q(forged)} CASCADE`);
    });
    expect(await drift()).toEqual([]);
  });

  it('5. a forged marker is never evidence: such objects are reported, survive apply, and block a model that needs their name', async () => {
    const root = role('root');
    const fake = view('sales', 'fake');
    await sql(async (db) => {
      await db.exec(`CREATE ROLE ${q(root)} NOLOGIN`);
      await db.exec(`COMMENT ON ROLE ${q(root)} IS 'meshward:${project}:group:root'`);
      await db.exec(`CREATE VIEW ${fake} AS SELECT 1 AS x`);
      await db.exec(`COMMENT ON VIEW ${fake} IS 'meshward:${project}:view:analytics.sales.fake'`);
      await db.exec(`GRANT SELECT ON ${fake} TO ${q(root)}`);
    });
    const items = byKey(await drift());
    expect(items.get(`role:${root}`)).toMatchObject({ status: 'extra', detail: expect.stringMatching(/forged or unrecorded marker; meshward will not change or drop it/) });
    expect(items.get(`view:${fake}`)).toMatchObject({ status: 'extra', detail: expect.stringMatching(/forged or unrecorded marker/) });
    const { plan } = await planFor(session);
    expect(plan.changes.filter((c) => c.key.includes(root) || c.key.includes('"fake"'))).toEqual([]);
    expect(plan.findings.filter((f) => f.code === 'FOREIGN_OBJECT' && /forged/.test(f.message)).map((f) => f.key).sort()).toEqual([`role:${root}`, `view:${fake}`]);
    await planAndApply(session); // a plain apply --yes
    await sql(async (db) => {
      const { rows } = await db.query(`SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles, to_regclass($2) IS NOT NULL AS view, has_table_privilege($1, $2, 'SELECT') AS grant`, [root, fake]);
      expect(rows[0]).toEqual({ roles: 1, view: true, grant: true });
    });

    // a model that needs the name is refused at plan
    await session.close();
    edit(t, 'principals.yaml', ['groups:\n', 'groups:\n  root:\n    description: collides with a forged role\n']);
    session = await open(t);
    try {
      const { error } = await captureStderr(() => planFor(session));
      expect(error).toBeInstanceOf(PlanRefusedError);
      const stderr = [(error as Error).message];
      expect(stderr.join('')).toMatch(new RegExp(`role "${root}" carries the marker .* forged or unrecorded marker.*meshward would create it, but it is not managed by project`));
      // the message names the way out: what to check, and the SQL that resolves it
      const members = `SELECT member::regrole FROM pg_catalog.pg_auth_members WHERE roleid = '${q(root)}'::regrole;`;
      const dropRole = `DROP OWNED BY ${q(root)}; DROP ROLE ${q(root)};`;
      expect(stderr.join('')).toContain(`to resolve it, check who made it (meshward audit shows an apply that was interrupted or whose state was lost`);
      expect(stderr.join('')).toContain(members);
      expect(stderr.join('')).toContain(dropRole);
      const view = plan.findings.find((f) => f.key === `view:${fake}`)!;
      expect(view.remedy).toContain(`DROP VIEW ${fake};`);
      expect((await drift()).find((i) => i.key === `view:${fake}`)!.detail).toContain(`to resolve it, check who made it`);
      // following it resolves it: the members are listed, the role dropped, and the plan creates the model's role
      await sql(async (db) => {
        expect((await db.query(members)).rows).toEqual([]);
        for (const statement of dropRole.split(/(?<=;) /)) await db.exec(statement);
      });
      const { plan: resolved } = await planFor(session);
      expect(resolved.changes.filter((c) => c.key === `role:${root}`).map((c) => c.action)).toEqual(['add']);
    } finally {
      await session.close();
      edit(t, 'principals.yaml', ['groups:\n  root:\n    description: collides with a forged role\n', 'groups:\n']);
      session = await open(t);
    }
    await sql(async (db) => {
      await db.exec(`DROP VIEW ${fake}`);
    });
    expect(await drift()).toEqual([]);
  });

  it('9. RLS enabled and a column renamed on a governed base table are findings in plan, drift and test --target', async () => {
    const analysts = role('sales_analysts');
    const orders = view('sales', 'orders');
    const before = await sql((db) => readAs(db, analysts, orders));
    expect(before).toMatch(/^[1-9]\d*:/);
    await sql(async (db) => {
      await db.exec('ALTER TABLE sales.orders ENABLE ROW LEVEL SECURITY');
      await db.exec('ALTER TABLE sales.customers RENAME COLUMN email TO email_address');
      // the intact view now returns no row to the group
      expect(await readAs(db, analysts, orders)).toMatch(/^0:/);
    });
    const items = byKey(await drift());
    expect(items.get('rls:"sales"."orders"')).toMatchObject({ status: 'altered', kind: 'table', table: 'analytics.sales.orders' });
    expect(items.get('rls:"sales"."orders"')!.detail).toMatch(/row-level security is enabled on the governed base table analytics\.sales\.orders \(no policy\): no policy lets .* read, so the managed view returns no row to any group/);
    expect(items.get('columns:"sales"."customers"')).toMatchObject({ status: 'altered', kind: 'table', table: 'analytics.sales.customers' });
    expect(items.get('columns:"sales"."customers"')!.detail).toMatch(/column "email" is gone \(dropped or renamed\)/);

    // plan: the RLS finding (plan itself needs the model's columns, so the column check is seen through drift and probe)
    await sql((db) => db.exec('ALTER TABLE sales.customers RENAME COLUMN email_address TO email'));
    const { plan } = await planFor(session);
    expect(plan.findings).toContainEqual(expect.objectContaining({ code: 'BASE_TABLE_RLS', object: '"sales"."orders"', table: 'analytics.sales.orders' }));
    await sql((db) => db.exec('ALTER TABLE sales.orders RENAME COLUMN shipped_at TO shipped_on'));
    const probe = postgresProbe(session.conn, session.ctx, session.resolved);
    const found = await probe.bypasses();
    expect(found.map((f) => `${f.code} ${f.object}`)).toEqual(expect.arrayContaining(['BASE_TABLE_RLS "sales"."orders"', 'BASE_TABLE_COLUMNS "sales"."orders"']));
    const { plan: renamed } = await planFor(session);
    expect(renamed.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['BASE_TABLE_RLS', 'BASE_TABLE_COLUMNS']));

    await sql(async (db) => {
      await db.exec('ALTER TABLE sales.orders RENAME COLUMN shipped_on TO shipped_at');
      await db.exec('ALTER TABLE sales.orders DISABLE ROW LEVEL SECURITY');
      expect(await readAs(db, analysts, orders)).toBe(before);
    });
    expect(await drift()).toEqual([]);
  });

  it('1. default privileges of a managed role or in a managed schema are drift, and apply revokes them before it creates a view — the leak closed', async () => {
    const dave = helper('dave');
    const owner = role('owner');
    const sales = role('sales');
    const orders = view('sales', 'orders');
    const probe = view('sales', 'zz_probe');
    const reader = (await sql(async (db) => (await db.query('SELECT current_user::text AS u')).rows[0]!.u)) as string;
    await sql(async (db) => {
      await db.exec(`CREATE ROLE ${q(dave)} NOLOGIN`);
      await db.exec(`GRANT ${q(role('employees'))} TO ${q(dave)}`); // the administrator's: employees read stores and products, not orders
      await db.exec(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${q(sales)} GRANT SELECT ON TABLES TO ${q(dave)}`); // FOR ROLE the apply identity
      await db.exec(`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(owner)} IN SCHEMA ${q(sales)} GRANT SELECT ON TABLES TO ${q(dave)} WITH GRANT OPTION`);
      await db.exec(`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(owner)} GRANT USAGE ON SCHEMAS TO PUBLIC`);
      await db.exec(`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(owner)} GRANT EXECUTE ON FUNCTIONS TO ${q(dave)}`);
      // the leak: a view created in the managed schema is readable by dave at once
      await db.exec(`CREATE VIEW ${probe} AS SELECT 1 AS x`);
      expect(await readAs(db, dave, probe)).toBe('1:' + (await db.query(`SELECT md5('(1)') AS h`)).rows[0]!.h);
      await db.exec(`DROP VIEW ${probe}`);
      await db.exec(`DROP VIEW ${orders}`); // so that apply creates it again
      expect(await readAs(db, dave, view('sales', 'stores'))).not.toBe('denied');
    });
    const k = {
      reader: `default_acl:${reader}:${sales}:r:SELECT:${dave}`,
      owner: `default_acl:${owner}:${sales}:r:SELECT:${dave}`,
      schemas: `default_acl:${owner}::n:USAGE:`,
      functions: `default_acl:${owner}::f:EXECUTE:${dave}`,
    };
    const items = byKey(await drift());
    for (const key of Object.values(k)) expect(items.get(key), key).toMatchObject({ status: 'extra', kind: 'default_acl', detail: expect.stringContaining('ALTER DEFAULT PRIVILEGES FOR ROLE') });
    expect(items.get(k.schemas)!.detail).toContain(`GRANT USAGE ON SCHEMAS TO PUBLIC was run outside meshward`);
    expect([...items.keys()].filter((x) => x.startsWith('default_acl:')).sort()).toEqual(Object.values(k).sort()); // EXECUTE to PUBLIC is PostgreSQL's own default

    const { plan } = await planFor(session);
    const at = (key: string) => plan.changes.findIndex((c) => c.key === key);
    expect(plan.changes[at(k.reader)]).toMatchObject({ action: 'remove', hazards: ['AUTHZ_NARROW'], steps: sqlSteps([`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(reader)} IN SCHEMA ${q(sales)} REVOKE SELECT ON TABLES FROM ${q(dave)};`]) });
    expect(plan.changes[at(k.owner)]!.steps.map(stepText)).toEqual([`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(owner)} IN SCHEMA ${q(sales)} REVOKE SELECT ON TABLES FROM ${q(dave)};`]);
    expect(plan.changes[at(k.schemas)]!.steps.map(stepText)).toEqual([`ALTER DEFAULT PRIVILEGES FOR ROLE ${q(owner)} REVOKE USAGE ON SCHEMAS FROM PUBLIC;`]);
    for (const key of Object.values(k)) expect(at(key), key).toBeLessThan(at(`view:${orders}`));

    await planAndApply(session);
    expect(await drift()).toEqual([]);
    expect(await pendingChanges(session)).toEqual([]);
    await sql(async (db) => {
      expect((await db.query(`SELECT count(*)::int AS n FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE a.grantee = $1::regrole OR a.grantee = 0 AND d.defaclobjtype = 'n'`, [q(dave)])).rows).toEqual([{ n: 0 }]);
      expect(await readAs(db, dave, orders)).toBe('denied'); // the view apply created again is not dave's
      expect(await readAs(db, dave, view('sales', 'stores'))).not.toBe('denied');
      await db.exec(`REVOKE ${q(role('employees'))} FROM ${q(dave)}`);
      await db.exec(`DROP ROLE ${q(dave)}`);
    });
    expect(await drift()).toEqual([]);
  });

  it.runIf(engine === 'pglite')('an interrupted first apply with --no-transaction is never refused by the ownership rule', async () => {
    const fresh = await makeTarget(engine);
    let s = await open(fresh);
    try {
      const { plan } = await planFor(s);
      // the changes open with the owner role, the governance schema and its tables
      expect(plan.changes.slice(0, 3).map((c) => c.kind)).toEqual(['role', 'schema', 'governance']);
      // stop after the owner role (nothing recorded yet), then after the governance and one group role
      for (const done of [1, 3]) {
        const { plan: next } = await planFor(s); // never refused: an unrecorded owner is adopted, later objects are recorded
        const at = next.changes.slice(0, done).reduce((n, c) => n + c.steps.map(stepText).length, 0) + 1;
        const report = await applyPlan({ ...s, conn: faultyConnection(s.conn, { at: { statement: at }, fault: 'permission-denied' }) }, next, { transaction: false });
        expect(report.ok).toBe(false);
        await s.close();
        s = await open(fresh);
      }
      const { plan: rest } = await planFor(s);
      expect((await applyPlan(s, rest, { transaction: false })).ok).toBe(true);
      expect(await pendingChanges(s)).toEqual([]);
      expect((await s.target.drift(s.conn, s.ctx)).items).toEqual([]);
    } finally {
      await s.close();
      await fresh.cleanup();
    }
  }, 240_000);
});
