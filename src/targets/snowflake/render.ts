import { qualified, quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * The statements that create one Snowflake object (issue 12, item 4: DDL and DCL, each its own
 * auto-committed step). Changes in place (SET BODY, FORCE swaps) and removals arrive with the
 * auto-commit apply; this module renders what a plan from empty needs.
 */
type Spec = Readonly<Record<string, unknown>>;
const parts = (v: unknown): string[] => v as string[];

export function createSql(kind: string, spec: Spec): string[] {
  switch (kind) {
    case 'governance': {
      const db = String(spec.database);
      const schema = String(spec.schema);
      return [
        `CREATE SCHEMA IF NOT EXISTS ${qualified(db, schema)} WITH MANAGED ACCESS COMMENT = ${quoteLiteral(String(spec.comment))}`,
        `CREATE TABLE IF NOT EXISTS ${qualified(db, schema, 'ATTRIBUTES')} ("ROLE" VARCHAR NOT NULL, "ATTRIBUTE" VARCHAR NOT NULL, "VALUE" VARCHAR NOT NULL)`,
      ];
    }
    case 'role':
      return [`CREATE ROLE IF NOT EXISTS ${quoteIdent(String(spec.name))} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    case 'membership':
      return [`GRANT ROLE ${quoteIdent(String(spec.role))} TO ROLE ${quoteIdent(String(spec.member))}`];
    case 'attribute':
      return [`INSERT INTO ${qualified(...parts(spec.table))} ("ROLE", "ATTRIBUTE", "VALUE") VALUES (${[spec.role, spec.attribute, spec.value].map((v) => quoteLiteral(String(v))).join(', ')})`];
    case 'grant':
      return [`GRANT ${String(spec.privilege)} ON ${String(spec.on).toUpperCase()} ${qualified(...parts(spec.object))} TO ROLE ${quoteIdent(String(spec.grantee))}`];
    case 'tag': {
      const allowed = (spec.allowed as string[]).length ? ` ALLOWED_VALUES ${(spec.allowed as string[]).map(quoteLiteral).join(', ')}` : '';
      return [`CREATE TAG IF NOT EXISTS ${qualified(...parts(spec.object))}${allowed} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'mask-policy': {
      const t = String(spec.type);
      return [`CREATE MASKING POLICY IF NOT EXISTS ${qualified(...parts(spec.object))} AS ("VAL" ${t}) RETURNS ${t} -> ${String(spec.body)} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'mask-route':
      return [`ALTER TAG ${qualified(...parts(spec.tag))} SET ${(spec.policies as string[][]).map((p) => `MASKING POLICY ${qualified(...p)}`).join(', ')}`];
    case 'tag-value': {
      const set = `SET TAG ${qualified(...parts(spec.tag))} = ${quoteLiteral(String(spec.value))}`;
      return [spec.column === undefined ? `ALTER TABLE ${qualified(...parts(spec.table))} ${set}` : `ALTER TABLE ${qualified(...parts(spec.table))} MODIFY COLUMN ${quoteIdent(String(spec.column))} ${set}`];
    }
    case 'row-access-policy': {
      const args = (spec.args as { name: string; type: string }[]).map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ');
      return [`CREATE ROW ACCESS POLICY IF NOT EXISTS ${qualified(...parts(spec.object))} AS (${args}) RETURNS BOOLEAN -> ${String(spec.body)} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'row-policy-on':
      return [`ALTER TABLE ${qualified(...parts(spec.table))} ADD ROW ACCESS POLICY ${qualified(...parts(spec.policy))} ON (${(spec.columns as string[]).map(quoteIdent).join(', ')})`];
    default:
      throw new Error(`the Snowflake target cannot create a ${kind}`);
  }
}
