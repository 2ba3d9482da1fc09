import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, ensureBuilt, REPO } from '../../support/e2e-cli.js';

/**
 * Issue 9.9: long work shows progress on a terminal (and nothing extra in a pipe), and Ctrl-C
 * stops at once with a line saying what state things are in. The first command on a new
 * embedded database creates and bootstraps it — the longest silence a new user meets.
 */
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-progress-'));
  cpSync(join(REPO, 'policies'), dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
  return dir;
};
const dirs: string[] = [];
beforeAll(async () => ensureBuilt(), 240_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('progress and interruption', () => {
  it.runIf(existsSync('/usr/bin/script'))('on a terminal, the first plan shows what it is doing; in a pipe, nothing but the plan', async () => {
    const dir = fresh();
    dirs.push(dir);
    // script(1) runs the CLI on a pseudo-terminal, as a user's shell would
    const tty = spawnSync('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} plan --no-sql --dir ${JSON.stringify(dir)}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000 });
    expect(tty.status, tty.stdout + tty.stderr).toBe(0);
    expect(tty.stdout).toContain("\ropening target 'local' …");
    expect(tty.stdout).toContain("target 'local': creating the embedded database (first use only) …");
    expect(tty.stdout).toMatch(/bootstrap warehouse\/acme\.sql: statement \d+ of \d+/);
    expect(tty.stdout).toContain("reading the live state of target 'local' …");
    expect(tty.stdout).toMatch(/Plan: \d+ to add/);
    const piped = await cli(['plan', '--no-sql', '--dir', dir]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/\r|\u001b\[/);
    expect(piped.stderr).toBe('');
  }, 240_000);

  it('Ctrl-C while the embedded database is created stops at once, says nothing was changed, and leaves nothing half-made', async () => {
    const dir = fresh();
    dirs.push(dir);
    const child = spawn(process.execPath, [CLI, 'plan', '--dir', dir], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdin.end();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<{ signal: NodeJS.Signals | null; at: number }>((r) => child.on('close', (_code, signal) => r({ signal, at: performance.now() })));
    // wait until the creation has begun (its directory appears), then interrupt
    for (const started = Date.now(); !readdirSync(join(dir)).includes('.meshward') || !existsSync(join(dir, '.meshward', 'local.creating')); ) {
      if (Date.now() - started > 60_000) throw new Error('the embedded database was never being created');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sent = performance.now();
    child.kill('SIGINT');
    const end = await done;
    expect(end.signal).toBe('SIGINT');
    expect(stderr).toContain('meshward: interrupted (SIGINT): nothing was changed; run meshward plan to see the state of the target');
    // "at once": well under the seconds a bootstrap takes (measured, not asserted tightly: a loaded CI machine)
    expect(end.at - sent).toBeLessThan(5_000);
    expect(existsSync(join(dir, '.meshward', 'local.lock')), 'the lock file is released').toBe(false);
    expect(existsSync(join(dir, '.meshward', 'local', 'PG_VERSION')), 'no half-made database').toBe(false);
    const again = await cli(['plan', '--no-sql', '--dir', dir]);
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);
});
