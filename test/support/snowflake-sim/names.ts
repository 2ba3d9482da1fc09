import type { Name } from './ast.js';
import { RESERVED } from './cursor.js';

/**
 * Identifier display (https://docs.snowflake.com/en/sql-reference/identifiers-syntax): a stored
 * name prints bare when it is a valid unquoted identifier in upper case and not reserved, else
 * in double quotes with `"` doubled. SHOW returns names bare in their stored case; qualified names
 * (SHOW GRANTS `name`, error messages) quote a part only when needed.
 */
export function quoteIfNeeded(name: string): string {
  if (/^[A-Z_][A-Z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(...parts: readonly string[]): string {
  return parts.map(quoteIfNeeded).join('.');
}

export function nameText(name: Name): string {
  return qualified(...name);
}

/**
 * Parses a name given as a string argument (POLICY_REFERENCES(POLICY_NAME => '…'),
 * TAG_REFERENCES('…'), SYSTEM$GET_TAG_ON_CURRENT_COLUMN('…'), GET_DDL): the text is an
 * identifier, so unquoted parts fold to upper case and quoted parts keep their case
 * (https://docs.snowflake.com/en/sql-reference/functions/policy_references). Null when malformed.
 */
export function parseNameString(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (s[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) return null;
        if (s[i] === '"') {
          if (s[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += s[i++];
      }
      parts.push(v);
    } else {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(s.slice(i));
      if (!m) return null;
      parts.push(m[0].toUpperCase());
      i += m[0].length;
    }
    if (i < s.length) {
      if (s[i] !== '.') return null;
      i++;
      if (i >= s.length) return null;
    }
  }
  return parts.length ? parts : null;
}

/** SHOW … LIKE: case-insensitive, `%` and `_` wildcards, `\` escapes (https://docs.snowflake.com/en/sql-reference/sql/show). */
export function likeMatch(value: string, pattern: string, ci: boolean, escape: string | null = '\\'): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (escape !== null && ch === escape && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, ci ? 'iu' : 'u').test(value);
}
