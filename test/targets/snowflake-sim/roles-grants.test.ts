import { describe, expect, it } from 'vitest';
import { connect, fails, fixture, run, script } from './helpers.js';

async function estate() {
  const sim = fixture();
  const admin = await connect(sim, 'ADMIN');
  await script(admin, [
    'CREATE ROLE analyst COMMENT = \'reads sales\'',
    'CREATE ROLE senior',
    'GRANT ROLE analyst TO ROLE senior',
    'CREATE DATABASE sales',
    'CREATE SCHEMA sales.raw',
    'CREATE TABLE sales.raw.orders (id INT, region STRING, amount NUMBER(10,2))',
    "INSERT INTO sales.raw.orders VALUES (1, 'EU', 10.5), (2, 'US', 20)",
  ]);
  sim.createUser('ALICE', { defaultRole: 'SENIOR', roles: ['SENIOR'] });
  sim.createUser('BOB', { roles: ['ANALYST'], defaultSecondaryRoles: 'NONE' });
  return { sim, admin };
}

describe('session (use-role, use-secondary-roles, alter-session)', () => {
  it('USE ROLE needs the role granted to the user', async () => {
    const { sim } = await estate();
    const bob = await connect(sim, 'BOB');
    expect((await run(bob, 'SELECT CURRENT_ROLE() r')).rows[0]!.R).toBe('PUBLIC');
    await run(bob, 'USE ROLE analyst');
    expect((await run(bob, 'SELECT CURRENT_ROLE() r')).rows[0]!.R).toBe('ANALYST');
    const e = await fails(bob, 'USE ROLE senior');
    expect(e.message).toBe("SQL access control error:\nRequested role 'SENIOR' is not assigned to the executing user. Specify another role to activate.");
  });
  it('the connect-string role must be granted (390189)', async () => {
    const { sim } = await estate();
    const c = sim.createConnection({ account: 'acme', username: 'BOB', role: 'SENIOR' });
    await expect(c.connectAsync()).rejects.toMatchObject({ code: '390189' });
    await expect(sim.createConnection({ account: 'acme', username: 'NOBODY' }).connectAsync()).rejects.toMatchObject({ code: '390100', message: 'Incorrect username or password was specified.' });
  });
  it('CURRENT_AVAILABLE_ROLES lists granted roles and those below; CURRENT_SECONDARY_ROLES follows USE SECONDARY ROLES', async () => {
    const { sim } = await estate();
    const alice = await connect(sim, 'ALICE');
    const r = await run(alice, 'SELECT CURRENT_AVAILABLE_ROLES() a, CURRENT_SECONDARY_ROLES() s, IS_ROLE_IN_SESSION(\'ANALYST\') i, IS_ROLE_IN_SESSION(\'analyst\') l');
    expect(JSON.parse(r.rows[0]!.A as string)).toEqual(['ANALYST', 'PUBLIC', 'SENIOR']);
    expect(r.rows[0]!.I).toBe(true);
    expect(r.rows[0]!.L).toBe(false);
    expect(JSON.parse(r.rows[0]!.S as string)).toEqual({ roles: '', value: 'ALL' });
    await run(alice, 'USE SECONDARY ROLES NONE');
    expect(JSON.parse((await run(alice, 'SELECT CURRENT_SECONDARY_ROLES() s')).rows[0]!.S as string)).toEqual({ roles: '', value: '' });
  });
  it('secondary roles give privileges: BOB (primary PUBLIC) reads only with ALL', async () => {
    const { sim, admin } = await estate();
    await script(admin, ['GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE analyst', 'GRANT SELECT ON TABLE sales.raw.orders TO ROLE analyst']);
    const bob = await connect(sim, 'BOB');
    const e = await fails(bob, 'SELECT * FROM sales.raw.orders');
    expect(e.code).toBe('002003');
    expect(e.message).toBe("SQL compilation error:\nObject 'SALES.RAW.ORDERS' does not exist or not authorized.");
    await run(bob, 'USE SECONDARY ROLES ALL');
    expect((await run(bob, 'SELECT id FROM sales.raw.orders ORDER BY id')).rows).toEqual([{ ID: 1 }, { ID: 2 }]);
  });
  it('QUERY_TAG comes from the connection and ALTER SESSION and is logged per statement', async () => {
    const { sim } = await estate();
    const alice = await connect(sim, 'ALICE', { queryTag: 'meshward:plan' });
    await run(alice, 'SELECT 1');
    await run(alice, "ALTER SESSION SET QUERY_TAG = 'run-2'");
    await run(alice, 'SELECT 2');
    const mine = sim.statementLog.filter((q) => q.USER_NAME === 'ALICE');
    expect(mine.map((q) => [q.QUERY_TEXT, q.QUERY_TAG, q.ROLE_NAME])).toEqual([['SELECT 1', 'meshward:plan', 'SENIOR'], ["ALTER SESSION SET QUERY_TAG = 'run-2'", 'meshward:plan', 'SENIOR'], ['SELECT 2', 'run-2', 'SENIOR']]);
  });
  it('QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE resolves quoted names upper-cased; FALSE keeps them exact', async () => {
    const { admin } = await estate();
    await run(admin, 'CREATE TABLE sales.raw."Mixed" (x INT)');
    await run(admin, 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE');
    expect((await fails(admin, 'SELECT * FROM sales.raw."Mixed"')).code).toBe('002003');
    expect((await run(admin, 'SELECT * FROM sales.raw."orders"')).rows.length).toBe(2);
    await run(admin, 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE');
    expect((await run(admin, 'SELECT * FROM sales.raw."Mixed"')).rows).toEqual([]);
  });
  it('a query on a table needs a warehouse (000606)', async () => {
    const { sim } = await estate();
    sim.createUser('NOWH', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'] });
    const c = sim.createConnection({ account: 'acme', username: 'NOWH' });
    await c.connectAsync();
    expect((await fails(c, 'SELECT * FROM sales.raw.orders')).code).toBe('000606');
    await run(c, 'USE WAREHOUSE wh');
    expect((await run(c, 'SELECT COUNT(*) n FROM sales.raw.orders')).rows).toEqual([{ N: 2 }]);
  });
});

describe('roles and grants (grant-privilege, grant-role, revoke, grant-ownership)', () => {
  it('rejects a cycle in the role hierarchy', async () => {
    const { admin } = await estate();
    const e = await fails(admin, 'GRANT ROLE senior TO ROLE analyst');
    expect(e.code).toBe('003012');
    await fails(admin, 'GRANT ROLE analyst TO ROLE analyst');
  });
  it('a role without SELECT gets "Insufficient privileges" when it sees the table, "does not exist" when it does not', async () => {
    const { sim, admin } = await estate();
    await script(admin, ['GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE analyst', 'GRANT INSERT ON TABLE sales.raw.orders TO ROLE analyst']);
    const bob = await connect(sim, 'BOB', { role: 'ANALYST' });
    const e = await fails(bob, 'SELECT * FROM sales.raw.orders');
    expect(e).toMatchObject({ code: '003001', sqlState: '42501', message: "SQL access control error:\nInsufficient privileges to operate on table 'SALES.RAW.ORDERS'" });
    expect((await run(bob, "INSERT INTO sales.raw.orders (id, region, amount) VALUES (3, 'EU', 1)")).rows).toEqual([{ 'number of rows inserted': 1 }]);
  });
  it('SHOW GRANTS TO ROLE lists privileges, OWNERSHIP and role edges; OF ROLE lists holders', async () => {
    const { admin } = await estate();
    await script(admin, ['GRANT SELECT ON TABLE sales.raw.orders TO ROLE analyst WITH GRANT OPTION', 'GRANT ROLE analyst TO USER bob']);
    const to = await run(admin, 'SHOW GRANTS TO ROLE analyst');
    expect(to.columns.map((c) => c.name)).toEqual(['created_on', 'privilege', 'granted_on', 'name', 'granted_to', 'grantee_name', 'grant_option', 'granted_by']);
    expect(to.rows.map((r) => [r.privilege, r.granted_on, r.name, r.grant_option, r.granted_by])).toEqual([['SELECT', 'TABLE', 'SALES.RAW.ORDERS', 'true', 'ACCOUNTADMIN']]);
    const senior = await run(admin, 'SHOW GRANTS TO ROLE senior');
    expect(senior.rows.map((r) => [r.privilege, r.granted_on, r.name])).toEqual([['USAGE', 'ROLE', 'ANALYST']]);
    const of = await run(admin, 'SHOW GRANTS OF ROLE analyst');
    expect(of.columns.map((c) => c.name)).toEqual(['created_on', 'role', 'granted_to', 'grantee_name', 'granted_by']);
    expect(of.rows.map((r) => [r.granted_to, r.grantee_name]).sort()).toEqual([['ROLE', 'SENIOR'], ['USER', 'BOB']]);
    const on = await run(admin, 'SHOW GRANTS ON TABLE sales.raw.orders');
    expect(on.rows.map((r) => [r.privilege, r.grantee_name])).toEqual([['OWNERSHIP', 'ACCOUNTADMIN'], ['SELECT', 'ANALYST']]);
    await run(admin, 'REVOKE GRANT OPTION FOR SELECT ON TABLE sales.raw.orders FROM ROLE analyst');
    expect((await run(admin, 'SHOW GRANTS TO ROLE analyst')).rows.map((r) => r.grant_option)).toEqual(['false']);
    await run(admin, 'REVOKE SELECT ON TABLE sales.raw.orders FROM ROLE analyst');
    expect((await run(admin, 'SHOW GRANTS TO ROLE analyst')).rows).toEqual([]);
  });
  it('SHOW ROLES has the documented columns, LIKE is case-insensitive, LIMIT … FROM pages by name', async () => {
    const { admin } = await estate();
    const r = await run(admin, "SHOW ROLES LIKE 'ana%'");
    expect(r.columns.map((c) => c.name)).toEqual(['created_on', 'name', 'is_default', 'is_current', 'is_inherited', 'assigned_to_users', 'granted_to_roles', 'granted_roles', 'owner', 'comment']);
    expect(r.rows.map((x) => [x.name, x.granted_to_roles, x.owner, x.comment])).toEqual([['ANALYST', 1, 'ACCOUNTADMIN', 'reads sales']]);
    expect(r.columns[0]!.type).toBe('timestamp_ltz');
    const page = await run(admin, "SHOW ROLES LIMIT 2 FROM 'P'");
    expect(page.rows.map((x) => x.name)).toEqual(['PUBLIC', 'SECURITYADMIN']);
    const all = await run(admin, 'SHOW ROLES');
    expect(all.rows.find((x) => x.name === 'ACCOUNTADMIN')!.is_current).toBe('Y');
    expect(all.rows.find((x) => x.name === 'SYSADMIN')!.is_inherited).toBe('Y');
  });
  it('ON ALL TABLES is a one-shot expansion; FUTURE grants apply to new tables, schema-level shadowing database-level', async () => {
    const { sim, admin } = await estate();
    await script(admin, [
      'GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE analyst',
      'GRANT SELECT ON ALL TABLES IN SCHEMA sales.raw TO ROLE analyst',
      'CREATE TABLE sales.raw.later (x INT)',
      'GRANT SELECT ON FUTURE TABLES IN DATABASE sales TO ROLE analyst',
      'CREATE TABLE sales.raw.after_db_future (x INT)',
      'GRANT INSERT ON FUTURE TABLES IN SCHEMA sales.raw TO ROLE senior',
      'CREATE TABLE sales.raw.after_schema_future (x INT)',
    ]);
    const names = (await run(admin, 'SHOW GRANTS TO ROLE analyst')).rows.map((r) => r.name);
    expect(names).toEqual(['SALES', 'SALES.RAW', 'SALES.RAW.ORDERS', 'SALES.RAW.AFTER_DB_FUTURE']);
    const fut = await run(admin, 'SHOW FUTURE GRANTS IN SCHEMA sales.raw');
    expect(fut.columns.map((c) => c.name)).toEqual(['created_on', 'privilege', 'grant_on', 'name', 'grant_to', 'grantee_name', 'grant_option']);
    expect(fut.rows.map((r) => [r.privilege, r.grant_on, r.name, r.grantee_name])).toEqual([['INSERT', 'TABLE', 'SALES.RAW.<TABLE>', 'SENIOR']]);
    const onNew = (await run(admin, 'SHOW GRANTS ON TABLE sales.raw.after_schema_future')).rows.map((r) => [r.privilege, r.grantee_name]);
    expect(onNew).toEqual([['OWNERSHIP', 'ACCOUNTADMIN'], ['INSERT', 'SENIOR']]);
    void sim;
  });
  it('future grants need MANAGE GRANTS', async () => {
    const { sim, admin } = await estate();
    await script(admin, ['GRANT OWNERSHIP ON DATABASE sales TO ROLE analyst', 'GRANT OWNERSHIP ON SCHEMA sales.raw TO ROLE analyst REVOKE CURRENT GRANTS']);
    const bob = await connect(sim, 'BOB', { role: 'ANALYST' });
    expect((await fails(bob, 'GRANT SELECT ON FUTURE TABLES IN SCHEMA sales.raw TO ROLE analyst')).code).toBe('003001');
  });
  it('managed access: only the schema owner or MANAGE GRANTS can grant; the object owner cannot', async () => {
    const { sim, admin } = await estate();
    await script(admin, [
      'CREATE SCHEMA sales.locked WITH MANAGED ACCESS',
      'GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE, CREATE TABLE ON SCHEMA sales.locked TO ROLE analyst',
    ]);
    const bob = await connect(sim, 'BOB', { role: 'ANALYST' });
    await run(bob, 'CREATE TABLE sales.locked.mine (x INT)');
    const e = await fails(bob, 'GRANT SELECT ON TABLE sales.locked.mine TO ROLE senior');
    expect(e.code).toBe('003001');
    await run(admin, 'GRANT SELECT ON TABLE sales.locked.mine TO ROLE senior');
    expect((await run(admin, 'SHOW SCHEMAS IN DATABASE sales')).rows.find((r) => r.name === 'LOCKED')!.options).toBe('MANAGED ACCESS');
  });
  it('GRANT OWNERSHIP refuses while outbound grants exist unless COPY or REVOKE CURRENT GRANTS', async () => {
    const { admin } = await estate();
    await run(admin, 'GRANT SELECT ON TABLE sales.raw.orders TO ROLE analyst');
    const e = await fails(admin, 'GRANT OWNERSHIP ON TABLE sales.raw.orders TO ROLE senior');
    expect(e.message).toContain("Dependent grant of privilege 'SELECT' on securable 'SALES.RAW.ORDERS' to role 'ANALYST' exists.");
    await run(admin, 'GRANT OWNERSHIP ON TABLE sales.raw.orders TO ROLE senior COPY CURRENT GRANTS');
    expect((await run(admin, 'SHOW GRANTS ON TABLE sales.raw.orders')).rows.map((r) => [r.privilege, r.grantee_name, r.granted_by])).toEqual([['OWNERSHIP', 'SENIOR', 'SENIOR'], ['SELECT', 'ANALYST', 'SENIOR']]);
  });
  it('global APPLY privileges go ON ACCOUNT and show as granted_on ACCOUNT', async () => {
    const { admin } = await estate();
    await script(admin, ['GRANT APPLY MASKING POLICY, APPLY ROW ACCESS POLICY ON ACCOUNT TO ROLE senior', 'GRANT APPLY TAG ON ACCOUNT TO ROLE senior']);
    const rows = (await run(admin, 'SHOW GRANTS TO ROLE senior')).rows.filter((r) => r.granted_on === 'ACCOUNT');
    expect(rows.map((r) => r.privilege)).toEqual(['APPLY MASKING POLICY', 'APPLY ROW ACCESS POLICY', 'APPLY TAG']);
    expect((await fails(admin, 'GRANT SELECT ON DATABASE sales TO ROLE senior')).code).toBe('003011');
  });
  it('CREATE ROLE needs CREATE ROLE on the account; DROP ROLE passes owned objects to the dropping role', async () => {
    const { sim, admin } = await estate();
    const bob = await connect(sim, 'BOB', { role: 'ANALYST' });
    expect((await fails(bob, 'CREATE ROLE x')).code).toBe('003001');
    await script(admin, ['CREATE ROLE IF NOT EXISTS analyst', 'GRANT OWNERSHIP ON TABLE sales.raw.orders TO ROLE analyst', 'DROP ROLE analyst']);
    expect(sim.table('SALES', 'RAW', 'ORDERS')!.owner).toBe('ACCOUNTADMIN');
    expect((await run(admin, 'SHOW ROLES')).rows.map((r) => r.name)).not.toContain('ANALYST');
    expect((await fails(admin, 'DROP ROLE sysadmin')).code).toBe('003006');
  });
});

describe('REVOKE RESTRICT / CASCADE (revoke-privilege)', () => {
  it('refuses to revoke a privilege the grantee re-granted, unless CASCADE', async () => {
    const { sim, admin } = await estate();
    sim.createRole('THIRD');
    await script(admin, ['GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE analyst', 'GRANT SELECT ON TABLE sales.raw.orders TO ROLE analyst WITH GRANT OPTION']);
    const bob = await connect(sim, 'BOB', { role: 'ANALYST' });
    await run(bob, 'GRANT SELECT ON TABLE sales.raw.orders TO ROLE third');
    expect((await run(admin, 'SHOW GRANTS TO ROLE third')).rows.map((r) => r.granted_by)).toEqual(['ANALYST']);
    const e = await fails(admin, 'REVOKE SELECT ON TABLE sales.raw.orders FROM ROLE analyst');
    expect(e.message).toContain("Dependent grant of privilege 'SELECT' on securable 'SALES.RAW.ORDERS' to role 'THIRD' exists.");
    await run(admin, 'REVOKE SELECT ON TABLE sales.raw.orders FROM ROLE analyst CASCADE');
    expect((await run(admin, 'SHOW GRANTS TO ROLE third')).rows).toEqual([]);
  });
});
