import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { applyPlan, type ApplyReport } from '../../src/apply/apply.js';
import { planFor } from '../../src/session/plan-for.js';
import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import { openTarget, type TargetSession } from '../../src/session/open-target.js';
import { postgresNames } from '../../src/targets/postgres/native-names.js';
import { makeTarget, type E2eTarget } from './e2e-target.js';

/** Session plumbing shared by the e2e suites. */

export function open(t: E2eTarget): Promise<TargetSession> {
  return openTarget({ dir: t.dir, target: t.target, env: t.env });
}

/** Plans and applies; fails the test when the apply fails. */
export async function planAndApply(session: TargetSession): Promise<{ plan: Plan; report: ApplyReport }> {
  const { plan } = await planFor(session);
  const report = await applyPlan(session, plan);
  expect(report.error ?? null).toBeNull();
  expect(report.ok).toBe(true);
  return { plan, report };
}

/** A fresh plan's changes as `action key: reason` (empty when the target matches the model). */
export async function pendingChanges(session: TargetSession): Promise<string[]> {
  const { plan } = await planFor(session);
  return plan.changes.map((c) => `${c.action} ${c.key}: ${c.reason}`);
}

/** The planned change with this key; fails the test when there is none. */
export function changeOf(plan: Plan, key: string): PlannedChange {
  const c = plan.changes.find((x) => x.key === key);
  expect(c, `plan has a change for ${key}; it has: ${plan.changes.map((x) => `${x.action} ${x.key}`).join(', ')}`).toBeDefined();
  return c!;
}

/** The managed role of a model group on this session's target (prefix + name, or its hashed form). */
export function roleOf(session: TargetSession, group: string): string {
  return postgresNames(session.model, [], session.ctx.settings).role(group);
}

/** Edits one file of the temporary repository: each [from, to] must match (exactly once for a string). */
export function edit(t: E2eTarget, file: string, ...replacements: [string | RegExp, string][]): void {
  const path = join(t.dir, file);
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of replacements) {
    if (typeof from === 'string') {
      const n = text.split(from).length - 1;
      if (n !== 1) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}, found ${n}`);
      text = text.replace(from, () => to);
    } else {
      if (!from.test(text)) throw new Error(`${file}: ${from} does not match`);
      text = text.replace(from, to);
    }
  }
  writeFileSync(path, text);
}

/** Plain SQL as the superuser, out of band: the session's own connection on PGlite, a second client on a server. */
export interface SqlClient {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * PGlite is single-connection and in-process (its data directory must never be opened twice at
 * once), so out-of-band SQL goes through the session's connection; on a server it is a second
 * `pg` client on the same database, like a DBA's psql.
 */
export async function outOfBand(t: E2eTarget, session: TargetSession): Promise<SqlClient> {
  if (t.engine === 'pglite') {
    return { query: (s, p) => session.conn.query(s, p), exec: (s) => session.conn.exec(s), close: async () => undefined };
  }
  const client = new pg.Client({ connectionString: serverUrl(t) });
  await client.connect();
  return {
    query: async (s, p) => ({ rows: (await client.query(s, p ? [...p] : undefined)).rows as Record<string, unknown>[] }),
    exec: async (s) => void (await client.query(s)),
    close: () => client.end(),
  };
}

/** The database URL of a server target. */
export function serverUrl(t: E2eTarget): string {
  const url = t.env.MESHWARD_E2E_URL;
  if (!url) throw new Error('not a server target');
  return url;
}

/** Quotes an identifier for SQL written by the tests. */
export const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs `fn` with an out-of-band client (outOfBand), closed afterwards. */
export async function withOutOfBand<T>(t: E2eTarget, session: TargetSession, fn: (db: SqlClient) => Promise<T>): Promise<T> {
  const db = await outOfBand(t, session);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Out-of-band statements as the superuser between two commands: a session opened just for them, then closed. */
export async function dbaExec(t: E2eTarget, ...statements: string[]): Promise<void> {
  const session = await open(t);
  try {
    await withOutOfBand(t, session, async (db) => {
      for (const s of statements) await db.exec(s);
    });
  } finally {
    await session.close();
  }
}

/**
 * Registers the suite's beforeAll/afterAll: a fresh target of `engine` with the example planned
 * and applied, closed and cleaned up after the suite. Read `t` and `session` inside tests;
 * `reopen` reloads the repository after an edit.
 */
export function appliedExample(engine: 'pglite' | 'server') {
  const state = {
    t: undefined as unknown as E2eTarget,
    session: undefined as unknown as TargetSession,
    async reopen() {
      await state.session.close();
      state.session = await open(state.t);
    },
  };
  beforeAll(async () => {
    state.t = await makeTarget(engine);
    state.session = await open(state.t);
    await planAndApply(state.session);
  }, 240_000);
  afterAll(async () => {
    await state.session?.close();
    await state.t?.cleanup();
  });
  return state;
}
