import fc from 'fast-check';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/audit/chain.js';
import { commandLine } from '../../src/audit/identity.js';
import { isSecretName, maskSecrets, scrubSecrets, secretsOf } from '../../src/audit/secrets.js';
import { redactUrl } from '../../src/targets/postgres/connect.js';

/**
 * Issue 8, item 7: one credential mask for every message, plan, audit record and import output.
 * Property: for random secrets in every form the drivers accept — a URL's userinfo password
 * (encoded or raw, holding `@`, `:`, `#`, `/`, `?` or spaces; a URL cut short after it), `?password=`, `sslpassword`, a percent-encoded
 * parameter name, token parameters, scheme-relative URLs, conninfo `password=…` (quoted or not),
 * `PGPASSWORD=…`, JSON members — the masked text never contains the secret, in any form; and what
 * is not a secret (host, database, user, sslkey paths) stays readable.
 */

const SECRET_CHARS = [...'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789', ...'!$&()*+,;=~._-@: %\'"\\/?#'];
const secret = fc
  .string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 6, maxLength: 24 })
  .filter((s) => (s.match(/[A-Za-z0-9]/g) ?? []).length >= 4 && s.trim() === s);
const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 8 });

/** A text that carries `secret` as the drivers read it, and the forms in which it is written there. */
interface Carrier {
  readonly text: string;
  /** What the driver reads as the secret (checked with pg-connection-string for URLs). */
  readonly read?: (text: string) => string | undefined;
}

const enc = encodeURIComponent;
const rawOk = (s: string) => !/[/?#%\\"'\s&=+;]/.test(s) && !s.includes('@') === true;

function carriers(s: string, user: string, host: string, db: string): Carrier[] {
  const pw = (t: string) => parse(t).password ?? undefined;
  const param = (name: string) => (t: string) => (parse(t) as Record<string, unknown>)[name] as string | undefined;
  const out: Carrier[] = [
    { text: `postgres://${user}:${enc(s)}@${host}:5432/${db}`, read: pw },
    { text: `postgresql://${user}:${enc(s)}@${host}/${db}?sslmode=require&application_name=x`, read: pw },
    { text: `//${user}:${enc(s)}@${host}/${db}` },
    { text: `postgres://${user}@${host}/${db}?password=${enc(s)}`, read: pw },
    { text: `postgres://${user}@${host}/${db}?sslmode=require&password=${enc(s)}&connect_timeout=5`, read: pw },
    { text: `postgres://${user}@${host}/${db}?pass%77ord=${enc(s)}`, read: pw },
    { text: `postgres://${user}@${host}/${db}?sslpassword=${enc(s)}&sslmode=verify-full`, read: param('sslpassword') },
    { text: `postgres://${user}@${host}/${db}?sslkey=/etc/ssl/${db}.key&sslpassword=${enc(s)}` }, // (the parser would read the key file)
    { text: `postgres://${user}@${host}/${db}?access_token=${enc(s)}`, read: param('access_token') },
    { text: `postgres://${user}@${host}/${db}?api_key=${enc(s)}&x=1`, read: param('api_key') },
    { text: `postgres://${user}@${host}/${db}?client_secret=${enc(s)}`, read: param('client_secret') },
    { text: `host=${host} dbname=${db} user=${user} password='${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' sslmode=require` },
    { text: `host=${host} password = '${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` },
    { text: JSON.stringify({ host, password: s, dbname: db }) },
  ];
  // raw forms the driver also accepts (it encodes spaces itself; the userinfo runs to the last @)
  if (!/[/?#%\\]/.test(s)) out.push({ text: `postgres://${user}:${s}@${host}/${db}`, read: pw });
  // raw forms it refuses ("Invalid URL": a raw #, / or ?) — then printed in the connection error as they are
  else out.push({ text: `postgres://${user}:${s}@${host}/${db}` });
  out.push({ text: `postgresql://${user}:${s}@${host}:5432/${db}?sslmode=require` }, { text: `//${user}:${s}@${host}` });
  // a URL cut short, without host: the credential cannot be told from a host, so the rest is hidden
  if (!s.includes('@') && /^[A-Za-z]/.test(s)) out.push({ text: `postgres://${user}:${s}` });
  if (rawOk(s)) {
    out.push({ text: `postgres://${user}@${host}/${db}?password=${s}`, read: pw });
    out.push({ text: `host=${host} password=${s} dbname=${db}` });
    out.push({ text: `PGPASSWORD=${s} psql -h ${host}` });
    out.push({ text: `--password=${s}` });
  }
  return out;
}

/** The secret as it may appear: raw, URL-encoded, encoded the way pg-connection-string re-encodes it. */
function formsOf(s: string): string[] {
  return [...new Set([s, enc(s), encodeURI(s), s.replace(/\\/g, '\\\\').replace(/'/g, "\\'"), JSON.stringify(s).slice(1, -1)])];
}

const contexts: ((t: string) => string)[] = [
  (t) => t,
  (t) => `target 'staging': cannot connect to ${t}: connect ECONNREFUSED 10.0.0.1:5432`,
  (t) => `meshward apply --url ${t} --yes`,
  (t) => `line one\nurl: "${t}"\nline three`,
];

describe('maskSecrets', () => {
  it.each([
    ['postgres://deploy:s3cr#et99@db/x', 'postgres://deploy:***@db/x'],
    ['postgres://deploy:s3cr/et99@db/x', 'postgres://deploy:***@db/x'],
    ['postgres://deploy:s3cr?et99@db/x?sslmode=require', 'postgres://deploy:***@db/x?sslmode=require'],
    ['postgres://deploy:a@b:c d#e/f?g@db:5432/x', 'postgres://deploy:***@db:5432/x'],
    ["target 'prod': cannot connect to postgres://deploy:s3cr#et99@db/x: Invalid URL", "target 'prod': cannot connect to postgres://deploy:***@db/x: Invalid URL"],
    ['postgres://deploy:s3cr#et99', 'postgres://deploy:***'],
    ['postgres://deploy:s3cret99/x', 'postgres://deploy:***'],
  ])('hides a raw or malformed userinfo password: %j', (input, masked) => {
    expect(maskSecrets(input)).toBe(masked);
    expect(redactUrl(input)).not.toMatch(/s3cr|et99/);
  });

  it('never leaves a secret in any form the drivers accept, in any surrounding text', () => {
    fc.assert(
      fc.property(secret, alnum, alnum, alnum, fc.nat(), (s, user, host, db, which) => {
        const all = carriers(s, `u${user}`, `h${host}.example`, `d${db}`);
        const c = all[which % all.length]!;
        if (c.read) expect(c.read(c.text), `the driver reads the secret from ${c.text}`).toBe(s);
        for (const ctx of contexts) {
          const input = ctx(c.text);
          const masked = maskSecrets(input);
          for (const form of formsOf(s)) {
            fc.pre(!ctx('').includes(form));
            expect(masked, `${input}\n→ ${masked}`).not.toContain(form);
          }
          if (c.read) expect(c.read(maskSecrets(c.text))).not.toBe(s);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('through every path: audit records, command lines, connection URLs in messages', () => {
    fc.assert(
      fc.property(secret, fc.nat(), (s, which) => {
        const all = carriers(s, 'deploy', 'db.example', 'analytics');
        const text = all[which % all.length]!.text;
        const record = normalizeRecord({ error: `cannot connect to ${text}`, nested: [{ sql: text }] });
        const argv = commandLine(['node', '/x/meshward', 'import', '--url', text]);
        for (const form of formsOf(s)) {
          expect(JSON.stringify(record)).not.toContain(form);
          expect(argv.join(' ')).not.toContain(form);
          expect(redactUrl(text)).not.toContain(form);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a driver message that echoes the secret in any form is scrubbed with the secrets of its URL', () => {
    fc.assert(
      fc.property(secret, (s) => {
        const url = `postgres://deploy:${enc(s)}@db.example/analytics?sslpassword=${enc(s + 'X')}`;
        expect(secretsOf(url)).toEqual(expect.arrayContaining([s, s + 'X']));
        const message = `password authentication failed (tried "${s}" and ${s}X)`;
        const scrubbed = scrubSecrets(message, secretsOf(url));
        expect(scrubbed).not.toContain(s);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps what is not a secret readable', () => {
    expect(maskSecrets('postgres://deploy:hunter2@db.example:5432/analytics?sslmode=require&sslkey=/etc/ssl/client.key&password=x2&application_name=mw')).toBe(
      'postgres://deploy:***@db.example:5432/analytics?sslmode=require&sslkey=/etc/ssl/client.key&password=***&application_name=mw',
    );
    expect(maskSecrets("host=db.example password='it\\'s secret' dbname=analytics")).toBe('host=db.example password=*** dbname=analytics');
    expect(maskSecrets('postgres://deploy@db.example/analytics')).toBe('postgres://deploy@db.example/analytics');
    expect(maskSecrets('{"user":"deploy","password":"p\\"w"}')).toBe('{"user":"deploy","password":"***"}');
    expect(maskSecrets('relation "sales.customers" does not exist')).toBe('relation "sales.customers" does not exist');
    expect(maskSecrets('postgres://db.example:5432/analytics')).toBe('postgres://db.example:5432/analytics');
    expect(maskSecrets('postgres://[::1]:5432/analytics and //h/x')).toBe('postgres://[::1]:5432/analytics and //h/x');
    expect(isSecretName('sslkey')).toBe(false);
    expect(isSecretName('sslpassword')).toBe(true);
    expect(isSecretName('PGPASSWORD')).toBe(true);
  });
});
