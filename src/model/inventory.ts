import type { NeutralType } from './neutral-types.js';

/**
 * What a warehouse holds: tables, their columns and types (product.md, Inventory). It is the
 * stable `inventory.json` shape (`format: 1`) that `validate`, `explain` and `plan` check names
 * and types against.
 */
export interface InventoryColumn {
  readonly name: string;
  /** The neutral type masks and row filters are type-checked against. */
  readonly type: NeutralType;
  /** The engine's own spelling, e.g. `numeric(12,2)`, for messages and reviewers. */
  readonly native_type: string;
}

export interface InventoryTable {
  /** Neutral name `database.schema.table`, exactly as stored by the engine. */
  readonly name: string;
  /** The table's quoted name in the target's dialect, e.g. `"sales"."customers"`. */
  readonly native: string;
  /** In the engine's column order. */
  readonly columns: readonly InventoryColumn[];
}

export interface Inventory {
  readonly format: 1;
  /** Sorted by `name` (code-unit order), so the JSON is stable. */
  readonly tables: readonly InventoryTable[];
}
