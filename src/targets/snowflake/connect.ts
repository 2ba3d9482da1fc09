import { TargetReadError, type Connection, type TargetContext } from '../target.js';
import { ConnectionConfigError, resolveConnection, type SnowflakeConnectionOptions } from './connection-config.js';
import { MESHWARD_VERSION } from '../../version.js';

/**
 * Connecting to Snowflake through snowflake-sdk's `createConnection` / `connectAsync` /
 * `execute` (reference 9): one statement per execute, every statement tagged with a QUERY_TAG
 * naming meshward, and the session pinned — QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE (a quoted
 * name is exact) and no secondary roles (what the governance role sees is what it alone holds).
 * The driver is the boundary every test replaces: `useSnowflakeDriver` hands in another with the
 * same shape (test/support/snowflake-sim). Errors carry Snowflake's code and message, never a
 * connection option.
 */

/** The part of snowflake-sdk's API meshward uses. */
export interface DriverStatement {
  getColumns?(): { getName(): string }[] | undefined;
}
export interface DriverConnection {
  connectAsync(): Promise<unknown>;
  execute(options: { sqlText: string; binds?: unknown[]; complete: (err: unknown, stmt: DriverStatement, rows: unknown[] | undefined) => void }): unknown;
  destroy(cb: (err: unknown) => void): unknown;
}
export type DriverFactory = (options: SnowflakeConnectionOptions & { application: string; queryTag: string }) => DriverConnection;

let injected: DriverFactory | null = null;

/** Replaces the driver (tests: the simulator); null restores snowflake-sdk. Returns the previous one. */
export function useSnowflakeDriver(factory: DriverFactory | null): DriverFactory | null {
  const before = injected;
  injected = factory;
  return before;
}

async function sdkFactory(): Promise<DriverFactory> {
  const sdk = (await import('snowflake-sdk')).default as unknown as { configure(o: Record<string, unknown>): void; createConnection(o: Record<string, unknown>): DriverConnection };
  sdk.configure({ logLevel: 'ERROR' });
  return (options) => sdk.createConnection({ ...options });
}

/** The QUERY_TAG of this process's statements: meshward, its version and the command. */
export function queryTag(command: string): string {
  return `meshward ${MESHWARD_VERSION} ${command}`.slice(0, 2000);
}

/** A Snowflake error as meshward reports it: code and message, nothing else. */
export class SnowflakeError extends Error {
  override readonly name = 'SnowflakeError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sqlState: string | undefined,
  ) {
    super(message);
  }
}

function asError(e: unknown): SnowflakeError {
  const o = (e ?? {}) as { message?: unknown; code?: unknown; sqlState?: unknown };
  const code = o.code === undefined || o.code === null ? undefined : String(o.code);
  return new SnowflakeError(typeof o.message === 'string' ? o.message : String(e), code, typeof o.sqlState === 'string' ? o.sqlState : undefined);
}

export async function connectSnowflake(ctx: TargetContext): Promise<Connection> {
  let options: SnowflakeConnectionOptions;
  try {
    options = resolveConnection({ settings: ctx.settings, env: process.env }).options;
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new TargetReadError(e.message);
    throw e;
  }
  const factory = injected ?? (await sdkFactory());
  const driver = factory({ ...options, application: 'meshward', queryTag: queryTag(process.argv[2] ?? 'library') });
  try {
    await driver.connectAsync();
  } catch (e) {
    throw new TargetReadError(`cannot connect to Snowflake account ${options.account} as ${options.username}: ${asError(e).message}`);
  }
  const run = (sqlText: string, binds?: readonly unknown[]): Promise<Record<string, unknown>[]> =>
    new Promise((resolve, reject) => {
      driver.execute({ sqlText, ...(binds?.length ? { binds: [...binds] } : {}), complete: (err, _stmt, rows) => (err ? reject(asError(err)) : resolve((rows ?? []) as Record<string, unknown>[])) });
    });
  await run('ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE');
  await run('USE SECONDARY ROLES NONE');
  return {
    driver: 'snowflake-sdk',
    reconnects: true,
    query: async (sql, params) => ({ rows: await run(sql, params) }),
    exec: async (sql) => void (await run(sql)),
    close: () => new Promise((resolve) => driver.destroy(() => resolve())),
  };
}
