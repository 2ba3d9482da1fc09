import { z } from 'zod';

/** A name a group, tag, attribute or policy may have: stable across engines once prefixed. */
export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** `value`, `[v1, v2]` or, for ordered tags, `{ at_least: v }`. */
export const tagSelectorValue = z.union([
  z.string(),
  z.array(z.string()).min(1, 'list at least one tag value'),
  z.strictObject({ at_least: z.string() }),
]);

export const tagSelector = z
  .record(z.string(), tagSelectorValue)
  .refine((r) => Object.keys(r).length > 0, 'name at least one tag, e.g. { pii: email }');

export const maskMethod = z.enum(['nullify', 'redact', 'hash', 'partial', 'email_domain', 'year_only']);

export const policy = z.strictObject({
  name: identifier.regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "_", "-" or "."'),
  description: z.string().optional(),
  mask: z
    .strictObject({
      tags: tagSelector.optional(),
      columns: z.array(z.string()).min(1).optional(),
      method: maskMethod,
      keep_last: z.number().int().min(1).max(16).optional(),
      exempt: z.array(z.string()).optional(),
    })
    .optional(),
  row_filter: z
    .strictObject({
      tables_tagged: tagSelector.optional(),
      tables: z.array(z.string()).min(1).optional(),
      allow: z.string().min(1, 'write a predicate, e.g. "region IN user.region"'),
      exempt: z.array(z.string()).optional(),
    })
    .optional(),
  // Accepted by the schema only so that the guard rail can explain why they are refused.
  override: z.union([z.string(), z.array(z.string())]).optional(),
  overrides: z.union([z.string(), z.array(z.string())]).optional(),
  exempt_from: z.union([z.string(), z.array(z.string())]).optional(),
});

export type PolicyInput = z.infer<typeof policy>;
