import { z } from 'zod';

/**
 * Characters no target can express in a name: control characters (C0, DEL, C1 — NUL among them,
 * which PostgreSQL refuses outright) and unpaired surrogates (no UTF-8 spelling). Every neutral
 * name — groups, tables, columns, tags and their values, policies, domains, attributes, schemas,
 * targets — is checked against it (issue 8, item 13); zod-issues.ts names the character found.
 */
export const NAME_PATTERN = /^[^\p{Cc}\p{Cs}]*$/u;
export const NAME_MESSAGE = 'a name cannot contain control characters';

/** A text value that becomes a literal (attribute values): NUL and unpaired surrogates have no spelling. */
export const TEXT_PATTERN = /^[^\u0000\p{Cs}]*$/u;
export const TEXT_MESSAGE = 'a value cannot contain NUL or an unpaired surrogate';

/** Any neutral name, as written (references included): no control characters. */
export const name = z.string().regex(NAME_PATTERN, NAME_MESSAGE);

/** A name a group, tag, attribute or policy may have: stable across engines once prefixed. */
export const identifier = name
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const scalar = z.union([z.string().regex(TEXT_PATTERN, TEXT_MESSAGE), z.number(), z.boolean()]);

/** `value`, `[v1, v2]` or, for ordered tags, `{ at_least: v }`. */
export const tagSelectorValue = z.union([
  name,
  z.array(name).min(1, 'list at least one tag value'),
  z.strictObject({ at_least: name }),
]);

export const tagSelector = z
  .record(name, tagSelectorValue)
  .refine((r) => Object.keys(r).length > 0, 'name at least one tag, e.g. { pii: email }');

export const maskMethod = z.enum(['nullify', 'redact', 'hash', 'partial', 'email_domain', 'year_only']);

export const policy = z.strictObject({
  name: identifier.regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "_", "-" or "."'),
  description: z.string().optional(),
  mask: z
    .strictObject({
      tags: tagSelector.optional(),
      columns: z.array(name).min(1).optional(),
      method: maskMethod,
      keep_last: z.number().int().min(1).max(16).optional(),
      exempt: z.array(name).optional(),
    })
    .optional(),
  row_filter: z
    .strictObject({
      tables_tagged: tagSelector.optional(),
      tables: z.array(name).min(1).optional(),
      allow: z.string().min(1, 'write a predicate, e.g. "region IN user.region"'),
      exempt: z.array(name).optional(),
    })
    .optional(),
  // Accepted by the schema only so that the guard rail can explain why they are refused.
  override: z.union([z.string(), z.array(z.string())]).optional(),
  overrides: z.union([z.string(), z.array(z.string())]).optional(),
  exempt_from: z.union([z.string(), z.array(z.string())]).optional(),
});

export type PolicyInput = z.infer<typeof policy>;

/** `governance_schema:` of a target block (every target keeps its recorded state under one). */
export const governanceSchema = name.min(1).optional();
