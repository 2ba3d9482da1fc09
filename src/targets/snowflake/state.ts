import { hostname } from 'node:os';
import { TargetLockedError, type Connection, type HeldLock, type NativeObject, type RecordOptions, type TargetContext } from '../target.js';
import { scopeOf, type SnowflakeScope } from './compile.js';
import { marker } from '../shared/marker.js';
import { stored } from './names.js';
import { likePattern, qualified, quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * Snowflake's state store (issue 12, item 4; docs/architecture.md): the recorded state — the only
 * evidence that meshward made an object — and the apply lease, in tables of a store schema
 * `<database>.<PREFIX>STATE` of their own. Not in the governance schema: the store is made the
 * first time a lease is taken or a record written, before the plan's first change runs, and the
 * governance schema is one of the plan's objects; what taking the lease creates must not change
 * what the plan read. Every write is auto-committed (DDL cannot be in a transaction; the
 * auto-commit executor writes a change's rows before its steps and deletes a removal's after).
 */

export const storeSchema = (scope: SnowflakeScope): readonly [string, string] => [scope.database, stored(`${scope.prefix}state`)];

const made = new WeakSet<Connection>();

/** Creates the store on first use (idempotent; once per connection). */
async function ensureStore(conn: Connection, scope: SnowflakeScope): Promise<void> {
  if (made.has(conn)) return;
  const s = storeSchema(scope);
  await conn.query(`CREATE SCHEMA IF NOT EXISTS ${qualified(...s)} WITH MANAGED ACCESS COMMENT = ${quoteLiteral(marker(scope.project, 'store', s[1]))}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${qualified(...s, 'STATE')} ("KEY" VARCHAR NOT NULL, "KIND" VARCHAR NOT NULL, "LABEL" VARCHAR, "DOMAIN" VARCHAR, "TABLE" VARCHAR, "SPEC" VARIANT, "APPLIED_AT" TIMESTAMP_LTZ) CHANGE_TRACKING = FALSE`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${qualified(...s, 'LOCK')} ("NAME" VARCHAR NOT NULL, "HOLDER" VARCHAR NOT NULL, "EXPIRES_AT" TIMESTAMP_LTZ NOT NULL)`);
  made.add(conn);
}

export interface RecordedRow {
  readonly kind: string;
  readonly label: string;
  readonly domain?: string;
  readonly table?: string;
  readonly spec: Record<string, unknown>;
}

/** The recorded state (empty when the store was never made). */
export async function readRecorded(conn: Connection, scope: SnowflakeScope): Promise<Map<string, RecordedRow>> {
  const s = storeSchema(scope);
  const { rows: schemas } = await conn.query(`SHOW SCHEMAS LIKE ${quoteLiteral(likePattern(s[1]))} IN DATABASE ${quoteIdent(s[0])}`);
  if (!schemas.some((r) => r.name === s[1])) return new Map();
  const { rows: tables } = await conn.query(`SHOW TABLES LIKE 'STATE' IN SCHEMA ${qualified(...s)}`);
  if (!tables.some((r) => r.name === 'STATE')) return new Map();
  const { rows } = await conn.query(`SELECT "KEY", "KIND", "LABEL", "DOMAIN", "TABLE", "SPEC" FROM ${qualified(...s, 'STATE')}`);
  return new Map(
    rows.map((r) => {
      const spec = typeof r.SPEC === 'string' ? (JSON.parse(r.SPEC) as Record<string, unknown>) : (r.SPEC as Record<string, unknown>);
      return [String(r.KEY), { kind: String(r.KIND), label: String(r.LABEL ?? ''), ...(r.DOMAIN ? { domain: String(r.DOMAIN) } : {}), ...(r.TABLE ? { table: String(r.TABLE) } : {}), spec }];
    }),
  );
}

/** With `only`: the rows of those keys, written when desired and deleted when not. Without: exactly `desired` but the `pending` keys. */
export async function recordState(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext, options: RecordOptions = {}): Promise<void> {
  const scope = scopeOf(ctx);
  await ensureStore(conn, scope);
  const table = qualified(...storeSchema(scope), 'STATE');
  const byKey = new Map(desired.map((o) => [o.key, o]));
  let keys: string[];
  if (options.only) keys = [...new Set(options.only)];
  else {
    const pending = new Set(options.pending ?? []);
    keys = [...new Set([...byKey.keys(), ...(await readRecorded(conn, scope)).keys()])].filter((k) => !pending.has(k));
  }
  for (let i = 0; i < keys.length; i += 200) {
    const slice = keys.slice(i, i + 200);
    await conn.query(`DELETE FROM ${table} WHERE "KEY" IN (${slice.map(quoteLiteral).join(', ')})`);
    const rows = slice.map((k) => byKey.get(k)).filter((o): o is NativeObject => o !== undefined);
    if (rows.length) {
      const selects = rows.map((o) => `SELECT ${[o.key, o.kind, o.label].map(quoteLiteral).join(', ')}, ${o.domain ? quoteLiteral(o.domain) : 'NULL'}, ${o.table ? quoteLiteral(o.table) : 'NULL'}, PARSE_JSON(${quoteLiteral(JSON.stringify(o.spec))}), CURRENT_TIMESTAMP()`);
      await conn.query(`INSERT INTO ${table} ("KEY", "KIND", "LABEL", "DOMAIN", "TABLE", "SPEC", "APPLIED_AT") ${selects.join(' UNION ALL ')}`);
    }
  }
}

/**
 * The apply lease: a row taken by a MERGE that only inserts when there is none and only takes over
 * an expired one, then read back — the holder is whoever the row names. Renewed by the apply while
 * it runs (HeldLock.lease); a crashed holder's lease expires.
 */
export async function takeLease(conn: Connection, ctx: TargetContext): Promise<HeldLock> {
  const scope = scopeOf(ctx);
  await ensureStore(conn, scope);
  const table = qualified(...storeSchema(scope), 'LOCK');
  const holder = `meshward ${process.pid}@${hostname()} ${Math.random().toString(36).slice(2, 10)}`;
  const seconds = typeof ctx.settings.lease_seconds === 'number' ? ctx.settings.lease_seconds : 300;
  const until = `DATEADD('second', ${Math.floor(seconds)}, CURRENT_TIMESTAMP())`;
  await conn.query(
    `MERGE INTO ${table} AS t USING (SELECT 'apply' AS "NAME") AS s ON t."NAME" = s."NAME" ` +
      `WHEN MATCHED AND t."EXPIRES_AT" < CURRENT_TIMESTAMP() THEN UPDATE SET "HOLDER" = ${quoteLiteral(holder)}, "EXPIRES_AT" = ${until} ` +
      `WHEN NOT MATCHED THEN INSERT ("NAME", "HOLDER", "EXPIRES_AT") VALUES ('apply', ${quoteLiteral(holder)}, ${until})`,
  );
  const { rows } = await conn.query(`SELECT "HOLDER", TO_VARCHAR("EXPIRES_AT") AS "UNTIL" FROM ${table} WHERE "NAME" = 'apply'`);
  const now = rows[0];
  if (!now || now.HOLDER !== holder) throw new TargetLockedError(`target '${ctx.target.name}' is being applied by ${String(now?.HOLDER ?? 'another apply')} (lease until ${String(now?.UNTIL ?? '?')}); try again later, or wait for the lease to expire`);
  return {
    release: async () => {
      await conn.query(`DELETE FROM ${table} WHERE "NAME" = 'apply' AND "HOLDER" = ${quoteLiteral(holder)}`).catch(() => undefined);
    },
    lease: {
      everyMs: Math.max(1000, Math.floor((seconds * 1000) / 3)),
      renew: async () => {
        const { rows: r } = await conn.query(`UPDATE ${table} SET "EXPIRES_AT" = ${until} WHERE "NAME" = 'apply' AND "HOLDER" = ${quoteLiteral(holder)}`);
        const updated = Number(Object.values(r[0] ?? {})[0] ?? 0);
        if (updated !== 1) throw new TargetLockedError(`target '${ctx.target.name}': the apply lease was lost (another apply took it after it expired)`);
      },
    },
  };
}
