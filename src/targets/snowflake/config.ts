import { z } from 'zod';
import { governanceSchema, name } from '../../config/schema/common.js';

/** The settings of a `snowflake` target block in meshward.yaml (its JSON Schema and validate come from here). The target itself arrives with its issue. */
export const snowflakeSettings = z.strictObject({
  type: z.literal('snowflake'),
  connection: z.string().optional(),
  account: z.string().optional(),
  user: z.string().optional(),
  role: z.string().optional(),
  warehouse: z.string().optional(),
  authenticator: z.string().optional(),
  private_key_path: z.string().optional(),
  password: z.string().optional(),
  governance_schema: governanceSchema,
});

