import { z } from 'zod';
import { inventorySchema } from '../../config/inventory.js';
import { documentSchemas } from '../../config/schema/documents.js';
import { planSchema } from '../../plan/saved.js';
import { ExitError } from '../output.js';

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

/** plan.json's JSON Schema (format 2), from the schema `apply plan.json` checks the file with. */
export function buildPlanJsonSchema(): Record<string, unknown> {
  const { $schema: _d, ...plan } = z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://meshward.dev/schema/plan.schema.json',
    title: 'meshward plan (format 2)',
    description: 'What meshward plan --json prints and --out saves: changes with their typed steps (SQL or API calls).',
    ...plan,
  };
}

export function schemaCommand(what: string | undefined): void {
  if (what !== undefined && what !== 'plan' && what !== 'documents') throw new ExitError(1, `meshward schema: unknown schema '${what}'; write meshward schema (policy documents) or meshward schema plan`);
  process.stdout.write(JSON.stringify(what === 'plan' ? buildPlanJsonSchema() : buildJsonSchema(), null, 2) + '\n');
}
