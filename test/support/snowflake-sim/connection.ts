import { Readable } from 'node:stream';
import { availableRoles, closure, hasAnyPriv, hasPriv } from './access.js';
import { SimError } from './errors.js';
import type { FaultBook } from './faults.js';
import { parseNameString } from './names.js';
import { activeSecondary, recordRefused, runStatement } from './runner.js';
import type { Session } from './session.js';
import type { Account } from './state.js';
import { sdkType, type SqlType } from './types.js';
import { toText, type Value } from './values.js';

/** The options of snowflake-sdk's createConnection that the simulator reads; the rest are accepted and ignored. */
export interface SimConnectionOptions {
  readonly account: string;
  readonly username: string;
  readonly password?: string;
  readonly authenticator?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly queryTag?: string;
  readonly application?: string;
  readonly [key: string]: unknown;
}

export type SimBind = string | number | boolean | null;

/**
 * The error type callbacks receive: a SimError (server error, `code` a string like '002003') or
 * a ClientError (driver error, numeric `code`). Typed loosely on `code` because snowflake-sdk's
 * d.ts declares it as its numeric ErrorCode enum although server errors carry the string code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DriverError = Omit<Error, "cause"> & { code?: any; sqlState?: string; data?: Record<string, any>; isFatal?: boolean; cause?: Error };

export interface SimStatementOptions {
  readonly sqlText: string;
  readonly binds?: readonly SimBind[] | readonly (readonly SimBind[])[];
  readonly complete?: (err: DriverError | undefined, stmt: SimStatement, rows?: unknown[]) => void;
  readonly rowMode?: 'object' | 'array' | 'object_with_renamed_duplicated_columns';
  readonly fetchAsString?: readonly string[];
  readonly parameters?: Record<string, unknown>;
  readonly streamResult?: boolean;
  readonly asyncExec?: boolean;
  readonly requestId?: string;
}

/** A client-side error of the driver (numeric code, e.g. 401001 network error, 407001/407002 no connection). */
export class ClientError extends Error {
  override name = 'NetworkError';
  declare cause?: Error;
  readonly sqlState: string | undefined;
  readonly isFatal: boolean;
  constructor(readonly code: number, message: string, name: 'NetworkError' | 'ClientError' = 'NetworkError') {
    super(message);
    this.name = name;
    this.sqlState = code === 407001 || code === 407002 ? '08003' : code === 401001 ? '08001' : undefined;
    this.isFatal = code === 401001;
  }
}

/** A result column as the driver describes it (snowflake-sdk dist/lib/connection/result/column.js). */
export class SimColumn {
  constructor(private readonly name: string, private readonly index: number, private readonly type: SqlType) {}
  getName(): string { return this.name; }
  getIndex(): number { return this.index; }
  getId(): number { return this.index + 1; }
  isNullable(): boolean { return true; }
  getScale(): number { return this.type.scale ?? 0; }
  getPrecision(): number { return this.type.precision ?? 0; }
  getType(): string { return sdkType(this.type); }
  isString(): boolean { return this.getType() === 'text'; }
  isBinary(): boolean { return this.getType() === 'binary'; }
  isNumber(): boolean { return this.getType() === 'fixed' || this.getType() === 'real'; }
  isBoolean(): boolean { return this.getType() === 'boolean'; }
  isDate(): boolean { return this.getType() === 'date'; }
  isTime(): boolean { return this.getType() === 'time'; }
  isTimestamp(): boolean { return this.getType().startsWith('timestamp'); }
  isTimestampLtz(): boolean { return this.getType() === 'timestamp_ltz'; }
  isTimestampNtz(): boolean { return this.getType() === 'timestamp_ntz'; }
  isTimestampTz(): boolean { return this.getType() === 'timestamp_tz'; }
  isVariant(): boolean { return this.getType() === 'variant'; }
  isObject(): boolean { return this.getType() === 'object'; }
  isArray(): boolean { return this.getType() === 'array'; }
  isMap(): boolean { return false; }
}

/** The statement object `execute` returns (RowStatement). */
export class SimStatement {
  queryId: string | undefined;
  columns: SimColumn[] | undefined;
  rows: unknown[] = [];
  updated: number | undefined;
  status: 'fetching' | 'complete' = 'fetching';
  constructor(private readonly sqlText: string, readonly requestId: string) {}
  getSqlText(): string { return this.sqlText; }
  getStatus(): 'fetching' | 'complete' { return this.status; }
  getColumns(): SimColumn[] | undefined { return this.columns; }
  getColumn(id: string | number): SimColumn { return (typeof id === 'number' ? this.columns?.[id] : this.columns?.find((c) => c.getName() === id)) as SimColumn; }
  getNumRows(): number { return this.rows.length; }
  getNumUpdatedRows(): number | undefined { return this.updated; }
  getSessionState(): object | undefined { return undefined; }
  getRequestId(): string { return this.requestId; }
  getStatementId(): string { return this.queryId!; }
  getQueryId(): string { return this.queryId!; }
  cancel(cb?: (err: DriverError | undefined, stmt: SimStatement) => void): void { cb?.(undefined, this); }
  streamRows(opts: { start?: number; end?: number } = {}): Readable { return Readable.from(this.rows.slice(opts.start ?? 0, opts.end === undefined ? undefined : opts.end + 1)); }
  fetchRows(opts: { start?: number; end?: number } = {}): Readable { return this.streamRows(opts); }
}

/** Copies a value the way the driver hands it out (VARIANT parsed, dates as Date). */
function out(v: Value, type: SqlType, asString: readonly string[]): unknown {
  if (v === null) return null;
  const t = sdkType(type);
  const family = t === 'text' ? 'String' : t === 'fixed' || t === 'real' ? 'Number' : t === 'boolean' ? 'Boolean' : t.startsWith('timestamp') || t === 'date' ? 'Date' : t === 'variant' || t === 'array' || t === 'object' ? 'JSON' : 'String';
  if (asString.includes(family)) return family === 'JSON' ? JSON.stringify(v) : toText(v, type);
  if (v instanceof Date) return new Date(v.getTime());
  if (typeof v === 'object') return structuredClone(v);
  if (t === 'text' && typeof v !== 'string') return toText(v, type);
  return v;
}

let sessionIds = 1000;

/** A connection to the simulated account: one session (https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-connect). */
export class SimConnection {
  private session: Session | null = null;
  private state: 'pristine' | 'up' | 'down' = 'pristine';
  private requests = 0;
  private readonly id = `sim-${++sessionIds}`;

  constructor(private readonly account: () => Account, private readonly faults: FaultBook, readonly options: SimConnectionOptions) {}

  getId(): string { return this.id; }
  isUp(): boolean { return this.state === 'up'; }
  async isValidAsync(): Promise<boolean> { return this.isUp(); }
  /** The session (test-side), null before connect. */
  get currentSession(): Session | null { return this.session; }

  connect(callback?: (err: DriverError | undefined, conn: SimConnection) => void): SimConnection {
    let err: SimError | ClientError | undefined;
    try {
      this.open();
    } catch (e) {
      if (e instanceof SimError || e instanceof ClientError) err = e;
      else throw e;
    }
    setImmediate(() => callback?.(err, this));
    return this;
  }

  connectAsync(callback?: (err: DriverError | undefined, conn: SimConnection) => void): Promise<SimConnection> {
    return new Promise((resolve, reject) => {
      this.connect((err, conn) => {
        callback?.(err, conn);
        if (err) reject(err);
        else resolve(conn);
      });
    });
  }

  /**
   * Login: the user must exist ("Incorrect username or password was specified.", 390100); a
   * `role` option must be granted to the user (390189); otherwise the user's DEFAULT_ROLE, else
   * PUBLIC; DEFAULT_SECONDARY_ROLES decides the secondary roles; a database, schema or warehouse
   * the role cannot use is left unset (https://docs.snowflake.com/en/sql-reference/sql/create-user).
   */
  private open(): void {
    if (this.state === 'up') throw new ClientError(405502, 'Already connected.', 'ClientError');
    const a = this.account();
    const o = this.options;
    // Account identifiers: 'acme', 'acme.us-east-1' (locator with region) or 'myorg-acme' (organization-account) (https://docs.snowflake.com/en/user-guide/admin-account-identifier).
    const given = (o.account ?? '').toUpperCase().split('.')[0]!;
    if (o.account && given !== a.name.toUpperCase() && given.split('-').pop() !== a.name.toUpperCase()) throw new ClientError(401001, 'Network error. Could not reach Snowflake.');
    const userName = parseNameString(o.username)?.[0] ?? o.username;
    const user = a.users.get(userName) ?? a.users.get(o.username.toUpperCase());
    if (!user || user.disabled) throw new SimError('390100', '08004', 'Incorrect username or password was specified.');
    const avail = availableRoles(a, user.name);
    let role: string | null = user.defaultRole && avail.includes(user.defaultRole) ? user.defaultRole : 'PUBLIC';
    if (o.role !== undefined) {
      const r = parseNameString(o.role)?.[0] ?? o.role;
      if (!avail.includes(r)) throw new SimError('390189', '08004', `Role '${r}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`);
      role = r;
    }
    const s: Session = { id: sessionIds++, user: user.name, role, secondary: user.defaultSecondaryRoles.includes('ALL') ? 'ALL' : [...user.defaultSecondaryRoles], database: null, schema: null, warehouse: null, queryTag: o.queryTag ?? '', quotedIgnoreCase: false, params: new Map(), lastQueryId: null, txn: null };
    const full = closure(a, [...(role ? [role] : []), ...activeSecondary(a, s)]);
    const wh = o.warehouse ?? user.defaultWarehouse;
    if (wh) {
      const w = a.warehouses.get(parseNameString(wh)?.[0] ?? wh);
      if (w && hasAnyPriv(a, full, w)) s.warehouse = w.name;
    }
    const dbName = o.database ?? user.defaultNamespace?.split('.')[0];
    if (dbName) {
      const db = a.databases.get(parseNameString(dbName)?.[0] ?? dbName);
      if (db && hasPriv(a, full, db, 'USAGE')) {
        s.database = db.name;
        const sc = o.schema ? db.schemas.get(parseNameString(o.schema)?.[0] ?? o.schema) : db.schemas.get('PUBLIC');
        s.schema = sc && hasPriv(a, full, sc, 'USAGE') ? sc.name : null;
      }
    }
    this.session = s;
    this.state = 'up';
  }

  /**
   * Runs one statement and calls `complete` asynchronously with (err, stmt, rows). Several
   * statements in one text fail (MULTI_STATEMENT_COUNT = 1); `binds` fill `?` and `:n`; an array
   * of arrays runs an INSERT once per row (array binding).
   */
  execute(options: SimStatementOptions): SimStatement {
    const stmt = new SimStatement(options.sqlText, `req-${++this.requests}`);
    const done = (err: SimError | ClientError | undefined, rows?: unknown[]): void => {
      stmt.status = 'complete';
      setImmediate(() => options.complete?.(err, stmt, rows));
    };
    if (this.state !== 'up' || !this.session) {
      done(new ClientError(this.state === 'pristine' ? 407001 : 407002, this.state === 'pristine' ? 'Unable to perform operation because a connection was never established.' : 'Unable to perform operation using terminated connection.', 'ClientError'));
      return stmt;
    }
    const a = this.account();
    const fault = this.faults.take(options.sqlText);
    if (fault?.kind === 'fail') {
      const e = new SimError(fault.error.code, fault.error.sqlState ?? '42000', fault.error.message);
      stmt.queryId = recordRefused(a, this.session, options.sqlText, e);
      done(e);
      return stmt;
    }
    const bindSets: readonly (readonly SimBind[])[] = Array.isArray(options.binds?.[0]) ? (options.binds as readonly (readonly SimBind[])[]) : [(options.binds ?? []) as readonly SimBind[]];
    let last = runStatement(a, this.session, options.sqlText, bindSets[0] ?? []);
    let inserted = last.result?.inserted ?? 0;
    for (const b of bindSets.slice(1)) {
      if (last.error) break;
      last = runStatement(a, this.session, options.sqlText, b);
      inserted += last.result?.inserted ?? 0;
    }
    stmt.queryId = last.queryId;
    if (fault?.kind === 'drop') {
      this.state = 'down';
      if (fault.respond === 'error') done(new ClientError(401001, 'Network error. Could not reach Snowflake.'));
      return stmt;
    }
    if (last.error) {
      done(last.error);
      return stmt;
    }
    const r = last.result!;
    const cols = r.cols.map((c, i) => new SimColumn(c.name, i, c.type));
    stmt.columns = cols;
    const asString = options.fetchAsString ?? [];
    const rowsIn = bindSets.length > 1 && r.queryType === 'INSERT' ? [[inserted]] : r.rows;
    if (options.rowMode === 'array') stmt.rows = rowsIn.map((row) => row.map((v, i) => out(v, r.cols[i]!.type, asString)));
    else stmt.rows = rowsIn.map((row) => {
      const o: Record<string, unknown> = {};
      row.forEach((v, i) => {
        let key = r.cols[i]!.name;
        if (options.rowMode === 'object_with_renamed_duplicated_columns') { let k = 1; while (key in o) key = `${r.cols[i]!.name}_${k++}`; }
        o[key] = out(v, r.cols[i]!.type, asString);
      });
      return o;
    });
    stmt.updated = r.inserted !== undefined || r.updated !== undefined || r.deleted !== undefined ? (bindSets.length > 1 ? inserted : (r.inserted ?? 0) + (r.updated ?? 0) + (r.deleted ?? 0)) : undefined;
    done(undefined, stmt.rows);
    return stmt;
  }

  destroy(fn: (err: DriverError | undefined, conn: SimConnection) => void): void {
    const wasUp = this.state === 'up';
    this.state = 'down';
    this.session = null;
    setImmediate(() => fn(wasUp ? undefined : new ClientError(406502, 'Connection already terminated. Cannot destroy again.', 'ClientError'), this));
  }

  // The rest of snowflake-sdk's Connection, so a SimConnection is assignable to it.
  setupOcspPrivateLink(_host: string): void {}
  getServiceName(): string { return ''; }
  isStillRunning(status: string): boolean { return ['RUNNING', 'QUEUED', 'RESUMING_WAREHOUSE', 'QUEUED_REPARING_WAREHOUSE', 'BLOCKED', 'NO_DATA'].includes(status); }
  isAnError(): boolean { return false; }
  serialize(): string { return JSON.stringify({ services: { sf: { tokenInfo: { sessionToken: this.id } } } }); }
  /** QUERY_HISTORY's status of a statement of this account: SUCCESS or FAILED_WITH_ERROR. */
  async getQueryStatus(queryId: string): Promise<string> {
    const q = this.account().queryHistory.find((x) => x.QUERY_ID === queryId);
    if (!q) throw new SimError('000709', '02000', `Statement ${queryId} not found`);
    return q.EXECUTION_STATUS === 'SUCCESS' ? 'SUCCESS' : 'FAILED_WITH_ERROR';
  }
  async getQueryStatusThrowIfError(queryId: string): Promise<string> {
    const s = await this.getQueryStatus(queryId);
    const q = this.account().queryHistory.find((x) => x.QUERY_ID === queryId)!;
    if (s !== 'SUCCESS') throw new SimError(q.ERROR_CODE ?? '000603', '42000', q.ERROR_MESSAGE ?? '');
    return s;
  }
  /** The stored result of an earlier statement (RESULT_SCAN's source), as a statement. */
  fetchResult(options: { queryId: string; complete?: SimStatementOptions['complete']; [key: string]: unknown }): SimStatement {
    const stmt = new SimStatement('', `req-${++this.requests}`);
    stmt.queryId = options.queryId;
    const r = this.account().results.get(options.queryId);
    stmt.status = 'complete';
    if (!r) {
      setImmediate(() => options.complete?.(new SimError('000709', '02000', `Statement ${options.queryId} not found`), stmt));
      return stmt;
    }
    stmt.columns = r.columns.map((c, i) => new SimColumn(c.name, i, c.type));
    stmt.rows = r.rows.map((row) => Object.fromEntries(row.map((v, i) => [r.columns[i]!.name, out(v, r.columns[i]!.type, [])])));
    setImmediate(() => options.complete?.(undefined, stmt, stmt.rows));
    return stmt;
  }
  getResultsFromQueryId(options: { queryId: string; [key: string]: unknown }): Promise<SimStatement> {
    return new Promise((resolve, reject) => { this.fetchResult({ ...options, complete: (err, stmt) => (err ? reject(err) : resolve(stmt)) }); });
  }

  /** Test-side: marks the connection as lost (isUp() false; statements fail with 407002). */
  drop(): void {
    this.state = 'down';
  }
}
