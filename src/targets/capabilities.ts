import type { Step } from '../plan/step.js';
import type { Connection } from './target.js';

/**
 * What a target's engine can do, declared once per target (Kysely's `supportsTransactionalDdl`,
 * Atlas' `Plan{Transactional}`): apply chooses its executor from it, and the messages of an
 * apply come from the executor that knows what a failure left behind.
 */
export interface TargetCapabilities {
  /**
   * DDL and the recorded state commit or roll back together in one transaction: apply runs the
   * plan as one transaction (or in batches, each one), through `Target.transactions`. Without it
   * every step commits on its own and apply records the state after each change (auto-commit).
   */
  readonly transactionalDdl: boolean;
  /**
   * Kinds whose `change` replaces the live object in one step that no reader sees half done
   * (`CREATE OR REPLACE VIEW`; Snowflake's `ALTER … SET BODY`): such a change has no gap. A
   * change of another kind that drops and creates has one, which an auto-commit engine must
   * order around or refuse (REPLACE_GAP).
   */
  readonly atomicReplace: readonly string[];
  /** How `query --as` and `test --target` act as a principal: `role`, a temporary role that is a member of the groups' roles; `none`. */
  readonly impersonation: 'role' | 'none';
  /**
   * The apply lock: `advisory`, a server lock the engine releases with the session (an embedded
   * database is held through its lock file); `lease`, a row with holder and expiry taken by a
   * conditional write (engines without locks); `none`.
   */
  readonly lock: 'advisory' | 'lease' | 'none';
  /** The most steps one transaction may hold where the engine caps it (a lock model may split further). */
  readonly batchLimit?: number;
  /** Pacing the auto-commit executor keeps: at most `steps` steps on one resource within `perMs`. */
  readonly rateLimits?: readonly RateLimit[];
}

export interface RateLimit {
  /** What the vendor calls it, for the progress line. */
  readonly name: string;
  readonly steps: number;
  readonly perMs: number;
  /** The resource a step counts against (e.g. a table), or null when the limit does not concern it. */
  resourceOf(step: Step): string | null;
}

/** Transaction control of an engine with transactional DDL (the transaction executor's only engine calls besides the steps). */
export interface Transactions {
  /** Opens the apply transaction with its session settings (lock wait, literal and name resolution). */
  begin(conn: Connection, options: { readonly lockTimeoutMs: number }): Promise<void>;
  commit(conn: Connection): Promise<void>;
  /** Never throws: a lost connection has rolled back already. */
  rollback(conn: Connection): Promise<void>;
}

/** How an engine's errors read: its codes, a lost connection, what a code suggests. */
export interface EngineErrors {
  /** The engine's own code of an error (SQLSTATE, an HTTP status, a socket code), or null. */
  code(e: unknown): string | null;
  /** The error as one line for a report: its message, and its code the way the engine names it. */
  describe(e: unknown): string;
  /** The connection is gone (what was open was rolled back by the engine; a commit in flight may or may not have landed). */
  lost(e: unknown): boolean;
  /** A step waited too long for a lock on its object. */
  lockTimeout(code: string | null): boolean;
  /** What the code suggests to the user, as a sentence starting with a space, or ''. */
  hint(code: string | null): string;
}

/** Errors of an engine that says nothing more than a message and maybe a code (tests, new targets). */
export const plainErrors: EngineErrors = {
  code: (e) => {
    const code = (e as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' && code !== '' ? code : null;
  },
  describe(e) {
    const message = ((e as { message?: string }).message ?? String(e)).split('\n')[0]!;
    const code = this.code(e);
    return code ? `${message} (${code})` : message;
  },
  lost: (e) => /connection (lost|terminated)|ECONNRESET|EPIPE|socket hang up/i.test(String((e as { message?: unknown })?.message ?? '')),
  lockTimeout: () => false,
  hint: () => '',
};
