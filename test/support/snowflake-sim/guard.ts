import { hasAnyPriv, hasGlobal, hasPriv, owns } from './access.js';
import type { Name } from './ast.js';
import { objectParts, schemaParts } from './catalog.js';
import type { Ctx } from './context.js';
import { insufficient, notExist } from './errors.js';
import { nameText, qualified } from './names.js';
import type { Database, Policy, Schema, Table, Tag } from './state.js';

/**
 * Visibility and privilege guards shared by the DDL executors
 * (https://docs.snowflake.com/en/user-guide/security-access-control-privileges): a database or
 * schema is usable with USAGE (or OWNERSHIP); a role that cannot see an object gets "does not
 * exist or not authorized"; one that sees it without the needed privilege gets "Insufficient
 * privileges to operate on <kind> '<name>'".
 */
export function usableDatabase(ctx: Ctx, name: string, roles = ctx.privRoles): Database {
  const db = ctx.account.databases.get(name);
  if (!db || !(hasAnyPriv(ctx.account, roles, db) || hasGlobal(ctx.account, roles, 'MANAGE GRANTS'))) throw notExist('Database', qualified(name));
  return db;
}

export function usableSchema(ctx: Ctx, name: Name, op: string, roles = ctx.privRoles): Schema {
  const [d, s] = schemaParts(ctx, name, op);
  const db = usableDatabase(ctx, d, roles);
  const schema = db.schemas.get(s);
  const manage = hasGlobal(ctx.account, roles, 'MANAGE GRANTS');
  if (!schema || !(manage || (hasPriv(ctx.account, roles, db, 'USAGE') && hasAnyPriv(ctx.account, roles, schema)))) throw notExist('Schema', qualified(d, s));
  return schema;
}

/** The schema that will contain a new object, with the CREATE privilege checked on the primary role's hierarchy. */
export function schemaForCreate(ctx: Ctx, name: Name, privilege: string, op: string): { schema: Schema; objectName: string } {
  const [d, s, o] = objectParts(ctx, name, op);
  const schema = usableSchema(ctx, [d, s], op, ctx.privRoles);
  if (!hasPriv(ctx.account, ctx.primaryRoles, schema, privilege)) throw insufficient('schema', qualified(d, s));
  return { schema, objectName: o };
}

type SchemaObject = Table | Tag | Policy;

/** Resolves an existing schema object the roles can see (any privilege on it, or a global privilege that reveals it). */
export function visibleObject<T extends SchemaObject>(ctx: Ctx, name: Name, pick: (s: Schema) => Map<string, T>, _kindLabel: 'Object' | 'Tag' | 'Masking policy' | 'Row access policy', op: string, revealedBy: readonly string[] = []): T | undefined {
  const [d, s, o] = objectParts(ctx, name, op);
  const db = ctx.account.databases.get(d);
  const schema = db?.schemas.get(s);
  const obj = schema ? pick(schema).get(o) : undefined;
  if (!obj) return undefined;
  const roles = ctx.privRoles;
  const global = revealedBy.some((p) => hasGlobal(ctx.account, roles, p));
  if (!global && !hasAnyPriv(ctx.account, roles, obj)) return undefined;
  return obj;
}

export function mustSee<T extends SchemaObject>(ctx: Ctx, name: Name, pick: (s: Schema) => Map<string, T>, kindLabel: 'Object' | 'Tag' | 'Masking policy' | 'Row access policy', op: string, revealedBy: readonly string[] = []): T {
  const obj = visibleObject(ctx, name, pick, kindLabel, op, revealedBy);
  if (!obj) throw notExist(kindLabel, nameText(name));
  return obj;
}

export function mustOwn(ctx: Ctx, o: SchemaObject | Database | Schema, kind: string, display: string): void {
  if (!owns(ctx.privRoles, o)) throw insufficient(kind, display);
}

export const tables = (s: Schema): Map<string, Table> => s.tables;
export const tagsOf = (s: Schema): Map<string, Tag> => s.tagObjects;
export const maskingOf = (s: Schema): Map<string, Policy> => s.maskingPolicies;
export const rapsOf = (s: Schema): Map<string, Policy> => s.rowAccessPolicies;
