import type { DriftItem, NativeObject } from '../targets/target.js';
import { canonicalJson, sameJson } from './canonical.js';

/**
 * Drift classification, the same for every target: the recorded state (what the last apply
 * made) against what is live, by key — never a marker alone.
 *   missing  recorded, not live
 *   altered  recorded and live, but the live object is not what was recorded
 *   extra    live in the managed scope, not recorded (made outside meshward: never changed, only reported)
 * The target says how a recorded row and a live object compare and words each item (it knows
 * its catalog); `bypass` items (paths around the controls) are the target's own findings.
 */
export interface DriftDialect<R, L> {
  /** The live object is the recorded one (a fingerprint, a spec). */
  same(recorded: R, live: L): boolean;
  missing(key: string, recorded: R): DriftItem;
  altered(key: string, recorded: R, live: L): DriftItem;
  /** An item for a live object not recorded, or null when it is outside the managed scope. */
  extra(key: string, live: L): DriftItem | null;
}

export function classifyDrift<R, L>(recorded: ReadonlyMap<string, R>, live: ReadonlyMap<string, L>, dialect: DriftDialect<R, L>): DriftItem[] {
  const items: DriftItem[] = [];
  for (const [key, rec] of recorded) {
    const lo = live.get(key);
    if (lo === undefined) items.push(dialect.missing(key, rec));
    else if (!dialect.same(rec, lo)) items.push(dialect.altered(key, rec, lo));
  }
  for (const [key, lo] of live) {
    if (recorded.has(key)) continue;
    const extra = dialect.extra(key, lo);
    if (extra) items.push(extra);
  }
  return items;
}

/** Drift items in a stable order: by key, then status. */
export function sortDrift(items: DriftItem[]): DriftItem[] {
  return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
}

/** A recorded row as targets that record whole specs keep it (Snowflake, the api-test target). */
export interface RecordedSpec {
  readonly kind: string;
  readonly label: string;
  readonly table?: string;
  readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * The drift of a target whose recorded rows are whole specs and whose live objects are built with
 * the same spec shapes: altered when any field differs, worded with the fields that do; an extra
 * object is reported and never repaired (meshward did not make it).
 */
export function specDrift(recorded: ReadonlyMap<string, RecordedSpec>, live: ReadonlyMap<string, NativeObject>): DriftItem[] {
  const pick = (o: Readonly<Record<string, unknown>>, fields: string[]) => Object.fromEntries(fields.map((f) => [f, o[f] ?? null]));
  const at = (row: { readonly table?: string }) => (row.table ? { table: row.table } : {});
  return sortDrift(
    classifyDrift(recorded, live, {
      same: (row, o) => sameJson(o.spec, row.spec),
      missing: (key, row) => ({ key, kind: row.kind, object: row.label, ...at(row), status: 'missing', detail: `${row.label} was made by meshward and is gone`, repair: 'apply' }),
      altered: (key, row, o) => {
        const fields = Object.keys({ ...o.spec, ...row.spec }).filter((f) => !sameJson(o.spec[f], row.spec[f]));
        return { key, kind: row.kind, object: row.label, ...at(row), status: 'altered', detail: `${fields.sort().join(', ')}: recorded ${canonicalJson(pick(row.spec, fields))}, live ${canonicalJson(pick(o.spec, fields))}`, repair: 'apply' };
      },
      extra: (key, o) => ({ key, kind: o.kind, object: o.label, ...at(o), status: 'extra', detail: `${o.label} was not made by meshward`, repair: 'manual' }),
    }),
  );
}
