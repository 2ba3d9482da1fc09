import { describe, expect, it } from 'vitest';
import { connect, fails, fixture, run, script } from './helpers.js';
import { MASK_EMAIL, governanceEstate } from './estate.js';

describe('QUERY_HISTORY and ACCESS_HISTORY (account-usage/query_history, access_history)', () => {
  it('ACCESS_HISTORY records which tables and columns a SELECT read and which policies applied, readable through SQL', async () => {
    const { sim, gov, admin } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email', "CREATE ROW ACCESS POLICY gov.pol.all_rows AS (r STRING) RETURNS BOOLEAN -> TRUE", 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.all_rows ON (region)']);
    const ana = await connect(sim, 'ANA', { queryTag: 'dash' });
    const { queryId } = await run(ana, 'SELECT id, email FROM sales.raw.customers');
    const rec = sim.accessHistory.find((r) => r.QUERY_ID === queryId)!;
    expect(rec.USER_NAME).toBe('ANA');
    expect(rec.DIRECT_OBJECTS_ACCESSED.map((o) => [o.objectDomain, o.objectName, o.columns.map((c) => c.columnName)])).toEqual([['Table', 'SALES.RAW.CUSTOMERS', ['ID', 'EMAIL']]]);
    expect(rec.POLICIES_REFERENCED).toEqual([{ objectName: 'SALES.RAW.CUSTOMERS', objectId: expect.any(Number), objectDomain: 'Table', columns: [{ columnName: 'EMAIL', columnId: expect.any(Number), policies: [{ policyName: 'GOV.POL.MASK_EMAIL', policyId: expect.any(Number), policyKind: 'MASKING_POLICY' }] }], policies: [{ policyName: 'GOV.POL.ALL_ROWS', policyId: expect.any(Number), policyKind: 'ROW_ACCESS_POLICY' }] }]);
    const viaSql = await run(admin, 'SELECT query_id, user_name, direct_objects_accessed[0]:objectName AS obj, policies_referenced[0]:columns[0]:policies[0]:policyName AS pol FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY WHERE query_id = ?', [queryId]);
    expect(viaSql.rows).toEqual([{ QUERY_ID: queryId, USER_NAME: 'ANA', OBJ: 'SALES.RAW.CUSTOMERS', POL: 'GOV.POL.MASK_EMAIL' }]);
    const qh = await run(admin, "SELECT query_text, role_name, query_tag, execution_status, query_type, rows_produced FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE user_name = 'ANA'");
    expect(qh.rows).toEqual([{ QUERY_TEXT: 'SELECT id, email FROM sales.raw.customers', ROLE_NAME: 'ANALYST', QUERY_TAG: 'dash', EXECUTION_STATUS: 'SUCCESS', QUERY_TYPE: 'SELECT', ROWS_PRODUCED: 3 }]);
  });
  it('writes are OBJECTS_MODIFIED; failed statements are in QUERY_HISTORY with their error code', async () => {
    const { sim, admin } = await governanceEstate();
    const { queryId } = await run(admin, "INSERT INTO sales.raw.customers (id, email) VALUES (9, 'z@z')");
    expect(sim.accessHistory.find((r) => r.QUERY_ID === queryId)!.OBJECTS_MODIFIED.map((o) => [o.objectName, o.columns.map((c) => c.columnName)])).toEqual([['SALES.RAW.CUSTOMERS', ['ID', 'EMAIL']]]);
    await fails(admin, 'SELECT * FROM nowhere.s.t');
    const last = sim.statementLog[sim.statementLog.length - 1]!;
    expect([last.EXECUTION_STATUS, last.ERROR_CODE]).toEqual(['FAIL', '002003']);
  });
  it('ACCOUNT_USAGE needs ACCOUNTADMIN or IMPORTED PRIVILEGES on SNOWFLAKE, and honours the configured latency', async () => {
    const { sim, admin } = await governanceEstate();
    const ana = await connect(sim, 'ANA');
    expect((await fails(ana, 'SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY')).code).toBe('002003');
    await run(admin, 'GRANT IMPORTED PRIVILEGES ON DATABASE snowflake TO ROLE analyst');
    expect((await run(ana, 'SELECT COUNT(*) n FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY')).rows[0]!.N).toBeGreaterThan(0);
    sim.accountUsageLatencyMs = 45 * 60_000;
    await run(ana, "SELECT 'fresh'");
    expect((await run(ana, "SELECT COUNT(*) n FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE query_text = 'SELECT ''fresh'''")).rows[0]!.N).toBe(0);
    sim.advanceTime(46 * 60_000);
    expect((await run(ana, "SELECT COUNT(*) n FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE query_text = 'SELECT ''fresh'''")).rows[0]!.N).toBe(1);
  });
});

describe('OBJECT_MODIFIED_BY_DDL', () => {
  it('records the object a DDL statement changed, with its operation', async () => {
    const { sim, gov } = await governanceEstate();
    const create = await run(gov, MASK_EMAIL);
    const attach = await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email');
    const body = await run(gov, "ALTER MASKING POLICY gov.pol.mask_email SET BODY -> '*'");
    const ddl = (id: string) => sim.accessHistory.find((r) => r.QUERY_ID === id)?.OBJECT_MODIFIED_BY_DDL;
    expect(ddl(create.queryId)).toMatchObject({ objectDomain: 'Masking policy', objectName: 'GOV.POL.MASK_EMAIL', operationType: 'CREATE' });
    expect(ddl(attach.queryId)).toMatchObject({ objectDomain: 'Table', objectName: 'SALES.RAW.CUSTOMERS', operationType: 'ALTER', properties: { subOperation: [{ columnName: 'EMAIL', action: 'setMask', policyName: 'GOV.POL.MASK_EMAIL' }] } });
    expect(ddl(body.queryId)).toMatchObject({ operationType: 'ALTER', properties: { policyBody: "'*'" } });
  });
});

describe('fault injection', () => {
  it('fails the Nth statement with a given Snowflake error, without effect', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    sim.failNth(2, { code: '000625', sqlState: '57014', message: 'Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.' });
    await run(c, 'CREATE ROLE a');
    const e = await fails(c, 'CREATE ROLE b');
    expect(e).toMatchObject({ code: '000625', sqlState: '57014' });
    await run(c, 'CREATE ROLE c');
    expect((await run(c, "SHOW ROLES LIKE '_'")).rows.map((r) => r.name)).toEqual(['A', 'C']);
    expect(sim.statementLog.find((q) => q.QUERY_TEXT === 'CREATE ROLE b')).toMatchObject({ EXECUTION_STATUS: 'FAIL', ERROR_CODE: '000625' });
  });
  it('fails the next statement matching a pattern', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    sim.failNext(/^GRANT/i, { code: '003001', message: 'SQL access control error:\nInsufficient privileges to operate on account' });
    await run(c, 'CREATE ROLE a');
    expect((await fails(c, 'GRANT ROLE a TO ROLE sysadmin')).code).toBe('003001');
    await run(c, 'GRANT ROLE a TO ROLE sysadmin');
  });
  it('drops the connection after the statement took effect: the caller gets a network error (or nothing)', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    sim.dropConnectionOn({ match: 'CREATE ROLE lost' });
    const e = await fails(c, 'CREATE ROLE lost');
    expect(e).toMatchObject({ code: 401001, message: 'Network error. Could not reach Snowflake.' });
    expect(c.isUp()).toBe(false);
    expect((await fails(c, 'SELECT 1')).code).toBe(407002);
    expect(sim.account.roles.has('LOST')).toBe(true);
    const c2 = await connect(sim, 'ADMIN');
    sim.dropConnectionOn({ nth: 1 }, 'never');
    let called = false;
    c2.execute({ sqlText: 'CREATE ROLE silent', complete: () => { called = true; } });
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(false);
    expect(sim.account.roles.has('SILENT')).toBe(true);
  });
});

describe('clone', () => {
  it('copies the whole account; steps on the copy do not touch the original; attachments survive the copy', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    const copy = sim.clone();
    const copyGov = await connect(copy, 'ADMIN', { role: 'GOV' });
    await run(copyGov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email UNSET MASKING POLICY');
    const see = async (s: typeof sim) => (await run(await connect(s, 'ANA'), 'SELECT email FROM sales.raw.customers WHERE id = 1')).rows[0]!.EMAIL;
    expect(await see(copy)).toBe('ann@x.com');
    expect(await see(sim)).toBe('***');
    await run(copyGov, "ALTER MASKING POLICY gov.pol.mask_email SET BODY -> 'changed'");
    await run(copyGov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email');
    expect(await see(copy)).toBe('changed');
    expect(await see(sim)).toBe('***');
    expect(copy.statementLog.length).toBeGreaterThan(sim.statementLog.length - 2);
  });
});

describe('driver surface (snowflake-sdk Connection / Statement / Column)', () => {
  it('statement and column accessors, rowMode array, destroy', async () => {
    const sim = fixture();
    const c = sim.createConnection({ account: 'acme', username: 'ADMIN' });
    expect(c.isUp()).toBe(false);
    expect((await fails(c, 'SELECT 1')).code).toBe(407001);
    await c.connectAsync();
    expect(c.isUp()).toBe(true);
    const stmt = await new Promise<import('../../support/snowflake-sim/index.js').SimStatement>((resolve, reject) => {
      c.execute({ sqlText: "SELECT 1 AS n, 'x' AS s, TRUE AS b, CURRENT_TIMESTAMP() AS t, PARSE_JSON('[1]') AS v", rowMode: 'array', complete: (e, st, rows) => (e ? reject(e) : (expect(rows).toEqual([[1, 'x', true, expect.any(Date), [1]]]), resolve(st))) });
    });
    expect(stmt.getSqlText()).toContain('SELECT 1');
    expect(stmt.getNumRows()).toBe(1);
    expect(stmt.getQueryId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stmt.getColumns()!.map((x) => [x.getName(), x.getType()])).toEqual([['N', 'fixed'], ['S', 'text'], ['B', 'boolean'], ['T', 'timestamp_ltz'], ['V', 'variant']]);
    await new Promise<void>((resolve, reject) => c.destroy((e) => (e ? reject(e) : resolve())));
    expect(c.isUp()).toBe(false);
  });
  it('errors carry code, sqlState, message and the query id', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const e = (await fails(c, 'SELECT * FROM missing_db.s.t')) as unknown as { name: string; code: string; sqlState: string; data: { queryId: string } };
    expect(e).toMatchObject({ name: 'OperationFailedError', code: '002003', sqlState: '42S02' });
    expect(sim.statementLog.at(-1)!.QUERY_ID).toBe(e.data.queryId);
  });
});
