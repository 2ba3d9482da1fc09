import { describe, expect, it } from 'vitest';
import { connect, fails, run, script } from './helpers.js';
import { MASK_EMAIL, governanceEstate } from './estate.js';

describe('tags (create-tag, alter-tag, alter-table set tag)', () => {
  it('enforces ALLOWED_VALUES, and ADD/DROP ALLOWED_VALUES change the list', async () => {
    const { gov } = await governanceEstate();
    await run(gov, "CREATE TAG gov.pol.sensitivity ALLOWED_VALUES 'public', 'pii' COMMENT = 'levels'");
    await run(gov, "ALTER TABLE sales.raw.customers SET TAG gov.pol.sensitivity = 'pii'");
    const e = await fails(gov, "ALTER TABLE sales.raw.customers SET TAG gov.pol.sensitivity = 'secret'");
    expect(e.code).toBe('003540');
    await run(gov, "ALTER TAG gov.pol.sensitivity ADD ALLOWED_VALUES 'secret'");
    await run(gov, "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.sensitivity = 'secret'");
    await run(gov, "ALTER TAG gov.pol.sensitivity DROP ALLOWED_VALUES 'public'");
    const tags = await run(gov, 'SHOW TAGS IN SCHEMA gov.pol');
    expect(tags.columns.map((c) => c.name)).toEqual(['created_on', 'name', 'database_name', 'schema_name', 'owner', 'comment', 'allowed_values', 'owner_role_type', 'propagate', 'on_conflict']);
    expect(tags.rows.map((r) => [r.name, r.owner, r.comment, r.allowed_values])).toEqual([['SENSITIVITY', 'GOV', 'levels', '["pii","secret"]']]);
  });
  it('one ALTER TABLE … MODIFY sets tags on several columns: `, COLUMN c2 SET TAG …` starts the next column (alter-table-column)', async () => {
    const { gov } = await governanceEstate();
    await script(gov, ["CREATE TAG gov.pol.a", "CREATE TAG gov.pol.b"]);
    await run(gov, "ALTER TABLE sales.raw.customers MODIFY COLUMN email SET TAG gov.pol.a = 'x', gov.pol.b = 'y', COLUMN region SET TAG gov.pol.a = 'z'");
    const r = await run(gov, "SELECT column_name, tag_name, tag_value FROM TABLE(sales.INFORMATION_SCHEMA.TAG_REFERENCES_ALL_COLUMNS('sales.raw.customers', 'table')) WHERE level = 'COLUMN' ORDER BY 1, 2");
    expect(r.rows.map((x) => [x.COLUMN_NAME, x.TAG_NAME, x.TAG_VALUE])).toEqual([['EMAIL', 'A', 'x'], ['EMAIL', 'B', 'y'], ['REGION', 'A', 'z']]);
  });
  it('limits an object to 50 tags', async () => {
    const { gov } = await governanceEstate();
    for (let i = 0; i < 51; i++) await run(gov, `CREATE TAG gov.pol.t${i}`);
    for (let i = 0; i < 50; i++) await run(gov, `ALTER TABLE sales.raw.customers SET TAG gov.pol.t${i} = 'v'`);
    expect((await fails(gov, "ALTER TABLE sales.raw.customers SET TAG gov.pol.t50 = 'v'")).code).toBe('002148');
  });
  it('SET TAG needs APPLY TAG (or APPLY on the tag and ownership of the object)', async () => {
    const { sim, gov } = await governanceEstate();
    await run(gov, 'CREATE TAG gov.pol.owner_tag');
    const ana = await connect(sim, 'ANA');
    expect((await fails(ana, "ALTER TABLE sales.raw.customers SET TAG gov.pol.owner_tag = 'x'")).code).toBe('002003');
  });
  it('a tag carrying a masking policy cannot be dropped; unset first', async () => {
    const { gov } = await governanceEstate();
    await script(gov, ['CREATE TAG gov.pol.pii', MASK_EMAIL, 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_email']);
    expect((await fails(gov, 'DROP TAG gov.pol.pii')).code).toBe('003534');
    expect((await fails(gov, 'DROP MASKING POLICY gov.pol.mask_email')).message).toBe('SQL compilation error:\nPolicy GOV.POL.MASK_EMAIL cannot be dropped/replaced as it is associated with one or more entities.');
    await run(gov, 'ALTER TAG gov.pol.pii UNSET MASKING POLICY gov.pol.mask_email');
    await run(gov, 'DROP TAG gov.pol.pii');
    await run(gov, 'DROP MASKING POLICY gov.pol.mask_email');
  });
  it('one masking policy per data type per tag; FORCE replaces the same-type one', async () => {
    const { gov } = await governanceEstate();
    await script(gov, ['CREATE TAG gov.pol.pii', MASK_EMAIL, "CREATE MASKING POLICY gov.pol.mask_str2 AS (val STRING) RETURNS STRING -> 'x'", 'CREATE MASKING POLICY gov.pol.mask_num AS (val NUMBER) RETURNS NUMBER -> 0']);
    await run(gov, 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_email, MASKING POLICY gov.pol.mask_num');
    expect((await fails(gov, 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_str2')).code).toBe('003538');
    await run(gov, 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_str2 FORCE');
    const refs = await run(gov, "SELECT policy_name, ref_entity_domain FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => 'gov.pol.pii', REF_ENTITY_DOMAIN => 'tag')) ORDER BY policy_name");
    expect(refs.rows).toEqual([{ POLICY_NAME: 'MASK_NUM', REF_ENTITY_DOMAIN: 'TAG' }, { POLICY_NAME: 'MASK_STR2', REF_ENTITY_DOMAIN: 'TAG' }]);
  });
});

describe('masking policies (create/alter/drop masking policy, alter-table-column)', () => {
  it('RETURNS must be the first argument type', async () => {
    const { gov } = await governanceEstate();
    const e = await fails(gov, "CREATE MASKING POLICY gov.pol.bad AS (val TIMESTAMP_LTZ) RETURNS STRING -> '***'");
    expect(e.code).toBe('003537');
    await run(gov, "CREATE MASKING POLICY gov.pol.ok AS (val VARCHAR(100)) RETURNS STRING -> '***'");
  });
  it('OR REPLACE and IF NOT EXISTS: exclusive; IF NOT EXISTS leaves the existing policy', async () => {
    const { gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    expect((await run(gov, "CREATE MASKING POLICY IF NOT EXISTS gov.pol.mask_email AS (val STRING) RETURNS STRING -> 'changed'")).rows[0]!.status).toBe('MASK_EMAIL already exists, statement succeeded.');
    expect((await fails(gov, "CREATE OR REPLACE MASKING POLICY IF NOT EXISTS gov.pol.p AS (val STRING) RETURNS STRING -> 'x'")).code).toBe('002042');
    expect((await fails(gov, MASK_EMAIL)).code).toBe('002002');
    expect((await fails(gov, "CREATE MASKING POLICY gov.pol.typo AS (val STRING) RETURNS STRING -> vall")).code).toBe('000904');
  });
  it('one policy per column: a second SET fails with 003529, FORCE swaps, UNSET removes', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [MASK_EMAIL, "CREATE MASKING POLICY gov.pol.mask_hash AS (val STRING) RETURNS STRING -> SHA2(val, 256)", 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email']);
    const e = await fails(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_hash');
    expect(e.code).toBe('003529');
    expect(e.message).toContain('Specified column already attached to another masking policy');
    await run(gov, 'ALTER TABLE sales.raw.customers ALTER COLUMN email SET MASKING POLICY gov.pol.mask_hash FORCE');
    expect((await fails(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN amount SET MASKING POLICY gov.pol.mask_email')).code).toBe('002023');
    const before = await run(gov, "SELECT ref_column_name, policy_name FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => 'sales.raw.customers', REF_ENTITY_DOMAIN => 'table'))");
    expect(before.rows).toEqual([{ REF_COLUMN_NAME: 'EMAIL', POLICY_NAME: 'MASK_HASH' }]);
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email UNSET MASKING POLICY');
    await run(gov, 'DROP MASKING POLICY gov.pol.mask_hash');
  });
  it('ALTER MASKING POLICY SET BODY, SET COMMENT, RENAME TO', async () => {
    const { gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    await run(gov, "ALTER MASKING POLICY gov.pol.mask_email SET BODY -> 'hidden'");
    await run(gov, "ALTER MASKING POLICY gov.pol.mask_email SET COMMENT = 'v2'");
    await run(gov, 'ALTER MASKING POLICY gov.pol.mask_email RENAME TO gov.pol.mask_email_v2');
    const show = await run(gov, 'SHOW MASKING POLICIES IN SCHEMA gov.pol');
    expect(show.columns.map((c) => c.name)).toEqual(['created_on', 'name', 'database_name', 'schema_name', 'kind', 'owner', 'comment', 'options', 'owner_role_type']);
    expect(show.rows.map((r) => [r.name, r.kind, r.owner, r.comment, r.options, r.owner_role_type])).toEqual([['MASK_EMAIL_V2', 'MASKING_POLICY', 'GOV', 'v2', '', 'ROLE']]);
    expect((await fails(gov, "ALTER MASKING POLICY gov.pol.mask_email_v2 SET BODY -> other_arg")).code).toBe('000904');
  });
  it('non-owners cannot alter or drop a policy', async () => {
    const { sim, gov } = await governanceEstate();
    await run(gov, MASK_EMAIL);
    await run(gov, 'GRANT USAGE ON DATABASE gov TO ROLE analyst');
    await run(gov, 'GRANT USAGE ON SCHEMA gov.pol TO ROLE analyst');
    await run(gov, 'GRANT APPLY ON MASKING POLICY gov.pol.mask_email TO ROLE analyst');
    const ana = await connect(sim, 'ANA');
    expect((await fails(ana, "ALTER MASKING POLICY gov.pol.mask_email SET BODY -> val")).code).toBe('003001');
    // ANA sees the table (SELECT) and holds APPLY on the policy, but does not own the table.
    expect((await fails(ana, 'ALTER TABLE sales.raw.customers MODIFY COLUMN email SET MASKING POLICY gov.pol.mask_email')).code).toBe('003001');
  });
});

describe('row access policies (create/alter row access policy, security-row-intro)', () => {
  it('RETURNS must be BOOLEAN; one RAP per table; DROP … , ADD … swaps in one statement; DROP ALL', async () => {
    const { gov } = await governanceEstate();
    expect((await fails(gov, 'CREATE ROW ACCESS POLICY gov.pol.bad AS (r STRING) RETURNS STRING -> r')).code).toBe('003551');
    await script(gov, [
      "CREATE ROW ACCESS POLICY gov.pol.rap_eu AS (r STRING) RETURNS BOOLEAN -> r = 'EU'",
      "CREATE ROW ACCESS POLICY gov.pol.rap_us AS (r STRING) RETURNS BOOLEAN -> r = 'US'",
      'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.rap_eu ON (region)',
    ]);
    const e = await fails(gov, 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.rap_us ON (region)');
    expect(e.code).toBe('003549');
    await run(gov, 'ALTER TABLE sales.raw.customers DROP ROW ACCESS POLICY gov.pol.rap_eu, ADD ROW ACCESS POLICY gov.pol.rap_us ON (region)');
    const refs = await run(gov, "SELECT policy_name, ref_arg_column_names FROM TABLE(gov.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => 'sales.raw.customers', REF_ENTITY_DOMAIN => 'table'))");
    expect(refs.rows).toEqual([{ POLICY_NAME: 'RAP_US', REF_ARG_COLUMN_NAMES: '["REGION"]' }]);
    expect((await fails(gov, 'DROP ROW ACCESS POLICY gov.pol.rap_us')).code).toBe('003530');
    await run(gov, 'ALTER TABLE sales.raw.customers DROP ALL ROW ACCESS POLICIES');
    await run(gov, 'DROP ROW ACCESS POLICY gov.pol.rap_us');
    const show = await run(gov, 'SHOW ROW ACCESS POLICIES IN DATABASE gov');
    expect(show.rows.map((r) => [r.name, r.kind])).toEqual([['RAP_EU', 'ROW_ACCESS_POLICY']]);
  });
  it('a RAP column cannot also carry a directly attached mask unless the mask is EXEMPT_OTHER_POLICIES', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [
      "CREATE ROW ACCESS POLICY gov.pol.rap_region AS (r STRING) RETURNS BOOLEAN -> TRUE",
      "CREATE MASKING POLICY gov.pol.mask_region AS (val STRING) RETURNS STRING -> '**'",
      "CREATE MASKING POLICY gov.pol.mask_region_exempt AS (val STRING) RETURNS STRING -> '**' EXEMPT_OTHER_POLICIES = TRUE",
      'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.rap_region ON (region)',
    ]);
    expect((await fails(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN region SET MASKING POLICY gov.pol.mask_region')).code).toBe('003546');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN region SET MASKING POLICY gov.pol.mask_region_exempt');
    await run(gov, 'ALTER TABLE sales.raw.customers DROP ROW ACCESS POLICY gov.pol.rap_region');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN region UNSET MASKING POLICY');
    await run(gov, 'ALTER TABLE sales.raw.customers MODIFY COLUMN region SET MASKING POLICY gov.pol.mask_region');
    expect((await fails(gov, 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.rap_region ON (region)')).code).toBe('003546');
    expect((await run(gov, 'SHOW MASKING POLICIES IN SCHEMA gov.pol')).rows.find((r) => r.name === 'MASK_REGION_EXEMPT')!.options).toBe('{"EXEMPT_OTHER_POLICIES":true}');
  });
  it('a tag-routed mask on a RAP column is allowed (tag-based masking, example 3)', async () => {
    const { gov } = await governanceEstate();
    await script(gov, [
      'CREATE TAG gov.pol.pii', "CREATE MASKING POLICY gov.pol.mask_region AS (val STRING) RETURNS STRING -> '**'", 'ALTER TAG gov.pol.pii SET MASKING POLICY gov.pol.mask_region',
      "ALTER TABLE sales.raw.customers MODIFY COLUMN region SET TAG gov.pol.pii = 'yes'",
      "CREATE ROW ACCESS POLICY gov.pol.rap_region AS (r STRING) RETURNS BOOLEAN -> r <> 'US'",
    ]);
    await run(gov, 'ALTER TABLE sales.raw.customers ADD ROW ACCESS POLICY gov.pol.rap_region ON (region)');
  });
  it('SYSTEM$GET_TAG_ON_CURRENT_COLUMN needs the tag to exist when the policy is created (BCR 2023_01)', async () => {
    const { gov } = await governanceEstate();
    const e = await fails(gov, "CREATE MASKING POLICY gov.pol.m AS (val STRING) RETURNS STRING -> IFF(SYSTEM$GET_TAG_ON_CURRENT_COLUMN('gov.pol.nope') = 'x', val, '*')");
    expect(e.message).toBe("SQL compilation error:\nTag 'gov.pol.nope' does not exist or not authorized.");
  });
});
