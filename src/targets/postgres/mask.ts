import type { NeutralType } from '../../model/neutral-types.js';
import { KEEP_LAST_DEFAULT, type MaskMethod } from '../../resolve/mask-methods.js';
import { quoteLiteral } from './sql-text.js';

/**
 * Masking methods (product.md, Masking) as PostgreSQL expressions over one column. Every result
 * keeps the column's type, so the managed view stays replaceable in place — except string
 * types with a length limit (varchar(n), char(n)), whose masks are cast to the unconstrained
 * base type: a 64-character hash cast to varchar(34) would be silently cut.
 *
 * The expected outputs are `applyMask` in src/resolve/mask-methods.ts; test/targets/postgres/
 * mask.test.ts checks every method × type on PGlite against it.
 */

/** One column as the view reads it. */
export interface MaskColumn {
  /** The quoted column reference, e.g. `"email"`. */
  readonly ref: string;
  /** The column's type as `format_type` prints it (the inventory's native_type). */
  readonly nativeType: string;
  readonly type: NeutralType;
}

/**
 * The view column's type when the column is masked: the native type, except for strings, whose
 * masks may be longer than a length limit allows (`character varying`, `bpchar`, else `text`).
 * Spelled as format_type prints it, so that it equals what introspection reads back.
 */
export function maskedOutputType(column: Pick<MaskColumn, 'nativeType' | 'type'>): string {
  if (column.type !== 'string') return checkedTypeName(column.nativeType);
  const t = column.nativeType.trim().toLowerCase();
  if (t === 'text') return 'text';
  if (/^(character varying|varchar)(\(\d+\))?$/.test(t)) return 'character varying';
  if (/^(character|char|bpchar)(\(\d+\))?$/.test(t)) return 'bpchar';
  // name (63 bytes), "char" (one byte), citext and string domains: text never cuts a mask short.
  return 'text';
}

/** The clear value of a masked column, in the view column's type. */
export function clearSql(column: MaskColumn): string {
  const out = maskedOutputType(column);
  return out === column.nativeType.trim() ? column.ref : cast(column.ref, out);
}

/** The masked value of `column` by `method`, cast to the view column's type. */
export function maskSql(method: MaskMethod, keepLast: number | undefined, column: MaskColumn): string {
  return cast(rawMask(method, keepLast ?? KEEP_LAST_DEFAULT, column), maskedOutputType(column));
}

function rawMask(method: MaskMethod, keepLast: number, column: MaskColumn): string {
  switch (method) {
    case 'nullify':
      return 'NULL';
    case 'redact':
      return `CASE WHEN ${column.ref} IS NULL THEN NULL ELSE ${redactedValue(column)} END`;
    case 'hash':
      return column.type === 'binary' ? `sha256(${column.ref})` : hashText(textOf(column));
    case 'partial': {
      if (!Number.isInteger(keepLast) || keepLast < 1 || keepLast > 16) throw new RangeError(`keep_last must be an integer from 1 to 16, got ${keepLast}`);
      const t = textOf(column);
      return `CASE WHEN char_length(${t}) > ${keepLast} THEN 'XXXXX' || right(${t}, ${keepLast}) ELSE ${hashText(t)} END`;
    }
    case 'email_domain': {
      const t = textOf(column);
      // split_part(…, -1) is the part after the LAST '@' (PostgreSQL 14+).
      return `CASE WHEN strpos(${t}, '@') > 0 THEN 'XXXXX@' || split_part(${t}, '@', -1) ELSE ${hashText(t)} END`;
    }
    case 'year_only':
      return yearOnly(column);
  }
}

/** Lowercase hex SHA-256 of the UTF-8 bytes; never `x::bytea`, which reads backslashes as escapes. */
function hashText(text: string): string {
  return `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
}

/**
 * The column's value as text, exactly as a driver returns it: char(n) keeps its padding (the
 * cast to text would strip trailing blanks), so masks agree with the oracle applied to the
 * fetched value.
 */
function textOf(column: MaskColumn): string {
  const t = column.nativeType.trim().toLowerCase();
  if (t === 'text') return column.ref;
  const fixed = /^(?:character|char)\((\d+)\)$/.exec(t);
  if (fixed) return `rpad(CAST(${column.ref} AS text), ${fixed[1]})`;
  return `CAST(${column.ref} AS text)`;
}

function isTimestampWithZone(nativeType: string): boolean {
  return /with time zone$|^timestamptz/.test(nativeType.trim().toLowerCase());
}

/** 1 January of the value's year; for timestamptz, 00:00:00 UTC of its year in UTC. */
function yearOnly(column: MaskColumn): string {
  if (column.type === 'date') return `date_trunc('year', CAST(${column.ref} AS timestamp))`; // cast back to date by maskSql
  if (isTimestampWithZone(column.nativeType)) return `date_trunc('year', ${column.ref} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  return `date_trunc('year', ${column.ref})`;
}

/** The type's default (product.md: '', 0, false, 1970-01-01, the epoch in UTC, empty bytes, JSON null). */
function redactedValue(column: MaskColumn): string {
  switch (column.type) {
    case 'string':
      return "''";
    case 'number':
      return '0';
    case 'boolean':
      return 'false';
    case 'date':
      return "DATE '1970-01-01'";
    case 'timestamp':
      return isTimestampWithZone(column.nativeType) ? "TIMESTAMPTZ '1970-01-01 00:00:00+00'" : "TIMESTAMP '1970-01-01 00:00:00'";
    case 'binary':
      // Not '\x': its meaning would depend on standard_conforming_strings.
      return "decode('', 'hex')";
    case 'json':
      return quoteLiteral('null');
    default:
      throw new TypeError(`redact has no default value for a column of type ${column.nativeType}`);
  }
}

function cast(expr: string, type: string): string {
  return `CAST(${expr} AS ${checkedTypeName(type)})`;
}

/**
 * A type name as format_type prints it, checked before it is spliced into SQL: it comes from an
 * inventory file, which must not be able to inject anything. The grammar is format_type's:
 * a name (bare or quoted, optionally schema-qualified), keywords (`double precision`,
 * `timestamp(3) with time zone`), numeric modifiers and array brackets. No quotes outside a
 * quoted identifier, no commas or parentheses outside a modifier, no comments.
 */
export function checkedTypeName(type: string): string {
  const t = type.trim();
  if (!TYPE_NAME.test(t)) throw new Error(`not a PostgreSQL type name: ${JSON.stringify(type)}`);
  return t;
}

const IDENT = '(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"\\u0000]|"")+")';
const MODIFIER = '(?:\\(-?\\d+(?:,-?\\d+)?\\))';
const TYPE_NAME = new RegExp(`^${IDENT}(?:\\.${IDENT})?(?: [a-z]+)*${MODIFIER}?(?: [a-z]+)*${MODIFIER}?(?:\\[\\])*$`);
