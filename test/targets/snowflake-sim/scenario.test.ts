import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../support/snowflake-sim/index.js';
import { run, script } from './helpers.js';

/**
 * An apply-shaped sequence as a service user would run it (reference sections 0, 2.3, 8.2):
 * one masking tag with one policy per data type, a mapping-table row filter, grants, then
 * verification — and a harness that copies the account after each step to see what principals see.
 */
describe('scenario: one masking tag, per-type policies, mapping-table row filter', () => {
  it('protects before granting and every prefix is safe', async () => {
    const sim = createSimulator({ account: 'ACME' });
    sim.createWarehouse('WH');
    sim.createUser('ROOT', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
    sim.seedDatabase('ANALYTICS', { schemas: ['SALES'] });
    sim.seedTable({ database: 'ANALYTICS', schema: 'SALES', name: 'CUSTOMERS', columns: [{ name: 'ID', type: 'NUMBER' }, { name: 'EMAIL', type: 'STRING' }, { name: 'REGION', type: 'VARCHAR(8)' }, { name: 'SIGNUP', type: 'TIMESTAMP_LTZ' }], rows: [[1, 'a@x', 'EU', new Date('2024-01-01T00:00:00Z')], [2, 'b@y', 'US', new Date('2024-02-01T00:00:00Z')]] });
    sim.admin('CREATE ROLE meshward_admin');
    sim.admin('GRANT CREATE DATABASE, CREATE ROLE ON ACCOUNT TO ROLE meshward_admin');
    sim.admin('GRANT APPLY MASKING POLICY, APPLY ROW ACCESS POLICY, APPLY TAG, MANAGE GRANTS ON ACCOUNT TO ROLE meshward_admin');
    sim.admin('GRANT USAGE ON DATABASE analytics TO ROLE meshward_admin');
    sim.admin('GRANT USAGE ON SCHEMA analytics.sales TO ROLE meshward_admin');
    sim.admin('GRANT USAGE ON WAREHOUSE wh TO ROLE meshward_admin');
    sim.createUser('MESHWARD_SVC', { roles: ['MESHWARD_ADMIN'], defaultSecondaryRoles: 'NONE' });
    sim.createUser('ANN', { defaultRole: 'SALES_ANALYSTS', defaultWarehouse: 'WH' });

    const svc = sim.createConnection({ account: 'acme', username: 'MESHWARD_SVC', role: 'MESHWARD_ADMIN', warehouse: 'WH', queryTag: 'meshward:apply:1' });
    await svc.connectAsync();
    await script(svc, ['ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE', 'USE SECONDARY ROLES NONE']);
    const steps = [
      'CREATE DATABASE IF NOT EXISTS gov',
      'CREATE SCHEMA IF NOT EXISTS gov.policies',
      "CREATE TAG IF NOT EXISTS gov.policies.meshward_mask ALLOWED_VALUES 'clear', 'redact'",
      'CREATE TABLE IF NOT EXISTS gov.policies.region_access (role_name STRING, region STRING)',
      "INSERT INTO gov.policies.region_access SELECT 'SALES_ANALYSTS', 'EU'",
      "CREATE MASKING POLICY IF NOT EXISTS gov.policies.mask_varchar_v1 AS (val VARCHAR) RETURNS VARCHAR -> CASE WHEN SYSTEM$GET_TAG_ON_CURRENT_COLUMN('gov.policies.meshward_mask') = 'clear' THEN val WHEN IS_ROLE_IN_SESSION('PII_READERS') THEN val ELSE '***' END COMMENT = 'meshward:v1'",
      "CREATE MASKING POLICY IF NOT EXISTS gov.policies.mask_ts_v1 AS (val TIMESTAMP_LTZ) RETURNS TIMESTAMP_LTZ -> CASE WHEN SYSTEM$GET_TAG_ON_CURRENT_COLUMN('gov.policies.meshward_mask') = 'clear' THEN val ELSE DATE_FROM_PARTS(1970, 1, 1)::TIMESTAMP_LTZ END",
      'CREATE ROW ACCESS POLICY IF NOT EXISTS gov.policies.rows_v1 AS (r VARCHAR) RETURNS BOOLEAN -> EXISTS (SELECT 1 FROM gov.policies.region_access m WHERE m.region = r AND IS_ROLE_IN_SESSION(m.role_name))',
      'ALTER TAG gov.policies.meshward_mask SET MASKING POLICY gov.policies.mask_varchar_v1, MASKING POLICY gov.policies.mask_ts_v1',
      "ALTER TABLE analytics.sales.customers SET TAG gov.policies.meshward_mask = 'redact'",
      "ALTER TABLE analytics.sales.customers MODIFY COLUMN region SET TAG gov.policies.meshward_mask = 'clear'",
      'ALTER TABLE analytics.sales.customers ADD ROW ACCESS POLICY gov.policies.rows_v1 ON (region)',
      'CREATE ROLE IF NOT EXISTS sales_analysts',
      'GRANT USAGE ON DATABASE analytics TO ROLE sales_analysts',
      'GRANT USAGE ON SCHEMA analytics.sales TO ROLE sales_analysts',
      'GRANT SELECT ON TABLE analytics.sales.customers TO ROLE sales_analysts',
      'GRANT USAGE ON WAREHOUSE wh TO ROLE sales_analysts',
      'GRANT ROLE sales_analysts TO USER ann',
    ];
    const seen: unknown[] = [];
    for (const step of steps) {
      await run(svc, step);
      // the harness copies the account and looks as ANN
      const copy = sim.clone();
      const ann = copy.createConnection({ account: 'acme', username: 'ANN' });
      await ann.connectAsync();
      try {
        seen.push((await run(ann, 'SELECT id, email, region, signup FROM analytics.sales.customers ORDER BY id')).rows);
      } catch (e) {
        seen.push((e as { code: string }).code);
      }
    }
    // before the grants ANN cannot read; once she can, she sees only EU rows, masked except the clear column
    expect(seen.slice(0, -1).every((x) => x === '002003')).toBe(true);
    expect(seen.at(-1)).toEqual([{ ID: 1, EMAIL: '***', REGION: 'EU', SIGNUP: new Date('1970-01-01T00:00:00Z') }]);
    // verification through POLICY_REFERENCES, batched
    const refs = await run(svc, `SELECT policy_name, ref_column_name, policy_status FROM (
      SELECT * FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => 'analytics.sales.customers', REF_ENTITY_DOMAIN => 'table'))
    ) ORDER BY policy_name, ref_column_name`);
    expect(refs.rows).toEqual([
      { POLICY_NAME: 'MASK_TS_V1', REF_COLUMN_NAME: 'SIGNUP', POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'MASK_VARCHAR_V1', REF_COLUMN_NAME: 'EMAIL', POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'MASK_VARCHAR_V1', REF_COLUMN_NAME: 'REGION', POLICY_STATUS: 'ACTIVE' },
      { POLICY_NAME: 'ROWS_V1', REF_COLUMN_NAME: null, POLICY_STATUS: 'ACTIVE' },
    ]);
    expect(new Set(sim.statementLog.filter((q) => q.USER_NAME === 'MESHWARD_SVC').map((q) => q.QUERY_TAG))).toEqual(new Set(['meshward:apply:1']));
  });
});
