import type { SimConnection, Simulator } from '../../support/snowflake-sim/index.js';
import { connect, fixture, script } from './helpers.js';

/**
 * A governance estate: GOV owns the governance database and holds the global APPLY privileges;
 * SALES.RAW.CUSTOMERS is readable by ANALYST; PII_READER inherits ANALYST. Users ANA (ANALYST),
 * PAT (PII_READER), EVE (EU_ANALYST, which inherits ANALYST).
 */
export async function governanceEstate(): Promise<{ sim: Simulator; admin: SimConnection; gov: SimConnection }> {
  const sim = fixture();
  const admin = await connect(sim, 'ADMIN');
  await script(admin, [
    'CREATE ROLE gov', 'CREATE ROLE analyst', 'CREATE ROLE pii_reader', 'CREATE ROLE eu_analyst',
    'GRANT ROLE analyst TO ROLE pii_reader', 'GRANT ROLE analyst TO ROLE eu_analyst',
    'GRANT APPLY MASKING POLICY, APPLY ROW ACCESS POLICY, APPLY TAG ON ACCOUNT TO ROLE gov',
    'CREATE DATABASE sales', 'CREATE SCHEMA sales.raw',
    'CREATE TABLE sales.raw.customers (id INT, email STRING, region STRING, amount NUMBER(10,2), visibility STRING)',
    "INSERT INTO sales.raw.customers VALUES (1, 'ann@x.com', 'EU', 10, 'public'), (2, 'bo@y.org', 'US', 20, 'private'), (3, 'cy@z.net', 'APAC', 30, 'public')",
    'GRANT USAGE ON DATABASE sales TO ROLE analyst', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE analyst', 'GRANT SELECT ON TABLE sales.raw.customers TO ROLE analyst',
    'GRANT USAGE ON DATABASE sales TO ROLE gov', 'GRANT USAGE ON SCHEMA sales.raw TO ROLE gov',
    'CREATE DATABASE gov', 'CREATE SCHEMA gov.pol', 'GRANT OWNERSHIP ON DATABASE gov TO ROLE gov', 'GRANT OWNERSHIP ON SCHEMA gov.pol TO ROLE gov',
    'GRANT ROLE gov TO USER admin',
  ]);
  sim.createUser('ANA', { defaultRole: 'ANALYST', roles: ['ANALYST'], defaultWarehouse: 'WH' });
  sim.createUser('PAT', { defaultRole: 'PII_READER', roles: ['PII_READER'], defaultWarehouse: 'WH' });
  sim.createUser('EVE', { defaultRole: 'EU_ANALYST', roles: ['EU_ANALYST'], defaultWarehouse: 'WH' });
  const gov = await connect(sim, 'ADMIN', { role: 'GOV' });
  await script(gov, ['USE SECONDARY ROLES NONE', 'USE SCHEMA gov.pol']);
  return { sim, admin, gov };
}

export const MASK_EMAIL = "CREATE MASKING POLICY gov.pol.mask_email AS (val STRING) RETURNS STRING -> CASE WHEN IS_ROLE_IN_SESSION('PII_READER') THEN val ELSE '***' END";
