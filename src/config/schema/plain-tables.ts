import { NAME_PATTERN } from './common.js';

/** A governed table as `domainDoc.shape.tables` gives it. */
export interface PlainTable {
  description?: string;
  tags: Record<string, string>;
  columns: Record<string, Record<string, string> | null>;
}

const isName = (s: unknown): s is string => typeof s === 'string' && NAME_PATTERN.test(s);
/** A key written with `out[k] =` (`__proto__` would set the prototype instead; zod then decides). */
const isKey = (k: string): boolean => k !== '__proto__' && isName(k);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `z.record(name, name)`: a copy, or undefined. */
function tagAssignments(v: unknown): Record<string, string> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) {
    const value = v[k];
    if (!isKey(k) || !isName(value)) return undefined;
    out[k] = value;
  }
  return out;
}

/**
 * `domainDoc.shape.tables.parse(v)` by hand, for a value it accepts; undefined for anything it
 * might refuse, and zod then names the problem. The tables record is most of a Domain document:
 * zod took about half the time of loading 10,000 tables (issue 10). The result has zod's shape
 * (test/config/plain-tables.test.ts compares the two).
 */
export function plainTables(v: unknown): Record<string, PlainTable | null> | undefined {
  if (v === undefined) return {};
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, PlainTable | null> = {};
  for (const name of Object.keys(v)) {
    const t = v[name];
    if (!isKey(name)) return undefined;
    if (t === null) {
      out[name] = null;
      continue;
    }
    if (!isPlainObject(t)) return undefined;
    let known = 0;
    let description: string | undefined;
    if (t.description !== undefined) {
      if (typeof t.description !== 'string') return undefined;
      description = t.description;
      known++;
    }
    let tags: Record<string, string> = {};
    if (t.tags !== undefined) {
      const checked = tagAssignments(t.tags);
      if (!checked) return undefined;
      tags = checked;
      known++;
    }
    const columns: Record<string, Record<string, string> | null> = {};
    if (t.columns !== undefined) {
      if (!isPlainObject(t.columns)) return undefined;
      for (const col of Object.keys(t.columns)) {
        const assigned = t.columns[col];
        if (!isKey(col)) return undefined;
        if (assigned === null) columns[col] = null;
        else {
          const checked = tagAssignments(assigned);
          if (!checked) return undefined;
          columns[col] = checked;
        }
      }
      known++;
    }
    // zod's key order: description (when given), tags, columns.
    const table: PlainTable = description !== undefined ? { description, tags, columns } : { tags, columns };
    if (Object.keys(t).length !== known) return undefined; // a key the strict object refuses
    out[name] = table;
  }
  return out;
}
