import { z } from 'zod';
import { governanceSchema, name } from '../../config/schema/common.js';

/** The settings of a `postgres` target block in meshward.yaml (its JSON Schema and validate come from here). */
export const postgresSettings = z.strictObject({
  type: z.literal('postgres'),
  url: z.string().optional(),
  database: name.optional(),
  bootstrap: z.union([z.string(), z.array(z.string())]).optional(),
  governance_schema: governanceSchema,
});

