/**
 * The one credential mask (issue 8, item 7): every message, plan, audit record and import output
 * that may hold a connection string goes through `maskSecrets`. It hides, in free text, every form
 * in which the PostgreSQL drivers (pg's connection-string parser, libpq's conninfo) accept a secret:
 *
 * - the password of a URL's userinfo, `postgres://user:SECRET@host` (also scheme-relative
 *   `//user:SECRET@host`, and a password holding any raw character — `@`, `:`, `#`, `/`, `?`,
 *   spaces: up to the last `@` of the line), and the rest of a URL whose `user:` is followed by
 *   something that is not a port and no `@` (a credential that cannot be located safely);
 * - a query parameter whose name — percent-decoded, as the parser decodes it — names a secret:
 *   `?password=`, `&sslpassword=`, `?pass%77ord=`, `token`, `access_token`, `api_key`,
 *   `client_secret`, … (the value is hidden up to the next `&`, `#` or line end);
 * - a `key=value` setting (conninfo `password=SECRET`, `password = 'it''s \' quoted'`,
 *   `PGPASSWORD=SECRET`, `--password=SECRET`) and a JSON member `"password": "SECRET"`.
 *
 * File paths are not secrets (`sslkey=/path/client.key`, `sslcert`, `sslrootcert` stay). The mask
 * errs on the side of hiding: a value whose end cannot be told is hidden to the end of the line.
 */

export const MASK = '***';

/** Whether a setting or parameter of this name holds a secret (not a path: sslkey, sslcert, … are paths). */
export function isSecretName(name: string): boolean {
  const n = name.toLowerCase();
  if (/^(ssl(key|cert|rootcert|crl|crldir)|private_key_path|passfile|sslpasswordfile)$/.test(n)) return false;
  return /pass|pwd|secret|token|credential|api[-_]?key|auth|signature/.test(n);
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * `//user:SECRET@host` → `//user:***@host`. The password runs from the userinfo's first `:` to the
 * LAST `@` of the line — whatever it holds in between, raw `#`, `/`, `?`, `@`, `:` or spaces, which
 * a URL parser would refuse ("Invalid URL") or split elsewhere; hiding a little too much beats
 * showing a password. Without an `@`, `//host:5432` is a host and port, but a `:` followed by
 * anything other than a port (`//user:s3cr#et`, a URL cut short) hides the rest of the line.
 */
function maskUserinfo(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('//', i);
    if (at < 0) break;
    const start = at + 2;
    let lineEnd = start;
    while (lineEnd < text.length && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++;
    const line = text.slice(start, lineEnd);
    const lastAt = line.lastIndexOf('@');
    const colon = line.indexOf(':');
    if (lastAt > 0 && colon >= 0 && colon < lastAt) {
      out += text.slice(i, start) + line.slice(0, colon + 1) + MASK;
      i = start + lastAt;
      continue;
    }
    let end = start;
    while (end < lineEnd && !'/?#'.includes(text[end]!) && !/\s/.test(text[end]!)) end++;
    const authority = text.slice(start, end);
    if (!authority.includes('@') && !isHostPort(authority)) {
      out += text.slice(i, start) + authority.slice(0, authority.indexOf(':') + 1) + MASK;
      i = lineEnd;
      continue;
    }
    out += text.slice(i, end);
    i = end;
  }
  return out + text.slice(i);
}

/** `host`, `host:5432`, `[::1]:5432`, `host:` — an authority without userinfo (no `:` before a non-port). */
function isHostPort(authority: string): boolean {
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) || authority : authority.split(':')[0]!;
  const rest = authority.slice(host.length);
  return rest === '' || /^:\d*$/.test(rest);
}

/** `?password=SECRET&x=1` → `?password=***&x=1`, for every parameter whose decoded name is a secret's. */
function maskQueryParams(text: string): string {
  return text.replace(/([?&;])([^=&#?\s]*)=([^&#\r\n]*)/g, (whole, sep: string, name: string) => (isSecretName(decodeName(name)) ? `${sep}${name}=${MASK}` : whole));
}

/** `password=SECRET`, `password = 'quoted \' value'`, `PGPASSWORD=SECRET`, `--password=SECRET`. */
function maskSettings(text: string): string {
  return text.replace(/(^|[\s,;(\[{'"-])([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)('(?:[^'\\]|\\.|'')*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$)|\S*)/gm, (whole, lead: string, name: string, eq: string) =>
    isSecretName(name) ? `${lead}${name}${eq}${MASK}` : whole,
  );
}

/** `"password": "SECRET"` (JSON, YAML flow style with quotes). */
function maskJsonMembers(text: string): string {
  return text.replace(/(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1(\s*:\s*)("(?:[^"\\]|\\.)*(?:"|$)|'(?:[^'\\]|\\.|'')*(?:'|$))/gm, (whole, q: string, name: string, colon: string) =>
    isSecretName(name) ? `${q}${name}${q}${colon}"${MASK}"` : whole,
  );
}

/** Hides every credential in `text` (see the module comment for the forms). */
export function maskSecrets(text: string): string {
  if (text === '') return text;
  return maskJsonMembers(maskSettings(maskQueryParams(maskUserinfo(text))));
}

/**
 * The secrets a connection string carries, as the driver would read them (decoded): the
 * userinfo password and every secret-named parameter. Used to scrub a driver's own error text,
 * whatever form it echoes them in.
 */
export function secretsOf(connectionString: string): string[] {
  const found = new Set<string>();
  try {
    const u = new URL(connectionString, 'meshward://base'); // a non-special scheme, as a driver's URL is
    if (u.password) {
      found.add(u.password);
      found.add(decodeName(u.password));
    }
    for (const [k, v] of u.searchParams) if (isSecretName(k) && v) found.add(v);
  } catch {
    // not a URL: the key=value forms below
  }
  for (const m of connectionString.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g)) {
    if (!isSecretName(m[1]!)) continue;
    const v = m[2]!;
    found.add(v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
  }
  return [...found].filter((s) => s.length >= 3);
}

/** `maskSecrets`, and every occurrence of the known secrets removed as well (a driver may echo them in any form). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = maskSecrets(text);
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
  return out;
}
