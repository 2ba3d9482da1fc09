import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';

/**
 * Where a Snowflake target's connection comes from (issue 12, item 1; reference 9.4). meshward
 * resolves it itself, in the order Snowflake's CLI uses, and hands the driver explicit options
 * (the driver reads connections.toml only when given none, and ignores config.toml and the
 * environment):
 *
 *   1. the target block in meshward.yaml (`${env:VAR}` already expanded);
 *   2. `SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>` for the connection in use;
 *   3. `SNOWFLAKE_<KEY>`;
 *   4. `connections.toml` — a top-level `[name]` table or `[connections.name]`;
 *   5. `config.toml`'s `[connections.name]`.
 *
 * The connection in use is the block's `connection`, else — only when the block names no
 * account — `SNOWFLAKE_DEFAULT_CONNECTION_NAME`, config.toml's `default_connection_name`, or
 * `default`. The directory is `$SNOWFLAKE_HOME`, else `~/.snowflake`, else `~/.config/snowflake`.
 * A file others can write, or that another user owns, is refused (as the driver and the CLI
 * refuse it) unless SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION is set. Errors name files and keys,
 * never a value.
 */

export type Authenticator = 'SNOWFLAKE' | 'SNOWFLAKE_JWT' | 'OAUTH' | 'PROGRAMMATIC_ACCESS_TOKEN' | 'EXTERNALBROWSER';
const AUTHENTICATORS: readonly Authenticator[] = ['SNOWFLAKE', 'SNOWFLAKE_JWT', 'OAUTH', 'PROGRAMMATIC_ACCESS_TOKEN', 'EXTERNALBROWSER'];

/** The options meshward passes to snowflake-sdk's createConnection (secrets included: never printed). */
export interface SnowflakeConnectionOptions {
  readonly account: string;
  readonly username: string;
  readonly authenticator: Authenticator;
  readonly role?: string;
  readonly warehouse?: string;
  readonly host?: string;
  readonly password?: string;
  readonly privateKeyPath?: string;
  readonly privateKey?: string;
  readonly privateKeyPass?: string;
  readonly token?: string;
  readonly tokenFilePath?: string;
}

/** A connection that cannot be resolved: the message says what is missing and where to set it. */
export class ConnectionConfigError extends Error {
  override readonly name = 'ConnectionConfigError';
}

/** Keys as the CLI spells them, and the option each becomes. */
const KEYS: Readonly<Record<string, keyof SnowflakeConnectionOptions>> = {
  account: 'account',
  user: 'username',
  username: 'username',
  authenticator: 'authenticator',
  role: 'role',
  warehouse: 'warehouse',
  host: 'host',
  password: 'password',
  private_key_file: 'privateKeyPath',
  private_key_path: 'privateKeyPath',
  private_key_raw: 'privateKey',
  private_key_passphrase: 'privateKeyPass',
  token: 'token',
  token_file_path: 'tokenFilePath',
};
/** The target block's own spellings (snake_case, as YAML writes them). */
const BLOCK_KEYS = ['account', 'user', 'authenticator', 'role', 'warehouse', 'host', 'password', 'private_key_path', 'private_key_passphrase', 'token', 'token_file_path'] as const;

export interface ResolveInput {
  readonly settings: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  /** Overrides the home directory (tests). */
  readonly home?: string;
}

export function resolveConnection(input: ResolveInput): { options: SnowflakeConnectionOptions; from: string } {
  const { settings, env } = input;
  const dir = configDir(env, input.home ?? homedir());
  const files = { connections: readToml(join(dir, 'connections.toml'), env), config: readToml(join(dir, 'config.toml'), env) };
  const named = typeof settings.connection === 'string' && settings.connection !== '' ? settings.connection : undefined;
  const name = named ?? (settings.account === undefined ? (env.SNOWFLAKE_DEFAULT_CONNECTION_NAME || stringAt(files.config?.value, 'default_connection_name') || 'default') : undefined);

  const merged: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    const option = KEYS[key.toLowerCase()];
    if (option && typeof value === 'string' && value !== '' && merged[option] === undefined) merged[option] = value;
    else if (option && (typeof value === 'number' || typeof value === 'boolean') && merged[option] === undefined) merged[option] = String(value);
  };
  for (const k of BLOCK_KEYS) put(k, settings[k]);
  if (name) for (const k of Object.keys(KEYS)) put(k, env[`SNOWFLAKE_CONNECTIONS_${name.toUpperCase()}_${k.toUpperCase()}`]);
  for (const k of Object.keys(KEYS)) put(k, env[`SNOWFLAKE_${k.toUpperCase()}`]);
  let from = 'the target block';
  if (name) {
    const inConnections = entryOf(files.connections?.value, name) ?? entryOf(files.connections?.value, `connections.${name}`);
    const entry = inConnections ?? entryOf(files.config?.value, `connections.${name}`);
    const file = inConnections ? files.connections!.path : files.config?.path;
    if (!entry) {
      if (named) throw new ConnectionConfigError(`connection '${name}' is in neither ${join(dir, 'connections.toml')} nor ${join(dir, 'config.toml')}; add a [${name}] table there, or set SNOWFLAKE_HOME to the directory that holds it`);
    } else {
      for (const [k, v] of Object.entries(entry)) put(k, v);
      from = `connection '${name}' (${file})`;
    }
  }
  return { options: checked(merged, from), from };
}

function checked(m: Record<string, string>, from: string): SnowflakeConnectionOptions {
  const missing = (what: string, key: string) => new ConnectionConfigError(`the Snowflake connection from ${from} has no ${what}; set ${key} in the target block or the connection`);
  if (!m.account) throw missing('account', 'account');
  if (!m.username) throw missing('user', 'user');
  const auth = (m.authenticator ?? (m.privateKeyPath || m.privateKey ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE')).toUpperCase();
  if (!AUTHENTICATORS.includes(auth as Authenticator)) throw new ConnectionConfigError(`authenticator '${auth}' (from ${from}) is not one meshward supports; use one of ${AUTHENTICATORS.join(', ')}`);
  if (auth === 'SNOWFLAKE_JWT' && !m.privateKeyPath && !m.privateKey) throw missing('private key for SNOWFLAKE_JWT', 'private_key_path (or private_key_file)');
  if ((auth === 'OAUTH' || auth === 'PROGRAMMATIC_ACCESS_TOKEN') && !m.token && !m.tokenFilePath && !(auth === 'PROGRAMMATIC_ACCESS_TOKEN' && m.password)) throw missing(`token for ${auth}`, 'token or token_file_path');
  if (auth === 'SNOWFLAKE' && !m.password) throw missing('password (authenticator SNOWFLAKE)', 'password, or a key pair with authenticator SNOWFLAKE_JWT');
  return { ...(m as unknown as SnowflakeConnectionOptions), authenticator: auth as Authenticator };
}

function configDir(env: NodeJS.ProcessEnv, home: string): string {
  if (env.SNOWFLAKE_HOME) return env.SNOWFLAKE_HOME;
  const dot = join(home, '.snowflake');
  return existsSync(dot) ? dot : join(home, '.config', 'snowflake');
}

function readToml(path: string, env: NodeJS.ProcessEnv): { path: string; value: Record<string, unknown> } | undefined {
  if (!existsSync(path)) return undefined;
  checkPermissions(path, env);
  try {
    return { path, value: parseToml(readFileSync(path, 'utf8')) as Record<string, unknown> };
  } catch (e) {
    // the parser's message names a line and column, never the file's values
    const at = /line (\d+), column (\d+)/i.exec((e as Error).message);
    throw new ConnectionConfigError(`${path}${at ? `:${at[1]}:${at[2]}` : ''}: not valid TOML; fix the file (or point SNOWFLAKE_HOME elsewhere)`);
  }
}

function checkPermissions(path: string, env: NodeJS.ProcessEnv): void {
  if (process.platform === 'win32' || env.SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION) return;
  const st = statSync(path);
  if ((st.mode & 0o022) !== 0) throw new ConnectionConfigError(`${path} is writable by others; run chmod 600 ${path}`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new ConnectionConfigError(`${path} belongs to another user; it must be the current user's (chmod 600)`);
}

function entryOf(root: Record<string, unknown> | undefined, dotted: string): Record<string, unknown> | undefined {
  let at: unknown = root;
  for (const part of dotted === '' ? [] : splitFirst(dotted)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
  return at && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>) : undefined;
}

/** `connections.my.conn` → ['connections', 'my.conn']: a connection name may hold dots. */
function splitFirst(dotted: string): string[] {
  return dotted.startsWith('connections.') ? ['connections', dotted.slice('connections.'.length)] : [dotted];
}

function stringAt(root: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = root?.[key];
  return typeof v === 'string' ? v : undefined;
}
