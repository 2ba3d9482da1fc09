import type { Diagnostics } from '../config/diagnostics.js';
import type { Inventory } from '../model/inventory.js';
import type { Model, TargetDecl } from '../model/types.js';
import type { Resolved, ResolvedTable } from '../resolve/resolve.js';

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
  readonly spec: Readonly<Record<string, unknown>>;
}

export type Action = 'add' | 'change' | 'remove';

/** A typed change; the SQL is produced at the very end by `render`. */
export interface Change {
  readonly action: Action;
  readonly key: string;
  readonly kind: string;
  readonly desired?: NativeObject;
  readonly current?: NativeObject;
  /** Display only: why the change is needed. */
  readonly reason: string;
  readonly hazards: readonly Hazard[];
}

/** A finding about objects meshward does not manage (never changed unless told). */
export interface Finding {
  readonly code: 'BYPASS_GRANT' | 'FOREIGN_OBJECT' | 'UNMANAGED_GRANT';
  readonly object: string;
  readonly message: string;
  readonly table?: string;
  /** For FOREIGN_OBJECT: the key a managed object of that name would have (collision check). */
  readonly key?: string;
}

export interface CurrentState {
  readonly objects: readonly NativeObject[];
  readonly findings: readonly Finding[];
  /** Hash of everything read, bound into plan.json so a stale plan is refused. */
  readonly stateHash: string;
  /** Catalog queries issued to read it (the "fixed number per database" promise). */
  readonly queryCount: number;
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
}

export interface StatementResult {
  readonly sql: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** A live connection to a target; the driver seam every fault test injects through. */
export interface Connection {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a script of one or more statements (no parameters, no results). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** `pglite` or `pg`, for messages. */
  readonly driver: string;
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
}

export interface RenderContext extends TargetContext {
  /** Every desired object, e.g. to re-grant a view that must be dropped and created again. */
  readonly desired: readonly NativeObject[];
}

export interface Target {
  readonly type: string;
  connect(ctx: TargetContext): Promise<Connection>;
  readInventory(conn: Connection, ctx: TargetContext): Promise<Inventory>;
  /** Desired objects for the resolved model; pure, no connection. */
  compile(resolved: Resolved, ctx: TargetContext): NativeObject[];
  introspect(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[]): Promise<CurrentState>;
  /** Hazards of one change; born here because only the target knows what its objects mean. */
  hazards(change: Omit<Change, 'hazards'>): Hazard[];
  /** Ordering rank of a change: lower runs first ("tighten sooner, loosen later"). */
  rank(change: Change): number;
  /** The statements of one change. */
  render(change: Change, ctx: RenderContext): string[];
  /** Session settings the apply transaction starts with (lock budget, literal and name resolution). */
  applyPreamble(options: { lockTimeoutMs: number }): string[];
  /** Statements that record the applied state (run in the apply transaction, after the changes). */
  recordState(conn: Connection, desired: readonly NativeObject[], ctx: TargetContext): Promise<void>;
  drift(conn: Connection, ctx: TargetContext): Promise<{ items: DriftItem[]; queryCount: number }>;
  /**
   * Runs `fn` with the connection acting as a principal of these groups (a temporary probe role
   * that is a member of their roles), rolled back afterwards. Targets that cannot impersonate
   * leave it out.
   */
  asPrincipal?<T>(conn: Connection, ctx: TargetContext, groups: readonly string[], fn: () => Promise<T>): Promise<T>;
  /** Live checks for `meshward test --target`: what a principal sees, and sample-row visibility. */
  probe?(conn: Connection, ctx: TargetContext, resolved: Resolved): LiveProbe;
  /** Rewrites neutral table names in consumer SQL to the objects consumers query. */
  rewriteNeutralNames?(sql: string, resolved: Resolved, ctx: TargetContext): string;
}
