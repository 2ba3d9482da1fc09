import { nativeName, type NativeNameRules } from '../shared/native-name.js';

/** PostgreSQL keeps 63 bytes of an identifier; quoted names are case-sensitive (no folding). */
export const POSTGRES_NAME_RULES: NativeNameRules = { maxBytes: 63, fold: (s) => s };

/** Quotes an identifier for PostgreSQL: always quoted, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** The managed schema holding the views of one governed schema: `<prefix><schema>`. */
export function managedSchemaName(prefix: string, schema: string, taken?: ReadonlyMap<string, string>): string {
  return nativeName(prefix, schema, schema, POSTGRES_NAME_RULES, taken);
}

/** A managed group role: `<prefix><group>`. */
export function groupRoleName(prefix: string, group: string): string {
  return nativeName(prefix, group, group, POSTGRES_NAME_RULES);
}

/** Native name of the managed view consumers query for a governed table. */
export function managedViewName(prefix: string, schema: string, table: string): string {
  return `${quoteIdent(managedSchemaName(prefix, schema))}.${quoteIdent(table)}`;
}
