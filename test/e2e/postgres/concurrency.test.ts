import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_HOLD_LOCK_ENV } from '../../../src/apply/lock.js';
import { readAudit } from '../../../src/cli/commands/audit.js';
import { connectUrl } from '../../../src/targets/postgres/connect.js';
import { advisoryHolder, advisoryLockIds, applyLockKey, postgresApplyLock } from '../../../src/targets/postgres/lock.js';
import type { TargetContext } from '../../../src/targets/target.js';
import { CLI, cli, ensureBuilt } from '../../support/e2e-cli.js';
import { edit, serverUrl } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, SERVER_URL, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Two applies on one target never interleave. Two `meshward apply --yes` PROCESSES start at once
 * on a fresh target; the test-only hook MESHWARD_TEST_HOLD_LOCK_MS keeps whichever gets the lock
 * holding it long enough: exactly one applies (exit 0), the other exits 1 naming the holder (pid,
 * user@host) and applies nothing. Embedded: the `.meshward/local.lock` file (stale locks reported,
 * broken by `meshward unlock`, released on SIGTERM); server: the advisory lock (named from
 * pg_locks + pg_stat_activity, released when its session dies, `unlock --force` ends it).
 */

const ME = `${userInfo().username}@${hostname()}`;
const HOLD_MS = 8000;

interface Running {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stderr (or stdout) matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  kill(sig: NodeJS.Signals): void;
}

/** Starts the built CLI and keeps its pid (cli() in e2e-cli does not expose it). */
function start(t: E2eTarget, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args, '--dir', t.dir, '--target', t.target], { env: { ...t.env, NO_COLOR: '1', ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  const watchers: { re: RegExp; ok: () => void }[] = [];
  const check = () => {
    for (const w of [...watchers]) if (w.re.test(stdout + stderr)) (watchers.splice(watchers.indexOf(w), 1), w.ok());
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), check()));
  child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), check()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      r({ code, signal, stdout, stderr });
    }),
  );
  return {
    pid: child.pid!,
    done,
    kill: (sig) => child.kill(sig),
    waitFor: (re, timeoutMs = 60_000) =>
      new Promise((ok, fail) => {
        const to = setTimeout(() => fail(new Error(`timed out waiting for ${re}; output so far:\n${stdout}${stderr}`)), timeoutMs);
        watchers.push({ re, ok: () => (clearTimeout(to), ok()) });
        check();
        void done.then(() => setTimeout(() => fail(new Error(`exited before ${re}:\n${stdout}${stderr}`)), 50));
      }),
  };
}

const projectOf = (t: E2eTarget) => /^name: (.*)$/m.exec(readFileSync(join(t.dir, 'meshward.yaml'), 'utf8'))![1]!.trim();
const HOLDING = /holding the apply lock/;

describe.each(ENGINES)('concurrent applies on %s', (engine) => {
  let t: E2eTarget;
  beforeAll(async () => {
    await ensureBuilt();
    t = await makeTarget(engine);
  }, 240_000);
  afterAll(async () => t?.cleanup());

  it('two apply processes at once: exactly one applies, the other exits 1 naming the holder (pid, user@host)', async () => {
    const env = { [TEST_HOLD_LOCK_ENV]: String(HOLD_MS) };
    const a = start(t, ['apply', '--yes'], env);
    const b = start(t, ['apply', '--yes'], env);
    // On a server, the holder's pid is its backend's: read it from pg_locks while it holds the lock.
    let backendPid: number | undefined;
    if (engine === 'server') {
      const admin = new pg.Client({ connectionString: serverUrl(t) });
      await admin.connect();
      try {
        const { classid, objid } = advisoryLockIds(applyLockKey(projectOf(t)));
        for (let i = 0; i < 200 && backendPid === undefined; i++) {
          const { rows } = await admin.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = $2`, [classid, objid]);
          backendPid = rows[0]?.pid;
          if (backendPid === undefined) await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await admin.end();
      }
      expect(backendPid, 'some apply took the advisory lock').toBeDefined();
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const results = [
      { pid: a.pid, ...ra },
      { pid: b.pid, ...rb },
    ];
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code === 1);
    expect(winners.length, results.map((r) => `pid ${r.pid} exit ${r.code}:\n${r.stderr}`).join('\n---\n')).toBe(1);
    expect(losers.length).toBe(1);
    const [winner, loser] = [winners[0]!, losers[0]!];
    expect(winner.stdout).toMatch(/Applied \d+ statements? to '(local|server)'/);
    expect(loser.stdout).not.toMatch(/Applied/);
    if (engine === 'pglite') {
      expect(loser.stderr).toContain(`target 'local' is in use by meshward ${ME} (pid ${winner.pid}, running "meshward apply --yes`);
      expect(loser.stderr).toMatch(/since \d{4}-\d\d-\d\dT[\d:.]+Z; try again later/);
    } else {
      expect(loser.stderr).toMatch(new RegExp(`target 'server' is being applied by meshward ${ME.replace(/[.]/g, '\\.')} \\(pid ${backendPid}\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; try again later`));
      expect(loser.stderr).toContain(`server backend pid ${backendPid}`);
    }
    // Only the winner applied: one audit record, and nothing is left to do.
    const { snapshot } = await readAudit({ dir: t.dir, target: t.target, env: t.env });
    expect(snapshot.rows.map((r) => [r.seq, r.record.outcome])).toEqual([[1, 'applied']]);
    const plan = await cli(['plan', '--dir', t.dir, '--target', t.target, '--detailed-exitcode'], { env: t.env });
    expect(plan.code, plan.stderr).toBe(0);
  }, 180_000);

  it.runIf(engine === 'pglite')('a stale lock (its process is gone) is reported; `meshward unlock` breaks it, then apply works', async () => {
    const lock = join(t.dir, '.meshward', 'local.lock');
    writeFileSync(lock, JSON.stringify({ format: 1, pid: 2147483646, host: hostname(), user: 'alice', command: ['meshward', 'apply', '--yes'], started_at: '2026-01-02T03:04:05.000Z', token: 'gone' }) + '\n');
    edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    const refused = await cli(['apply', '--yes', '--dir', t.dir], { env: t.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/target 'local': stale lock: .*local\.lock was taken by meshward alice@\S+ \(pid 2147483646, running "meshward apply --yes"\) at 2026-01-02T03:04:05\.000Z, and process 2147483646 is gone/);
    expect(refused.stderr).toContain(`meshward unlock --target local --dir ${t.dir}\n`); // pasted where the user is
    const unlock = await cli(['unlock', '--dir', t.dir, '--target', 'local'], { env: t.env });
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/broke the stale lock of meshward alice@\S+ \(pid 2147483646/);
    expect(existsSync(lock)).toBe(false);
    const applied = await cli(['apply', '--yes', '--dir', t.dir], { env: t.env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Applied \d+ statements?/);
    expect(existsSync(lock)).toBe(false); // released at the end
  }, 120_000);

  it.runIf(engine === 'pglite')('`unlock` refuses to break a live lock and names its holder; SIGTERM releases it', async () => {
    const lock = join(t.dir, '.meshward', 'local.lock');
    edit(t, 'domains/hr.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.hr.departments]\n']); // something to apply
    const a = start(t, ['apply', '--yes'], { [TEST_HOLD_LOCK_ENV]: '60000' });
    try {
      await a.waitFor(HOLDING);
      const refused = await cli(['unlock', '--dir', t.dir, '--target', 'local'], { env: t.env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`target 'local' is locked by meshward ${ME} (pid ${a.pid}, running "meshward apply --yes`);
      expect(refused.stderr).toMatch(/still running[\s\S]*--force/);
      const drift = await cli(['drift', '--dir', t.dir], { env: t.env }); // any command that opens the directory
      expect(drift.code).toBe(1);
      expect(drift.stderr).toContain(`(pid ${a.pid}`);
      a.kill('SIGTERM');
      expect((await a.done).signal).toBe('SIGTERM');
      expect(existsSync(lock)).toBe(false);
    } finally {
      a.kill('SIGKILL');
    }
  }, 120_000);

  it.runIf(engine === 'pglite')('`unlock --force` stops a live holder before breaking its lock: never two processes on one embedded database', async () => {
    const lock = join(t.dir, '.meshward', 'local.lock');
    edit(t, 'domains/marketing.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.marketing.campaigns]\n']);
    const a = start(t, ['apply', '--yes'], { [TEST_HOLD_LOCK_ENV]: '60000' });
    try {
      await a.waitFor(HOLDING);
      const forced = await cli(['unlock', '--force', '--dir', t.dir, '--target', 'local'], { env: t.env });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain(`stopped meshward ${ME} (pid ${a.pid}, running "meshward apply --yes`);
      const ra = await a.done; // stopped before the second apply can open the directory
      expect(ra.signal).toBe('SIGTERM');
      expect(ra.stderr).toContain('meshward: interrupted (SIGTERM): nothing was changed; run meshward plan to see the state of the target');
      expect(ra.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(lock)).toBe(false);
      const applied = await cli(['apply', '--yes', '--dir', t.dir], { env: t.env });
      expect(applied.code, applied.stderr).toBe(0);
      const plan = await cli(['plan', '--dir', t.dir, '--detailed-exitcode'], { env: t.env });
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    } finally {
      a.kill('SIGKILL');
    }
  }, 120_000);

  it.runIf(engine === 'server')('`unlock` names the session holding the lock; --force ends it, the holder fails cleanly and the lock is free', async () => {
    edit(t, 'domains/hr.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.hr.departments]\n']);
    const a = start(t, ['apply', '--yes'], { [TEST_HOLD_LOCK_ENV]: '15000' });
    try {
      await a.waitFor(HOLDING);
      const shown = await cli(['unlock', '--dir', t.dir, '--target', 'server'], { env: t.env });
      expect(shown.code).toBe(1);
      expect(shown.stderr).toMatch(new RegExp(`target 'server' is being applied by meshward ${ME.replace(/[.]/g, '\\.')} \\(pid \\d+\\)`));
      expect(shown.stderr).toMatch(/--force/);
      const forced = await cli(['unlock', '--force', '--dir', t.dir, '--target', 'server'], { env: t.env });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/ended server session \d+/);
      // Free at once, although the holder's process still sleeps in the hook: the lock lived in its session.
      const free = await cli(['unlock', '--dir', t.dir, '--target', 'server'], { env: t.env });
      expect(free.stdout).toMatch(/is not locked/);
      const applied = await cli(['apply', '--yes', '--dir', t.dir, '--target', 'server'], { env: t.env });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/Applied \d+ statements?/);
      const ra = await a.done;
      expect(ra.code, ra.stderr).toBe(1); // its connection is gone: it applies nothing
      expect(ra.stdout).not.toMatch(/Applied/);
      expect(ra.stderr).toMatch(/connection lost|terminat/i);
    } finally {
      a.kill('SIGKILL');
    }
  }, 120_000);
});

describe.runIf(SERVER_URL)('server apply lock on a dead connection', () => {
  let t: E2eTarget;
  beforeAll(async () => {
    t = await makeTarget('server');
  }, 120_000);
  afterAll(async () => t?.cleanup());

  it('release survives a connection that died, and the server has freed the lock', async () => {
    const ctx = { target: { name: 'server' }, model: { project: { name: projectOf(t) } } } as unknown as TargetContext;
    const key = applyLockKey(projectOf(t));
    const first = await connectUrl(serverUrl(t));
    const second = await connectUrl(serverUrl(t));
    try {
      const lock = await postgresApplyLock(first, ctx);
      await expect(postgresApplyLock(second, ctx)).rejects.toThrow(/is being applied by meshward .* \(pid \d+\)/);
      const holder = await advisoryHolder(second, key);
      await second.query('SELECT pg_terminate_backend($1)', [holder!.pid]);
      await new Promise((r) => setTimeout(r, 200));
      await expect(lock.release()).resolves.toBeUndefined();
      const again = await postgresApplyLock(second, ctx);
      await again.release();
      expect(await advisoryHolder(first, key).catch(() => 'first is dead')).toBe('first is dead');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
