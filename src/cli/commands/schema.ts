import { z } from 'zod';
import { inventorySchema } from '../../config/inventory.js';
import { documentSchemas } from '../../config/schema/documents.js';

/** One JSON Schema for every document kind, for editors (`# yaml-language-server: $schema=…`). */
export function buildJsonSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const [kind, schema] of Object.entries(documentSchemas)) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    defs[kind] = rest;
  }
  const { $schema: _d, ...inventory } = z.toJSONSchema(inventorySchema) as Record<string, unknown>;
  defs.Inventory = inventory;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://meshward.dev/schema/meshward.schema.json',
    title: 'meshward policy document',
    description: 'Any document of a meshward policy repository, selected by its kind.',
    oneOf: Object.keys(documentSchemas).map((k) => ({ $ref: `#/$defs/${k}` })),
    $defs: defs,
  };
}

export function schemaCommand(): void {
  process.stdout.write(JSON.stringify(buildJsonSchema(), null, 2) + '\n');
}
