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
  const parsed = inventorySchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 10)) {
      diags.error('inventory-shape', `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { file, line: 1, col: 1 }, 'regenerate it with meshward inventory --target T');
    }
    return undefined;
  }
  return parsed.data as Inventory;
}
