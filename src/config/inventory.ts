import { z } from 'zod';
import { NEUTRAL_TYPES } from '../model/neutral-types.js';
import type { Inventory } from '../model/inventory.js';
import type { Diagnostics } from './diagnostics.js';

/** `inventory.json` (product.md): the schema doubles as its published JSON Schema. */
export const inventorySchema = z.strictObject({
  format: z.literal(1),
  tables: z.array(
    z.strictObject({
      name: z.string().min(1),
      native: z.string(),
      columns: z.array(z.strictObject({ name: z.string().min(1), type: z.enum(NEUTRAL_TYPES), native_type: z.string() })),
    }),
  ),
});

/** Parses an inventory file; problems are errors naming the file and the JSON path. */
export function parseInventory(file: string, text: string | undefined, diags: Diagnostics): Inventory | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    diags.error('inventory-json', `${file} is not valid JSON: ${(e as Error).message}`, { file, line: 1, col: 1 }, 'regenerate it with meshward inventory --target T');
    return undefined;
  }
  // The shape check below accepts exactly what the schema accepts and copies nothing; anything it
  // does not accept goes through zod, whose issues name the JSON path (12 MB at 10,000 tables).
  if (isInventoryShape(json)) return json;
  const parsed = inventorySchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 10)) {
      diags.error('inventory-shape', `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { file, line: 1, col: 1 }, 'regenerate it with meshward inventory --target T');
    }
    return undefined;
  }
  return parsed.data as Inventory;
}

const NEUTRAL = new Set<string>(NEUTRAL_TYPES);

function hasOnlyKeys(o: object, keys: number): boolean {
  let n = 0;
  for (const _ in o) n++;
  return n === keys && Object.getPrototypeOf(o) === Object.prototype;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `inventorySchema` as a plain loop: true only for a value the schema would accept unchanged. */
export function isInventoryShape(json: unknown): json is Inventory {
  if (!isObject(json) || !hasOnlyKeys(json, 2) || json.format !== 1 || !Array.isArray(json.tables)) return false;
  for (const t of json.tables as unknown[]) {
    if (!isObject(t) || !hasOnlyKeys(t, 3)) return false;
    if (typeof t.name !== 'string' || t.name.length === 0 || typeof t.native !== 'string' || !Array.isArray(t.columns)) return false;
    for (const c of t.columns as unknown[]) {
      if (!isObject(c) || !hasOnlyKeys(c, 3)) return false;
      if (typeof c.name !== 'string' || c.name.length === 0 || typeof c.native_type !== 'string' || typeof c.type !== 'string' || !NEUTRAL.has(c.type)) return false;
    }
  }
  return true;
}
