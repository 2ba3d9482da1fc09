import { describe, expect, it } from 'vitest';
import { connect, fails, run, script } from './helpers.js';
import { MASK_EMAIL, governanceEstate } from './estate.js';

const emails = async (conn: Parameters<typeof run>[0]) => (await run(conn, 'SELECT email FROM sales.raw.customers ORDER BY id')).rows.map((r) => r.EMAIL);

describe('what a principal sees (security-column-intro, security-row-intro, tag-based-masking-policies)', () => {
  it('a masked column read by a non-exempt role returns the mask output; a role inheriting the exempt role sees clear text', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    expect(await emails(await connect(sim, 'ANA'))).toEqual(['***', '***', '***']);
    expect(await emails(await connect(sim, 'PAT'))).toEqual(['ann@x.com', 'bo@y.org', 'cy@z.net']);
  });
  it('masking applies in WHERE too (the predicate sees masked values)', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    const ana = await connect(sim, 'ANA');
    expect((await run(ana, "SELECT id FROM sales.raw.customers WHERE email = 'ann@x.com'")).rows).toEqual([]);
    expect((await run(ana, "SELECT COUNT(*) n FROM sales.raw.customers WHERE email = '***'")).rows).toEqual([{ N: 3 }]);
  });
  it('secondary roles count for IS_ROLE_IN_SESSION: a user granted PII_READER unmasks through DEFAULT_SECONDARY_ROLES = ALL', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    sim.createUser('SAM', { defaultRole: 'ANALYST', roles: ['ANALYST', 'PII_READER'], defaultWarehouse: 'WH' });
    const sam = await connect(sim, 'SAM');
    expect(await emails(sam)).toEqual(['ann@x.com', 'bo@y.org', 'cy@z.net']);
    await run(sam, 'USE SECONDARY ROLES NONE');
    expect(await emails(sam)).toEqual(['***', '***', '***']);
  });
  it('CURRENT_ROLE() in a body ignores the hierarchy (PAT, whose primary role inherits ANALYST, is not ANALYST)', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, ["CREATE MASKING POLICY gov.pol.by_current AS (val STRING) RETURNS STRING -> IFF(CURRENT_ROLE() IN ('ANALYST'), val, 'no')", 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.by_current']);
    expect(await emails(await connect(sim, 'ANA'))).toEqual(['ann@x.com', 'bo@y.org', 'cy@z.net']);
    expect(await emails(await connect(sim, 'PAT'))).toEqual(['no', 'no', 'no']);
  });
  it('conditional masking with USING passes the other column unmasked', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      "CREATE MASKING POLICY gov.pol.by_visibility AS (val STRING, vis STRING) RETURNS STRING -> CASE WHEN vis = 'public' THEN val ELSE LEFT(val, 2) || REPEAT('*', LENGTH(val) - 2) END",
      'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.by_visibility USING (email, visibility)',
    ]);
    expect(await emails(await connect(sim, 'ANA'))).toEqual(['ann@x.com', 'bo******', 'cy@z.net']);
    expect((await fails(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN region SET MASKING POLICY gov.pol.by_visibility')).code).toBe('003544');
  });
  it('a row access policy filters rows before masking; its mapping table is read with the policy owner\'s rights', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      'CREATE TABLE gov.pol.region_map (role_name STRING, region STRING)',
      "INSERT INTO gov.pol.region_map VALUES ('EU_ANALYST', 'EU'), ('PII_READER', 'US'), ('PII_READER', 'EU')",
      'CREATE ROW ACCESS POLICY gov.pol.by_region AS (r STRING) RETURNS BOOLEAN -> EXISTS (SELECT 1 FROM gov.pol.region_map m WHERE m.region = r AND IS_ROLE_IN_SESSION(m.role_name))',
      'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.by_region ON (region)',
    ]);
    const ids = async (u: string) => (await run(await connect(sim, u), 'SELECT id FROM sales.raw.customers ORDER BY id')).rows.map((r) => r.ID);
    expect(await ids('ANA')).toEqual([]);
    expect(await ids('EVE')).toEqual([1]);
    expect(await ids('PAT')).toEqual([1, 2]);
    // the querier cannot read the mapping table itself
    expect((await fails(await connect(sim, 'EVE'), 'SELECT * FROM gov.pol.region_map')).code).toBe('002003');
  });
  it('ALTER … SET BODY takes effect on the next query', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    const ana = await connect(sim, 'ANA');
    expect((await emails(ana))[0]).toBe('***');
    await run(gov, "ALTER MASKING POLICY gov.pol.mask_email SET BODY -> CASE WHEN IS_ROLE_IN_SESSION('ANALYST') THEN SPLIT_PART(val, '@', 2) ELSE '***' END");
    expect(await emails(ana)).toEqual(['x.com', 'y.org', 'z.net']);
  });
  it('tag-routed masking: the tag on the table protects columns of the policy type; a column value overrides; the body reads the tag value', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      "CREATE TAG gov.pol.mask_class ALLOWED_VALUES 'clear', 'redact'",
      "CREATE MASKING POLICY gov.pol.by_class AS (val STRING) RETURNS STRING -> CASE WHEN SYSTEM$GET_TAG_ON_CURRENT_COLUMN('gov.pol.mask_class') = 'clear' THEN val WHEN IS_ROLE_IN_SESSION('PII_READER') THEN val ELSE 'REDACTED' END",
      'ALTER TAG gov.pol.mask_class SET MASKING POLICY gov.pol.by_class',
      "ALTER TABLE sales.raw.customers SET TAG gov.pol.mask_class = 'redact'",
      "ALTER TABLE sales.raw.customers MODIFY COLUMN region SET TAG gov.pol.mask_class = 'clear'",
    ]);
    const r = await run(await connect(sim, 'ANA'), 'SELECT email, region, amount FROM sales.raw.customers WHERE id = 1');
    expect(r.rows).toEqual([{ EMAIL: 'REDACTED', REGION: 'EU', AMOUNT: 10 }]);
  });
  it('a direct policy beats a tag-routed one', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      'CREATE TAG gov.pol.pii', "CREATE MASKING POLICY gov.pol.tag_mask AS (val STRING) RETURNS STRING -> 'TAG'", 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.tag_mask',
      "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.pii = 'x'",
      "CREATE MASKING POLICY gov.pol.direct AS (val STRING) RETURNS STRING -> 'DIRECT'",
    ]);
    const ana = await connect(sim, 'ANA');
    expect((await emails(ana))[0]).toBe('TAG');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.direct');
    expect((await emails(ana))[0]).toBe('DIRECT');
  });
  it('two tag-routed policies of the same type on one column make every query on it fail; other columns still work', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      'CREATE TAG gov.pol.a', 'CREATE TAG gov.pol.b',
      "CREATE MASKING POLICY gov.pol.ma AS (val STRING) RETURNS STRING -> 'A'", "CREATE MASKING POLICY gov.pol.mb AS (val STRING) RETURNS STRING -> 'B'",
      'ALTER TAG gov.pol.a SET MASKING POLICY gov.pol.ma', 'ALTER TAG gov.pol.b SET MASKING POLICY gov.pol.mb',
      "ALTER SCHEMA sales.raw SET TAG gov.pol.a = '1'",
      "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.b = '1'",
    ]);
    const ana = await connect(sim, 'ANA');
    const e = await fails(ana, 'SELECT email FROM sales.raw.customers');
    expect(e.message).toContain('is mapped to multiple masking policies by tags');
    await fails(ana, 'SELECT * FROM sales.raw.customers');
    expect((await run(ana, 'SELECT id FROM sales.raw.customers WHERE id = 1')).rows).toEqual([{ ID: 1 }]);
    const refs = await run(gov, "SELECT policy_name, policy_status FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => 'sales.raw.customers', REF_ENTITY_DOMAIN => 'table')) WHERE ref_column_name = 'EMAIL' ORDER BY 1");
    expect(refs.rows).toEqual([{ POLICY_NAME: 'MA', POLICY_STATUS: 'MULTIPLE_MASKING_POLICY_ASSIGNED_TO_THE_COLUMN' }, { POLICY_NAME: 'MB', POLICY_STATUS: 'MULTIPLE_MASKING_POLICY_ASSIGNED_TO_THE_COLUMN' }]);
  });
  it('SYSTEM$GET_TAG_ON_CURRENT_TABLE in a row access policy', async () => {
    const { sim, gov } = await governanceEstate();
    await script(gov, [
      'CREATE TAG gov.pol.domain',
      "CREATE ROW ACCESS POLICY gov.pol.by_domain AS (r STRING) RETURNS BOOLEAN -> SYSTEM$GET_TAG_ON_CURRENT_TABLE('gov.pol.domain') = 'sales' AND r = 'EU'",
      "ALTER TABLE sales.raw.customers SET TAG gov.pol.domain = 'sales'",
      'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.by_domain ON (region)',
    ]);
    expect((await run(await connect(sim, 'ANA'), 'SELECT id FROM sales.raw.customers')).rows).toEqual([{ ID: 1 }]);
    expect((await fails(gov, "SELECT SYSTEM$GET_TAG_ON_CURRENT_COLUMN('gov.pol.domain')")).code).toBe('002140');
  });
});

describe('EXECUTE USING POLICY_CONTEXT (functions/policy_context)', () => {
  it('simulates a role set for the policies; needs OWNERSHIP of the table and APPLY on its policies', async () => {
    const { sim, admin, gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email', "CREATE ROW ACCESS POLICY gov.pol.no_apac AS (r STRING) RETURNS BOOLEAN -> r <> 'APAC' OR IS_ROLE_IN_SESSION('PII_READER')", 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.no_apac ON (region)']);
    await run(admin, 'USE ROLE accountadmin');
    await run(admin, 'USE SECONDARY ROLES ALL');
    const asAnalyst = await run(admin, "EXECUTE USING POLICY_CONTEXT(CURRENT_ROLE => 'ANALYST') AS SELECT id, email FROM sales.raw.customers ORDER BY id");
    expect(asAnalyst.rows).toEqual([{ ID: 1, EMAIL: '***' }, { ID: 2, EMAIL: '***' }]);
    const asPii = await run(admin, "EXECUTE USING POLICY_CONTEXT(CURRENT_ROLE => 'ANALYST', CURRENT_AVAILABLE_ROLES => ['ANALYST', 'PII_READER']) AS SELECT email FROM sales.raw.customers ORDER BY id");
    expect(asPii.rows.map((r) => r.EMAIL)).toEqual(['ann@x.com', 'bo@y.org', 'cy@z.net']);
    const ctx = await run(admin, "EXECUTE USING POLICY_CONTEXT(CURRENT_ROLE => 'EU_ANALYST', CURRENT_USER => 'EVE') AS SELECT CURRENT_ROLE() r, CURRENT_USER() u, IS_ROLE_IN_SESSION('ANALYST') i");
    expect(ctx.rows).toEqual([{ R: 'EU_ANALYST', U: 'EVE', I: true }]);
    // ANA has SELECT but not OWNERSHIP/APPLY
    const e = await fails(await connect(sim, 'ANA'), "EXECUTE USING POLICY_CONTEXT(CURRENT_ROLE => 'PII_READER') AS SELECT email FROM sales.raw.customers");
    expect(e.code).toBe('003001');
  });
});

describe('expression evaluator (functions-all)', () => {
  it('NULL semantics, CASE, IFF, COALESCE/NVL, IN, LIKE/ILIKE, ||', async () => {
    const { admin } = await governanceEstate();
    const r = await run(admin, "SELECT NULL = NULL a, NULL IS NULL b, 1 IN (2, NULL) c, 1 IN (1, NULL) d, NULL AND FALSE e, NULL OR TRUE f, COALESCE(NULL, 'x') g, NVL(NULL, 2) h, IFF(NULL, 'y', 'n') i, 'Abc' LIKE 'A%' j, 'Abc' ILIKE 'a_C' k, 'a' || NULL l, CONCAT('a', 'b', 'c') m, CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END n, 3 NOT IN (1, 2) o");
    expect(r.rows[0]).toEqual({ A: null, B: true, C: null, D: true, E: false, F: true, G: 'x', H: 2, I: 'n', J: true, K: true, L: null, M: 'abc', N: 'two', O: true });
  });
  it('string functions', async () => {
    const { admin } = await governanceEstate();
    const r = await run(admin, String.raw`SELECT LOWER('AbC') a, UPPER('x') b, LENGTH('héllo') c, SUBSTR('abcdef', 2, 3) d, SUBSTRING('abcdef', -2) e, LEFT('abc', 2) f, RIGHT('abc', 2) g, REPEAT('*', 3) h, REGEXP_REPLACE('a1b22', '\\d', '#') i, REGEXP_LIKE('abc123', '[a-z]+\\d+') j, REGEXP_LIKE('abc123x', '[a-z]+\\d+') k, SPLIT_PART('a@b.c', '@', 2) l, POSITION('b' IN 'abc') m, CHARINDEX('c', 'abc') n, SHA2('abc', 256) o, MD5('abc') p, TO_VARCHAR(42) q, REGEXP_REPLACE('john@x.com', '^(.).*@', '\\1***@') s`);
    expect(r.rows[0]).toEqual({ A: 'abc', B: 'X', C: 5, D: 'bcd', E: 'ef', F: 'ab', G: 'bc', H: '***', I: 'a#b##', J: true, K: false, L: 'b.c', M: 2, N: 3, O: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', P: '900150983cd24fb0d6963f7d28e17f72', Q: '42', S: 'j***@x.com' });
  });
  it('arrays, IN (subquery), EXISTS, CAST, ARRAY_CONTAINS, context functions', async () => {
    const { admin } = await governanceEstate();
    const r = await run(admin, "SELECT ARRAY_CONTAINS('EU'::VARIANT, ARRAY_CONSTRUCT('EU', 'UK')) a, ARRAY_CONTAINS('US'::VARIANT, ['EU']) b, 'EU' IN (SELECT region FROM sales.raw.customers) c, EXISTS (SELECT 1 FROM sales.raw.customers WHERE region = 'MARS') d, CAST('12.5' AS NUMBER(10,1)) e, '1'::BOOLEAN f, CURRENT_ACCOUNT() g, IS_GRANTED_TO_INVOKER_ROLE('SYSADMIN') h, INVOKER_ROLE() i");
    expect(r.rows[0]).toEqual({ A: true, B: false, C: true, D: false, E: 12.5, F: true, G: 'ACME', H: true, I: 'ACCOUNTADMIN' });
    expect((await fails(admin, "SELECT SUBSTR('a')")).code).toBe('000938');
  });
  it('IN over a subquery is = ANY (operators-subquery): no rows make it FALSE, and NOT IN TRUE, even for NULL; a NULL over rows is NULL', async () => {
    const { admin } = await governanceEstate();
    const r = await run(admin, "SELECT NULL IN (SELECT region FROM sales.raw.customers WHERE region = 'MARS') a, NULL NOT IN (SELECT region FROM sales.raw.customers WHERE region = 'MARS') b, NULL IN (SELECT region FROM sales.raw.customers) c, 'MARS' IN (SELECT region FROM sales.raw.customers) d");
    expect(r.rows[0]).toEqual({ A: false, B: true, C: null, D: false });
  });
});
