import { createHash } from 'node:crypto';
import type { NeutralType } from '../model/neutral-types.js';
import { dateOfJs, parseDateText, parseTimestampText, yearOf } from '../model/expr/temporal.js';

/**
 * The masking methods of product.md (Masking) as the oracle applies them to one value. Every
 * target must produce exactly these results natively; `query --as` and the acceptance tests
 * compare against this module.
 */

/** Every masking method, in the order product.md lists them. */
export const MASK_METHODS = ['nullify', 'redact', 'hash', 'partial', 'email_domain', 'year_only'] as const;
/** A masking method name as written in a policy's `method:`. */
export type MaskMethod = (typeof MASK_METHODS)[number];

/** Parameters a method takes; only `partial` has one. */
export interface MaskParams {
  readonly keep_last?: number;
}

/** `partial` keeps this many characters when `keep_last` is not given (product.md). */
export const KEEP_LAST_DEFAULT = 4;
/** Smallest `keep_last` allowed. */
export const KEEP_LAST_MIN = 1;
/** Largest `keep_last` allowed: beyond 16 characters `partial` would hardly mask anything. */
export const KEEP_LAST_MAX = 16;

/**
 * Column types each method accepts. `redact` lists the types that have a default value; a
 * column of type `other` has none that every engine agrees on, so only `nullify` covers it.
 */
export const METHOD_ACCEPTS: Readonly<Record<MaskMethod, readonly NeutralType[] | 'any'>> = {
  nullify: 'any',
  redact: ['string', 'number', 'boolean', 'date', 'timestamp', 'binary', 'json'],
  hash: ['string', 'binary'],
  partial: ['string'],
  email_domain: ['string'],
  year_only: ['date', 'timestamp'],
};

/** True when `method` may mask a column of `type` (otherwise a validation error at the policy). */
export function methodAccepts(method: MaskMethod, type: NeutralType): boolean {
  const accepts = METHOD_ACCEPTS[method];
  return accepts === 'any' || accepts.includes(type);
}

const RANK: Readonly<Record<MaskMethod | 'clear', number>> = {
  nullify: 4,
  redact: 3,
  hash: 2,
  partial: 1,
  email_domain: 1,
  year_only: 1,
  clear: 0,
};

/** Strictest wins: nullify 4 > redact 3 > hash 2 > partial = email_domain = year_only 1 > clear 0. */
export function strictnessRank(method: MaskMethod | 'clear'): number {
  return RANK[method];
}

/**
 * The masked value of `value` in a column of `type`. NULL stays NULL for every method. Dates
 * come back as `YYYY-MM-DD` text, timestamps as Date, binary as Uint8Array. Throws when the
 * method does not accept the type: validation refuses that pairing before anything is masked.
 */
export function applyMask(method: MaskMethod, params: MaskParams, value: unknown, type: NeutralType): unknown {
  if (!methodAccepts(method, type)) throw new TypeError(`mask method ${method} does not accept a ${type} column`);
  if (value === null || value === undefined) return null;
  switch (method) {
    case 'nullify':
      return null;
    case 'redact':
      return redacted(type);
    case 'hash':
      return hashValue(value, type);
    case 'partial': {
      const keep = params.keep_last ?? KEEP_LAST_DEFAULT;
      if (!Number.isInteger(keep) || keep < KEEP_LAST_MIN || keep > KEEP_LAST_MAX) {
        throw new RangeError(`keep_last must be an integer from ${KEEP_LAST_MIN} to ${KEEP_LAST_MAX}, got ${keep}`);
      }
      const text = String(value);
      // Characters are Unicode code points, not UTF-16 units, so an emoji is one character.
      const chars = [...text];
      return chars.length > keep ? `XXXXX${chars.slice(-keep).join('')}` : sha256Hex(text);
    }
    case 'email_domain': {
      const text = String(value);
      const at = text.lastIndexOf('@');
      return at < 0 ? sha256Hex(text) : `XXXXX@${text.slice(at + 1)}`;
    }
    case 'year_only':
      return yearOnly(value, type);
  }
}

/** The type's default value (product.md: '', 0, false, 1970-01-01, 1970-01-01 00:00:00 UTC, empty bytes, JSON null). */
function redacted(type: NeutralType): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'date':
      return '1970-01-01';
    case 'timestamp':
      return new Date(0);
    case 'binary':
      return new Uint8Array(0);
    default:
      // json: JSON null (the value null, as a JSON document, not SQL NULL).
      return null;
  }
}

function hashValue(value: unknown, type: NeutralType): string | Uint8Array {
  if (type === 'binary') {
    if (!(value instanceof Uint8Array)) throw new TypeError('a binary value must be a Uint8Array or Buffer');
    return new Uint8Array(createHash('sha256').update(value).digest());
  }
  return sha256Hex(String(value));
}

/** Lowercase hex SHA-256 of the UTF-8 bytes: unsalted, so equal values hash equal across tables. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function yearOnly(value: unknown, type: NeutralType): string | Date {
  const canonical = type === 'date' ? dateText(value) : timestampText(value);
  if (canonical === undefined) throw new TypeError(`cannot read ${String(value)} as a ${type}`);
  const year = yearOf(canonical);
  if (type === 'date') return `${String(year).padStart(4, '0')}-01-01`;
  const d = new Date(Date.UTC(2000, 0, 1));
  d.setUTCFullYear(year); // Date.UTC maps years below 100 to the 1900s
  return d;
}

function dateText(value: unknown): string | undefined {
  if (value instanceof Date) return dateOfJs(value);
  return typeof value === 'string' ? parseDateText(value) : undefined;
}

function timestampText(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : dateOfJs(value);
  if (typeof value !== 'string') return undefined;
  const p = parseTimestampText(value, false);
  return p.ok ? p.value : undefined;
}
