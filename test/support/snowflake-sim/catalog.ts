import type { Name } from './ast.js';
import type { Ctx } from './context.js';
import { SimError, notExist } from './errors.js';
import { nameText } from './names.js';
import type { Column, Database, Policy, Schema, Table, Tag } from './state.js';

/**
 * Name resolution (https://docs.snowflake.com/en/sql-reference/name-resolution): a one-part name
 * uses the session's current database and schema, two parts are schema.object in the current
 * database, three parts are fully qualified. Without a current database or schema the statement
 * fails (090105 / 090106).
 */
export function currentDb(ctx: Ctx, op: string): string {
  const db = ctx.policyFrame ? ctx.policyFrame.table.schema.database.name : ctx.session.database;
  if (!db) throw new SimError('090105', '22000', `Cannot perform ${op}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.`);
  return db;
}

export function currentSchema(ctx: Ctx, op: string): string {
  const s = ctx.policyFrame ? ctx.policyFrame.table.schema.name : ctx.session.schema;
  if (!s) throw new SimError('090106', '22000', `Cannot perform ${op}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.`);
  return s;
}

/** Splits a schema name (1 or 2 parts) into [database, schema]. */
export function schemaParts(ctx: Ctx, name: Name, op: string): [string, string] {
  return name.length === 2 ? [name[0]!, name[1]!] : [currentDb(ctx, op), name[0]!];
}

/** Splits an object name (1–3 parts) into [database, schema, object]. */
export function objectParts(ctx: Ctx, name: Name, op: string): [string, string, string] {
  if (name.length === 3) return [name[0]!, name[1]!, name[2]!];
  if (name.length === 2) return [currentDb(ctx, op), name[0]!, name[1]!];
  return [currentDb(ctx, op), currentSchema(ctx, op), name[0]!];
}

export function getDatabase(ctx: Ctx, name: string): Database {
  const db = ctx.account.databases.get(name);
  if (!db) throw notExist('Database', nameText([name]));
  return db;
}

export function getSchema(ctx: Ctx, name: Name, op: string): Schema {
  const [d, s] = schemaParts(ctx, name, op);
  const db = ctx.account.databases.get(d);
  if (!db) throw notExist('Database', nameText([d]));
  const schema = db.schemas.get(s);
  if (!schema) throw notExist('Schema', nameText([d, s]));
  return schema;
}

export type SchemaObjectKind = 'TABLE' | 'TAG' | 'MASKING_POLICY' | 'ROW_ACCESS_POLICY';

export function lookupObject(ctx: Ctx, name: Name, kind: 'TABLE', op: string): Table | undefined;
export function lookupObject(ctx: Ctx, name: Name, kind: 'TAG', op: string): Tag | undefined;
export function lookupObject(ctx: Ctx, name: Name, kind: 'MASKING_POLICY' | 'ROW_ACCESS_POLICY', op: string): Policy | undefined;
export function lookupObject(ctx: Ctx, name: Name, kind: SchemaObjectKind, op: string): Table | Tag | Policy | undefined {
  const [d, s, o] = objectParts(ctx, name, op);
  const schema = ctx.account.databases.get(d)?.schemas.get(s);
  if (!schema) return undefined;
  const map = kind === 'TABLE' ? schema.tables : kind === 'TAG' ? schema.tagObjects : kind === 'MASKING_POLICY' ? schema.maskingPolicies : schema.rowAccessPolicies;
  return map.get(o);
}

export function fqn(o: Table | Tag | Policy): string {
  return nameText([o.schema.database.name, o.schema.name, o.name]);
}

export function fqnParts(o: Table | Tag | Policy): [string, string, string] {
  return [o.schema.database.name, o.schema.name, o.name];
}

export function findColumn(t: Table, name: string): Column | undefined {
  return t.columns.find((c) => c.name === name);
}

/**
 * Tag inheritance (https://docs.snowflake.com/en/user-guide/object-tagging/inheritance): a tag on a
 * database, schema or table is inherited by the objects below it, columns included; the value set
 * nearest to the object wins. Returns tag → { value, level, applied-on domain }.
 */
export function effectiveTags(t: Table, column: Column | null): Map<Tag, { value: string; level: 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMN' }> {
  const out = new Map<Tag, { value: string; level: 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMN' }>();
  for (const [tag, value] of t.schema.database.tags) out.set(tag, { value, level: 'DATABASE' });
  for (const [tag, value] of t.schema.tags) out.set(tag, { value, level: 'SCHEMA' });
  for (const [tag, value] of t.tags) out.set(tag, { value, level: 'TABLE' });
  if (column) for (const [tag, value] of column.tags) out.set(tag, { value, level: 'COLUMN' });
  return out;
}

/** Finds a tag by a name string argument (fully or partly qualified, resolved like any name). */
export function tagByName(ctx: Ctx, parts: readonly string[]): Tag | undefined {
  try {
    return lookupObject(ctx, parts, 'TAG', 'SELECT');
  } catch {
    return undefined;
  }
}
