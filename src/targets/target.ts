import type { Diagnostics } from '../config/diagnostics.js';
import type { ImportedEstate, ImportOptions } from '../import/estate.js';
import type { Inventory } from '../model/inventory.js';
import type { NeutralType } from '../model/neutral-types.js';
import type { Model, TargetDecl } from '../model/types.js';
import type { Resolved, ResolvedTable } from '../resolve/resolve.js';
import type { ApiStep, JsonValue, Step } from '../plan/step.js';
import type { EngineErrors, TargetCapabilities, Transactions } from './capabilities.js';
import type { AccessDialect } from '../plan/hazards.js';

export type { EngineErrors, RateLimit, TargetCapabilities, Transactions } from './capabilities.js';

/**
 * The one interface every target implements (architecture.md). Data flows
 * compile(resolved) -> desired objects; introspect(connection) -> current objects of the same
 * shape; the neutral `plan/diff.ts` compares them; `render` turns each change into statements.
 */

/** The closed set of hazards (product.md, Hazards). */
export const HAZARDS = ['AUTHZ_WIDEN', 'AUTHZ_NARROW', 'DROPS_MANAGED', 'UNMANAGED_REVOKE', 'REPLACE_GAP'] as const;
export type Hazard = (typeof HAZARDS)[number];
export const BLOCKING_HAZARDS: readonly Hazard[] = ['UNMANAGED_REVOKE', 'REPLACE_GAP'];

/**
 * One native object meshward manages, desired or current. `spec` is compared for equality by
 * the diff (canonical JSON), so compile and introspect must build it identically.
 */
export interface NativeObject {
  /** Stable identity, e.g. `view:"mw_sales"."customers"`; equal keys are the same object. */
  readonly key: string;
  /** Target-defined kind, e.g. `role`, `membership`, `schema`, `view`, `grant`, `tag`. */
  readonly kind: string;
  /** Short label for people, e.g. `SELECT on "mw_sales"."customers" → mw_sales_analysts`. */
  readonly label: string;
  readonly domain?: string;
  /** Neutral table name this object serves, when it serves one. */
  readonly table?: string;
  /** Policies behind the object (views: masks and filters), for the plan. */
  readonly policies?: readonly string[];
  /** What the object lets through, in the model's words (views): the plan describes a change from it, never from SQL. */
  readonly access?: AccessSummary;
  readonly spec: Readonly<Record<string, unknown>>;
  /**
   * The live object's version where the engine keeps one (an etag), read by introspection for a
   * conditional update (ApiStep.idempotency.etag); never compared by the diff.
   */
  readonly version?: string;
}

/**
 * A neutral summary of what a native object (a view, a masking or row-access policy) lets
 * through for one governed table (architecture.md: a typed access summary instead of strings
 * parsed back). Compile sets it; introspection gives back the one recorded at the last apply.
 */
export interface AccessSummary {
  /** Neutral table name. */
  readonly table: string;
  /** Output columns, in order. */
  readonly columns: readonly string[];
  /** column -> every mask that reaches it (whichever wins for a principal), sorted by policy. */
  readonly masks: Readonly<Record<string, readonly MaskAccess[]>>;
  /** Every row filter on the table (ANDed), sorted by policy. */
  readonly filters: readonly FilterAccess[];
}

export interface MaskAccess {
  readonly policy: string;
  readonly method: string;
  /** `partial` only. */
  readonly keep_last?: number;
  /** Groups the mask is waived for, sorted. */
  readonly exempt: readonly string[];
}

export interface FilterAccess {
  readonly policy: string;
  /** The neutral expression, as the model prints it. */
  readonly allow: string;
  readonly exempt: readonly string[];
}

export type Action = 'add' | 'change' | 'remove';

/** A typed change; its steps (SQL or API calls) are produced at the very end by `render`. */
export interface Change {
  readonly action: Action;
  readonly key: string;
  readonly kind: string;
  readonly desired?: NativeObject;
  readonly current?: NativeObject;
  /** Display only: why the change is needed. */
  readonly reason: string;
  readonly hazards: readonly Hazard[];
  /** Only the record changes (CurrentState.forgotten): no step runs, the row of the key is dropped. */
  readonly forget?: true;
}

/** A finding about objects meshward does not manage (never changed unless told). */
export interface Finding {
  /**
   * BASE_TABLE_RLS: row-level security enabled or forced on a governed base table;
   * BASE_TABLE_COLUMNS: a column its managed view was compiled for is gone or retyped;
   * BASE_TABLE_GRANT: a privilege meshward did not grant held by a managed role on a governed base
   * table (any privilege, column-level or WITH GRANT OPTION): apply revokes it.
   */
  readonly code: 'BYPASS_GRANT' | 'FOREIGN_OBJECT' | 'UNMANAGED_GRANT' | 'BASE_TABLE_RLS' | 'BASE_TABLE_COLUMNS' | 'BASE_TABLE_GRANT';
  readonly object: string;
  readonly message: string;
  readonly table?: string;
  /** For FOREIGN_OBJECT: the key a managed object of that name would have (collision check); for BYPASS_GRANT: the grant's key. */
  readonly key?: string;
  /** For BYPASS_GRANT and BASE_TABLE_GRANT: who holds the grant (`''` is PUBLIC) and whether it is column-level. */
  readonly grantee?: string;
  readonly columnLevel?: boolean;
  /**
   * Whether the finding means the target is not in sync with the model (src/plan/findings.ts
   * decides by code when the target leaves it out): `plan --detailed-exitcode` and `drift` exit 2.
   */
  readonly contradicts?: boolean;
  /** What the operator checks and the command or SQL that resolves it, when the target knows better than the code's general advice (e.g. a forged marker). */
  readonly remedy?: string;
}

export interface CurrentState {
  readonly objects: readonly NativeObject[];
  readonly findings: readonly Finding[];
  /** Hash of everything read, bound into plan.json so a stale plan is refused. */
  readonly stateHash: string;
  /** Catalog queries issued to read it (the "fixed number per database" promise). */
  readonly queryCount: number;
  /**
   * Recorded objects that are neither live nor desired (a removal whose response was lost after
   * the engine made it, an object dropped by hand and then taken out of the model): the plan has a
   * change for each that runs no step and drops its record, so drift stops reporting it missing.
   */
  readonly forgotten?: readonly NativeObject[];
  /**
   * What a record after applying the plan must rewrite besides the rows of the plan's own changes,
   * as read now (RecordHint); absent when the target cannot say (then every record is full).
   */
  readonly record?: RecordHint;
}

/**
 * The rows of the recorded state that a record made right after this read would write
 * differently, although the diff plans no change for them: with it, a record writes the rows of
 * the changes it applied and these, and leaves every other row as it is (issue 10: the cost of
 * an apply grows with the change, not the estate).
 */
export interface RecordHint {
  /** Desired keys whose recorded row differs from what recording them now writes (their spec's "about", their fingerprint's form). */
  readonly restate: readonly string[];
  /** Recorded keys that are not desired: a full record drops their rows. */
  readonly forget: readonly string[];
  /** Keys rewritten by every record, whatever changed (the governance rows), so each write leaves evidence (audit gap). */
  readonly always: readonly string[];
}

/** A drifted object: what was recorded at the last apply vs. what is live. */
export interface DriftItem {
  readonly key: string;
  readonly kind: string;
  readonly object: string;
  readonly table?: string;
  /** `missing` (dropped), `altered` (live differs from recorded), `extra` (not recorded), `bypass`. */
  readonly status: 'missing' | 'altered' | 'extra' | 'bypass';
  readonly detail: string;
  /**
   * What removes it: `apply` (default: meshward's own object, put back by the next apply),
   * `revoke-unmanaged` (an unmanaged grant, revoked only when asked: --revoke-unmanaged), or
   * `manual` (something meshward never changes: a base table, a role it does not manage, an
   * object whose marker it did not record making).
   */
  readonly repair?: 'apply' | 'revoke-unmanaged' | 'manual';
}

/** How one step that was sent went. */
export interface StepResult {
  readonly step: Step;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** A live connection to a target; the driver seam every fault test injects through. */
export interface Connection {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a script of one or more statements (no parameters, no results). */
  exec(sql: string): Promise<void>;
  /**
   * Sends one API step to the target's control plane and returns the response body (targets whose
   * steps are all SQL leave it out). A refused call throws; the error's `code` is the service's.
   */
  call?(step: ApiStep): Promise<JsonValue | undefined>;
  close(): Promise<void>;
  /** The driver's name, for messages (`pg`, `pglite`, …). */
  readonly driver: string;
  /** Another connection can be opened while this one is (a server; not an embedded database this one holds). */
  readonly reconnects?: boolean;
}

export interface TargetContext {
  readonly model: Model;
  readonly target: TargetDecl;
  /** Settings with `${env:VAR}` expanded. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Repository root (embedded databases live under `<root>/.meshward/<target>/`). */
  readonly root: string;
  readonly diagnostics: Diagnostics;
}

/** One row as a principal saw it, paired by primary key with the clear row. */
export interface SeenRow {
  readonly clear: Readonly<Record<string, unknown>>;
  readonly seen: Readonly<Record<string, unknown>>;
}

export interface LiveProbe {
  /** Queries what consumers query as the principal; `readable: false` on permission denied. */
  observe(table: ResolvedTable, groups: readonly string[]): Promise<{ readable: boolean; rows: readonly SeenRow[] }>;
  /** Evaluates the table's live row predicate as the principal over sample rows (never writes a table). */
  sampleVisible(table: ResolvedTable, groups: readonly string[], rows: readonly Readonly<Record<string, unknown>>[]): Promise<boolean[]>;
  /** Unmanaged paths around the controls (e.g. SELECT on a governed base table). */
  bypasses(): Promise<readonly Finding[]>;
  /** A value as the engine's driver returned it, in the text form the model's mask functions print (dates, decimals, bytes). */
  text(value: unknown, type: NeutralType): string;
}

export interface RecordOptions {
  /** Keys of changes that were not applied: their recorded rows stay as they are. */
  readonly pending?: readonly string[];
  /**
   * Keys whose rows are written (desired ones) or deleted (the others); every other row stays —
   * the changes just applied and the rows the plan's RecordHint names (apply.ts), or after each
   * change of a --no-transaction apply without a hint (whose last record is full). While nothing
   * has been recorded yet, the record is full, keeping `pending`.
   */
  readonly only?: readonly string[];
  /**
   * With `only`: the plan makes every desired object of a target where nothing is managed yet,
   * so the keyed record is complete even while nothing has been recorded (the first apply).
   */
  readonly fresh?: boolean;
}

/** A planned change as the lock estimate sees it (plan.json's fields). */
export interface LockableChange {
  readonly action: Action;
  readonly kind: string;
  readonly key: string;
  readonly table?: string | null;
  readonly steps: readonly Step[];
}

/** The server's lock table: one transaction that locks more objects than it holds fails. */
export interface LockTable {
  /** Entries shared by every session, e.g. max_locks_per_transaction × (max_connections + max_prepared_transactions). */
  readonly entries: number;
  /** Where the figure comes from, for messages. */
  readonly source: string;
}

export interface LockModel {
  /** Reads the lock table's size from the server. */
  table(conn: Connection): Promise<LockTable>;
  /** Stable ids of the objects (relations, schemas, roles) a change locks; the same id for the same object. */
  objects(change: LockableChange): readonly string[];
  /** Entries any apply transaction takes besides its objects (catalogs, the recorded state). */
  readonly baseline: number;
}

/** `count` changes of a joined run, from where the previous segment ended, made by `steps` together. */
export interface JoinedSegment {
  readonly count: number;
  readonly steps: readonly Step[];
}

export interface RenderContext extends TargetContext {
  /** Every desired object, e.g. to re-grant a view that must be dropped and created again. */
  readonly desired: readonly NativeObject[];
}

/** Another process holds the target's lock; the message names it (who, pid, since when). */
export class TargetLockedError extends Error {
  override readonly name = 'TargetLockedError';
}

/** Reading the live state failed for a reason the user can act on; the message is one line that says what to do. */
export class TargetReadError extends Error {
  override readonly name = 'TargetReadError';
  constructor(
    message: string,
    /** The engine's own error code, kept for what reports it. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A lock taken by `StateStore.lock`. `release` never throws: a lost connection has released it already. */
export interface HeldLock {
  release(): Promise<void>;
  /**
   * A lease with an expiry (engines without a lock): renewed every `everyMs` while the apply runs,
   * before it can expire. A renewal that fails means another apply may take the target: apply
   * stops before its next step (the steps before it are recorded; a new plan shows the rest).
   */
  readonly lease?: { readonly everyMs: number; renew(): Promise<void> };
}

/** What `unlock` found and did: `free` (nothing held), `broken`, or `refused` (a live holder, no force). */
export interface UnlockResult {
  readonly status: 'free' | 'broken' | 'refused';
  readonly message: string;
}

/** The head of an audit hash chain: the last seq and its hash (seq 0 and GENESIS before the first record). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** One record of the audit trail as stored on the target. */
export interface AuditRow {
  readonly seq: number;
  /** ISO 8601, UTC, milliseconds (the stored `at`). */
  readonly at: string;
  readonly record: Readonly<Record<string, unknown>>;
  readonly hash: string;
}

/** Everything verify needs from the target's copy of the audit trail. */
export interface AuditSnapshot {
  /** False when the target has no audit table (yet): no apply has committed there. */
  readonly available: boolean;
  /** Where the copy lives, for messages (e.g. `"mw_meta"."audit"`). */
  readonly where: string;
  readonly rows: readonly AuditRow[];
  /** The chain head kept in the target's state, or null when none is recorded. */
  readonly head: AuditHead | null;
  /** When the target's recorded state was last written (ISO), or null. */
  readonly stateAppliedAt: string | null;
  /** The recorded state by the time it was written (one entry per writing transaction, oldest first), when the target can tell. */
  readonly stateWrites?: readonly AuditStateWrite[];
}

/** The recorded-state rows one transaction wrote (and that no later one rewrote). */
export interface AuditStateWrite {
  /** ISO 8601, UTC, microseconds (as `stateAppliedAt`). */
  readonly applied_at: string;
  readonly rows: number;
  /** The first keys written (at most 50), sorted. */
  readonly keys: readonly string[];
  /** A write that only removed rows (rows 0): the first keys it removed (at most 50), sorted. */
  readonly removed?: readonly string[];
}

/** Facts read inside the append transaction, for the record being sealed. */
export interface AuditAppendFacts {
  /** The seq the record gets. */
  readonly seq: number;
  readonly prev: AuditHead;
  readonly stateAppliedAt: string | null;
  /** Set when the stored head was missing or behind the table (the chain continues, noted in the record). */
  readonly note?: string;
}

/** The target's copy of the hash-chained audit trail. */
export interface AuditStorage {
  /**
   * Appends one record in its own transaction, the chain locked against other appenders:
   * `seal` builds the record and its hash from the facts; the row and the new head commit
   * together. Returns null when the target has no audit table (yet).
   */
  append(conn: Connection, ctx: TargetContext, seal: (facts: AuditAppendFacts) => { record: Record<string, unknown>; hash: string; at: string }): Promise<AuditRow | null>;
  read(conn: Connection, ctx: TargetContext): Promise<AuditSnapshot>;
}

/**
 * A convergence stamp (README, Performance): what a plan and a drift said of the live state,
 * written by apply after a full read found nothing to change, with counters that let a later
 * command prove in one cheap query that nothing that read depends on has changed since. Its
 * content is the core's; where it is kept and how it is proven is the target's.
 */
export interface StampContent {
  /** The meshward version that made it: another version re-reads in full. */
  readonly meshward: string;
  /** The plan that state gave: for this desired hash and these options, no changes; its state hash and findings. */
  readonly plan: {
    /** Hash of what compile reads (plan/stamp.ts inputHash): equal, the desired objects are the stamped ones without compiling them. */
    readonly input_hash: string | null;
    readonly desired_hash: string;
    readonly options: Readonly<Record<string, unknown>>;
    readonly state_hash: string;
    readonly findings: readonly Finding[];
    readonly summary: Readonly<Record<string, number>>;
    readonly new_target: boolean;
  };
  /** What drift said of that state; null when the plan's read is not the one drift makes. */
  readonly drift: readonly DriftItem[] | null;
  /** When it was written (ISO 8601). */
  readonly at: string;
}

/** A probe of the live state, made before a read: whether the stamp still holds, and what a new stamp would be proven against. */
export interface StampProbe {
  /** The stamp, when the live state is provably unchanged since it was written; else null. */
  readonly holds: StampContent | null;
  /** Why it does not hold (no stamp, what changed), for the plan's note. */
  readonly why: string;
  /** The target's counters and snapshot, to write a stamp from (opaque to the core). */
  readonly token: unknown;
}

export interface Stamps {
  /**
   * A few cheap queries, whatever the estate's size; never throws for a target that was never
   * applied. With `desired`, the counters also cover what a read for those objects reads (a stamp
   * can then be written from the read that follows); without, only what the stamp covers.
   */
  probe(conn: Connection, ctx: TargetContext, desired?: readonly NativeObject[]): Promise<StampProbe>;
  /**
   * Whether nothing a read depends on has changed since `probe` was taken (one or two cheap
   * queries): apply's check under its lock, instead of reading the live state again.
   */
  unchanged(conn: Connection, ctx: TargetContext, probe: StampProbe): Promise<boolean>;
  /** The target settings compile reads (never a connection secret): part of the stamp's input hash. */
  compileSettings(ctx: TargetContext): Readonly<Record<string, unknown>>;
  /**
   * Writes the stamp for the state `read` saw (the introspect made right after `probe`); the
   * target adds the drift of the same read. Returns false, writing nothing, when that read
   * cannot be proven by the probe's counters (it read outside their scope, or deparsed a view).
   */
  write(conn: Connection, ctx: TargetContext, probe: StampProbe, read: CurrentState, content: Omit<StampContent, 'drift'>): Promise<boolean>;
}

export interface Target {
  readonly type: string;
  /**
   * `validate`: checks what the target block configures (and every model name the target takes
   * as written) against the engine's limits — e.g. PostgreSQL's 63-byte identifiers — reporting
   * at the setting's `file:line:col`. Pure, no connection; `${env:VAR}` values are skipped.
   */
  checkSettings?(decl: TargetDecl, model: Model, diagnostics: Diagnostics): void;
  connect(ctx: TargetContext): Promise<Connection>;
  readInventory(conn: Connection, ctx: TargetContext): Promise<Inventory>;
  /** Desired objects for the resolved model; pure, no connection. */
  compile(resolved: Resolved, ctx: TargetContext): NativeObject[];
  introspect(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[]): Promise<CurrentState>;
  /**
   * What each object is to access (its role, its access summary, the hazards only its spec shows):
   * the core classifies hazards and orders the plan from it (src/plan/hazards.ts, order.ts); the
   * order must pass the exposure harness (src/safety).
   */
  readonly access: AccessDialect;
  /** The steps of one change (SQL statements or API calls), in the order they run. */
  render(change: Change, ctx: RenderContext): Step[];
  /**
   * Optional statement economy: which changes may share one statement (null: none), and the
   * statements of a run of changes of one class, adjacent in the plan order with the same rank
   * and hazards. The run comes back as segments, each a contiguous slice of it and the
   * statements that make every change of that slice together (src/plan/plan.ts joins them).
   */
  joinClass?(change: Change): string | null;
  renderJoined?(run: readonly Change[], ctx: RenderContext): readonly JoinedSegment[];
  /** The fewest statements the engine needs for such a run, in any order and size (the plan's `summary.floor`). */
  joinFloor?(run: readonly Change[]): number;
  /** What the engine can do; apply chooses its executor from it (capabilities.ts). */
  readonly capabilities: TargetCapabilities;
  /** Transaction control; required when `capabilities.transactionalDdl`. */
  readonly transactions?: Transactions;
  /** How the engine's errors read (codes, a lost connection, hints); plainErrors when left out. */
  readonly errors?: EngineErrors;
  /** Where meshward keeps what it made, separate from the steps (Terraform's state/lock split): StateStore. */
  readonly state: StateStore;
  /** How many lock-table entries a transaction may use and what a change locks; targets without a lock table leave it out. */
  readonly locks?: LockModel;
  drift(conn: Connection, ctx: TargetContext): Promise<{ items: DriftItem[]; queryCount: number }>;
  /**
   * Runs `fn` with the connection acting as a principal of these groups (a temporary probe role
   * that is a member of their roles), rolled back afterwards. Targets that cannot impersonate
   * leave it out.
   */
  asPrincipal?<T>(conn: Connection, ctx: TargetContext, groups: readonly string[], fn: () => Promise<T>): Promise<T>;
  /** Live checks for `meshward test --target`: what a principal sees, and sample-row visibility. */
  probe?(conn: Connection, ctx: TargetContext, resolved: Resolved): LiveProbe;
  /** URL schemes `import --url` reads with this target (`postgres:`), lower case with the colon. */
  readonly urlSchemes?: readonly string[];
  /** What consumers query for a governed table (`explain`'s native name): a view, or the table itself where the engine governs it in place. */
  consumerName?(resolved: Resolved, settings: Readonly<Record<string, unknown>>, parts: readonly [string, string, string]): string;
  /** Rewrites neutral table names in consumer SQL to the objects consumers query. */
  rewriteNeutralNames?(sql: string, resolved: Resolved, ctx: TargetContext): string;
  /**
   * `meshward query --as`: runs exactly one read-only query (a SELECT) as a principal of the
   * groups and returns its rows; refuses anything else with a message. Nothing survives it. The
   * query may read only the managed views `resolved` compiles to (and the engine's catalogs).
   */
  queryAs?(conn: Connection, ctx: TargetContext, groups: readonly string[], sql: string, resolved: Resolved): Promise<Record<string, unknown>[]>;
  /**
   * `meshward import`: reads what is already there — roles, grants, policies the engine has, and
   * meshward's own managed objects with their recorded specs — in a fixed number of catalog queries.
   */
  importEstate?(conn: Connection, options: ImportOptions): Promise<ImportedEstate>;
  /**
   * `--revoke-unmanaged`: the change that revokes the unmanaged grant a finding reports (a
   * BYPASS_GRANT), or undefined when the finding is not a revocable grant. Its object's access role
   * is `unmanaged-grant`, so the core gives it UNMANAGED_REVOKE.
   */
  revokeFinding?(finding: Finding, ctx: TargetContext): Omit<Change, 'hazards'> | undefined;
}

/**
 * The state store (issue 11): the recorded state — the only evidence that meshward made an object
 * (a marker on the object is a hint, never evidence on its own) — the apply lock, the audit chain's
 * copy and the convergence stamp. PostgreSQL keeps them in its governance schema and records inside
 * the apply transaction; an engine without transactional DDL records around each step
 * (apply/auto-commit.ts); docs/architecture.md says how each cloud engine keeps them. Reading the
 * recorded state is part of `introspect` (one bulk read with the live state).
 */
export interface StateStore {
  /**
   * Records the applied state (in the apply transaction after its steps; in auto-commit mode
   * around each change, keyed by `only`). With `pending`
   * (keys of planned changes that have not been applied), the rows recorded for those keys are
   * kept as they were, so that the next plan shows exactly them again; with `only`, just the rows
   * of those keys are written. Before the state table exists, a partial record is skipped.
   */
  record(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext, options?: RecordOptions): Promise<void>;
  /**
   * Takes the target's apply lock on this connection so that two applies never interleave;
   * throws TargetLockedError naming the holder. Held until `release` (or the connection ends).
   */
  lock?(conn: Connection, ctx: TargetContext): Promise<HeldLock>;
  /** `meshward unlock`: reports the target's lock and breaks a stale one (a live one only with `force`). */
  unlock?(ctx: TargetContext, options: { readonly force: boolean }): Promise<UnlockResult>;
  /** The target's copy of the audit trail (hash-chained). */
  readonly audit?: AuditStorage;
  /** Convergence stamps: a no-change plan and a clean drift without reading the whole catalog. */
  readonly stamps?: Stamps;
}
