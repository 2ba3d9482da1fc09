import { canonicalDecimal } from '../model/expr/decimal.js';
import type { NeutralType } from '../model/neutral-types.js';

/**
 * The one text form in which an observed cell and the oracle's value are compared: what a
 * driver returns for a masked or clear column, and what `applyMask` returns for the clear value,
 * normalise to the same string. Probes normalise every observed cell with this function; the
 * checker normalises the oracle's values with it, so both sides agree by construction.
 */
export function normalizeValue(value: unknown, type: NeutralType | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  switch (type) {
    case 'number':
      return canonicalDecimal(String(value)) ?? String(value);
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
    case 'timestamp':
      return String(new Date(value instanceof Date ? value.getTime() : String(value)).getTime());
    case 'binary':
      return '\\x' + Buffer.from(value as Uint8Array).toString('hex');
    case 'json':
      return JSON.stringify(typeof value === 'string' ? parseJsonText(value) : value);
    case 'boolean':
      return String(value === true || value === 't');
    default:
      return value instanceof Date ? value.toISOString() : String(value);
  }
}

/** JSON text as the driver may return it; a string that is not JSON text is a JSON string value. */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The text of a primary key: its columns' normalised values joined by `|`. */
export function keyText(cells: Readonly<Record<string, string>>, pk: readonly string[]): string {
  return pk.map((c) => cells[c] ?? 'NULL').join('|');
}
