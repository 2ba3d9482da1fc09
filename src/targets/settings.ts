import type { z } from 'zod';
import { bigquerySettings } from './bigquery/config.js';
import { databricksSettings } from './databricks/config.js';
import { postgresSettings } from './postgres/config.js';
import { snowflakeSettings } from './snowflake/config.js';

/**
 * The settings schema of every target type meshward.yaml may name, keyed by `type` (a strict zod
 * object whose `type` is that literal). The project schema, its JSON Schema and `validate` are
 * built from here; a type with settings but no implementation yet validates and is refused at
 * connect. Kept apart from the implementations (targets/index.ts) so that loading a document
 * never loads a driver.
 */
const schemas = new Map<string, z.ZodObject>([
  ['postgres', postgresSettings],
  ['snowflake', snowflakeSettings],
  ['databricks', databricksSettings],
  ['bigquery', bigquerySettings],
]);

/** Bumped on every registration and removal: the project schema is rebuilt when it changed (config/schema/project.ts). */
let version = 0;

export function settingsVersion(): number {
  return version;
}

/** Every registered settings schema, in registration order. */
export function settingsSchemas(): z.ZodObject[] {
  return [...schemas.values()];
}

/** Every target type meshward.yaml may name. */
export function targetTypes(): string[] {
  return [...schemas.keys()];
}

/** Registers another type's settings (targets/index.ts registerTarget); returns what undoes it. */
export function registerSettings(type: string, schema: z.ZodObject): () => void {
  const before = schemas.get(type);
  schemas.set(type, schema);
  version++;
  return () => {
    if (before) schemas.set(type, before);
    else schemas.delete(type);
    version++;
  };
}
