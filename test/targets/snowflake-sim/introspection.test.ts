import { describe, expect, it } from 'vitest';
import { connect, fails, run, script } from './helpers.js';
import { MASK_EMAIL, governanceEstate } from './estate.js';

describe('INFORMATION_SCHEMA views (info-schema/*)', () => {
  it('TABLES and COLUMNS list what the role can access, with documented column names', async () => {
    const { sim, admin } = await governanceEstate();
    await run(admin, 'CREATE TABLE sales.raw.hidden (x INT)');
    const ana = await connect(sim, 'ANA');
    const t = await run(ana, "SELECT table_schema, table_name, table_type, table_owner FROM sales.INFORMATION_SCHEMA.TABLES WHERE table_schema = 'RAW'");
    expect(t.rows).toEqual([{ TABLE_SCHEMA: 'RAW', TABLE_NAME: 'CUSTOMERS', TABLE_TYPE: 'BASE TABLE', TABLE_OWNER: 'ACCOUNTADMIN' }]);
    const c = await run(ana, "SELECT column_name, ordinal_position, data_type, numeric_precision, numeric_scale, character_maximum_length, is_nullable FROM sales.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'CUSTOMERS' ORDER BY ordinal_position");
    expect(c.rows.slice(0, 4)).toEqual([
      { COLUMN_NAME: 'ID', ORDINAL_POSITION: 1, DATA_TYPE: 'NUMBER', NUMERIC_PRECISION: 38, NUMERIC_SCALE: 0, CHARACTER_MAXIMUM_LENGTH: null, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'EMAIL', ORDINAL_POSITION: 2, DATA_TYPE: 'TEXT', NUMERIC_PRECISION: null, NUMERIC_SCALE: null, CHARACTER_MAXIMUM_LENGTH: 16777216, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'REGION', ORDINAL_POSITION: 3, DATA_TYPE: 'TEXT', NUMERIC_PRECISION: null, NUMERIC_SCALE: null, CHARACTER_MAXIMUM_LENGTH: 16777216, IS_NULLABLE: 'YES' },
      { COLUMN_NAME: 'AMOUNT', ORDINAL_POSITION: 4, DATA_TYPE: 'NUMBER', NUMERIC_PRECISION: 10, NUMERIC_SCALE: 2, CHARACTER_MAXIMUM_LENGTH: null, IS_NULLABLE: 'YES' },
    ]);
    const cols = await run(ana, 'SELECT * FROM sales.INFORMATION_SCHEMA.TABLES LIMIT 0');
    expect(cols.columns.slice(0, 6).map((x) => x.name)).toEqual(['TABLE_CATALOG', 'TABLE_SCHEMA', 'TABLE_NAME', 'TABLE_OWNER', 'TABLE_TYPE', 'IS_TRANSIENT']);
  });
  it('TABLE_PRIVILEGES shows OWNERSHIP for the owner and each grant; APPLICABLE_ROLES the current user\'s role edges', async () => {
    const { sim, admin } = await governanceEstate();
    const p = await run(admin, "SELECT grantee, privilege_type, is_grantable FROM sales.INFORMATION_SCHEMA.TABLE_PRIVILEGES WHERE table_name = 'CUSTOMERS' ORDER BY privilege_type");
    expect(p.rows).toEqual([{ GRANTEE: 'ACCOUNTADMIN', PRIVILEGE_TYPE: 'OWNERSHIP', IS_GRANTABLE: 'YES' }, { GRANTEE: 'ANALYST', PRIVILEGE_TYPE: 'SELECT', IS_GRANTABLE: 'NO' }]);
    const r = await run(await connect(sim, 'PAT'), 'SELECT grantee, role_name FROM sales.INFORMATION_SCHEMA.APPLICABLE_ROLES ORDER BY 1, 2');
    expect(r.rows).toEqual([{ GRANTEE: 'PAT', ROLE_NAME: 'PII_READER' }, { GRANTEE: 'PII_READER', ROLE_NAME: 'ANALYST' }]);
  });
});

describe('table functions (policy_references, tag_references, tag_references_all_columns)', () => {
  it('POLICY_REFERENCES(POLICY_NAME => …) lists direct and tag-routed attachments, batched with UNION ALL and filtered outside', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [
      MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email',
      'CREATE TAG gov.pol.pii', "CREATE MASKING POLICY gov.pol.mask_num AS (val NUMBER) RETURNS NUMBER -> 0", 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_num',
      "ALTER TABLE sales.raw.customers SET TAG gov.pol.pii = 'y'",
    ]);
    const sql = `SELECT policy_name, ref_entity_name, ref_entity_domain, ref_column_name, tag_name, policy_status FROM (
      SELECT * FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => 'GOV.POL.MASK_EMAIL'))
      UNION ALL SELECT * FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => ?))) WHERE policy_status = 'ACTIVE' ORDER BY policy_name, ref_entity_domain, ref_column_name`;
    const r = await run(gov, sql, ['gov.pol.mask_num']);
    expect(r.rows).toEqual([
      { POLICY_NAME: 'MASK_EMAIL', REF_ENTITY_NAME: 'CUSTOMERS', REF_ENTITY_DOMAIN: 'TABLE', REF_COLUMN_NAME: 'EMAIL', TAG_NAME: null, POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'MASK_NUM', REF_ENTITY_NAME: 'CUSTOMERS', REF_ENTITY_DOMAIN: 'TABLE', REF_COLUMN_NAME: 'AMOUNT', TAG_NAME: 'PII', POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'MASK_NUM', REF_ENTITY_NAME: 'CUSTOMERS', REF_ENTITY_DOMAIN: 'TABLE', REF_COLUMN_NAME: 'ID', TAG_NAME: 'PII', POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'MASK_NUM', REF_ENTITY_NAME: 'PII', REF_ENTITY_DOMAIN: 'TAG', REF_COLUMN_NAME: null, TAG_NAME: 'PII', POLICY_STATUS: 'ACTIVE' },
    ]);
    const all = await run(gov, "SELECT * FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => 'gov.pol.mask_email'))");
    expect(all.columns.map((c) => c.name)).toEqual(['POLICY_DB', 'POLICY_SCHEMA', 'POLICY_NAME', 'POLICY_KIND', 'REF_DATABASE_NAME', 'REF_SCHEMA_NAME', 'REF_ENTITY_NAME', 'REF_ENTITY_DOMAIN', 'REF_COLUMN_NAME', 'REF_ARG_COLUMN_NAMES', 'TAG_DATABASE', 'TAG_SCHEMA', 'TAG_NAME', 'POLICY_STATUS']);
    expect((await fails(gov, "SELECT * FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => 'gov.pol.nope'))")).code).toBe('002003');
  });
  it('POLICY_REFERENCES shows all attachments only to a role with global APPLY; APPLY on the policy shows those on tables the role owns', async () => {
    const { sim, admin, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email', 'GRANT USAGE ON DATABASE gov TO ROLE analyst', 'GRANT USAGE ON SCHEMA gov.pol TO ROLE analyst', 'GRANT APPLY ON MASKING POLICY gov.pol.mask_email TO ROLE analyst']);
    await script(admin, ['GRANT CREATE TABLE ON SCHEMA sales.raw TO ROLE analyst']);
    const ana = await connect(sim, 'ANA');
    await run(ana, 'CREATE TABLE sales.raw.mine (email STRING)');
    await run(ana, 'ALTER TABLE sales.raw.mine MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email');
    const q = "SELECT ref_entity_name FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => 'gov.pol.mask_email')) ORDER BY 1";
    expect((await run(gov, q)).rows).toEqual([{ REF_ENTITY_NAME: 'CUSTOMERS' }, { REF_ENTITY_NAME: 'MINE' }]);
    expect((await run(ana, q)).rows).toEqual([{ REF_ENTITY_NAME: 'MINE' }]);
  });
  it('TAG_REFERENCES_ALL_COLUMNS reports direct and inherited column tags; TAG_REFERENCES the object\'s own and inherited tags', async () => {
    const { gov } = await governanceEstate();
    await script(gov, ['CREATE TAG gov.pol.domain', 'CREATE TAG gov.pol.pii', "ALTER SCHEMA sales.raw SET TAG gov.pol.domain = 'sales'", "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.pii = 'email'"]);
    const r = await run(gov, "SELECT tag_name, tag_value, apply_method, level, column_name, domain FROM TABLE(sales.INFORMATION_SCHEMA.TAG_REFERENCES_ALL_COLUMNS('sales.raw.customers', 'table')) WHERE column_name IN ('ID', 'EMAIL') ORDER BY column_name, tag_name");
    expect(r.rows).toEqual([
      { TAG_NAME: 'DOMAIN', TAG_VALUE: 'sales', APPLY_METHOD: 'INHERITED', LEVEL: 'SCHEMA', COLUMN_NAME: 'EMAIL', DOMAIN: 'COLUMN' },
      { TAG_NAME: 'PII', TAG_VALUE: 'email', APPLY_METHOD: 'MANUAL', LEVEL: 'COLUMN', COLUMN_NAME: 'EMAIL', DOMAIN: 'COLUMN' },
      { TAG_NAME: 'DOMAIN', TAG_VALUE: 'sales', APPLY_METHOD: 'INHERITED', LEVEL: 'SCHEMA', COLUMN_NAME: 'ID', DOMAIN: 'COLUMN' },
    ]);
    const t = await run(gov, "SELECT tag_name, level, domain, object_name FROM TABLE(sales.INFORMATION_SCHEMA.TAG_REFERENCES('sales.raw.customers', 'table'))");
    expect(t.rows).toEqual([{ TAG_NAME: 'DOMAIN', LEVEL: 'SCHEMA', DOMAIN: 'TABLE', OBJECT_NAME: 'CUSTOMERS' }]);
    const col = await run(gov, "SELECT tag_name FROM TABLE(sales.INFORMATION_SCHEMA.TAG_REFERENCES('sales.raw.customers.email', 'column')) ORDER BY 1");
    expect(col.rows.map((x) => x.TAG_NAME)).toEqual(['DOMAIN', 'PII']);
  });
});

describe('DESCRIBE, GET_DDL, SHOW pagination and RESULT_SCAN', () => {
  it('DESCRIBE re-cases the signature and drops precision; return_type is full', async () => {
    const { gov } = await governanceEstate();
    await run(gov, "CREATE MASKING POLICY gov.pol.cond AS (val string, visibility varchar(10)) RETURNS string -> CASE WHEN visibility = 'public' THEN val ELSE '***' END COMMENT = 'meshward:v1'");
    const d = await run(gov, 'DESCRIBE MASKING POLICY gov.pol.cond');
    expect(d.rows).toEqual([{ name: 'COND', signature: '(VAL VARCHAR, VISIBILITY VARCHAR)', return_type: 'VARCHAR(16777216)', body: "CASE WHEN visibility = 'public' THEN val ELSE '***' END" }]);
    await run(gov, "CREATE ROW ACCESS POLICY gov.pol.r AS (n NUMBER) RETURNS BOOLEAN -> n > 1");
    expect((await run(gov, 'DESC ROW ACCESS POLICY gov.pol.r')).rows[0]).toMatchObject({ signature: '(N NUMBER)', return_type: 'BOOLEAN' });
    const ddl = await run(gov, "SELECT GET_DDL('POLICY', 'gov.pol.cond') a, GET_DDL('policy', 'GOV.POL.R') b");
    expect(ddl.rows[0]!.A).toBe("create or replace masking policy COND as (VAL VARCHAR(16777216), VISIBILITY VARCHAR(10)) returns VARCHAR(16777216) ->\nCASE WHEN visibility = 'public' THEN val ELSE '***' END\ncomment='meshward:v1'\n;");
    expect(ddl.rows[0]!.B).toBe('create or replace row access policy R as (N NUMBER(38,0)) returns BOOLEAN ->\nn > 1\n;');
  });
  it('SHOW caps at 10,000 rows and pages with LIMIT n FROM \'name\'', async () => {
    const { sim, admin } = await governanceEstate();
    for (let i = 0; i < 10_005; i++) sim.createRole(`R${String(i).padStart(5, '0')}`);
    expect((await run(admin, "SHOW ROLES LIKE 'R%'")).rows.length).toBe(10_000);
    const page = await run(admin, "SHOW ROLES LIKE 'R%' LIMIT 3 FROM 'R10002'");
    expect(page.rows.map((r) => r.name)).toEqual(['R10002', 'R10003', 'R10004']);
    expect((await fails(admin, 'SHOW ROLES LIMIT 10001')).code).toBe('001008');
  });
  it('RESULT_SCAN(LAST_QUERY_ID()) reads a SHOW with lower-case quoted columns', async () => {
    const { gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    await run(gov, 'SHOW MASKING POLICIES IN DATABASE gov');
    const r = await run(gov, 'SELECT "name", "schema_name", "kind" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))');
    expect(r.rows).toEqual([{ name: 'MASK_EMAIL', schema_name: 'POL', kind: 'MASKING_POLICY' }]);
    expect((await fails(gov, 'SELECT name FROM TABLE(RESULT_SCAN(LAST_QUERY_ID(-2)))')).code).toBe('000904');
    expect((await fails(gov, "SELECT * FROM TABLE(RESULT_SCAN('nope'))")).code).toBe('000709');
  });
  it('SHOW hides policies the role cannot see (no global APPLY, no privilege on the policy)', async () => {
    const { sim, gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    await run(gov, 'GRANT USAGE ON DATABASE gov TO ROLE analyst');
    await run(gov, 'GRANT USAGE ON SCHEMA gov.pol TO ROLE analyst');
    const ana = await connect(sim, 'ANA');
    expect((await run(ana, 'SHOW MASKING POLICIES IN SCHEMA gov.pol')).rows).toEqual([]);
    await run(gov, 'GRANT APPLY ON MASKING POLICY gov.pol.mask_email TO ROLE analyst');
    expect((await run(ana, 'SHOW MASKING POLICIES IN SCHEMA gov.pol')).rows.map((r) => r.name)).toEqual(['MASK_EMAIL']);
  });
  it('hostile identifiers round-trip: quotes, backslashes, mixed case, unicode', async () => {
    const { admin } = await governanceEstate();
    const names = ['we"ird', 'back\\slash', 'MiXeD', 'ünïcødé 名前', 'has.dot'];
    for (const n of names) await run(admin, `CREATE ROLE "${n.replace(/"/g, '""')}" COMMENT = '${n.replace(/\\/g, '\\\\').replace(/'/g, "''")} it''s'`);
    const rows = (await run(admin, 'SHOW ROLES')).rows;
    for (const n of names) expect(rows.find((r) => r.name === n)?.comment).toBe(`${n} it's`);
    await script(admin, ['CREATE SCHEMA sales."S ch""ema"', 'CREATE TABLE sales."S ch""ema"."Tab\\le" ("Col" STRING, col STRING)', `INSERT INTO sales."S ch""ema"."Tab\\le" VALUES ('a', 'b')`, 'GRANT SELECT ON TABLE sales."S ch""ema"."Tab\\le" TO ROLE "MiXeD"']);
    const t = await run(admin, `SHOW TABLES IN SCHEMA sales."S ch""ema"`);
    expect(t.rows.map((r) => [r.name, r.schema_name])).toEqual([['Tab\\le', 'S ch"ema']]);
    const g = await run(admin, 'SHOW GRANTS TO ROLE "MiXeD"');
    expect(g.rows.map((r) => r.name)).toEqual(['SALES."S ch""ema"."Tab\\le"']);
    const q = await run(admin, `SELECT "Col", col FROM sales."S ch""ema"."Tab\\le"`);
    expect(q.rows).toEqual([{ Col: 'a', COL: 'b' }]);
    const c = await run(admin, `SHOW COLUMNS IN TABLE sales."S ch""ema"."Tab\\le"`);
    expect(c.rows.map((r) => [r.column_name, JSON.parse(r.data_type as string).type])).toEqual([['Col', 'TEXT'], ['COL', 'TEXT']]);
    await fails(admin, 'SELECT * FROM sales."s ch""ema"."Tab\\le"');
  });
});

describe('flow operator ->> (operators-flow)', () => {
  it('post-processes a SHOW in the same statement through $1', async () => {
    const { gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    const r = await run(gov, 'SHOW MASKING POLICIES IN DATABASE gov ->> SELECT "schema_name", "name", "options" FROM $1 WHERE "name" LIKE \'MASK%\'');
    expect(r.rows).toEqual([{ schema_name: 'POL', name: 'MASK_EMAIL', options: '' }]);
    expect((await fails(gov, 'SHOW ROLES ->> SELECT "name" FROM $2')).code).toBe('002003');
  });
});
