import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openTarget } from '../../src/session/open-target.js';
import { SERVER_URL } from '../support/e2e-target.js';

/**
 * A hand-built estate meshward has never seen: roles analysts, leads (member of analysts),
 * finance, login roles alice (member of leads) and etl; schemas sales, finance, scratch with
 * tables; SELECT grants to the roles; and what the model cannot hold — an RLS policy, a
 * hand-written view, a column-level grant, an INSERT grant, a grant to PUBLIC, a function. On the
 * embedded database a repository with a bootstrap; on a server a fresh database, with role names
 * unique to the run (roles are cluster-wide).
 */

export interface Estate {
  readonly engine: 'pglite' | 'server';
  readonly dir: string;
  readonly target: string;
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  /** The estate's role for a name (unique per run on a shared server: roles are cluster-wide). */
  readonly role: (name: string) => string;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function estateSql(r: (name: string) => string): string {
  const [analysts, leads, finance, alice, etl] = ['analysts', 'leads', 'finance', 'alice', 'etl'].map((n) => q(r(n)));
  return `
CREATE ROLE ${analysts} NOLOGIN;
CREATE ROLE ${leads} NOLOGIN;
CREATE ROLE ${finance} NOLOGIN;
CREATE ROLE ${alice} LOGIN;
CREATE ROLE ${etl} LOGIN;
GRANT ${analysts} TO ${leads};
GRANT ${leads} TO ${alice};
CREATE SCHEMA sales;
CREATE SCHEMA finance;
CREATE SCHEMA scratch;
CREATE TABLE sales.customers (id integer PRIMARY KEY, email text, region text);
CREATE TABLE sales.orders (id integer PRIMARY KEY, customer_id integer, amount numeric(10,2), region text);
CREATE TABLE sales.notes (id integer PRIMARY KEY, body text);
CREATE TABLE finance.invoices (id integer PRIMARY KEY, amount numeric(10,2), region text);
CREATE TABLE finance.ledger (id integer PRIMARY KEY, account text, amount numeric(10,2));
CREATE TABLE scratch.tmp (id integer);
INSERT INTO sales.customers VALUES (1, 'ann@example.com', 'EMEA'), (2, 'bob@example.com', 'AMER');
INSERT INTO sales.orders VALUES (1, 1, 120.00, 'EMEA'), (2, 2, 80.00, 'AMER');
INSERT INTO finance.invoices VALUES (1, 120.00, 'EMEA'), (2, 80.00, 'AMER');
INSERT INTO finance.ledger VALUES (1, '4000', 120.00);
GRANT USAGE ON SCHEMA sales TO ${analysts};
GRANT USAGE ON SCHEMA finance TO ${analysts}, ${leads}, ${finance};
GRANT SELECT ON sales.customers, sales.orders TO ${analysts};
GRANT SELECT ON finance.invoices TO ${leads}, ${finance};
GRANT SELECT ON finance.ledger TO ${finance};
ALTER TABLE finance.invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY emea_only ON finance.invoices FOR SELECT TO ${finance} USING (region = 'EMEA');
CREATE VIEW sales.big_orders AS SELECT id, amount FROM sales.orders WHERE amount > 100;
GRANT SELECT ON sales.big_orders TO ${analysts};
GRANT SELECT (id, account) ON finance.ledger TO ${analysts};
GRANT INSERT ON sales.orders TO ${etl};
GRANT SELECT ON scratch.tmp TO PUBLIC;
CREATE FUNCTION public.mask_email(e text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'XXXXX@' || split_part(e, '@', 2) $$;
`;
}

let counter = 0;

export async function makeEstate(engine: 'pglite' | 'server'): Promise<Estate> {
  const dir = mkdtempSync(join(tmpdir(), `meshward-estate-${engine}-`));
  if (engine === 'pglite') {
    const role = (n: string) => n;
    mkdirSync(join(dir, 'warehouse'));
    writeFileSync(join(dir, 'warehouse', 'estate.sql'), estateSql(role));
    writeFileSync(join(dir, 'meshward.yaml'), 'kind: Project\nname: estate\nmanaged_prefix: mw_\ntargets:\n  local: { type: postgres, database: analytics, bootstrap: warehouse/estate.sql }\n');
    const e: Estate = {
      engine,
      dir,
      target: 'local',
      prefix: 'mw_',
      env: process.env,
      role,
      async sql(text, params) {
        // PGlite is one process-local database: never opened twice at once
        const s = await openTarget({ dir: e.dir, target: 'local', connectOnly: true });
        try {
          return (await s.conn.query(text, params)).rows;
        } finally {
          await s.close();
        }
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
    return e;
  }
  const tag = `${process.pid.toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 5)}`.toLowerCase();
  const prefix = `t${tag}_`.slice(0, 16);
  const role = (n: string) => `e${tag}_${n}`;
  const database = `meshward_estate_${tag}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const u = new URL(SERVER_URL!);
  u.pathname = `/${database}`;
  const url = u.toString();
  const run = async (text: string, params?: unknown[]) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  await run(estateSql(role));
  writeFileSync(join(dir, 'meshward.yaml'), `kind: Project\nname: estate-${tag}\nmanaged_prefix: ${prefix}\ntargets:\n  server: { type: postgres, database: analytics, url: "\${env:MESHWARD_E2E_URL}" }\n`);
  return {
    engine,
    dir,
    target: 'server',
    prefix,
    env: { ...process.env, MESHWARD_E2E_URL: url },
    role,
    sql: run,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      const { rows } = await c.query(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1 OR left(rolname, length($2)) = $2`, [prefix, `e${tag}_`]);
      for (const r of rows) await c.query(`DROP ROLE IF EXISTS ${q(String(r.rolname))}`);
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

