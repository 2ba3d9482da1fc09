import type { NativeObject } from '../target.js';

/** A Snowflake object as compile.ts builds the desired ones and introspect.ts the live ones: one shape, so the diff is a plain comparison. */
export function obj(kind: string, key: string, label: string, spec: Record<string, unknown>, extra: Partial<NativeObject> = {}): NativeObject {
  return { key: `${kind}:${key}`, kind, label, spec, ...extra };
}
