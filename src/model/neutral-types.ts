/** The column types every target maps its native types onto (product.md, Inventory). */
export const NEUTRAL_TYPES = ['string', 'number', 'boolean', 'date', 'timestamp', 'binary', 'json', 'other'] as const;
export type NeutralType = (typeof NEUTRAL_TYPES)[number];

/** Types a declared user attribute may have: the scalar types a row filter can compare. */
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'timestamp'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** A position in a source file, 1-based, as printed in `file:line:col`. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}
