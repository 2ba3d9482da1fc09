import { SimError, notRecognized } from './errors.js';
import { isObject, toText, truth, type Value } from './values.js';
import type { SqlType } from './types.js';

/**
 * CAST / :: / TRY_CAST (https://docs.snowflake.com/en/sql-reference/functions/cast,
 * .../try_cast, https://docs.snowflake.com/en/sql-reference/data-type-conversion). A failed
 * conversion raises "Numeric value 'x' is not recognized" (100038) and the like; TRY_CAST
 * returns NULL instead.
 */
export function castValue(v: Value, to: SqlType, from: SqlType | null = null, tryCast = false): Value {
  if (v === null) return null;
  try {
    return cast(v, to, from);
  } catch (e) {
    if (tryCast && e instanceof SimError) return null;
    throw e;
  }
}

function cast(v: Value, to: SqlType, from: SqlType | null): Value {
  switch (to.base) {
    case 'VARCHAR': {
      const s = typeof v === 'string' ? v : toText(v, from);
      if (to.length !== undefined && [...s].length > to.length) throw new SimError('100078', '22001', `String '${s}' is too long and would be truncated`);
      return s;
    }
    case 'NUMBER': case 'FLOAT': {
      let n: number;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'boolean') n = v ? 1 : 0;
      else if (typeof v === 'string') {
        const t = v.trim();
        if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) throw notRecognized('Numeric value', v);
        n = Number(t);
      } else if (v instanceof Date) throw new SimError('002023', '22000', `SQL compilation error:\nExpression type does not match column data type, expecting NUMBER but got TIMESTAMP`);
      else throw notRecognized('Numeric value', JSON.stringify(v));
      if (to.base === 'NUMBER') {
        const scale = to.scale ?? 0;
        const f = 10 ** scale;
        n = Math.round(n * f) / f;
        const precision = to.precision ?? 38;
        if (Math.abs(n) >= 10 ** (precision - scale) && precision < 38) throw new SimError('100039', '22003', `Numeric value '${n}' is out of range`);
      }
      return n;
    }
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      const t = typeof v === 'string' ? truth(v) : null;
      if (t === null) throw new SimError('100037', '22018', `Boolean value '${toText(v)}' is not recognized`);
      return t;
    }
    case 'DATE': {
      const d = toDate(v);
      if (!d) throw new SimError('100040', '22007', `Date '${toText(v)}' is not recognized`);
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    }
    case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ': case 'TIMESTAMP_TZ': {
      const d = toDate(v);
      if (!d) throw new SimError('100035', '22007', `Timestamp '${toText(v)}' is not recognized`);
      return d;
    }
    case 'VARIANT': return v instanceof Date ? toText(v, from) : v;
    case 'ARRAY':
      if (Array.isArray(v)) return v;
      if (typeof v === 'string') {
        try {
          const p = JSON.parse(v) as Value;
          if (Array.isArray(p)) return p;
        } catch { /* fall through */ }
      }
      return [v];
    case 'OBJECT':
      if (isObject(v)) return v;
      throw new SimError('002031', '22000', `Failed to cast variant value ${JSON.stringify(v)} to OBJECT`);
    default:
      return v;
  }
}

/** Parses the date/timestamp forms Snowflake's AUTO format accepts (ISO-like). */
export function toDate(v: Value): Date | null {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[-+]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se, frac, tz] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(se ?? 0), Number((frac ?? '0').padEnd(3, '0').slice(0, 3)));
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
  }
  const out = new Date(ms);
  if (Number.isNaN(out.getTime()) || out.getUTCMonth() !== Number(mo) - 1 && !tz) return null;
  return out;
}
