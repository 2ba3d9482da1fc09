import type { Inventory } from '../model/inventory.js';
import type { AttributeType } from '../model/neutral-types.js';
import type { MaskMethod } from '../resolve/mask-methods.js';

/**
 * What `meshward import` read from a target, in neutral terms: the target reads its catalog (a
 * fixed number of bulk queries) and fills this in; `draft.ts` turns it into a policy repository.
 * Nothing here knows a dialect.
 */

export type ImportScalar = string | number | boolean;

/** The meshward project whose managed objects were found on the target (by marker). */
export interface EstateProject {
  readonly name: string;
  readonly prefix: string;
  readonly governanceSchema: string;
  /** The governance schema is the default `<prefix>meta`. */
  readonly defaultGovernance: boolean;
}

export interface EstateGroup {
  readonly name: string;
  /** Groups this one is a direct member of (role memberships between imported groups). */
  readonly memberOf: readonly string[];
  /** The group's own attribute values, recovered from the recorded views (managed groups only). */
  readonly attributes: ReadonlyMap<string, readonly ImportScalar[]>;
  /** The native principal it was read from (`mw_sales_analysts`, or an existing role `analysts`). */
  readonly native: string;
  /** Read from a managed role of the project (by marker), else from an existing role. */
  readonly managed: boolean;
}

export interface EstateAttribute {
  readonly name: string;
  readonly type: AttributeType;
  /** Every value seen (group values and literals the filters compare with), sorted. */
  readonly values: readonly ImportScalar[];
}

export interface EstateTable {
  /** Neutral `database.schema.table` (parts quoted where needed). */
  readonly name: string;
  /** Neutral `database.schema`: the territory it belongs to. */
  readonly schema: string;
  /** Native schema name (for file names and messages). */
  readonly nativeSchema: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Column name -> its tags. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Groups that may read it (SELECT on the managed view, or on the table for an unmanaged estate). */
  readonly readers: readonly string[];
  /** Governed by the project found on the target (it has a managed view). */
  readonly managed: boolean;
}

/** One recorded mask on one column. */
export interface EstateMask {
  readonly policy: string;
  readonly method: MaskMethod;
  readonly keepLast?: number;
  readonly exempt: readonly string[];
  /** Neutral table name. */
  readonly table: string;
  readonly column: string;
}

/** One recorded row filter on one table. */
export interface EstateFilter {
  readonly policy: string;
  /** Neutral `allow` text, as recorded. */
  readonly allow: string;
  readonly exempt: readonly string[];
  readonly table: string;
  /** Position of this filter in the table's AND of filters (as compiled); undefined when it could not be read. */
  readonly position?: number;
  /**
   * Its compiled text at that position, normalised. Filters compiled to the same text cannot be
   * told apart, so their positions are interchangeable: an order is right when it reproduces the texts.
   */
  readonly compiled?: string;
}

export type UnrepresentableKind =
  | 'rls_policy'
  | 'row_security'
  | 'view'
  | 'function'
  | 'column_grant'
  | 'privilege'
  | 'public_grant'
  | 'login_grant'
  | 'contradicting_grant'
  | 'ambiguous_name';

/** Something the neutral model cannot hold: reported, left unmanaged, never touched. */
export interface Unrepresentable {
  readonly kind: UnrepresentableKind;
  /** What it is on, for people: `sales.orders`, `function public.mask_email(text)`. */
  readonly object: string;
  readonly detail: string;
  /** Native schema it lives in, when it lives in one (to comment it in that domain's file). */
  readonly schema?: string;
  /** Neutral table it concerns, when it concerns one. */
  readonly table?: string;
}

/** A role that is not a group but a member of imported groups (a person or a service). */
export interface EstateMember {
  readonly role: string;
  readonly login: boolean;
  /** Imported groups it is a direct member of. */
  readonly groups: readonly string[];
}

export interface ImportedEstate {
  /** The meshward project whose managed objects were found, if any. */
  readonly project: EstateProject | null;
  /** The neutral database label every table is named under. */
  readonly database: string;
  readonly groups: readonly EstateGroup[];
  readonly attributes: readonly EstateAttribute[];
  /** Governed tables of the draft (managed ones, and tables granted to imported groups). */
  readonly tables: readonly EstateTable[];
  readonly masks: readonly EstateMask[];
  readonly filters: readonly EstateFilter[];
  readonly members: readonly EstateMember[];
  readonly unrepresentable: readonly Unrepresentable[];
  /** Things a reviewer should know that are not objects (e.g. an attribute that could not be recovered). */
  readonly notes: readonly string[];
  readonly inventory: Inventory;
  /** Catalog queries issued (a fixed number, whatever the number of tables). */
  readonly queryCount: number;
}

/** What the caller knows before reading: the repository's project and target, if run inside one. */
export interface ImportOptions {
  /** Neutral database label (the target's `database:`), else the engine's database name. */
  readonly database?: string;
  /** The repository's project: preferred when the target holds several meshward projects. */
  readonly project?: string;
  /** Choose this project's managed objects (the `--project` option). */
  readonly onlyProject?: string;
}
