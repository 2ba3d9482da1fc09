import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type pg from 'pg';
import { registerTextParser } from './row-text.js';
import { MASK, maskSecrets, scrubSecrets, secretsOf } from '../../audit/secrets.js';
import type { Connection, TargetContext } from '../target.js';
import type { BootstrapSource } from './embedded.js';

/**
 * Connections to a PostgreSQL target: a server through `pg` when the target has a `url`, else
 * the embedded PGlite database under `<root>/.meshward/<target>/`. Errors never carry the SQL
 * text (a driver error's `query` field holds the whole script, postgres.md) and connection
 * errors name the target.
 */

/** A database error without the statement text: message, SQLSTATE and the server's hints. */
export class PostgresError extends Error {
  override readonly name = 'PostgresError';
  constructor(
    message: string,
    readonly code?: string,
    readonly detail?: string,
    readonly hint?: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** Copies what is useful from a driver error and drops the rest (query, params, internalQuery). */
export function sanitizeError(e: unknown): PostgresError {
  if (e instanceof PostgresError) return e;
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const position = o.position === undefined || o.position === null || o.position === '' ? undefined : Number(o.position);
    const m = (v: string | undefined) => (v === undefined ? undefined : maskSecrets(v));
    return new PostgresError(maskSecrets(s(o.message) ?? String(e)), s(o.code), m(s(o.detail)), m(s(o.hint)), Number.isFinite(position) ? position : undefined);
  }
  return new PostgresError(maskSecrets(String(e)));
}

/** `meshward <user>@<host>`: who is connected, as pg_stat_activity shows it. */
export function applicationName(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's name
  }
  return `meshward ${user}@${hostname()}`;
}

/** A connection URL for messages: no credential is ever shown (userinfo password, `?password=`, `sslpassword`, tokens; secrets.ts). */
export function redactUrl(url: string): string {
  const masked = maskSecrets(url);
  if (URL.canParse(url)) return masked;
  // Not a URL the driver can read (a raw `#`, `/` or `?` in the password, …): which part is the
  // credential cannot be told for sure, so the whole userinfo is hidden (masked text around it).
  const scheme = masked.indexOf('//');
  const lastAt = masked.lastIndexOf('@');
  return scheme >= 0 && lastAt > scheme ? `${masked.slice(0, scheme + 2)}${MASK}${masked.slice(lastAt)}` : masked;
}

/**
 * The settings that change how the server prints what meshward reads back (view definitions,
 * literals, names, dates, bytes) — pinned for every session meshward opens, and again (SET LOCAL)
 * in every apply transaction, so that what an apply records and what plan and drift read later
 * are printed the same whatever the database's or role's defaults (issue 8, item 15):
 * `standard_conforming_strings = off` prints a backslash literal as E'…\\…'; a search_path with
 * the base schemas prints names unqualified; `quote_all_identifiers` quotes every name.
 * All are settable by any role.
 */
export const PINNED_SETTINGS: readonly (readonly [name: string, value: string])[] = [
  ['quote_all_identifiers', 'off'], // first: it changes how the others are shown
  ['standard_conforming_strings', 'on'],
  ['search_path', 'pg_catalog, pg_temp'],
  ['DateStyle', "'ISO, MDY'"],
  ['IntervalStyle', 'postgres'],
  ['bytea_output', 'hex'],
  ['extra_float_digits', '1'],
];

/** `SET name = value` (or `SET LOCAL …`) for every pinned setting. */
export function pinnedSettingsSql(local = false): string[] {
  return PINNED_SETTINGS.map(([name, value]) => `SET ${local ? 'LOCAL ' : ''}${name} = ${value}`);
}

/** Pins the settings on a new connection; closes it and says which one failed when one cannot be set. */
async function pinSettings(conn: Connection, label: string): Promise<Connection> {
  for (const sql of pinnedSettingsSql()) {
    try {
      await conn.exec(sql);
    } catch (e) {
      await conn.close();
      throw new Error(`${label}: cannot pin the session setting (${sql}): ${sanitizeError(e).message}`);
    }
  }
  return conn;
}

/** The `pg` driver, loaded on first use: commands that never connect to a server (validate, explain, an embedded target) do not pay its load. */
let driver: typeof pg | undefined;
function pgDriver(): typeof pg {
  return (driver ??= createRequire(import.meta.url)('pg') as typeof pg);
}

/** Connects to a PostgreSQL server through `pg`. */
export async function connectUrl(url: string, opts: { readonly label?: string } = {}): Promise<Connection> {
  const label = opts.label ?? 'PostgreSQL';
  let client: pg.Client;
  try {
    client = new (pgDriver().Client)({ connectionString: url, application_name: applicationName() });
  } catch (e) {
    // e.g. "Invalid URL" (its `input` is the URL itself): never rethrown as it is
    throw new Error(`${label}: cannot connect to ${redactUrl(url)}: ${scrubSecrets(e instanceof Error ? e.message : String(e), secretsOf(url))}`);
  }
  let lost: Error | undefined;
  client.on('error', (e) => {
    lost = sanitizeError(e); // a dropped connection: reported by the next query instead of crashing
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    // The driver's message may echo part of the URL: scrub the secrets it carries, in any form.
    throw new Error(`${label}: cannot connect to ${redactUrl(url)}: ${scrubSecrets(sanitizeError(e).message, secretsOf(url))}`);
  }
  // GRANT/REVOKE without the grant option only warns ("no privileges were granted") and changes
  // nothing: an apply would report success over a missing grant, so these warnings fail the call.
  let refused: PostgresError | undefined;
  client.on('notice', (n) => {
    if (n.code === '01007' || n.code === '01006') refused ??= sanitizeError(n);
  });
  const guard = () => {
    if (lost) throw new PostgresError(`${label}: connection lost: ${lost.message}`);
    refused = undefined;
  };
  const checkRefused = () => {
    const r = refused;
    refused = undefined;
    if (r) throw r;
  };
  return pinSettings(registerTextParser({
    driver: 'pg',
    reconnects: true,
    async query(sql, params) {
      guard();
      let res: pg.QueryResult;
      try {
        res = await client.query(sql, params ? [...params] : undefined);
      } catch (e) {
        throw sanitizeError(e);
      }
      checkRefused();
      return { rows: res.rows as Record<string, unknown>[] };
    },
    async exec(sql) {
      guard();
      try {
        await client.query(sql);
      } catch (e) {
        throw sanitizeError(e);
      }
      checkRefused();
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  }, (text, oid) => pgDriver().types.getTypeParser(oid, 'text')(text)), label);
}

/** The directory of a target's embedded database: `<root>/.meshward/<target>`. */
export function embeddedDir(root: string, target: string): string {
  if (target === '' || target === '.' || target === '..' || /[\\/\u0000]/.test(target)) {
    throw new Error(`target '${target}': the name cannot be used as a directory name for its embedded database; rename the target`);
  }
  return join(root, '.meshward', target);
}

/** `.meshward/` holds databases, never anything to commit. */
function ensureMeshwardDir(root: string): void {
  const dir = join(root, '.meshward');
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/** The target's `bootstrap` files, read only when the embedded database is created. */
function bootstrapLoader(ctx: TargetContext, label: string): () => BootstrapSource[] {
  const setting = ctx.settings.bootstrap;
  const files = typeof setting === 'string' ? [setting] : Array.isArray(setting) ? setting.map(String) : [];
  return () =>
    files.map((name) => {
      const path = isAbsolute(name) ? name : resolve(ctx.root, name);
      try {
        return { name, sql: readFileSync(path, 'utf8') };
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
        throw new Error(`${label}: bootstrap file ${name} ${why} (paths are relative to ${ctx.root})`);
      }
    });
}

/** Opens the target: `url` -> a server through `pg`; no url -> the embedded PGlite database. */
export async function connect(ctx: TargetContext): Promise<Connection> {
  const label = `target '${ctx.target.name}'`;
  if (ctx.settings.url !== undefined) {
    const url = typeof ctx.settings.url === 'string' ? ctx.settings.url.trim() : '';
    if (url === '') throw new Error(`${label}: url is empty (is the environment variable it names set?)`);
    return connectUrl(url, { label });
  }
  const dir = embeddedDir(ctx.root, ctx.target.name);
  ensureMeshwardDir(ctx.root);
  const { openEmbedded } = await import('./embedded.js'); // PGlite is loaded only for embedded targets
  // pinned after the bootstrap, which runs with the database's defaults (its search_path included)
  return pinSettings(await openEmbedded(dir, bootstrapLoader(ctx, label), { label }), label);
}

/** Runs `fn` between BEGIN and COMMIT; ROLLBACK (and rethrow) when it fails. */
export async function withTransaction<T>(conn: Connection, fn: (conn: Connection) => Promise<T>): Promise<T> {
  await conn.exec('BEGIN');
  let result: T;
  try {
    result = await fn(conn);
  } catch (e) {
    await conn.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
  await conn.exec('COMMIT');
  return result;
}
