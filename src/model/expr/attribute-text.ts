import type { AttributeScalar } from './ast.js';
import { decimalFromNumber, formatDecimal, parseDecimalLoose } from './decimal.js';
import { parseDateText, parseTimestampText } from './temporal.js';
import type { AttributeType } from '../neutral-types.js';

/**
 * A group's attribute value read as its declared type the way the oracle reads it (value.ts
 * `toValue`), in a canonical text every target stores: decimals exact, booleans `true`/`false`,
 * dates `YYYY-MM-DD`, timestamps as their parsed UTC text (`2024-01-31T12:00:00.500000Z`, which a
 * target writes in its own literal form). Undefined when the value cannot be read as the type: it
 * can never match, so targets leave it out.
 */
export function canonicalAttributeValue(v: AttributeScalar, type: AttributeType): string | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
    case 'number': {
      const d = typeof v === 'number' ? decimalFromNumber(v) : typeof v === 'string' ? parseDecimalLoose(v) : undefined;
      return d === undefined ? undefined : formatDecimal(d);
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
      return t === 't' || t === 'true' ? 'true' : t === 'f' || t === 'false' ? 'false' : undefined;
    }
    case 'date':
      return typeof v === 'string' ? parseDateText(v) : undefined;
    case 'timestamp': {
      const t = typeof v === 'string' ? parseTimestampText(v, false) : undefined;
      return t?.ok ? t.value : undefined;
    }
  }
}

/** `2024-01-31 12:00:00.5` (no zone, trailing fraction zeros dropped) from a parsed UTC timestamp text. */
export function utcWallClock(parsed: string): string {
  const [seconds, fraction = ''] = parsed.replace(/Z$/, '').replace('T', ' ').split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${seconds}.${trimmed}` : seconds!;
}
