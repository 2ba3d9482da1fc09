/**
 * Errors shaped like snowflake-sdk's OperationFailedError: an Error whose `code` is Snowflake's
 * error code as the service sends it (a zero-padded string such as '002003', which the SDK copies
 * from the response body unchanged — node_modules/snowflake-sdk/dist/lib/services/sf.js
 * `createOperationFailedError(body.code, …)`), `sqlState`, and `data` (with the queryId).
 * Message texts follow what Snowflake prints; where a text was not confirmed in the docs the
 * README says so.
 */
export class SimError extends Error {
  override name = 'OperationFailedError';
  declare cause?: Error;
  readonly code: string;
  readonly sqlState: string;
  data: { queryId?: string; type?: string };
  readonly isFatal = false;
  constructor(code: string, sqlState: string, message: string) {
    super(message);
    this.code = code;
    this.sqlState = sqlState;
    this.data = {};
  }
}

const COMPILE = 'SQL compilation error:\n';

/** https://docs.snowflake.com/en/sql-reference/constructs — a parse failure: 001003, 42000; position is 0-based. */
export function syntaxError(line: number, position: number, near: string): SimError {
  return new SimError('001003', '42000', `${COMPILE}syntax error line ${line} at position ${position} unexpected '${near}'.`);
}

export type ObjectKind = 'Object' | 'Database' | 'Schema' | 'Role' | 'User' | 'Warehouse' | 'Tag' | 'Masking policy' | 'Row access policy' | 'Table';

/** "does not exist or not authorized" — 002003 / 42S02: missing, or invisible to the active roles. */
export function notExist(kind: ObjectKind, name: string): SimError {
  if (kind === 'Role') return new SimError('002003', '02000', `${COMPILE}Role '${name}' does not exist or not authorized.`);
  if (kind === 'User') return new SimError('002003', '02000', `${COMPILE}User '${name}' does not exist or not authorized.`);
  return new SimError('002003', '42S02', `${COMPILE}${kind} '${name}' does not exist or not authorized.`);
}

/** 002002 / 42710. */
export function alreadyExists(_kind: string, name: string): SimError {
  return new SimError('002002', '42710', `${COMPILE}Object '${name}' already exists.`);
}

/** 003001 / 42501 — https://docs.snowflake.com/en/user-guide/security-access-control-overview */
export function insufficient(kind: string, name: string): SimError {
  return new SimError('003001', '42501', `SQL access control error:\nInsufficient privileges to operate on ${kind} '${name}'`);
}

/** 002140 / 42601. */
export function unknownFunction(name: string): SimError {
  return new SimError('002140', '42601', `${COMPILE}Unknown function ${name}`);
}

/** 000904 / 42000. */
export function invalidIdentifier(name: string, line = 1, position = 0): SimError {
  return new SimError('000904', '42000', `${COMPILE.slice(0, -1)} error line ${line} at position ${position}\ninvalid identifier '${name}'`);
}

export function compileError(code: string, message: string, sqlState = '42601'): SimError {
  return new SimError(code, sqlState, `${COMPILE}${message}`);
}

export function executionError(code: string, message: string, sqlState = '22000'): SimError {
  return new SimError(code, sqlState, `SQL execution error:\n${message}`);
}

export function plainError(code: string, message: string, sqlState = '22000'): SimError {
  return new SimError(code, sqlState, message);
}

/** Numeric value 'x' is not recognized — 100038 / 22018. */
export function notRecognized(kind: string, value: string): SimError {
  return new SimError('100038', '22018', `${kind} '${value}' is not recognized`);
}
