/**
 * Exact decimals for row-filter numbers. Filters compare money and ids; binary floating point
 * would make `amount = 100.10` depend on rounding, and the warehouses compare NUMERIC exactly,
 * so the oracle must as well. A value is an unscaled integer and a count of fraction digits.
 */

/** An exact decimal: `coef × 10^-scale`, normalised so that `coef` has no trailing zero digit when `scale > 0`. */
export interface Decimal {
  readonly coef: bigint;
  readonly scale: number;
}

const PLAIN = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const WITH_EXPONENT = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/;

/** Parses plain decimal text (`-12.50`, `.5`, `7.`); undefined when it is not one. No exponent: filter text is exact. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = PLAIN.exec(text.trim());
  if (!m) return undefined;
  return build(m[1]!, m[2]!, m[3] ?? '', 0);
}

/** Like parseDecimal but also reads `1e+21` / `5e-7`, which is how JavaScript prints some numbers. */
export function parseDecimalLoose(text: string): Decimal | undefined {
  const t = text.trim();
  const m = WITH_EXPONENT.exec(t);
  if (m) return build(m[1]!, m[2]!, m[3] ?? '', Number(m[4]));
  return parseDecimal(t);
}

/** The exact decimal a JS number denotes in its shortest round-trip form; undefined for NaN/Infinity. */
export function decimalFromNumber(n: number): Decimal | undefined {
  return Number.isFinite(n) ? parseDecimalLoose(String(n)) : undefined;
}

/** An integer as a decimal. */
export function decimalFromBigInt(n: bigint): Decimal {
  return { coef: n, scale: 0 };
}

function build(sign: string, int: string, frac: string, exponent: number): Decimal | undefined {
  if (int === '' && frac === '') return undefined;
  let coef = BigInt((int || '0') + frac);
  if (sign === '-') coef = -coef;
  let scale = frac.length - exponent;
  if (scale < 0) {
    coef *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return normalise(coef, scale);
}

function normalise(coef: bigint, scale: number): Decimal {
  // Trailing fraction zeros carry no value: 100.10 and 100.1 are the same number.
  while (scale > 0 && coef % 10n === 0n) {
    coef /= 10n;
    scale--;
  }
  return { coef, scale };
}

/** -1, 0 or 1 as a is less than, equal to or greater than b, exactly. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.coef * 10n ** BigInt(scale - a.scale);
  const y = b.coef * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical text: no leading zeros, no trailing fraction zeros, no `-0`, no exponent (`-12.5`, `0.05`, `100`). */
export function formatDecimal(d: Decimal): string {
  const negative = d.coef < 0n;
  const digits = (negative ? -d.coef : d.coef).toString();
  if (d.scale === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(d.scale + 1, '0');
  const int = padded.slice(0, padded.length - d.scale);
  const frac = padded.slice(padded.length - d.scale);
  return `${negative ? '-' : ''}${int}.${frac}`;
}

/** Canonical text of decimal text, or undefined when the text is not a plain decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const d = parseDecimal(text);
  return d && formatDecimal(d);
}
