import type { NeutralType } from '../../../src/model/neutral-types.js';

/**
 * A value as text that compares equal between what PGlite returns and what the TypeScript
 * oracle (applyMask, evaluate) returns: numbers canonical, dates `YYYY-MM-DD`, timestamps as
 * epoch milliseconds, binary as hex, JSON as JSON text.
 */
export function comparable(value: unknown, type: NeutralType): string {
  if (value === null || value === undefined) return 'NULL';
  switch (type) {
    case 'number': {
      const text = String(value);
      if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
      const [int, frac = ''] = text.replace(/^-/, '').split('.');
      const f = frac.replace(/0+$/, '');
      const i = int!.replace(/^0+(?=\d)/, '');
      const out = f ? `${i}.${f}` : i;
      return text.startsWith('-') && out !== '0' ? `-${out}` : out;
    }
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
    case 'timestamp':
      return String(value instanceof Date ? value.getTime() : new Date(String(value)).getTime());
    case 'binary':
      return 'x' + Buffer.from(value as Uint8Array).toString('hex');
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      return String(value === true || value === 't');
    default:
      return String(value);
  }
}
