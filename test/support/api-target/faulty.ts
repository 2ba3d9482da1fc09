import type { ApiStep, JsonValue } from '../../../src/plan/step.js';
import type { Connection } from '../../../src/targets/target.js';
import { isPlanStep } from './tools.js';

/**
 * Wraps a Connection so that the k-th PLAN step sent through `call` (not the target's own
 * recorded-state, lease or read calls) fails: with a 503 the service refused it (nothing
 * happened), or with a lost connection, optionally after the service applied it (the response
 * was lost after the write). Every other call passes through.
 */
export interface CallFault {
  /** 1-based position among the plan steps sent. */
  readonly at: number;
  readonly kind: '503' | 'connection-lost';
  /** The service applies the call before the failure is reported (lost response). */
  readonly applied?: boolean;
}

export interface FaultyApiConnection extends Connection {
  readonly fired: boolean;
  /** Plan steps sent (the failing one included), in order. */
  readonly sent: readonly ApiStep[];
}

export function faultyCalls(conn: Connection, fault: CallFault): FaultyApiConnection {
  const sent: ApiStep[] = [];
  let fired = false;
  return {
    driver: conn.driver,
    query: (sql, params) => conn.query(sql, params),
    exec: (sql) => conn.exec(sql),
    close: () => conn.close(),
    get fired() {
      return fired;
    },
    sent,
    async call(step): Promise<JsonValue | undefined> {
      if (!isPlanStep(step)) return conn.call!(step);
      sent.push(step);
      if (fired || sent.length !== fault.at) return conn.call!(step);
      fired = true;
      if (fault.applied) await conn.call!(step);
      if (fault.kind === '503') throw Object.assign(new Error(`service unavailable (injected at plan step ${fault.at})`), { code: '503' });
      throw Object.assign(new Error(`connection lost: socket hang up (injected at plan step ${fault.at})`), { code: 'ECONNRESET' });
    },
  };
}
