/**
 * Fault injection for tests (not part of Snowflake): fail the Nth statement from now, or the next
 * statement whose text matches, with a given Snowflake error; or let a statement take effect and
 * lose the connection before the response arrives (respond 'error': the callback gets the
 * driver's network error 401001; 'never': the callback is never called).
 */
export interface FaultError {
  readonly code: string;
  readonly message: string;
  readonly sqlState?: string;
}

export type Fault =
  | { readonly kind: 'fail'; readonly error: FaultError }
  | { readonly kind: 'drop'; readonly respond: 'error' | 'never' };

interface Armed {
  readonly fault: Fault;
  /** Statements still to let through before this one fires (nth form). */
  remaining: number | null;
  readonly match: RegExp | null;
}

export class FaultBook {
  private armed: Armed[] = [];
  /** Statements seen by the account since the simulator was created. */
  seen = 0;

  /** The nth statement from now (1 = the next one). */
  onNth(n: number, fault: Fault): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`nth must be a positive integer, got ${n}`);
    this.armed.push({ fault, remaining: n - 1, match: null });
  }

  /** The next statement whose text matches (a string matches case-insensitively as a substring). */
  onMatch(pattern: RegExp | string, fault: Fault): void {
    const match = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : pattern;
    this.armed.push({ fault, remaining: null, match });
  }

  clear(): void {
    this.armed = [];
  }

  get pending(): number {
    return this.armed.length;
  }

  /** Called once per statement: the fault that fires for it, if any (consumed). */
  take(sqlText: string): Fault | null {
    this.seen++;
    let fired: Armed | null = null;
    for (const a of this.armed) {
      if (a.remaining !== null) {
        if (a.remaining === 0) { if (!fired) fired = a; }
        else a.remaining--;
      } else if (!fired && a.match!.test(sqlText)) fired = a;
    }
    if (fired) this.armed = this.armed.filter((a) => a !== fired);
    return fired?.fault ?? null;
  }
}
