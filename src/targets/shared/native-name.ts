import { createHash } from 'node:crypto';

export interface NativeNameRules {
  /** Maximum length in UTF-8 bytes. */
  readonly maxBytes: number;
  /** The engine's case folding for unquoted-equivalent comparison (collision check). */
  readonly fold: (s: string) => string;
}

/**
 * product.md's native-name function: `prefix + name`; when that exceeds the engine's limit or
 * collides after case folding with another name in `taken`, `prefix + truncated + '_' + 8 hex of
 * sha256(neutral)`. Deterministic, so compile, introspect and explain agree.
 */
export function nativeName(prefix: string, name: string, neutral: string, rules: NativeNameRules, taken?: ReadonlyMap<string, string>): string {
  const plain = prefix + name;
  const collides = taken !== undefined && taken.has(rules.fold(plain)) && taken.get(rules.fold(plain)) !== neutral;
  if (Buffer.byteLength(plain, 'utf8') <= rules.maxBytes && !collides) return plain;
  const suffix = '_' + createHash('sha256').update(neutral, 'utf8').digest('hex').slice(0, 8);
  return truncateBytes(plain, rules.maxBytes - suffix.length) + suffix;
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateBytes(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}
