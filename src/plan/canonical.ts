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

const specText = new WeakMap<object, string>();

/** canonicalJson of an object that is never mutated (a NativeObject's spec), computed once per object. */
export function canonicalSpec(spec: Readonly<Record<string, unknown>>): string {
  let text = specText.get(spec);
  if (text === undefined) specText.set(spec, (text = canonicalJson(spec)));
  return text;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
