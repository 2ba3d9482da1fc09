import { createAccount, nextId, now } from './account.js';
import { Cursor } from './cursor.js';
import { ClientError, SimConnection, type SimConnectionOptions } from './connection.js';
import type { SimError } from './errors.js';
import { FaultBook, type FaultError } from './faults.js';
import { tokenize } from './lexer.js';
import { qualified } from './names.js';
import { runStatement } from './runner.js';
import type { Session } from './session.js';
import type { AccessRecord, Account, Column, QueryRecord, Table } from './state.js';
import type { SqlType } from './types.js';
import type { Value } from './values.js';

export interface SimulatorOptions {
  /** The account name connections must give (`account` option); default 'SIMACCOUNT'. */
  readonly account?: string;
  /** Delay before a statement shows in SNOWFLAKE.ACCOUNT_USAGE views (ms, default 0). */
  readonly accountUsageLatencyMs?: number;
}

export interface SeedColumn {
  readonly name: string;
  /** A Snowflake type as written in DDL: 'VARCHAR', 'NUMBER(10,2)', 'TIMESTAMP_LTZ', 'VARIANT'… */
  readonly type: string;
  readonly nullable?: boolean;
}

export interface SeedTable {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly SeedColumn[];
  /** Rows as objects keyed by column name, or arrays in column order. */
  readonly rows?: readonly (Readonly<Record<string, Value>> | readonly Value[])[];
  /** Owning role (default SYSADMIN). */
  readonly owner?: string;
  readonly transient?: boolean;
}

export interface SeedUser {
  readonly defaultRole?: string;
  /** DEFAULT_SECONDARY_ROLES: 'ALL' (Snowflake's default for new users) or 'NONE'. */
  readonly defaultSecondaryRoles?: 'ALL' | 'NONE';
  /** Roles granted to the user. */
  readonly roles?: readonly string[];
  readonly defaultWarehouse?: string;
}

/** A statement as the log keeps it: QUERY_HISTORY's columns. */
export type LoggedStatement = QueryRecord;

/**
 * A stateful in-memory Snowflake account for tests. Connections made with `createConnection`
 * share it, like sessions of one real account. The methods below are the test-side API (seed,
 * inspect, fault injection, clone) and are not reachable through SQL.
 */
export class Simulator {
  private readonly faultBook = new FaultBook();
  private readonly connections: SimConnection[] = [];

  constructor(private acct: Account) {}

  /** The account state (read it; mutate it only through seed methods or SQL). */
  get account(): Account {
    return this.acct;
  }

  /** snowflake-sdk's createConnection, against this account. */
  createConnection(options: SimConnectionOptions): SimConnection {
    const c = new SimConnection(() => this.acct, this.faultBook, options);
    this.connections.push(c);
    return c;
  }

  // ── seeding ────────────────────────────────────────────────────────────────────────────────

  /** Runs SQL as ACCOUNTADMIN in a private session that is not logged; throws the SimError on failure. Returns the rows. */
  admin(sqlText: string, binds: readonly Value[] = [], role = 'ACCOUNTADMIN'): Value[][] {
    const s: Session = { id: 0, user: '$SIMULATOR', role, secondary: [], database: null, schema: null, warehouse: null, queryTag: '', quotedIgnoreCase: false, params: new Map(), lastQueryId: null, txn: null };
    const r = runStatement(this.acct, s, sqlText, binds, false);
    if (r.error) throw r.error;
    return r.result!.rows.map((x) => [...x]);
  }

  createRole(name: string, opts: { owner?: string; comment?: string } = {}): void {
    if (this.acct.roles.has(name)) throw new Error(`role ${name} exists`);
    this.acct.roles.set(name, { kind: 'ROLE', id: nextId(this.acct), name, owner: opts.owner ?? 'USERADMIN', comment: opts.comment ?? null, createdOn: now(this.acct) });
  }

  /** Grants role `role` to a role (parent) or a user. */
  grantRole(role: string, to: { role: string } | { user: string }): void {
    const granteeType = 'role' in to ? 'ROLE' : 'USER';
    const grantee = 'role' in to ? to.role : to.user;
    this.acct.roleGrants.push({ role, granteeType, grantee, grantedBy: 'SECURITYADMIN', createdOn: now(this.acct) });
  }

  createUser(name: string, opts: SeedUser = {}): void {
    this.acct.users.set(name, { kind: 'USER', id: nextId(this.acct), name, owner: 'USERADMIN', comment: null, createdOn: now(this.acct), loginName: name.toUpperCase(), defaultRole: opts.defaultRole ?? null, defaultSecondaryRoles: opts.defaultSecondaryRoles === 'NONE' ? [] : ['ALL'], defaultWarehouse: opts.defaultWarehouse ?? null, defaultNamespace: null, disabled: false });
    for (const r of opts.roles ?? []) this.grantRole(r, { user: name });
  }

  /** A warehouse, USAGE granted to PUBLIC unless `public` is false. */
  createWarehouse(name: string, opts: { owner?: string; public?: boolean } = {}): void {
    const w = { kind: 'WAREHOUSE' as const, id: nextId(this.acct), name, owner: opts.owner ?? 'SYSADMIN', comment: null, createdOn: now(this.acct) };
    this.acct.warehouses.set(name, w);
    if (opts.public !== false) this.acct.grants.push({ privilege: 'USAGE', on: w, granteeType: 'ROLE', grantee: 'PUBLIC', grantOption: false, grantedBy: w.owner, createdOn: now(this.acct) });
  }

  /** A database (with PUBLIC schema) and optionally more schemas, owned by `owner` (default SYSADMIN). Names are stored as given. */
  seedDatabase(name: string, opts: { owner?: string; schemas?: readonly string[]; managedAccess?: readonly string[] } = {}): void {
    const a = this.acct;
    const owner = opts.owner ?? 'SYSADMIN';
    const db = { kind: 'DATABASE' as const, id: nextId(a), name, owner, comment: null, createdOn: now(a), transient: false, schemas: new Map(), tags: new Map() };
    a.databases.set(name, db);
    for (const s of ['PUBLIC', ...(opts.schemas ?? [])]) {
      db.schemas.set(s, { kind: 'SCHEMA', id: nextId(a), name: s, owner, comment: null, createdOn: now(a), database: db, transient: false, managedAccess: (opts.managedAccess ?? []).includes(s), tables: new Map(), tagObjects: new Map(), maskingPolicies: new Map(), rowAccessPolicies: new Map(), tags: new Map() });
    }
  }

  seedTable(t: SeedTable): Table {
    const a = this.acct;
    const schema = a.databases.get(t.database)?.schemas.get(t.schema);
    if (!schema) throw new Error(`no schema ${qualified(t.database, t.schema)}; seedDatabase first`);
    const columns: Column[] = t.columns.map((c) => ({ id: nextId(a), name: c.name, type: parseType(c.type), nullable: c.nullable !== false, default: null, comment: null, tags: new Map(), mask: null }));
    const rows = (t.rows ?? []).map((r) => (Array.isArray(r) ? [...(r as Value[])] : columns.map((c) => (r as Record<string, Value>)[c.name] ?? null)));
    const table: Table = { kind: 'TABLE', id: nextId(a), name: t.name, owner: t.owner ?? 'SYSADMIN', comment: null, createdOn: now(a), schema, transient: t.transient ?? false, tableType: 'BASE TABLE', columns, rows, changeTracking: false, tags: new Map(), rap: null, lastAltered: now(a) };
    schema.tables.set(t.name, table);
    return table;
  }

  // ── inspection ─────────────────────────────────────────────────────────────────────────────

  table(database: string, schema: string, name: string): Table | undefined {
    return this.acct.databases.get(database)?.schemas.get(schema)?.tables.get(name);
  }

  /** Raw rows of a table as objects (no policies applied). */
  rowsOf(database: string, schema: string, name: string): Record<string, Value>[] {
    const t = this.table(database, schema, name);
    if (!t) throw new Error(`no table ${qualified(database, schema, name)}`);
    return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, r[i] ?? null])));
  }

  /** Every statement received through connections, in order (QUERY_HISTORY's shape: session, role, QUERY_TAG, status…). */
  get statementLog(): readonly LoggedStatement[] {
    return this.acct.queryHistory;
  }

  get accessHistory(): readonly AccessRecord[] {
    return this.acct.accessHistory;
  }

  /** Moves the simulated clock (CURRENT_TIMESTAMP, created_on) forward. */
  advanceTime(ms: number): void {
    this.acct.clockOffsetMs += ms;
  }

  set accountUsageLatencyMs(ms: number) {
    this.acct.accountUsageLatencyMs = ms;
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────────

  /** The nth statement from now (1 = next) fails with this error and has no effect. */
  failNth(n: number, error: FaultError): void {
    this.faultBook.onNth(n, { kind: 'fail', error });
  }

  /** The next statement whose text matches fails with this error and has no effect. */
  failNext(pattern: RegExp | string, error: FaultError): void {
    this.faultBook.onMatch(pattern, { kind: 'fail', error });
  }

  /** The matching (or nth) statement takes effect, then the connection is lost before the response. */
  dropConnectionOn(when: { nth: number } | { match: RegExp | string }, respond: 'error' | 'never' = 'error'): void {
    const fault = { kind: 'drop' as const, respond };
    if ('nth' in when) this.faultBook.onNth(when.nth, fault);
    else this.faultBook.onMatch(when.match, fault);
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  // ── clone ──────────────────────────────────────────────────────────────────────────────────

  /** An independent copy of the whole account (objects, grants, policies, rows, logs); no connections or faults. */
  clone(): Simulator {
    return new Simulator(structuredClone(this.acct));
  }
}

function parseType(text: string): SqlType {
  const c = new Cursor(tokenize(text), text, []);
  const t = c.type();
  if (!c.atEnd()) c.fail();
  return t;
}

/** A new simulated account with Snowflake's system roles and nothing else. */
export function createSimulator(opts: SimulatorOptions = {}): Simulator {
  const a = createAccount(opts.account ?? 'SIMACCOUNT');
  a.accountUsageLatencyMs = opts.accountUsageLatencyMs ?? 0;
  return new Simulator(a);
}

export type { SimError, ClientError };
