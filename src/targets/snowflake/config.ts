import { z } from 'zod';
import { governanceSchema, name } from '../../config/schema/common.js';

/**
 * The settings of a `snowflake` target block in meshward.yaml (its JSON Schema and validate come
 * from here). The connection keys are the Snowflake CLI's (connection-config.ts resolves them with
 * `connection`, the environment and connections.toml in the CLI's order). The target itself is
 * being built (issue 12).
 */
export const snowflakeSettings = z.strictObject({
  type: z.literal('snowflake'),
  connection: z.string().optional(),
  account: z.string().optional(),
  user: z.string().optional(),
  role: z.string().optional(),
  warehouse: z.string().optional(),
  authenticator: z.string().optional(),
  private_key_path: z.string().optional(),
  private_key_passphrase: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  token_file_path: z.string().optional(),
  host: z.string().optional(),
  governance_schema: governanceSchema,
  /** The database of the governance schema and the state store (default: the governed tables' one database). */
  governance_database: z.string().optional(),
  /** How long the apply lease lasts before another apply may take it (renewed while applying). */
  lease_seconds: z.number().int().min(30).max(86400).optional(),
});

