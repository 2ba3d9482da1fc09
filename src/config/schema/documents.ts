import { z } from 'zod';
import { identifier, name, policy, scalar } from './common.js';
import { projectDoc } from './project.js';

export const tagCatalogDoc = z.strictObject({
  kind: z.literal('TagCatalog'),
  tags: z.record(
    identifier,
    z.strictObject({
      description: z.string().optional(),
      values: z.array(name.min(1)).min(1, 'list the allowed values'),
      ordered: z.boolean().default(false),
    }),
  ),
  classifiers: z
    .array(
      z.strictObject({
        tag: name.regex(/^[^=\s]+=[^=\s]+$/, 'write key=value, e.g. pii=email'),
        column: z.string().optional(),
        values: z.string().optional(),
      }),
    )
    .default([]),
});

export const principalsDoc = z.strictObject({
  kind: z.literal('Principals'),
  attributes: z
    .record(
      identifier,
      z.strictObject({
        type: z.enum(['string', 'number', 'boolean', 'date', 'timestamp']).default('string'),
        values: z.array(scalar).optional(),
        description: z.string().optional(),
      }),
    )
    .default({}),
  groups: z.record(
    identifier,
    z
      .strictObject({
        description: z.string().optional(),
        member_of: z.array(name).default([]),
        attributes: z.record(name, z.union([scalar, z.array(scalar)])).default({}),
      })
      .nullable(),
  ),
});

export const globalPoliciesDoc = z.strictObject({
  kind: z.literal('GlobalPolicies'),
  policies: z.array(policy).default([]),
});

const tagAssignments = z.record(name, name);

export const domainDoc = z.strictObject({
  kind: z.literal('Domain'),
  name: identifier.regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" or "-"'),
  description: z.string().optional(),
  owners: z.array(name).default([]),
  schemas: z.array(name).min(1, 'a domain claims at least one database.schema'),
  tables: z
    .record(
      name,
      z
        .strictObject({
          description: z.string().optional(),
          tags: tagAssignments.default({}),
          columns: z.record(name, tagAssignments.nullable()).default({}),
        })
        .nullable(),
    )
    .default({}),
  grants: z
    .array(z.strictObject({ groups: z.array(name).min(1), read: z.array(name).min(1) }))
    .default([]),
  policies: z.array(policy).default([]),
  // Accepted only so the guard rail can say why they are refused.
  exemptions: z.unknown().optional(),
  overrides: z.unknown().optional(),
});

export const accessTestsDoc = z.strictObject({
  kind: z.literal('AccessTests'),
  tests: z.array(
    z.strictObject({
      name: z.string().optional(),
      group: name.optional(),
      groups: z.array(name).min(1).optional(),
      table: name,
      readable: z.boolean().optional(),
      columns: z
        .record(name, z.enum(['clear', 'masked', 'nullify', 'redact', 'hash', 'partial', 'email_domain', 'year_only']))
        .default({}),
      rows: z.array(z.strictObject({ row: z.record(name, z.unknown()), visible: z.boolean() })).default([]),
    }),
  ),
});

/** Every document kind, keyed by `kind:`; the single source of truth for shapes. */
export const documentSchemas = {
  /** Rebuilt when a target type is registered (project.ts). */
  get Project() {
    return projectDoc();
  },
  TagCatalog: tagCatalogDoc,
  Principals: principalsDoc,
  GlobalPolicies: globalPoliciesDoc,
  Domain: domainDoc,
  AccessTests: accessTestsDoc,
} as const;

export type DocumentKind = keyof typeof documentSchemas;
export const DOCUMENT_KINDS = Object.keys(documentSchemas) as DocumentKind[];
export type DocumentInput<K extends DocumentKind> = z.infer<(typeof documentSchemas)[K]>;
