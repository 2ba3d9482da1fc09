import { createHash } from 'node:crypto';
import { TargetLockedError, type Connection, type HeldLock, type TargetContext, type UnlockResult } from '../target.js';

/**
 * Locks of a PostgreSQL target (issue 5: two applies on one target never interleave).
 *
 * - Embedded (PGlite): a data directory has no lock of its own and two processes opening it
 *   corrupt it (postgres.md), so every command that opens `.meshward/<target>/` first takes the
 *   lock file `.meshward/<target>.lock` (src/state/lock-file.ts, dialect-free).
 * - Server: a session-level advisory lock on the apply connection, keyed by the project name
 *   (advisory locks are per database already; the target name is only a local alias of it). The
 *   server drops it when the session ends, so a dead client cannot leave it behind.
 */

// ---------------------------------------------------------------------------------------------
// Server: the advisory lock
// ---------------------------------------------------------------------------------------------

/** The 64-bit advisory lock key of a project's applies (signed, as PostgreSQL's bigint). */
export function applyLockKey(project: string): bigint {
  const digest = createHash('sha256').update(`meshward:apply:${project}`, 'utf8').digest();
  return digest.readBigInt64BE(0);
}

/** How pg_locks shows a bigint advisory key: classid = high 32 bits, objid = low 32 bits, objsubid = 1. */
export function advisoryLockIds(key: bigint): { classid: number; objid: number } {
  const u = BigInt.asUintN(64, key);
  return { classid: Number(u >> 32n), objid: Number(u & 0xffffffffn) };
}

/** The session holding an advisory key, from pg_locks and pg_stat_activity. */
export interface AdvisoryHolder {
  readonly pid: number;
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly clientAddr: string | null;
  readonly backendStart: string | null;
  readonly queryStart: string | null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Who holds the key in this database (another session than ours), or null. */
export async function advisoryHolder(conn: Connection, key: bigint): Promise<AdvisoryHolder | null> {
  const { classid, objid } = advisoryLockIds(key);
  const { rows } = await conn.query(
    `SELECT l.pid, a.application_name, a.usename::text AS usename, host(a.client_addr) AS client_addr,
            to_char(a.backend_start AT TIME ZONE 'UTC', ${ISO}) AS backend_start,
            to_char(a.query_start AT TIME ZONE 'UTC', ${ISO}) AS query_start
     FROM pg_catalog.pg_locks AS l
     LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database())
       AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.pid <> pg_catalog.pg_backend_pid()
     ORDER BY l.pid
     LIMIT 1`,
    [classid, objid],
  );
  const r = rows[0];
  if (!r) return null;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return { pid: Number(r.pid), applicationName: str(r.application_name), user: str(r.usename), clientAddr: str(r.client_addr), backendStart: str(r.backend_start), queryStart: str(r.query_start) };
}

/** `target 'server' is being applied by meshward root@host (pid 4242) since …; try again later`, plus the session's details. */
export function advisoryBusyMessage(target: string, h: AdvisoryHolder): string {
  const who = h.applicationName?.startsWith('meshward ') ? h.applicationName : `${h.applicationName ? `"${h.applicationName}"` : 'a session'}${h.user ? ` of user ${h.user}` : ''}`;
  const details = [`server backend pid ${h.pid}`, h.user ? `database user ${h.user}` : null, h.clientAddr ? `client ${h.clientAddr}` : null, h.backendStart ? `connected at ${h.backendStart}` : null, h.queryStart ? `last statement at ${h.queryStart}` : null]
    .filter(Boolean)
    .join(', ');
  return `target '${target}' is being applied by ${who} (pid ${h.pid}) since ${h.backendStart ?? 'an unknown time'}; try again later\n  (${details}; meshward unlock --target ${target} shows it)`;
}

/**
 * The apply lock of a server target: pg_try_advisory_lock on the apply connection (session
 * level: a transaction's rollback keeps it; the end of the session drops it). Busy → a
 * TargetLockedError naming the holder. PGlite needs none: its directory lock is exclusive.
 */
export async function postgresApplyLock(conn: Connection, ctx: TargetContext): Promise<HeldLock> {
  if (conn.driver === 'pglite') return { release: async () => undefined };
  const key = applyLockKey(ctx.model.project.name);
  for (let attempt = 0; ; attempt++) {
    const { rows } = await conn.query('SELECT pg_catalog.pg_try_advisory_lock($1::bigint) AS ok', [key.toString()]);
    if (rows[0]?.ok === true) {
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          try {
            await conn.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [key.toString()]);
          } catch {
            // a lost connection: the server released the session's lock when the session ended
          }
        },
      };
    }
    const holder = await advisoryHolder(conn, key);
    if (holder) throw new TargetLockedError(advisoryBusyMessage(ctx.target.name, holder));
    if (attempt >= 2) throw new TargetLockedError(`target '${ctx.target.name}' is being applied by another session (its holder could not be read from pg_locks); try again later`);
  }
}

/**
 * `meshward unlock` on a server: shows the session holding the apply lock. The server releases
 * it when that session ends; `force` ends it (pg_terminate_backend), which rolls back its open
 * transaction — for a client that is gone while its connection lingers.
 */
export async function unlockServer(conn: Connection, ctx: TargetContext, force: boolean): Promise<UnlockResult> {
  const target = ctx.target.name;
  const holder = await advisoryHolder(conn, applyLockKey(ctx.model.project.name));
  if (!holder) return { status: 'free', message: `target '${target}' is not locked: no session holds the apply lock of project ${ctx.model.project.name}` };
  const busy = advisoryBusyMessage(target, holder).split('\n')[0]!.replace(/; try again later$/, '');
  if (!force) {
    return {
      status: 'refused',
      message: `${busy}.\n  The server releases this lock when that session ends. Refusing to end a live session: if its client is gone but the connection lingers, pass --force to end it (pg_terminate_backend; its open transaction is rolled back).`,
    };
  }
  const { rows } = await conn.query('SELECT pg_catalog.pg_terminate_backend($1::int) AS ok', [holder.pid]);
  if (rows[0]?.ok !== true) return { status: 'refused', message: `${busy}; could not end server session ${holder.pid} (pg_terminate_backend returned false)` };
  return { status: 'broken', message: `target '${target}': ended server session ${holder.pid} (${holder.applicationName ?? 'unknown application'}), which held the apply lock; its open transaction was rolled back` };
}
