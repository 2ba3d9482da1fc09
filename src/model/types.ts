import type { AttributeType, SourcePos } from './neutral-types.js';
import type { MaskMethod } from '../resolve/mask-methods.js';

/**
 * The neutral policy model, as loaded from the repository: plain values, no I/O. Every element
 * keeps the position it was written at so later stages can report `file:line:col`.
 */

/** A name written in YAML, with where it was written. */
export interface Ref {
  readonly name: string;
  readonly at: SourcePos;
}

export type Scalar = string | number | boolean;

export interface TargetDecl {
  readonly name: string;
  readonly type: string;
  /** Settings as written (after schema validation), `${env:VAR}` still unexpanded. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly settingAt: Readonly<Record<string, SourcePos>>;
  readonly at: SourcePos;
}

export interface Project {
  readonly name: string;
  readonly managedPrefix: string;
  readonly strict: boolean;
  readonly targets: readonly TargetDecl[];
  /** Neutral group -> native principal templates, per target type. */
  readonly principals: Readonly<Record<string, string>>;
  readonly file: string;
  readonly root: string;
  readonly at: SourcePos;
}

export interface TagDef {
  readonly key: string;
  readonly description?: string;
  readonly values: readonly string[];
  readonly ordered: boolean;
  readonly at: SourcePos;
}

export interface Classifier {
  readonly tag: string;
  readonly value: string;
  readonly column?: string;
  readonly values?: string;
  readonly at: SourcePos;
}

export interface TagCatalog {
  readonly tags: ReadonlyMap<string, TagDef>;
  readonly classifiers: readonly Classifier[];
}

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly values?: readonly Scalar[];
  readonly at: SourcePos;
}

export interface GroupAttributeValue {
  readonly values: readonly Scalar[];
  readonly at: SourcePos;
}

export interface Group {
  readonly name: string;
  readonly description?: string;
  readonly memberOf: readonly Ref[];
  readonly attributes: ReadonlyMap<string, GroupAttributeValue>;
  readonly at: SourcePos;
}

/** One `key: value` tag assignment on a table or a column. */
export interface TagAssignment {
  readonly key: string;
  readonly value: string;
  readonly at: SourcePos;
}

export interface ColumnDecl {
  readonly name: string;
  readonly tags: readonly TagAssignment[];
  readonly at: SourcePos;
}

export interface TableDecl {
  /** Neutral name as written: `database.schema.table`. */
  readonly name: string;
  readonly domain: string;
  readonly tags: readonly TagAssignment[];
  readonly columns: readonly ColumnDecl[];
  readonly at: SourcePos;
}

export interface GrantDecl {
  readonly domain: string;
  readonly groups: readonly Ref[];
  readonly read: readonly Ref[];
  readonly at: SourcePos;
}

/** `{ pii: [email, phone] }` or `{ sensitivity: { at_least: confidential } }`. */
export interface TagSelectorEntry {
  readonly key: string;
  readonly values: readonly string[];
  readonly atLeast?: string;
  readonly at: SourcePos;
}
export type TagSelector = readonly TagSelectorEntry[];

export interface MaskSpec {
  readonly kind: 'mask';
  readonly tags?: TagSelector;
  readonly columns?: readonly Ref[];
  readonly method: MaskMethod;
  readonly keepLast?: number;
  readonly methodAt: SourcePos;
}

export interface RowFilterSpec {
  readonly kind: 'row_filter';
  readonly tablesTagged?: TagSelector;
  readonly tables?: readonly Ref[];
  readonly allow: string;
  /** Position of the first character of the expression text (inside quotes). */
  readonly allowAt: SourcePos;
}

export type PolicyScope = 'global' | 'domain';

export interface Policy {
  readonly name: string;
  readonly description?: string;
  readonly scope: PolicyScope;
  /** Owning domain for domain policies. */
  readonly domain?: string;
  readonly spec: MaskSpec | RowFilterSpec;
  readonly exempt: readonly Ref[];
  /** `override`/`exempt_from` keys: accepted by the schema only so a guard rail can refuse them. */
  readonly refusedKeys: readonly RefusedKey[];
  readonly at: SourcePos;
}

export interface RefusedKey {
  readonly key: string;
  readonly value: unknown;
  readonly at: SourcePos;
}

export interface Domain {
  readonly name: string;
  readonly description?: string;
  readonly owners: readonly Ref[];
  /** `database.schema` territories. */
  readonly schemas: readonly Ref[];
  readonly tables: readonly TableDecl[];
  readonly grants: readonly GrantDecl[];
  readonly policies: readonly Policy[];
  /** `exemptions`/`overrides` keys, refused by a guard rail. */
  readonly refusedKeys: readonly RefusedKey[];
  readonly file: string;
  readonly at: SourcePos;
}

export type ExpectedColumnAccess = MaskMethod | 'clear' | 'masked';

export interface AccessTestRow {
  readonly row: Readonly<Record<string, unknown>>;
  readonly visible: boolean;
  readonly at: SourcePos;
}

export interface AccessTest {
  readonly name?: string;
  readonly groups: readonly Ref[];
  readonly table: Ref;
  readonly readable?: boolean;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly expect: ExpectedColumnAccess; readonly at: SourcePos }>;
  readonly rows: readonly AccessTestRow[];
  readonly at: SourcePos;
}

/** The whole repository after loading; input to the cross-checks and to the resolver. */
export interface Model {
  readonly project: Project;
  readonly catalog: TagCatalog;
  readonly attributes: ReadonlyMap<string, AttributeDef>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly globalPolicies: readonly Policy[];
  readonly domains: readonly Domain[];
  readonly accessTests: readonly AccessTest[];
}
