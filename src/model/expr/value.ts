import type { LiteralNode } from './ast.js';
import { compareDecimal, decimalFromBigInt, decimalFromNumber, parseDecimalLoose, type Decimal } from './decimal.js';
import { dateOfJs, parseDateText, parseTimestampText, timestampOfJs } from './temporal.js';

/**
 * Typed runtime values for the oracle. Row values arrive in whatever shape a driver or a YAML
 * sample row gives them (pg returns NUMERIC as a string, DATE as a Date, …); they are read by
 * the column's neutral type into one canonical form so that comparison is exact.
 */

/** The comparable scalar types. */
export type ScalarType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp';

/** A non-NULL value in canonical form; dates and timestamps are canonical text. */
export type Value =
  | { readonly type: 'string'; readonly v: string }
  | { readonly type: 'number'; readonly v: Decimal }
  | { readonly type: 'boolean'; readonly v: boolean }
  | { readonly type: 'date'; readonly v: string }
  | { readonly type: 'timestamp'; readonly v: string };

/** True for the types a comparison can use; binary, json and other cannot be compared. */
export function isScalarType(type: string): type is ScalarType {
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'date' || type === 'timestamp';
}

/**
 * Reads a runtime value as `type`: the Value, `null` for SQL NULL (null/undefined), or
 * `undefined` when the value cannot be read as that type.
 */
export function toValue(raw: unknown, type: ScalarType): Value | null | undefined {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'string':
      // A YAML sample row may write `zip: 01234` unquoted; its text is what the column would hold.
      if (typeof raw === 'string') return { type, v: raw };
      if (typeof raw === 'number' || typeof raw === 'bigint') return { type, v: String(raw) };
      return undefined;
    case 'number': {
      const d = typeof raw === 'number' ? decimalFromNumber(raw) : typeof raw === 'bigint' ? decimalFromBigInt(raw) : typeof raw === 'string' ? parseDecimalLoose(raw) : undefined;
      return d && { type, v: d };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { type, v: raw };
      const t = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      // PostgreSQL's text form of a boolean is t/f.
      if (t === 't' || t === 'true') return { type, v: true };
      if (t === 'f' || t === 'false') return { type, v: false };
      return undefined;
    }
    case 'date': {
      const v = raw instanceof Date ? dateOfJs(raw) : typeof raw === 'string' ? parseDateText(raw) : undefined;
      return v === undefined ? undefined : { type, v };
    }
    case 'timestamp': {
      if (raw instanceof Date) {
        const v = timestampOfJs(raw);
        return v === undefined ? undefined : { type, v };
      }
      if (typeof raw !== 'string') return undefined;
      const p = parseTimestampText(raw, false);
      return p.ok ? { type, v: p.value } : undefined;
    }
  }
}

/** The scalar type a runtime value most plausibly has, when no column type is known. */
export function inferType(raw: unknown): ScalarType | undefined {
  if (typeof raw === 'number' || typeof raw === 'bigint') return 'number';
  if (typeof raw === 'boolean') return 'boolean';
  if (raw instanceof Date) return 'timestamp';
  if (typeof raw === 'string') return 'string';
  return undefined;
}

/**
 * A literal read as `type`. Same-typed literals convert directly; a string literal may spell
 * another type (attribute values substituted without their declared type arrive as strings);
 * any other mix is not comparable (`undefined`).
 */
export function literalAs(lit: LiteralNode, type: ScalarType): Value | null | undefined {
  if (lit.type === 'null') return null;
  if (lit.type === type || lit.type === 'string') return toValue(lit.value, type);
  return undefined;
}

/** -1/0/1 ordering of two values of one type; undefined when the types differ. Only equality is meaningful for strings and booleans (no portable collation). */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a.type !== b.type) return undefined;
  if (a.type === 'number') return compareDecimal(a.v, (b as typeof a).v);
  if (a.type === 'boolean') return a.v === (b as typeof a).v ? 0 : a.v ? 1 : -1;
  const x = a.v;
  const y = (b as { v: string }).v;
  // Canonical date/timestamp text is fixed width, so text order is time order.
  return x < y ? -1 : x > y ? 1 : 0;
}
