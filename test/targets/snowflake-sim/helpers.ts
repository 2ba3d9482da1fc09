import { createSimulator, type SimConnection, type Simulator } from '../../support/snowflake-sim/index.js';

export interface Ran {
  readonly rows: Record<string, unknown>[];
  readonly columns: { name: string; type: string }[];
  readonly queryId: string;
}

/** Promise form of SimConnection.execute (resolves rows, rejects the driver-shaped error). */
export function run(conn: SimConnection, sqlText: string, binds: (string | number | boolean | null)[] = []): Promise<Ran> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      binds,
      complete: (err, stmt, rows) => {
        if (err) reject(err);
        else resolve({ rows: (rows ?? []) as Record<string, unknown>[], columns: (stmt.getColumns() ?? []).map((c) => ({ name: c.getName(), type: c.getType() })), queryId: stmt.getQueryId() });
      },
    });
  });
}

/** Runs and expects an error; returns it. */
export async function fails(conn: SimConnection, sqlText: string, binds: (string | number | boolean | null)[] = []): Promise<{ code: string | number; sqlState?: string; message: string }> {
  try {
    await run(conn, sqlText, binds);
  } catch (e) {
    return e as { code: string; sqlState?: string; message: string };
  }
  throw new Error(`expected ${sqlText} to fail`);
}

/** A simulator with an ADMIN user (ACCOUNTADMIN, SYSADMIN, SECURITYADMIN) and a PUBLIC warehouse WH. */
export function fixture(): Simulator {
  const sim = createSimulator({ account: 'ACME' });
  sim.createWarehouse('WH');
  sim.createUser('ADMIN', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
  return sim;
}

export async function connect(sim: Simulator, username: string, extra: Record<string, string> = {}): Promise<SimConnection> {
  const c = sim.createConnection({ account: 'acme', username, warehouse: 'WH', ...extra });
  await c.connectAsync();
  return c;
}

/** Runs statements in order as one connection, returning the last result. */
export async function script(conn: SimConnection, statements: string[]): Promise<Ran> {
  let last: Ran | null = null;
  for (const s of statements) last = await run(conn, s);
  return last!;
}
