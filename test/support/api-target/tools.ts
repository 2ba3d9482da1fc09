import type { ApiStep, JsonValue } from '../../../src/plan/step.js';
import { dropAccount, enc, handle, resetAccount, SERVICE, type Account, type SeedTable } from './service.js';

/**
 * What a test does to an account besides meshward: edits out of band (another admin, a console
 * click), a lease held by someone else, and snapshots to compare accounts with.
 */

const call = (a: Account, method: ApiStep['method'], path: string, body?: JsonValue, etag?: string): JsonValue =>
  handle(a, { kind: 'api', service: SERVICE, method, path, ...(body !== undefined ? { body } : {}), idempotency: etag ? { etag } : {} });

export const outOfBand = {
  /** Deletes a resource by its canonical path (a grant, a mask, a group's attributes). */
  delete(a: Account, path: string): void {
    if (!a.resources.delete(path)) throw new Error(`out of band: nothing at ${path}`);
  },
  createGroup(a: Account, name: string): void {
    call(a, 'POST', 'v1/groups', { name });
  },
  grant(a: Account, table: string, group: string): void {
    call(a, 'POST', `v1/tables/${enc(table)}/grants`, { group });
  },
  /** Changes a mask's exemptions through the API (so its etag changes). */
  setMaskExempt(a: Account, table: string, column: string, exempt: string[]): void {
    const path = maskPath(table, column);
    call(a, 'PATCH', path, { exempt }, a.resources.get(path)?.etag);
  },
  /** Another apply's lease, held until `ms` from now. */
  holdLease(a: Account, holder: string, ms = 60_000): void {
    a.lease = { holder, expires_at: new Date(Date.now() + ms).toISOString(), etag: `e${++a.counter}` };
  },
};

export const grantPath = (table: string, group: string) => `v1/tables/${enc(table)}/grants/${enc(group)}`;
export const maskPath = (table: string, column: string) => `v1/tables/${enc(table)}/masks/${enc(column)}`;
export const groupPath = (group: string) => `v1/groups/${enc(group)}`;

/** The account's resources as path → body (etags left out: they count writes, not effects). */
export function effects(a: Account): Record<string, JsonValue> {
  return Object.fromEntries([...a.resources].sort(([x], [y]) => (x < y ? -1 : 1)).map(([p, r]) => [p, r.body]));
}

/** The effects of these steps sent in order to a fresh account with these tables (what a fault must leave). */
export function replay(tables: readonly SeedTable[], steps: readonly ApiStep[]): Record<string, JsonValue> {
  const a = resetAccount(`replay-${Math.random().toString(36).slice(2)}`, { tables });
  try {
    for (const s of steps) handle(a, s);
    return effects(a);
  } finally {
    dropAccount(a.name);
  }
}

/** Plan steps the account accepted (its own state and lease calls and reads left out). */
export function planCalls(a: Account): ApiStep[] {
  return a.log.filter((l) => l.code === null && isPlanStep(l.step)).map((l) => l.step);
}

/** A step of a plan, as opposed to the target's own calls (recorded state, lease, reads). */
export function isPlanStep(step: ApiStep): boolean {
  return step.method !== 'GET' && !step.path.startsWith('v1/state') && !step.path.startsWith('v1/leases') && !step.path.startsWith('v1/audit');
}
