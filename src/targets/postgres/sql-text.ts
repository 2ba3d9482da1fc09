/**
 * PostgreSQL string literals. Standard-conforming strings only (`'…'` with `''` doubling, never
 * `E'…'`): backslashes are ordinary characters, as they are on every server since 9.1 and in
 * PGlite. The apply session should pin `standard_conforming_strings = on`.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('a string literal cannot contain a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}
