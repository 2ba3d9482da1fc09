import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level: equal values give equal text. Written directly
 * (what `JSON.stringify` of a key-sorted copy gives, without building the copy): the diff and
 * the desired hash serialise every spec of a 10,000-table model.
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string;
}

/** The text of one value; undefined where JSON.stringify leaves a property out (undefined, a function, a symbol). */
function write(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (inCanonicalOrder(value)) return JSON.stringify(value); // the same text, written natively in one piece
  const sorted = sortedCopy(value);
  if (sorted) return JSON.stringify(sorted); // a flat spec (a grant, a tag row) whose keys only need sorting
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (write(value[i]) ?? 'null');
    return out + ']';
  }
  const keys = sortedKeys(value);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const text = write((value as Record<string, unknown>)[k]);
    if (text === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + text;
    first = false;
  }
  return out + '}';
}

/**
 * Whether JSON.stringify already writes `value` canonically: only plain objects and arrays
 * (no toJSON, no boxed primitive or other prototype) whose every object lists its keys in
 * sorted order, none starting with a digit (so none is an array index, which JavaScript lists
 * first). Objects compile builds mostly are (their specs are written in key order).
 */
function inCanonicalOrder(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object' && !inCanonicalOrder(v)) return false;
    }
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return false;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return false;
    if (i > 0 && !(keys[i - 1]! < k)) return false;
    const v = record[k];
    if (v !== null && typeof v === 'object' && !inCanonicalOrder(v)) return false;
  }
  return true;
}

/**
 * A copy of a plain object with its keys in sorted order, when that is all it takes for
 * JSON.stringify to write it canonically: no toJSON, no key starting with a digit or named
 * `__proto__`, and every member a primitive or a value already in canonical order. Else undefined.
 */
function sortedCopy(value: object): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return undefined;
  const keys = Object.keys(record);
  for (const k of keys) {
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || k === '__proto__') return undefined;
    const v = record[k];
    if (v !== null && typeof v === 'object' && !inCanonicalOrder(v)) return undefined;
  }
  const copy: Record<string, unknown> = {};
  for (const k of keys.sort()) copy[k] = record[k];
  return copy;
}

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Keys in the order the key-sorted copy had them: a JavaScript object lists integer-like keys
 * (array indexes) first, ascending, then the others in insertion (here: sorted) order.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some((k) => INDEX.test(k) && Number(k) < 4294967295)) return keys;
  const isIndex = (k: string) => INDEX.test(k) && Number(k) < 4294967295;
  return [...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex(k))];
}

/**
 * canonicalJson(a) === canonicalJson(b), without writing either: strings are compared as they
 * are (a view's SELECT is tens of KB; escaping it for each side is most of a no-change diff).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const oa = a !== null && typeof a === 'object';
  const ob = b !== null && typeof b === 'object';
  if (!oa || !ob) {
    if (oa !== ob) return false;
    if (a === b) return true;
    if (typeof a === 'string' || typeof b === 'string') return false; // a string prints quoted, unlike anything else
    return JSON.stringify(a) === JSON.stringify(b); // NaN and Infinity print as null, -0 as 0
  }
  if (a === b) return true; // a spec has no cycles
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(printed(a[i]) ? a[i] : null, printed(y[i]) ? y[i] : null)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const same = sameKeyOrder(x, y);
  if (same !== undefined) return same;
  const ka = Object.keys(x).filter((k) => printed(x[k])).sort();
  const kb = Object.keys(y).filter((k) => printed(y[k])).sort();
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || !sameJson(x[ka[i]!], y[ka[i]!])) return false;
  return true;
}

/**
 * sameJson of two objects listing the same keys in the same order (both built by one
 * constructor: the common case), without filtering and sorting their keys; undefined when they
 * do not, for the general comparison.
 */
function sameKeyOrder(x: Record<string, unknown>, y: Record<string, unknown>): boolean | undefined {
  const ka = Object.keys(x);
  const kb = Object.keys(y);
  if (ka.length !== kb.length) return undefined;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return undefined;
  for (const k of ka) {
    const px = printed(x[k]);
    if (px !== printed(y[k])) return false; // a member one side prints and the other leaves out
    if (px && !sameJson(x[k], y[k])) return false;
  }
  return true;
}

/** Whether JSON prints a member with this value (undefined, functions and symbols are left out; in an array, null). */
const printed = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';

const specText = new WeakMap<object, string>();

/** canonicalJson of an object that is never mutated (a NativeObject's spec), computed once per object. */
export function canonicalSpec(spec: Readonly<Record<string, unknown>>): string {
  let text = specText.get(spec);
  if (text === undefined) specText.set(spec, (text = canonicalJson(spec)));
  return text;
}

/**
 * sha256 of text given piece by piece, fed to the hash about 1 MB at a time: the digest of the
 * whole text, without one string of every spec (tens of MB at 10,000 tables) and without one
 * hash update per small piece (185,000 calls).
 */
export function pieceHash(): { add(text: string): void; digest(): string } {
  const hash = createHash('sha256');
  let piece = '';
  return {
    add(text) {
      piece += text;
      if (piece.length >= 1 << 20) {
        hash.update(piece, 'utf8');
        piece = '';
      }
    },
    digest: () => hash.update(piece, 'utf8').digest('hex'),
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
