import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../../src/targets/snowflake/connection-config.js';

/** The connection is resolved in Snowflake CLI's order (reference 9.4), and no error ever carries a secret. */
function home(files: Record<string, string>, mode = 0o600): string {
  const h = mkdtempSync(join(tmpdir(), 'mw-sf-home-'));
  mkdirSync(join(h, '.snowflake'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(h, '.snowflake', name), text);
    chmodSync(join(h, '.snowflake', name), mode);
  }
  return h;
}
const SECRET = 'hunter2-s3cr3t';
const CONNECTIONS = `[prod]\naccount = "org-prod"\nuser = "MESHWARD_SVC"\nprivate_key_file = "/keys/prod.p8"\nrole = "MESHWARD_ADMIN"\n\n[connections.ci]\naccount = "org-ci"\nuser = "CI"\npassword = "${SECRET}"\n\n[default]\naccount = "org-dev"\nuser = "DEV"\nauthenticator = "externalbrowser"\n`;

describe('resolving a Snowflake connection', () => {
  it('a named connections.toml entry, top-level or under [connections], with the key pair inferring SNOWFLAKE_JWT', () => {
    const h = home({ 'connections.toml': CONNECTIONS });
    const prod = resolveConnection({ settings: { connection: 'prod' }, env: {}, home: h });
    expect(prod.options).toMatchObject({ account: 'org-prod', username: 'MESHWARD_SVC', privateKeyPath: '/keys/prod.p8', role: 'MESHWARD_ADMIN', authenticator: 'SNOWFLAKE_JWT' });
    expect(prod.from).toContain("connection 'prod'");
    expect(resolveConnection({ settings: { connection: 'ci' }, env: {}, home: h }).options).toMatchObject({ account: 'org-ci', password: SECRET, authenticator: 'SNOWFLAKE' });
  });

  it('the block beats the environment, which beats the file; the default connection only when the block names no account', () => {
    const h = home({ 'connections.toml': CONNECTIONS });
    const env = { SNOWFLAKE_CONNECTIONS_PROD_ROLE: 'FROM_NAMED_ENV', SNOWFLAKE_WAREHOUSE: 'FROM_ENV' };
    const r = resolveConnection({ settings: { connection: 'prod', warehouse: 'FROM_BLOCK' }, env, home: h }).options;
    expect(r.warehouse).toBe('FROM_BLOCK');
    expect(r.role).toBe('FROM_NAMED_ENV');
    expect(resolveConnection({ settings: {}, env: {}, home: h }).options).toMatchObject({ account: 'org-dev', authenticator: 'EXTERNALBROWSER' });
    expect(resolveConnection({ settings: {}, env: { SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'prod' }, home: h }).options.account).toBe('org-prod');
    const own = resolveConnection({ settings: { account: 'org-x', user: 'U', password: 'p' }, env: {}, home: h });
    expect(own.options.account).toBe('org-x');
    expect(own.from).toBe('the target block');
  });

  it('config.toml holds [connections.name] and default_connection_name', () => {
    const h = home({ 'config.toml': `default_connection_name = "main"\n[connections.main]\naccount = "org-main"\nuser = "M"\nauthenticator = "OAUTH"\ntoken_file_path = "/run/token"\n` });
    expect(resolveConnection({ settings: {}, env: {}, home: h }).options).toMatchObject({ account: 'org-main', authenticator: 'OAUTH', tokenFilePath: '/run/token' });
  });

  it('errors say what is missing and where to set it, and never carry a secret', () => {
    const h = home({ 'connections.toml': CONNECTIONS });
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(errorOf(() => resolveConnection({ settings: { connection: 'nope' }, env: {}, home: h }))).toMatch(/connection 'nope' is in neither .*connections\.toml/);
    expect(errorOf(() => resolveConnection({ settings: { account: 'a', user: 'u' }, env: {}, home: h }))).toMatch(/no password/);
    expect(errorOf(() => resolveConnection({ settings: { account: 'a', user: 'u', authenticator: 'OAUTH' }, env: {}, home: h }))).toMatch(/token/);
    expect(errorOf(() => resolveConnection({ settings: { account: 'a', user: 'u', password: SECRET, authenticator: 'okta-thing' }, env: {}, home: h }))).not.toContain(SECRET);
    const bad = home({ 'connections.toml': `[prod]\naccount = "x"\npassword = "${SECRET}\n` });
    const msg = errorOf(() => resolveConnection({ settings: { connection: 'prod' }, env: {}, home: bad }));
    expect(msg).toMatch(/not valid TOML/);
    expect(msg).not.toContain(SECRET);
  });

  it('a file others can write is refused, as the driver refuses it', () => {
    const h = home({ 'connections.toml': CONNECTIONS }, 0o666);
    expect(() => resolveConnection({ settings: { connection: 'prod' }, env: {}, home: h })).toThrow(/writable by others; run chmod 600/);
    expect(resolveConnection({ settings: { connection: 'prod' }, env: { SKIP_TOKEN_FILE_PERMISSIONS_VERIFICATION: 'true' }, home: h }).options.account).toBe('org-prod');
  });
});
