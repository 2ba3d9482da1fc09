import { z } from 'zod';
import { settingsSchemas, settingsVersion } from '../../targets/settings.js';
import { identifier, name } from './common.js';

/** A target's name also names its embedded database directory, `.meshward/<target>/`. */
const targetName = name.min(1, 'must not be empty').regex(/^(?!\.\.?$)[^/\\]+$/, "a target name names a directory (.meshward/<target>): no '/', '\\', '.' or '..'");

/**
 * A target block: the settings schema its `type` registers (targets/settings.ts), checked when the
 * document is parsed. The Project schema is built from the registry as it is now, and again when a
 * type has been registered or removed since (a test's target, registered for one test file).
 */
const targetBlock = () => z.discriminatedUnion('type', settingsSchemas() as unknown as [z.ZodObject, ...z.ZodObject[]]);

const buildProjectDoc = () =>
  z.strictObject({
    kind: z.literal('Project'),
    name: identifier.regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" or "-"'),
    managed_prefix: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,15}$/, 'start with a lower-case letter; lower-case letters, digits and "_" only, at most 16')
      .default('mw_'),
    strict: z.boolean().default(false),
    targets: z.record(targetName, targetBlock()).default({}),
    principals: z.record(z.string(), z.string()).default({}),
  });

let built: { version: number; schema: ReturnType<typeof buildProjectDoc> } | undefined;

/** The Project document's schema for the target types registered now. */
export function projectDoc(): ReturnType<typeof buildProjectDoc> {
  if (built?.version !== settingsVersion()) built = { version: settingsVersion(), schema: buildProjectDoc() };
  return built.schema;
}

export type ProjectInput = z.infer<ReturnType<typeof buildProjectDoc>>;
