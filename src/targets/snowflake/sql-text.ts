/**
 * Snowflake's identifiers and string literals as meshward writes them (reference section 7;
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax,
 * https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants).
 *
 * - Every identifier is double-quoted, `"` doubled: a quoted name is the stored name exactly, so
 *   no reserved word, case folding or `QUOTED_IDENTIFIERS_IGNORE_CASE` (pinned FALSE per session)
 *   can turn it into another. Names from the inventory are stored names; names meshward makes
 *   (roles, policies, tags) are upper case, so quoting them changes nothing a user sees.
 * - A single-quoted literal treats `\` as an escape: backslashes are doubled first, then quotes.
 * - A name-as-string argument (POLICY_REFERENCES, TAG_REFERENCES_ALL_COLUMNS, GET_DDL,
 *   SYSTEM$GET_TAG_ON_CURRENT_COLUMN) is parsed as an identifier inside the string: its parts are
 *   quoted identifiers, and the whole is then a literal.
 */

/** Snowflake's longest identifier (characters). */
export const MAX_IDENTIFIER = 255;

/** Why `name` cannot be a Snowflake identifier, or null. */
export function identifierProblem(name: string): string | null {
  if (name.length === 0) return 'an empty name';
  if ([...name].length > MAX_IDENTIFIER) return `longer than ${MAX_IDENTIFIER} characters`;
  if (name.includes('\u0000')) return 'a NUL character';
  return null;
}

/** A Snowflake identifier, always quoted. Throws for a name no identifier can hold (checked at validate first). */
export function quoteIdent(name: string): string {
  const problem = identifierProblem(name);
  if (problem) throw new Error(`cannot write ${JSON.stringify(name)} as a Snowflake identifier: ${problem}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"DB"."SCHEMA"."NAME"`. */
export function qualified(...parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** A single-quoted string literal: backslashes doubled, then quotes. A NUL cannot be written. */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new Error('a Snowflake string literal cannot hold a NUL character');
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A qualified name passed as a string argument: `'"DB"."S"."P"'`. */
export function nameLiteral(...parts: readonly string[]): string {
  return quoteLiteral(qualified(...parts));
}

/** A name as a SHOW … LIKE pattern matching only itself: `\`, `_` and `%` escaped (LIKE is case-insensitive; callers compare the names exactly). */
export function likePattern(name: string): string {
  return name.replace(/[\\_%]/g, (c) => `\\${c}`);
}

/** A type name from a spec (`VARCHAR`, `TIMESTAMP_NTZ`), checked before it is spliced into a signature. */
export function checkedType(type: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(type)) throw new Error(`not a Snowflake type name: ${JSON.stringify(type)}`);
  return type;
}

/** One of the keywords a statement allows at a place (a privilege, an object type), checked before it is spliced. */
export function keyword<T extends string>(value: unknown, allowed: readonly T[]): T {
  const v = String(value).toUpperCase() as T;
  if (!allowed.includes(v)) throw new Error(`not one of ${allowed.join(', ')}: ${JSON.stringify(value)}`);
  return v;
}
