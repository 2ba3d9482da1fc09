import { closure, hasAnyPriv, hasPriv, userRoles } from './access.js';
import type { Ctx } from './context.js';
import { notExist } from './errors.js';
import { qualified } from './names.js';
import type { QueryResult } from './query.js';
import { infoSchemaType, type SqlType, NUMBER, TIMESTAMP_LTZ, VARCHAR } from './types.js';
import type { Value } from './values.js';

type Col = [string, SqlType];
const S = VARCHAR;
const N = NUMBER;
const T = TIMESTAMP_LTZ;

function rel(cols: readonly Col[], rows: Value[][]): QueryResult {
  return { cols: cols.map(([name, type]) => ({ name, type })), rows };
}

/**
 * <db>.INFORMATION_SCHEMA views (https://docs.snowflake.com/en/sql-reference/info-schema): fresh,
 * per database, showing only what the statement's roles can access. Column lists follow the
 * views' documentation pages. Null when the view is not modelled.
 */
export function infoSchemaView(ctx: Ctx, dbName: string, view: string): QueryResult | null {
  const a = ctx.account;
  const db = a.databases.get(dbName);
  if (!db || !hasPriv(a, ctx.privRoles, db, 'USAGE')) throw notExist('Database', qualified(dbName));
  const roles = ctx.privRoles;
  const visibleSchemas = [...db.schemas.values()].filter((s) => hasPriv(a, roles, s, 'USAGE') || hasAnyPriv(a, roles, s));
  const tables = visibleSchemas.flatMap((s) => [...s.tables.values()]).filter((t) => hasAnyPriv(a, roles, t));
  switch (view) {
    case 'TABLES': {
      // https://docs.snowflake.com/en/sql-reference/info-schema/tables
      const cols: Col[] = [['TABLE_CATALOG', S], ['TABLE_SCHEMA', S], ['TABLE_NAME', S], ['TABLE_OWNER', S], ['TABLE_TYPE', S], ['IS_TRANSIENT', S], ['CLUSTERING_KEY', S], ['ROW_COUNT', N], ['BYTES', N], ['RETENTION_TIME', N], ['SELF_REFERENCING_COLUMN_NAME', S], ['REFERENCE_GENERATION', S], ['USER_DEFINED_TYPE_CATALOG', S], ['USER_DEFINED_TYPE_SCHEMA', S], ['USER_DEFINED_TYPE_NAME', S], ['IS_INSERTABLE_INTO', S], ['IS_TYPED', S], ['COMMIT_ACTION', S], ['CREATED', T], ['LAST_ALTERED', T], ['LAST_DDL', T], ['LAST_DDL_BY', S], ['AUTO_CLUSTERING_ON', S], ['COMMENT', S], ['IS_TEMPORARY', S], ['IS_ICEBERG', S], ['IS_DYNAMIC', S], ['IS_IMMUTABLE', S]];
      return rel(cols, tables.map((t) => [db.name, t.schema.name, t.name, t.owner, 'BASE TABLE', t.transient ? 'YES' : 'NO', null, t.rows.length, t.rows.length * 64, 1, null, null, null, null, null, 'YES', 'YES', null, t.createdOn, t.lastAltered, t.lastAltered, t.owner, 'NO', t.comment, 'NO', 'NO', 'NO', 'NO']));
    }
    case 'COLUMNS': {
      // https://docs.snowflake.com/en/sql-reference/info-schema/columns
      const cols: Col[] = [['TABLE_CATALOG', S], ['TABLE_SCHEMA', S], ['TABLE_NAME', S], ['COLUMN_NAME', S], ['ORDINAL_POSITION', N], ['COLUMN_DEFAULT', S], ['IS_NULLABLE', S], ['DATA_TYPE', S], ['CHARACTER_MAXIMUM_LENGTH', N], ['CHARACTER_OCTET_LENGTH', N], ['NUMERIC_PRECISION', N], ['NUMERIC_PRECISION_RADIX', N], ['NUMERIC_SCALE', N], ['DATETIME_PRECISION', N], ['INTERVAL_TYPE', S], ['INTERVAL_PRECISION', N], ['CHARACTER_SET_CATALOG', S], ['CHARACTER_SET_SCHEMA', S], ['CHARACTER_SET_NAME', S], ['COLLATION_CATALOG', S], ['COLLATION_SCHEMA', S], ['COLLATION_NAME', S], ['DOMAIN_CATALOG', S], ['DOMAIN_SCHEMA', S], ['DOMAIN_NAME', S], ['UDT_CATALOG', S], ['UDT_SCHEMA', S], ['UDT_NAME', S], ['SCOPE_CATALOG', S], ['SCOPE_SCHEMA', S], ['SCOPE_NAME', S], ['MAXIMUM_CARDINALITY', N], ['DTD_IDENTIFIER', S], ['IS_SELF_REFERENCING', S], ['IS_IDENTITY', S], ['IDENTITY_GENERATION', S], ['IDENTITY_START', S], ['IDENTITY_INCREMENT', S], ['IDENTITY_MAXIMUM', S], ['IDENTITY_MINIMUM', S], ['IDENTITY_CYCLE', S], ['IDENTITY_ORDERED', S], ['SCHEMA_EVOLUTION_RECORD', S], ['COMMENT', S]];
      const rows: Value[][] = [];
      for (const t of tables) t.columns.forEach((c, i) => {
        const ty = c.type;
        const text = ty.base === 'VARCHAR';
        const numeric = ty.base === 'NUMBER' || ty.base === 'FLOAT';
        rows.push([db.name, t.schema.name, t.name, c.name, i + 1, null, c.nullable ? 'YES' : 'NO', infoSchemaType(ty), text ? ty.length ?? 16777216 : null, text ? Math.min((ty.length ?? 16777216) * 4, 16777216) : null,
          ty.base === 'NUMBER' ? ty.precision ?? 38 : ty.base === 'FLOAT' ? null : null, numeric ? 10 : null, ty.base === 'NUMBER' ? ty.scale ?? 0 : null, ty.base.startsWith('TIMESTAMP') || ty.base === 'TIME' ? ty.scale ?? 9 : null,
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 'NO', 'NO', null, null, null, null, null, null, null, null, c.comment]);
      });
      return rel(cols, rows);
    }
    case 'TABLE_PRIVILEGES': {
      // https://docs.snowflake.com/en/sql-reference/info-schema/table_privileges — the owner shows OWNERSHIP.
      const cols: Col[] = [['GRANTOR', S], ['GRANTEE', S], ['GRANTED_TO', S], ['TABLE_CATALOG', S], ['TABLE_SCHEMA', S], ['TABLE_NAME', S], ['PRIVILEGE_TYPE', S], ['IS_GRANTABLE', S], ['WITH_HIERARCHY', S], ['CREATED', T]];
      const rows: Value[][] = [];
      for (const t of tables) {
        rows.push([t.owner, t.owner, 'ROLE', db.name, t.schema.name, t.name, 'OWNERSHIP', 'YES', 'NO', t.createdOn]);
        for (const g of a.grants) if (g.on === t) rows.push([g.grantedBy, g.grantee, g.granteeType, db.name, t.schema.name, t.name, g.privilege, g.grantOption ? 'YES' : 'NO', 'NO', g.createdOn]);
      }
      return rel(cols, rows);
    }
    case 'APPLICABLE_ROLES': {
      // https://docs.snowflake.com/en/sql-reference/info-schema/applicable_roles — the current user's roles, with each grant edge that reaches them.
      const cols: Col[] = [['GRANTEE', S], ['ROLE_NAME', S], ['ROLE_OWNER', S], ['IS_GRANTABLE', S]];
      const reach = closure(a, userRoles(a, ctx.session.user));
      const rows: Value[][] = [];
      for (const g of a.roleGrants) {
        if ((g.granteeType === 'USER' && g.grantee === ctx.session.user) || (g.granteeType === 'ROLE' && reach.has(g.grantee))) rows.push([g.grantee, g.role, a.roles.get(g.role)?.owner ?? '', 'NO']);
      }
      return rel(cols, rows);
    }
    case 'ENABLED_ROLES': {
      const cols: Col[] = [['ROLE_NAME', S], ['ROLE_OWNER', S]];
      return rel(cols, [...ctx.identity.activeRoles].map((r) => [r, a.roles.get(r)?.owner ?? '']));
    }
    case 'SCHEMATA': {
      // https://docs.snowflake.com/en/sql-reference/info-schema/schemata
      const cols: Col[] = [['CATALOG_NAME', S], ['SCHEMA_NAME', S], ['SCHEMA_OWNER', S], ['IS_TRANSIENT', S], ['IS_MANAGED_ACCESS', S], ['RETENTION_TIME', N], ['DEFAULT_CHARACTER_SET_CATALOG', S], ['DEFAULT_CHARACTER_SET_SCHEMA', S], ['DEFAULT_CHARACTER_SET_NAME', S], ['SQL_PATH', S], ['CREATED', T], ['LAST_ALTERED', T], ['COMMENT', S]];
      return rel(cols, visibleSchemas.map((s) => [db.name, s.name, s.owner, s.transient ? 'YES' : 'NO', s.managedAccess ? 'YES' : 'NO', 1, null, null, null, null, s.createdOn, s.createdOn, s.comment]));
    }
  }
  return null;
}

