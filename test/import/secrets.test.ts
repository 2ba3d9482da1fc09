import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { safeUrl } from '../../src/import/run.js';
import { cli, ensureBuilt } from '../support/e2e-cli.js';
import { SERVER_URL } from '../support/e2e-target.js';
import { makeEstate, type Estate } from './estate-fixture.js';

/**
 * Issue 8, item 7: `import` never copies a credential into the drafted files. A URL carrying one
 * in any form (userinfo, `?password=`, `sslpassword`, a token parameter, conninfo `password=`)
 * becomes `${env:MESHWARD_TARGET_URL}`, and the summary says to set it; secrets written as
 * `${env:…}` references stay as they are.
 */

describe('safeUrl', () => {
  it.each([
    'postgres://deploy:hunter2@db.example/analytics',
    'postgres://deploy@db.example/analytics?password=hunter2',
    'postgres://deploy@db.example/analytics?sslmode=require&sslpassword=hunter2',
    'postgres://deploy@db.example/analytics?pass%77ord=hunter2',
    'postgres://deploy@db.example/analytics?access_token=hunter2',
    'host=db.example dbname=analytics password=hunter2',
    "host=db.example password='hunter 2'",
  ])('%s → the placeholder', (url) => {
    expect(safeUrl(url)).toEqual({ url: '${env:MESHWARD_TARGET_URL}', redacted: true });
  });

  it.each(['postgres://deploy@db.example/analytics?sslmode=require&sslkey=/etc/ssl/client.key', 'postgres://deploy:${env:PGPW}@db.example/analytics', 'postgres://deploy@db.example/analytics?password=${env:PGPW}', '${env:STAGING_URL}'])(
    '%s is kept (no literal credential)',
    (url) => {
      expect(safeUrl(url)).toEqual({ url, redacted: false });
    },
  );
});

describe.runIf(SERVER_URL)('meshward import on a server: no credential in the draft', () => {
  let e: Estate;
  let work: string;
  beforeAll(async () => {
    await ensureBuilt();
    e = await makeEstate('server');
    work = mkdtempSync(join(tmpdir(), 'meshward-import-secrets-'));
  }, 180_000);
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await e?.cleanup();
  });

  const filesUnder = (dir: string): string =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name), 'utf8'))
      .join('\n');

  const withSecret = (form: 'query' | 'userinfo') => {
    const u = new URL(e.env.MESHWARD_E2E_URL!);
    if (form === 'query') u.searchParams.set('password', 'hunter2-query'); // trust authentication ignores it
    else u.password = 'hunter2-userinfo';
    return u.toString();
  };

  it.each(['query', 'userinfo'] as const)('--url with a password (%s): the draft names ${env:MESHWARD_TARGET_URL}, and says so', async (form) => {
    const out = join(work, `url-${form}`);
    const r = await cli(['import', '--url', withSecret(form), '--target', 'warehouse', '--project', 'adopted', '--database', 'analytics', '--out', out], { cwd: work, env: e.env });
    expect(r.code, r.stderr).toBe(0);
    expect(YAML.parse(readFileSync(join(out, 'meshward.yaml'), 'utf8')).targets.warehouse.url).toBe('${env:MESHWARD_TARGET_URL}');
    expect(r.stdout).toMatch(/note: the URL held a credential, which is never written to a file: set MESHWARD_TARGET_URL to the URL/);
    expect(filesUnder(out) + r.stdout + r.stderr).not.toMatch(/hunter2/);
  }, 120_000);

  it('a repository whose meshward.yaml holds a literal URL with a password: the draft gets the placeholder', async () => {
    const repo = mkdtempSync(join(work, 'repo-'));
    writeFileSync(join(repo, 'meshward.yaml'), `kind: Project\nname: literal\nmanaged_prefix: ${e.prefix}\ntargets:\n  server: { type: postgres, database: analytics, url: "${withSecret('query')}" }\n`);
    const out = join(work, 'from-repo');
    const r = await cli(['import', '--dir', repo, '--out', out], { env: e.env });
    expect(r.code, r.stderr).toBe(0);
    expect(YAML.parse(readFileSync(join(out, 'meshward.yaml'), 'utf8')).targets.server.url).toBe('${env:MESHWARD_TARGET_URL}');
    expect(filesUnder(out) + r.stdout + r.stderr).not.toMatch(/hunter2/);
  }, 120_000);

  it('a connection error never shows the password, in any form', async () => {
    const bad = new URL(e.env.MESHWARD_E2E_URL!);
    bad.port = '1';
    bad.searchParams.set('password', 'hunter2-query');
    bad.searchParams.set('sslpassword', 'hunter2-ssl');
    const r = await cli(['import', '--url', bad.toString(), '--out', join(work, 'never')], { cwd: work, env: e.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to postgres:\/\/.*password=\*\*\*.*sslpassword=\*\*\*/);
    expect(r.stderr).not.toMatch(/hunter2/);
  }, 60_000);
});
