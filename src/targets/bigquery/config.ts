import { z } from 'zod';
import { governanceSchema, name } from '../../config/schema/common.js';

/** The settings of a `bigquery` target block in meshward.yaml (its JSON Schema and validate come from here). The target itself arrives with its issue. */
export const bigquerySettings = z.strictObject({
  type: z.literal('bigquery'),
  project: z.string(),
  location: z.string().optional(),
  projects: z.record(z.string(), z.string()).optional(),
  key_file: z.string().optional(),
  governance_schema: governanceSchema,
});

