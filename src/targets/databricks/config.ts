import { z } from 'zod';
import { governanceSchema, name } from '../../config/schema/common.js';

/** The settings of a `databricks` target block in meshward.yaml (its JSON Schema and validate come from here). The target itself arrives with its issue. */
export const databricksSettings = z.strictObject({
  type: z.literal('databricks'),
  host: z.string().optional(),
  http_path: z.string().optional(),
  token: z.string().optional(),
  governance_schema: governanceSchema,
});

