import type { SqlType } from './types.js';

/**
 * A runtime value. NUMBER and FLOAT are JS numbers, DATE and TIMESTAMP_* are Date (UTC; the
 * simulated session's TIMEZONE is UTC), VARIANT/ARRAY/OBJECT are JSON values. A VARIANT holding
 * a string is a string: the Node driver returns VARIANT columns already parsed.
 */
export type Value = null | string | number | boolean | Date | readonly Value[] | { readonly [k: string]: Value };

export interface Typed {
  readonly v: Value;
  readonly type: SqlType | null;
}

export function isObject(v: Value): v is { readonly [k: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** SQL three-valued truth of a value: true, false or null (unknown). */
export function truth(v: Value): boolean | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const u = v.trim().toUpperCase();
    if (['TRUE', 'T', 'YES', 'Y', 'ON', '1'].includes(u)) return true;
    if (['FALSE', 'F', 'NO', 'N', 'OFF', '0'].includes(u)) return false;
  }
  return null;
}

/** Comparison with Snowflake's implicit coercions (number vs numeric string, date vs string). NULL → null. */
export function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (a instanceof Date || b instanceof Date) {
    const x = a instanceof Date ? a.getTime() : Date.parse(String(a));
    const y = b instanceof Date ? b.getTime() : Date.parse(String(b));
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = truth(a);
    const y = truth(b);
    if (x === null || y === null) return null;
    return x === y ? 0 : x ? 1 : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function equalValues(a: Value, b: Value): boolean {
  return compare(a, b) === 0;
}

/** A key for grouping/DISTINCT. */
export function valueKey(v: Value): string {
  if (v instanceof Date) return `d:${v.getTime()}`;
  return JSON.stringify(v);
}

/** What TO_VARCHAR / string concatenation print for a value. */
export function toText(v: Value, type?: SqlType | null): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) {
    const iso = v.toISOString();
    if (type?.base === 'DATE') return iso.slice(0, 10);
    const base = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    if (type?.base === 'TIMESTAMP_NTZ') return base;
    return `${base} +0000`;
  }
  return JSON.stringify(v);
}

export function numberText(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(n);
}
