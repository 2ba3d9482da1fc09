/**
 * A stateful in-memory Snowflake simulator for tests (never shipped; nothing in src/ imports it).
 * See README.md for the modelled behaviours and their documentation.
 */
export { createSimulator, Simulator, type SimulatorOptions, type SeedTable, type SeedColumn, type SeedUser, type LoggedStatement } from './simulator.js';
export { SimConnection, SimStatement, SimColumn, ClientError, type SimConnectionOptions, type SimStatementOptions, type SimBind } from './connection.js';
export { SimError } from './errors.js';
export type { FaultError } from './faults.js';
export type { Account, QueryRecord, AccessRecord } from './state.js';
export { tokenize, type Token } from './lexer.js';
export { parseStatement } from './parser.js';
export { quoteIfNeeded, qualified, parseNameString } from './names.js';
