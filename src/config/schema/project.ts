import { z } from 'zod';
import { identifier, name } from './common.js';

const governanceSchema = name.min(1).optional();

/** A target's name also names its embedded database directory, `.meshward/<target>/`. */
const targetName = name.min(1, 'must not be empty').regex(/^(?!\.\.?$)[^/\\]+$/, "a target name names a directory (.meshward/<target>): no '/', '\\', '.' or '..'");

const postgresTarget = z.strictObject({
  type: z.literal('postgres'),
  url: z.string().optional(),
  database: name.optional(),
  bootstrap: z.union([z.string(), z.array(z.string())]).optional(),
  governance_schema: governanceSchema,
});

const snowflakeTarget = z.strictObject({
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

const databricksTarget = z.strictObject({
  type: z.literal('databricks'),
  host: z.string().optional(),
  http_path: z.string().optional(),
  token: z.string().optional(),
  governance_schema: governanceSchema,
});

const bigqueryTarget = z.strictObject({
  type: z.literal('bigquery'),
  project: z.string(),
  location: z.string().optional(),
  projects: z.record(z.string(), z.string()).optional(),
  key_file: z.string().optional(),
  governance_schema: governanceSchema,
});

export const target = z.discriminatedUnion('type', [postgresTarget, snowflakeTarget, databricksTarget, bigqueryTarget]);

export const projectDoc = z.strictObject({
  kind: z.literal('Project'),
  name: identifier.regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" or "-"'),
  managed_prefix: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,15}$/, 'start with a lower-case letter; lower-case letters, digits and "_" only, at most 16')
    .default('mw_'),
  strict: z.boolean().default(false),
  targets: z.record(targetName, target).default({}),
  principals: z.record(z.string(), z.string()).default({}),
});

export type ProjectInput = z.infer<typeof projectDoc>;
