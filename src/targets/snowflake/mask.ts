import type { NeutralType } from '../../model/neutral-types.js';
import { KEEP_LAST_DEFAULT, KEEP_LAST_MAX, KEEP_LAST_MIN, type MaskMethod } from '../../resolve/mask-methods.js';

/**
 * Masking methods (product.md, Masking) as Snowflake expressions over a masking policy's first
 * argument. A masking policy returns its argument's type (create-masking-policy: RETURNS must
 * equal the input type), so every expression here is of the column's type; NULL stays NULL.
 *
 * Functions, each as documented on docs.snowflake.com/en/sql-reference/functions/…:
 *   SHA2(x, 256) — hex-encoded lowercase SHA-256 of the UTF-8 bytes (sha2); SHA2_BINARY (sha2_binary);
 *   LENGTH / RIGHT count characters (length, right); SPLIT_PART with a negative part counts from
 *   the end (split_part); CONTAINS (contains); DATE_TRUNC('YEAR', …) keeps a DATE a DATE and a
 *   TIMESTAMP_NTZ a TIMESTAMP_NTZ (date_trunc); TO_BINARY('', 'HEX') is empty bytes (to_binary);
 *   PARSE_JSON('null') is the JSON null, not SQL NULL (parse_json).
 *
 * The expected outputs are `applyMask` in src/resolve/mask-methods.ts; test/targets/snowflake/
 * mask.test.ts evaluates every method × type on the simulator and compares.
 */

/** The Snowflake type of a masking policy's argument for a neutral column type (the policy's signature). */
export function policyType(type: NeutralType): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'number':
      return 'NUMBER';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP_NTZ';
    case 'binary':
      return 'BINARY';
    case 'json':
      return 'VARIANT';
    default:
      throw new TypeError(`no Snowflake masking policy type for a ${type} column`);
  }
}

/** The masked value of `arg` (the policy argument, e.g. `VAL`) by `method`, in the argument's type. */
export function maskSql(method: MaskMethod, keepLast: number | undefined, arg: string, type: NeutralType): string {
  switch (method) {
    case 'nullify':
      return 'NULL';
    case 'redact':
      return `IFF(${arg} IS NULL, NULL, ${redactedValue(type)})`;
    case 'hash':
      return type === 'binary' ? `SHA2_BINARY(${arg}, 256)` : `SHA2(${arg}, 256)`;
    case 'partial': {
      const keep = keepLast ?? KEEP_LAST_DEFAULT;
      if (!Number.isInteger(keep) || keep < KEEP_LAST_MIN || keep > KEEP_LAST_MAX) throw new RangeError(`keep_last must be an integer from ${KEEP_LAST_MIN} to ${KEEP_LAST_MAX}, got ${keep}`);
      return `IFF(LENGTH(${arg}) > ${keep}, 'XXXXX' || RIGHT(${arg}, ${keep}), SHA2(${arg}, 256))`;
    }
    case 'email_domain':
      return `IFF(CONTAINS(${arg}, '@'), 'XXXXX@' || SPLIT_PART(${arg}, '@', -1), SHA2(${arg}, 256))`;
    case 'year_only':
      return `DATE_TRUNC('YEAR', ${arg})`;
  }
}

/** The type's default (product.md: '', 0, false, 1970-01-01, the epoch, empty bytes, JSON null). */
function redactedValue(type: NeutralType): string {
  switch (type) {
    case 'string':
      return "''";
    case 'number':
      return '0';
    case 'boolean':
      return 'FALSE';
    case 'date':
      return "TO_DATE('1970-01-01')";
    case 'timestamp':
      return "TO_TIMESTAMP_NTZ('1970-01-01 00:00:00')";
    case 'binary':
      return "TO_BINARY('', 'HEX')";
    case 'json':
      return "PARSE_JSON('null')";
    default:
      throw new TypeError(`redact has no default value for a ${type} column`);
  }
}
