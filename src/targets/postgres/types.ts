import type { NeutralType } from '../../model/neutral-types.js';

/**
 * PostgreSQL type names (as `format_type()` prints them) mapped onto neutral types.
 *
 * - character types (text, varchar, char, bpchar, name, "char", citext) → string
 * - smallint, integer, bigint, numeric/decimal, real, double precision → number
 * - boolean → boolean; date → date; timestamp with or without time zone → timestamp
 * - bytea → binary; json, jsonb → json
 * - everything else → other: arrays, uuid (a string literal does not compare with it
 *   portably, and hash/partial would change its type), money, time, interval, inet, enums,
 *   composite and range types, … Masks that need a string refuse `other`; `nullify`/`redact`
 *   still apply.
 *
 * Domains are mapped by their base type: pass `format_type(typbasetype, typtypmod)` for them.
 */
const RULES: readonly (readonly [RegExp, NeutralType])[] = [
  [/^(text|name|"char"|bpchar|character( varying)?(\(\d+\))?|varchar(\(\d+\))?|char(\(\d+\))?)$/, 'string'],
  [/(^|\.)("citext"|citext)$/, 'string'], // the extension's type, schema-qualified when off the search_path
  [/^(smallint|integer|bigint|int[248]?|real|double precision|float[48]|(numeric|decimal)(\(\d+(,-?\d+)?\))?)$/, 'number'],
  [/^(boolean|bool)$/, 'boolean'],
  [/^date$/, 'date'],
  [/^timestamp(\(\d\))?( with(out)? time zone)?$|^timestamptz(\(\d\))?$/, 'timestamp'],
  [/^bytea$/, 'binary'],
  [/^jsonb?$/, 'json'],
];

/** The neutral type of a PostgreSQL type name as printed by `format_type(oid, typmod)`. */
export function neutralTypeOf(nativeType: string): NeutralType {
  const t = nativeType.trim().toLowerCase();
  if (t.endsWith(']')) return 'other'; // arrays: text[], integer[][] …
  for (const [pattern, type] of RULES) if (pattern.test(t)) return type;
  return 'other';
}
