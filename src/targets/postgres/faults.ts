import type { Connection } from '../target.js';

/**
 * Fault injection at the driver seam (the Connection every apply goes through), for tests: the
 * n-th statement of the plan, or the n-th COMMIT, fails the way a server makes it fail. PGlite
 * runs in process as the superuser, so privilege errors and dropped connections can only happen
 * here; on a server the `before` hook lets another session act at an exact moment (terminate the
 * backend, revoke a privilege) and the statement then fails for real.
 */

export type FaultKind =
  /** 42501: the apply identity lacks a privilege. */
  | 'permission-denied'
  /** 42P01: an object the statement names was dropped underneath. */
  | 'object-missing'
  /** 40001: a concurrent change made the statement fail. */
  | 'serialization'
  /** The backend is gone (57P01 on the statement, a socket error on COMMIT); every later call fails too. */
  | 'connection-lost';

export interface FaultPlan {
  /** The n-th (1-based) statement of the plan — an `exec` that is not transaction control — or the n-th COMMIT. */
  readonly at: { readonly statement: number } | { readonly commit: number };
  /** What happens there; leave it out to only run `before`. */
  readonly fault?: FaultKind;
  /** A COMMIT whose connection is lost: did the server commit before it went? (default true: the worst case). */
  readonly committed?: boolean;
  /** Runs just before the call reaches the driver, e.g. another session terminating this backend. */
  readonly before?: (sql: string) => Promise<void>;
}

export interface FaultyConnection extends Connection {
  /** Whether the targeted call has been reached. */
  readonly fired: boolean;
  /** Whether the connection has been lost (every call now rejects). */
  readonly lost: boolean;
  /** Every exec and query passed on or refused, in order (to prove nothing was retried). */
  readonly calls: readonly string[];
}

/** An error as the PostgreSQL drivers report one after connect.ts sanitised it. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|SET\s+LOCAL)\b/i;
const COMMIT = /^\s*(COMMIT|END)\b/i;

function faultError(kind: FaultKind, where: string): InjectedFault {
  switch (kind) {
    case 'permission-denied':
      return new InjectedFault(`permission denied (injected at ${where})`, '42501');
    case 'object-missing':
      return new InjectedFault(`relation does not exist (injected at ${where})`, '42P01');
    case 'serialization':
      return new InjectedFault(`could not serialize access due to concurrent update (injected at ${where})`, '40001');
    case 'connection-lost':
      return new InjectedFault(`terminating connection due to administrator command (injected at ${where})`, '57P01');
  }
}

/** Wraps a connection so that the call named by `plan` fails. It never closes the wrapped connection (its owner does). */
export function faultyConnection(conn: Connection, plan: FaultPlan): FaultyConnection {
  let statements = 0;
  let commits = 0;
  let fired = false;
  let lost = false;
  const calls: string[] = [];
  const dead = () => new InjectedFault('connection lost: Connection terminated unexpectedly', '08006');

  /** The server's side of a dropped connection: whatever transaction was open is gone. */
  const drop = async () => {
    lost = true;
    await conn.exec('ROLLBACK').catch(() => undefined);
  };

  const targeted = (sql: string): string | null => {
    if (fired) return null;
    if ('commit' in plan.at) return COMMIT.test(sql) && ++commits === plan.at.commit ? `COMMIT ${commits}` : null;
    return !CONTROL.test(sql) && ++statements === plan.at.statement ? `statement ${statements}` : null;
  };

  return {
    driver: conn.driver,
    reconnects: conn.reconnects,
    get fired() {
      return fired;
    },
    get lost() {
      return lost;
    },
    calls,
    async query(sql, params) {
      calls.push(sql);
      if (lost) throw dead();
      return conn.query(sql, params);
    },
    async exec(sql) {
      calls.push(sql);
      if (lost) throw dead();
      const where = targeted(sql);
      if (where === null) return conn.exec(sql);
      fired = true;
      await plan.before?.(sql);
      if (!plan.fault) return conn.exec(sql);
      if (plan.fault !== 'connection-lost') {
        if (COMMIT.test(sql)) await conn.exec('ROLLBACK'); // a COMMIT answered with an error ended the transaction, rolled back
        throw faultError(plan.fault, where);
      }
      if (COMMIT.test(sql)) {
        // the COMMIT may or may not have reached the server before the socket went
        if (plan.committed ?? true) await conn.exec(sql);
        await drop();
        throw new InjectedFault(`read ECONNRESET (injected at ${where})`, 'ECONNRESET');
      }
      await drop();
      throw faultError('connection-lost', where);
    },
    async close() {
      lost = true;
    },
  };
}
