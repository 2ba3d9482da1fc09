import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../support/cli-inprocess.js';

/**
 * Issue 8, item 7, at the CLI: a target URL whose password holds a raw `#`, `/`, `?`, `@`, `:` or a
 * space — which pg refuses ("Invalid URL") or cannot reach — ends in a one-line connection error
 * that never prints the password, whatever the command.
 */
describe('a connection error never prints the password of the target URL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshward-connect-secrets-'));
    cpSync('policies', dir, { recursive: true, filter: (p) => !p.includes('/.meshward') });
    const project = readFileSync(join(dir, 'meshward.yaml'), 'utf8').replace(/^targets:\n/m, 'targets:\n  staging:\n    type: postgres\n    database: analytics\n    url: ${env:MW_SECRET_TEST_URL}\n');
    writeFileSync(join(dir, 'meshward.yaml'), project);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['postgres://deploy:s3cr#et99@127.0.0.1:1/analytics', 'plan'],
    ['postgres://deploy:s3cr/et99@127.0.0.1:1/analytics', 'drift'],
    ['postgres://deploy:s3cr?et99@127.0.0.1:1/analytics', 'plan'],
    ['postgres://deploy:s3cr@:et 99@127.0.0.1:1/analytics', 'plan'],
    ['postgres://deploy:s3cr#et99', 'plan'],
  ])('%s (%s)', async (url, command) => {
    const r = await runInProcess([command, '--dir', dir, '--target', 'staging'], { env: { ...process.env, MW_SECRET_TEST_URL: url, MESHWARD_DEBUG: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/target 'staging': cannot connect to postgres:\/\/\S*\*\*\*/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout + r.stderr).not.toMatch(/s3cr|et99|et 99/);
  });
});
