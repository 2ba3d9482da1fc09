import type { NativeNameRules } from '../shared/native-name.js';

/** PostgreSQL keeps 63 bytes of an identifier; quoted names are case-sensitive (no folding). */
export const POSTGRES_NAME_RULES: NativeNameRules = { maxBytes: 63, fold: (s) => s };

/** Quotes an identifier for PostgreSQL: always quoted, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return `"${name.includes('"') ? name.replace(/"/g, '""') : name}"`;
}
