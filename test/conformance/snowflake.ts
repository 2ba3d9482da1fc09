import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { stepText } from '../../src/plan/step.js';
import type { Connection } from '../../src/targets/target.js';
import { SnowflakeError, useSnowflakeDriver } from '../../src/targets/snowflake/connect.js';
import { qualified, quoteLiteral } from '../../src/targets/snowflake/sql-text.js';
import type { Simulator } from '../support/snowflake-sim/index.js';
import { exampleInventory, exampleRepo, seedTables, snowflakeAccount } from '../support/snowflake-example.js';
import { openFixture, textsOf, type Fixture, type Harness } from './harness.js';
import { HOSTILE, HOSTILE_EMAIL, HOSTILE_REGION, hostileFiles } from './postgres-hostile.js';

/**
 * The Snowflake target on its simulator (test/support/snowflake-sim): each fixture is an account
 * of its own, reached through the driver seam by the account name its target block gives. No
 * exposure or enforcement scenario yet (the simulator can evaluate them; the harness for them is
 * still to be written): they are skipped with that reason.
 */
const sims = new Map<string, Simulator>();
let counter = 0;

function account(): { name: string; sim: Simulator } {
  const name = `CONF${process.pid}X${counter++}`;
  const sim = snowflakeAccount(name);
  sims.set(name, sim);
  return { name, sim };
}

const block = (name: string) => ({ type: 'snowflake', account: name.toLowerCase(), user: 'MESHWARD', password: 'conformance', role: 'ACCOUNTADMIN', warehouse: 'WH' });

function fixture(dir: string, name: string): Fixture {
  byDir.set(dir, sims.get(name)!);
  const f: Fixture = {
    dir,
    target: 'sf',
    env: process.env,
    open: () => openFixture(f),
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      sims.delete(name);
      byDir.delete(dir);
    },
  };
  return f;
}

const byDir = new Map<string, Simulator>();
const simOf = (f: Fixture): Simulator => byDir.get(f.dir)!;

function fresh(): Fixture {
  const { name, sim } = account();
  const dir = exampleRepo(` ${JSON.stringify(block(name))}`);
  seedTables(sim, exampleInventory());
  return fixture(dir, name);
}

function hostile(): Fixture {
  const { name, sim } = account();
  const dir = mkdtempSync(join(tmpdir(), 'mw-sf-conf-hostile-'));
  for (const [path, text] of Object.entries(hostileFiles(HOSTILE))) {
    if (path.startsWith('warehouse/')) continue;
    const content = path === 'meshward.yaml' ? YAML.stringify({ kind: 'Project', name: 'hostile', managed_prefix: 'mw_', targets: { sf: block(name) } }) : text;
    writeFileSync(join(dir, path), content);
  }
  sim.seedDatabase('analytics', { schemas: [HOSTILE.schema] });
  sim.seedTable({ database: 'analytics', schema: HOSTILE.schema, name: HOSTILE.table, columns: [{ name: 'id', type: 'NUMBER' }, { name: HOSTILE_EMAIL, type: 'VARCHAR' }, { name: HOSTILE_REGION, type: 'VARCHAR' }], rows: [{ id: 1, [HOSTILE_EMAIL]: 'a@x.example', [HOSTILE_REGION]: "EMEA'); --" }] });
  return fixture(dir, name);
}

const T = qualified('analytics', 'sales', 'customers');

export const snowflakeHarness: Harness = {
  name: 'snowflake (simulator)',
  noEngine: 'the exposure and enforcement harness over the simulator is not written yet',
  register() {
    useSnowflakeDriver((options) => {
      const sim = sims.get(options.account.toUpperCase());
      if (!sim) throw new Error(`no simulated account ${options.account}`);
      return sim.createConnection({ account: options.account, username: options.username, ...(options.warehouse ? { warehouse: options.warehouse } : {}), ...(options.role ? { role: options.role } : {}) }) as never;
    });
  },
  fresh: async () => fresh(),
  hostile: async () => hostile(),
  edits: [
    { name: 'a SELECT revoked', expect: { status: 'missing', kind: 'grant' }, apply: async (f) => void simOf(f).admin(`REVOKE SELECT ON TABLE ${T} FROM ROLE "MW_SALES_ANALYSTS"`) },
    { name: 'a mask tag value unset', expect: { status: 'missing', kind: 'tag-value' }, apply: async (f) => void simOf(f).admin(`ALTER TABLE ${T} MODIFY COLUMN "email" UNSET TAG "analytics"."MW_META"."MW_MASK"`) },
    { name: "a masking policy's body changed", expect: { status: 'altered', kind: 'mask-policy' }, apply: async (f) => void simOf(f).admin(`ALTER MASKING POLICY "analytics"."MW_META"."MW_MASK_VARCHAR" SET BODY -> "VAL"`) },
    {
      name: 'a row access policy detached',
      expect: { status: 'missing', kind: 'row-policy-on' },
      apply: async (f, s) => {
        const on = s.desired.find((o) => o.kind === 'row-policy-on')!;
        simOf(f).admin(`ALTER TABLE ${qualified(...(on.spec.table as string[]))} DROP ROW ACCESS POLICY ${qualified(...(on.spec.policy as string[]))}`);
      },
    },
    { name: 'a role membership revoked', expect: { status: 'missing', kind: 'membership' }, apply: async (f) => void simOf(f).admin('REVOKE ROLE "MW_SALES_ANALYSTS" FROM ROLE "MW_SALES_LEADS"') },
    { name: 'an attribute row deleted', expect: { status: 'missing', kind: 'attribute' }, apply: async (_f, s) => s.conn.exec(`DELETE FROM "analytics"."MW_META"."ATTRIBUTES" WHERE "ROLE" = 'MW_SALES_ANALYSTS'`) },
  ],
  foreign: {
    // a grant to a managed role nobody recorded: in meshward's key space, never meshward's
    add: async (f) => void simOf(f).admin(`GRANT SELECT ON TABLE ${qualified('analytics', 'hr', 'employees')} TO ROLE "MW_MARKETING_ANALYSTS"`),
    present: async (f) => simOf(f).admin(`SHOW GRANTS TO ROLE "MW_MARKETING_ANALYSTS"`).some((r) => r.some((v) => typeof v === 'string' && v.includes('employees'))),
  },
  faulty(conn, k) {
    return faultyExec(conn, k);
  },
  faultSteps: (plan) => {
    const n = textsOf(plan).length;
    return [1, 2, Math.ceil(n / 3), Math.ceil(n / 2), n].filter((k, i, all) => all.indexOf(k) === i).map((k) => ({ k, why: k === 1 ? 'first' : k === n ? 'last' : 'inside' }));
  },
};

/** Fails the k-th plan step — the k-th `exec` (the state store writes through `query`) — with Snowflake's insufficient-privileges error. */
function faultyExec(conn: Connection, k: number): { conn: Connection; sent: () => readonly string[] } {
  const sent: string[] = [];
  let n = 0;
  const wrapped: Connection = {
    ...conn,
    query: (sql, params) => conn.query(sql, params),
    exec: async (sql) => {
      sent.push(stepText({ kind: 'sql', text: sql }));
      if (++n === k) throw new SnowflakeError(`SQL access control error:\nInsufficient privileges to operate on ${quoteLiteral('injected')} (step ${k})`, '003001', '42501');
      return conn.exec(sql);
    },
    close: () => conn.close(),
  };
  return { conn: wrapped, sent: () => sent };
}
