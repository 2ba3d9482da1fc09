/**
 * Snowflake data types (https://docs.snowflake.com/en/sql-reference/intro-summary-data-types):
 * synonyms resolve to a base type — VARCHAR/STRING/TEXT/CHAR → VARCHAR (default length 16777216),
 * NUMBER/DECIMAL/NUMERIC/INT/INTEGER/BIGINT/SMALLINT/TINYINT/BYTEINT → NUMBER (INT synonyms are
 * NUMBER(38,0)), FLOAT/DOUBLE/REAL → FLOAT, TIMESTAMP/DATETIME → TIMESTAMP_NTZ (the default
 * TIMESTAMP_TYPE_MAPPING).
 */
export type BaseType = 'VARCHAR' | 'NUMBER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'TIME' | 'TIMESTAMP_NTZ' | 'TIMESTAMP_LTZ' | 'TIMESTAMP_TZ' | 'VARIANT' | 'ARRAY' | 'OBJECT' | 'BINARY';

export interface SqlType {
  readonly base: BaseType;
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
}

export const VARCHAR: SqlType = { base: 'VARCHAR', length: 16777216 };
export const NUMBER: SqlType = { base: 'NUMBER', precision: 38, scale: 0 };
export const FLOAT: SqlType = { base: 'FLOAT' };
export const BOOLEAN: SqlType = { base: 'BOOLEAN' };
export const DATE: SqlType = { base: 'DATE' };
export const TIMESTAMP_LTZ: SqlType = { base: 'TIMESTAMP_LTZ', scale: 9 };
export const TIMESTAMP_NTZ: SqlType = { base: 'TIMESTAMP_NTZ', scale: 9 };
export const VARIANT: SqlType = { base: 'VARIANT' };
export const ARRAY: SqlType = { base: 'ARRAY' };
export const OBJECT: SqlType = { base: 'OBJECT' };

const SYNONYMS: Record<string, BaseType> = {
  VARCHAR: 'VARCHAR', STRING: 'VARCHAR', TEXT: 'VARCHAR', CHAR: 'VARCHAR', CHARACTER: 'VARCHAR', NVARCHAR: 'VARCHAR', NCHAR: 'VARCHAR', NVARCHAR2: 'VARCHAR',
  NUMBER: 'NUMBER', DECIMAL: 'NUMBER', NUMERIC: 'NUMBER', DEC: 'NUMBER', INT: 'NUMBER', INTEGER: 'NUMBER', BIGINT: 'NUMBER', SMALLINT: 'NUMBER', TINYINT: 'NUMBER', BYTEINT: 'NUMBER',
  FLOAT: 'FLOAT', FLOAT4: 'FLOAT', FLOAT8: 'FLOAT', DOUBLE: 'FLOAT', REAL: 'FLOAT',
  BOOLEAN: 'BOOLEAN', DATE: 'DATE', TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP_NTZ', DATETIME: 'TIMESTAMP_NTZ', TIMESTAMP_NTZ: 'TIMESTAMP_NTZ', TIMESTAMPNTZ: 'TIMESTAMP_NTZ', 'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP_NTZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ', TIMESTAMPLTZ: 'TIMESTAMP_LTZ', 'TIMESTAMP WITH LOCAL TIME ZONE': 'TIMESTAMP_LTZ',
  TIMESTAMP_TZ: 'TIMESTAMP_TZ', TIMESTAMPTZ: 'TIMESTAMP_TZ', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP_TZ',
  VARIANT: 'VARIANT', ARRAY: 'ARRAY', OBJECT: 'OBJECT', BINARY: 'BINARY', VARBINARY: 'BINARY',
};

export function isTypeName(word: string): boolean {
  return word in SYNONYMS;
}

/** Builds the type for a written name and its optional (p[, s]) arguments. */
export function makeType(word: string, args: readonly number[]): SqlType | null {
  const base = SYNONYMS[word];
  if (!base) return null;
  if (base === 'VARCHAR') return { base, length: args[0] ?? (word === 'CHAR' || word === 'CHARACTER' || word === 'NCHAR' ? 1 : 16777216) };
  if (base === 'NUMBER') {
    if (word !== 'NUMBER' && word !== 'DECIMAL' && word !== 'NUMERIC' && word !== 'DEC') return NUMBER;
    return { base, precision: args[0] ?? 38, scale: args[1] ?? 0 };
  }
  if (base.startsWith('TIMESTAMP') || base === 'TIME') return { base, scale: args[0] ?? 9 };
  if (base === 'BINARY') return { base, length: args[0] ?? 8388608 };
  return { base };
}

/** The type as DESCRIBE / SHOW / GET_DDL print it in full: VARCHAR(16777216), NUMBER(38,0), TIMESTAMP_LTZ(9). */
export function typeText(t: SqlType): string {
  switch (t.base) {
    case 'VARCHAR': return `VARCHAR(${t.length ?? 16777216})`;
    case 'NUMBER': return `NUMBER(${t.precision ?? 38},${t.scale ?? 0})`;
    case 'BINARY': return `BINARY(${t.length ?? 8388608})`;
    case 'TIME': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ': case 'TIMESTAMP_TZ': return `${t.base}(${t.scale ?? 9})`;
    default: return t.base;
  }
}

/** INFORMATION_SCHEMA.COLUMNS.DATA_TYPE: TEXT, NUMBER, FLOAT, BOOLEAN, DATE, TIMESTAMP_NTZ, VARIANT… */
export function infoSchemaType(t: SqlType): string {
  return t.base === 'VARCHAR' ? 'TEXT' : t.base;
}

/** The column type name the Node driver reports (snowflake-sdk dist/lib/connection/result/data_types.js). */
export function sdkType(t: SqlType): string {
  switch (t.base) {
    case 'VARCHAR': return 'text';
    case 'NUMBER': return 'fixed';
    case 'FLOAT': return 'real';
    default: return t.base.toLowerCase();
  }
}

/**
 * Whether a column of type `col` matches a policy signature type `sig`: on the base type, not
 * the length (DESCRIBE shows a STRING policy as VARCHAR and it attaches to VARCHAR(n) columns —
 * https://docs.snowflake.com/en/sql-reference/sql/desc-masking-policy). NUMBER scale and
 * TIMESTAMP_* variants: each TIMESTAMP_* is its own type; NUMBER matches NUMBER [UNCONFIRMED].
 */
export function sameBaseType(col: SqlType, sig: SqlType): boolean {
  return col.base === sig.base;
}
