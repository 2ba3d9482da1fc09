/**
 * Dates and timestamps as canonical text. Filters compare them as fixed-width text
 * (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS.ffffffZ`), which orders correctly and keeps microseconds
 * that a JS Date would drop. Everything is UTC (product.md, Row filters).
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Why a timestamp text was refused, or its canonical form. */
export type TimestampParse = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

/** Canonical `YYYY-MM-DD` of a valid calendar date text, else undefined. */
export function parseDateText(text: string): string | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * Canonical UTC text of a timestamp text. `strict` is for literals in a filter: at most six
 * fraction digits and only a zero offset, because a filter's meaning must not depend on a
 * time zone; runtime values (timestamptz strings from a driver, sample rows) may carry any
 * offset and more digits, which are truncated to microseconds.
 */
export function parseTimestampText(text: string, strict: boolean): TimestampParse {
  const t = text.trim();
  const m = TIMESTAMP.exec(t);
  if (!m) {
    if (!strict && DATE.test(t)) return parseTimestampText(`${t} 00:00:00`, false);
    return { ok: false, reason: 'expected YYYY-MM-DD HH:MM:SS[.ffffff][Z]' };
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (!validDate(y!, mo!, d!) || h! > 23 || mi! > 59 || s! > 59) return { ok: false, reason: 'no such date or time' };
  const fraction = m[7] ?? '';
  if (strict && fraction.length > 6) return { ok: false, reason: 'at most six fraction digits (microseconds)' };
  const offsetMinutes = parseOffset(m[8]);
  if (strict && offsetMinutes !== 0) return { ok: false, reason: 'timestamps in a filter are UTC; write Z or +00:00' };
  const ms = utcMillis(y!, mo!, d!, h!, mi!, s!) - offsetMinutes * 60_000;
  const shifted = isoSeconds(ms);
  if (!shifted) return { ok: false, reason: 'year outside 0001–9999' };
  return { ok: true, value: `${shifted}.${fraction.padEnd(6, '0').slice(0, 6)}Z` };
}

/** Canonical `YYYY-MM-DD` of a Date, read in UTC (drivers build dates at UTC or local midnight; UTC is the neutral rule). */
export function dateOfJs(d: Date): string | undefined {
  const iso = isoSeconds(d.getTime());
  return iso?.slice(0, 10);
}

/** Canonical timestamp text of a Date (millisecond precision, padded to microseconds). */
export function timestampOfJs(d: Date): string | undefined {
  const t = d.getTime();
  const iso = isoSeconds(t);
  if (!iso) return undefined;
  const ms = ((t % 1000) + 1000) % 1000;
  return `${iso}.${String(ms).padStart(3, '0')}000Z`;
}

/** The UTC year of canonical date or timestamp text. */
export function yearOf(canonical: string): number {
  return Number(canonical.slice(0, 4));
}

function parseOffset(text: string | undefined): number {
  if (!text || text === 'Z' || text === 'z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function validDate(y: number, mo: number, d: number): boolean {
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y);
  return date.getTime();
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, or undefined outside years 1–9999 (fixed width keeps text order = time order). */
function isoSeconds(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
