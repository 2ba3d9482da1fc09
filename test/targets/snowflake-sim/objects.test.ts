import { describe, expect, it } from 'vitest';
import { connect, fails, fixture, run, script } from './helpers.js';
import { MASK_EMAIL, governanceEstate } from './estate.js';

describe('databases, schemas, tables, roles (create-database, create-schema, create-table, alter-role, drop)', () => {
  it('CREATE DATABASE makes it current with schema PUBLIC; SHOW DATABASES / SCHEMAS columns', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    await run(c, "CREATE DATABASE analytics COMMENT = 'a'");
    expect((await run(c, 'SELECT CURRENT_DATABASE() d, CURRENT_SCHEMA() s')).rows).toEqual([{ D: 'ANALYTICS', S: 'PUBLIC' }]);
    const dbs = await run(c, "SHOW DATABASES LIKE 'ANALYTICS'");
    expect(dbs.columns.map((x) => x.name)).toEqual(['created_on', 'name', 'is_default', 'is_current', 'origin', 'owner', 'comment', 'options', 'retention_time', 'kind', 'budget', 'owner_role_type']);
    expect(dbs.rows.map((r) => [r.name, r.is_current, r.owner, r.comment])).toEqual([['ANALYTICS', 'Y', 'ACCOUNTADMIN', 'a']]);
    await run(c, 'CREATE SCHEMA IF NOT EXISTS s1');
    expect((await run(c, 'CREATE SCHEMA IF NOT EXISTS s1')).rows[0]!.status).toBe('S1 already exists, statement succeeded.');
    const terse = await run(c, 'SHOW TERSE SCHEMAS');
    expect(terse.columns.map((x) => x.name)).toEqual(['created_on', 'name', 'kind', 'database_name', 'schema_name']);
    const schemas = await run(c, 'SHOW SCHEMAS');
    expect(schemas.rows.map((r) => r.name)).toEqual(['INFORMATION_SCHEMA', 'PUBLIC', 'S1']);
    expect((await fails(c, 'CREATE DATABASE analytics')).message).toBe("SQL compilation error:\nObject 'ANALYTICS' already exists.");
  });
  it('USE DATABASE on an invisible database fails with "Object does not exist, or operation cannot be performed."', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    await run(c, 'CREATE DATABASE d1');
    sim.createUser('U', { roles: [] });
    const u = await connect(sim, 'U');
    const e = await fails(u, 'USE DATABASE d1');
    expect(e).toMatchObject({ code: '002043', message: 'SQL compilation error:\nObject does not exist, or operation cannot be performed.' });
  });
  it('ALTER ROLE SET COMMENT / RENAME keeps grants; REVOKE ROLE removes the edge', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    await script(c, ['CREATE ROLE r1', 'CREATE ROLE r2', 'GRANT ROLE r1 TO ROLE r2', "ALTER ROLE r1 SET COMMENT = 'hello'", 'ALTER ROLE r1 RENAME TO r1b']);
    expect((await run(c, "SHOW ROLES LIKE 'R1B'")).rows.map((r) => r.comment)).toEqual(['hello']);
    expect((await run(c, 'SHOW GRANTS OF ROLE r1b')).rows.map((r) => r.grantee_name)).toEqual(['R2']);
    await run(c, 'REVOKE ROLE r1b FROM ROLE r2');
    expect((await run(c, 'SHOW GRANTS OF ROLE r1b')).rows).toEqual([]);
    expect((await fails(c, 'ALTER ROLE nope SET COMMENT = \'x\'')).code).toBe('002003');
    await run(c, "ALTER ROLE IF EXISTS nope SET COMMENT = 'x'");
  });
  it('CREATE OR REPLACE TABLE is a new object: grants and policies of the old one are gone; RENAME keeps them', async () => {
    const { gov, admin } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    await run(admin, 'ALTER TABLE sales.raw.customers RENAME TO sales.raw.clients');
    expect((await run(admin, 'SHOW GRANTS ON TABLE sales.raw.clients')).rows.map((r) => r.privilege)).toEqual(['OWNERSHIP', 'SELECT']);
    expect((await run(admin, 'DESCRIBE TABLE sales.raw.clients')).rows.find((r) => r.name === 'EMAIL')!['policy name']).toBe('GOV.POL.MASK_EMAIL');
    await run(admin, 'CREATE OR REPLACE TABLE sales.raw.clients (id INT, email STRING)');
    expect((await run(admin, 'SHOW GRANTS ON TABLE sales.raw.clients')).rows.map((r) => r.privilege)).toEqual(['OWNERSHIP']);
    await run(gov, 'DROP MASKING POLICY gov.pol.mask_email');
  });
  it('CREATE TABLE with column MASKING POLICY … USING, TAG (…) and WITH ROW ACCESS POLICY; CTAS', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [
      "CREATE MASKING POLICY gov.pol.cond AS (val STRING, vis STRING) RETURNS STRING -> IFF(vis = 'public', val, '*')",
      "CREATE ROW ACCESS POLICY gov.pol.rap AS (r STRING) RETURNS BOOLEAN -> r = 'EU'",
      "CREATE TAG gov.pol.kind",
      "CREATE TABLE gov.pol.t (email STRING MASKING POLICY gov.pol.cond USING (email, vis) TAG (gov.pol.kind = 'pii'), vis STRING, region STRING) WITH ROW ACCESS POLICY gov.pol.rap ON (region)",
      "INSERT INTO gov.pol.t VALUES ('a@b', 'private', 'EU'), ('c@d', 'public', 'EU'), ('e@f', 'public', 'US')",
    ]);
    await run(gov, 'USE WAREHOUSE wh');
    expect((await run(gov, 'SELECT email FROM gov.pol.t')).rows).toEqual([{ EMAIL: '*' }, { EMAIL: 'c@d' }]);
    await run(gov, 'CREATE TABLE gov.pol.copy AS SELECT email, region FROM gov.pol.t');
    expect((await run(gov, 'SELECT email FROM gov.pol.copy')).rows).toEqual([{ EMAIL: '*' }, { EMAIL: 'c@d' }]);
  });
  it('UPDATE and DELETE only see the rows the row access policy lets through', async () => {
    const { gov, admin, sim } = await governanceEstate();
    await script(gov, ["CREATE ROW ACCESS POLICY gov.pol.eu AS (r STRING) RETURNS BOOLEAN -> r = 'EU'", 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.eu ON (region)']);
    expect((await run(admin, "UPDATE sales.raw.customers SET amount = 0")).rows[0]!['number of rows updated']).toBe(1);
    expect((await run(admin, 'DELETE FROM sales.raw.customers')).rows[0]!['number of rows deleted']).toBe(1);
    expect(sim.rowsOf('SALES', 'RAW', 'CUSTOMERS').map((r) => r.REGION)).toEqual(['US', 'APAC']);
  });
  it('UNSET TAG on table and column; ALTER TAG UNSET ALLOWED_VALUES accepts any value again', async () => {
    const { gov } = await governanceEstate();
    await script(gov, ["CREATE TAG gov.pol.k ALLOWED_VALUES 'a'", "ALTER TABLE sales.raw.customers SET TAG gov.pol.k = 'a'", "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.k = 'a'"]);
    await run(gov, 'ALTER TABLE sales.raw.customers UNSET TAG gov.pol.k');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email UNSET TAG gov.pol.k');
    expect((await run(gov, "SELECT COUNT(*) n FROM TABLE(sales.INFORMATION_SCHEMA.TAG_REFERENCES_ALL_COLUMNS('sales.raw.customers', 'table'))")).rows).toEqual([{ N: 0 }]);
    await run(gov, 'ALTER TAG gov.pol.k UNSET ALLOWED_VALUES');
    await run(gov, "ALTER TABLE sales.raw.customers SET TAG gov.pol.k = 'anything'");
  });
  it('DROP SCHEMA needs self-contained policy references', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    expect((await fails(gov, 'DROP SCHEMA gov.pol')).code).toBe('003531');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email UNSET MASKING POLICY');
    await run(gov, 'DROP SCHEMA gov.pol');
    expect((await run(gov, 'DROP SCHEMA IF EXISTS gov.pol')).rows[0]!.status).toBe('Drop statement executed successfully (GOV.POL already dropped).');
  });
  it('QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE breaks "name" over a SHOW result (the column is lower case)', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    await run(c, 'SHOW ROLES');
    await run(c, 'ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE');
    await run(c, 'SHOW ROLES');
    expect((await fails(c, 'SELECT "name" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))')).code).toBe('000904');
  });
  it('SHOW COLUMNS data_type JSON and SHOW TAGS IN DATABASE', async () => {
    const { gov, admin } = await governanceEstate();
    await run(gov, 'CREATE TAG gov.pol.t1');
    const cols = await run(admin, 'SHOW COLUMNS IN TABLE sales.raw.customers');
    expect(cols.rows.map((r) => JSON.parse(r.data_type as string))).toEqual([
      { type: 'FIXED', precision: 38, scale: 0, nullable: true },
      { type: 'TEXT', length: 16777216, byteLength: 16777216, nullable: true, fixed: false },
      { type: 'TEXT', length: 16777216, byteLength: 16777216, nullable: true, fixed: false },
      { type: 'FIXED', precision: 10, scale: 2, nullable: true },
      { type: 'TEXT', length: 16777216, byteLength: 16777216, nullable: true, fixed: false },
    ]);
    expect((await run(gov, 'SHOW TAGS IN DATABASE gov')).rows.map((r) => [r.name, r.database_name, r.schema_name])).toEqual([['T1', 'GOV', 'POL']]);
  });
});
