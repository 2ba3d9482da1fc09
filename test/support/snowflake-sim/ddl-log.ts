import { fqn } from './catalog.js';
import type { Ctx } from './context.js';
import { qualified } from './names.js';
import type { Database, Policy, Schema, Table, Tag } from './state.js';

const DOMAIN: Record<string, string> = { TABLE: 'Table', MASKING_POLICY: 'Masking policy', ROW_ACCESS_POLICY: 'Row access policy', TAG: 'Tag', SCHEMA: 'Schema', DATABASE: 'Database' };

/**
 * Notes the object a DDL statement created, altered, replaced or dropped, for
 * ACCESS_HISTORY.OBJECT_MODIFIED_BY_DDL (objectDomain, objectId, objectName, operationType,
 * properties — https://docs.snowflake.com/en/sql-reference/account-usage/access_history). The
 * `properties` content is a best-effort subset [UNCONFIRMED].
 */
export function noteDdl(ctx: Ctx, o: Table | Policy | Tag | Schema | Database, operationType: 'CREATE' | 'ALTER' | 'DROP' | 'REPLACE', properties: Record<string, unknown> = {}): void {
  const objectName = o.kind === 'DATABASE' ? qualified(o.name) : o.kind === 'SCHEMA' ? qualified(o.database.name, o.name) : fqn(o);
  ctx.access.ddl = { objectDomain: DOMAIN[o.kind] ?? o.kind, objectName, objectId: o.id, operationType, properties };
}
