import { checkedType, keyword, qualified, quoteIdent, quoteLiteral } from './sql-text.js';

/**
 * The statements that create one Snowflake object (issue 12, item 4: DDL and DCL, each its own
 * auto-committed step). Changes in place (SET BODY, FORCE swaps) and removals arrive with the
 * auto-commit apply; this module renders what a plan from empty needs.
 */
type Spec = Readonly<Record<string, unknown>>;
const parts = (v: unknown): string[] => v as string[];
/** The privilege and object type of a grant spec, as the only keywords they may be. */
const grantOf = (spec: Spec) => ({ privilege: keyword(spec.privilege, ['USAGE', 'SELECT'] as const), on: keyword(spec.on, ['DATABASE', 'SCHEMA', 'TABLE'] as const) });

export function createSql(kind: string, spec: Spec): string[] {
  switch (kind) {
    case 'governance': {
      const db = String(spec.database);
      const schema = String(spec.schema);
      return [`CREATE SCHEMA IF NOT EXISTS ${qualified(db, schema)} WITH MANAGED ACCESS COMMENT = ${quoteLiteral(String(spec.comment))}`, ...governanceTables(db, schema, spec.tables)];
    }
    case 'role':
      return [`CREATE ROLE IF NOT EXISTS ${quoteIdent(String(spec.name))} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    case 'membership':
      return [`GRANT ROLE ${quoteIdent(String(spec.role))} TO ROLE ${quoteIdent(String(spec.member))}`];
    case 'attribute':
      return [`INSERT INTO ${qualified(...parts(spec.table))} ("ROLE", "ATTRIBUTE", "VALUE") VALUES (${[spec.role, spec.attribute, spec.value].map((v) => quoteLiteral(String(v))).join(', ')})`];
    case 'grant':
      return [`GRANT ${grantOf(spec).privilege} ON ${grantOf(spec).on} ${qualified(...parts(spec.object))} TO ROLE ${quoteIdent(String(spec.grantee))}`];
    case 'tag': {
      const allowed = (spec.allowed as string[]).length ? ` ALLOWED_VALUES ${(spec.allowed as string[]).map(quoteLiteral).join(', ')}` : '';
      return [`CREATE TAG IF NOT EXISTS ${qualified(...parts(spec.object))}${allowed} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'mask-policy': {
      const t = checkedType(String(spec.type));
      return [`CREATE MASKING POLICY IF NOT EXISTS ${qualified(...parts(spec.object))} AS ("VAL" ${t}) RETURNS ${t} -> ${String(spec.body)} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'mask-route':
      return [`ALTER TAG ${qualified(...parts(spec.tag))} SET ${(spec.policies as string[][]).map((p) => `MASKING POLICY ${qualified(...p)}`).join(', ')}`];
    case 'tag-value': {
      const set = `SET TAG ${qualified(...parts(spec.tag))} = ${quoteLiteral(String(spec.value))}`;
      return [spec.column === undefined ? `ALTER TABLE ${qualified(...parts(spec.table))} ${set}` : `ALTER TABLE ${qualified(...parts(spec.table))} MODIFY COLUMN ${quoteIdent(String(spec.column))} ${set}`];
    }
    case 'row-access-policy': {
      const args = (spec.args as { name: string; type: string }[]).map((a) => `${quoteIdent(a.name)} ${checkedType(a.type)}`).join(', ');
      return [`CREATE ROW ACCESS POLICY IF NOT EXISTS ${qualified(...parts(spec.object))} AS (${args}) RETURNS BOOLEAN -> ${String(spec.body)} COMMENT = ${quoteLiteral(String(spec.comment))}`];
    }
    case 'row-policy-on':
      return [`ALTER TABLE ${qualified(...parts(spec.table))} ADD ROW ACCESS POLICY ${qualified(...parts(spec.policy))} ON (${(spec.columns as string[]).map(quoteIdent).join(', ')})`];
    default:
      throw new Error(`the Snowflake target cannot create a ${kind}`);
  }
}

/** The statements that remove one object meshward made. The governance schema is never dropped (its tables hold what others rely on). */
export function dropSql(kind: string, spec: Spec): string[] {
  switch (kind) {
    case 'governance':
      return [];
    case 'role':
      return [`DROP ROLE IF EXISTS ${quoteIdent(String(spec.name))}`];
    case 'membership':
      return [`REVOKE ROLE ${quoteIdent(String(spec.role))} FROM ROLE ${quoteIdent(String(spec.member))}`];
    case 'attribute':
      return [`DELETE FROM ${qualified(...parts(spec.table))} WHERE "ROLE" = ${quoteLiteral(String(spec.role))} AND "ATTRIBUTE" = ${quoteLiteral(String(spec.attribute))} AND "VALUE" = ${quoteLiteral(String(spec.value))}`];
    case 'grant':
      return [`REVOKE ${grantOf(spec).privilege} ON ${grantOf(spec).on} ${qualified(...parts(spec.object))} FROM ROLE ${quoteIdent(String(spec.grantee))}`];
    case 'tag':
      return [`DROP TAG IF EXISTS ${qualified(...parts(spec.object))}`];
    case 'mask-policy':
      return [`DROP MASKING POLICY IF EXISTS ${qualified(...parts(spec.object))}`];
    case 'mask-route':
      return [`ALTER TAG ${qualified(...parts(spec.tag))} UNSET ${(spec.policies as string[][]).map((p) => `MASKING POLICY ${qualified(...p)}`).join(', ')}`];
    case 'tag-value':
      return [spec.column === undefined ? `ALTER TABLE ${qualified(...parts(spec.table))} UNSET TAG ${qualified(...parts(spec.tag))}` : `ALTER TABLE ${qualified(...parts(spec.table))} MODIFY COLUMN ${quoteIdent(String(spec.column))} UNSET TAG ${qualified(...parts(spec.tag))}`];
    case 'row-access-policy':
      return [`DROP ROW ACCESS POLICY IF EXISTS ${qualified(...parts(spec.object))}`];
    case 'row-policy-on':
      return [`ALTER TABLE ${qualified(...parts(spec.table))} DROP ROW ACCESS POLICY ${qualified(...parts(spec.policy))}`];
    default:
      throw new Error(`the Snowflake target cannot remove a ${kind}`);
  }
}

/**
 * The statements that change one object in place — each a single statement no reader sees half
 * done (reference 8.1): SET BODY, SET COMMENT, SET ALLOWED_VALUES, a tag value set again, a masking
 * policy swapped on the tag with FORCE, a row access policy swapped with DROP … , ADD … in one ALTER.
 * Null when the object cannot change in place (a new signature: a new policy, never an unset).
 */
export function alterSql(kind: string, before: Spec, after: Spec): string[] | null {
  const same = (f: string) => JSON.stringify(before[f]) === JSON.stringify(after[f]);
  const comment = (what: string, object: string) => (same('comment') ? [] : [`ALTER ${what} ${object} SET COMMENT = ${quoteLiteral(String(after.comment))}`]);
  switch (kind) {
    case 'governance': {
      const had = new Set((before.tables as string[] | undefined) ?? []);
      const missing = ((after.tables as string[] | undefined) ?? []).filter((t) => !had.has(t));
      return [...governanceTables(String(after.database), String(after.schema), missing), ...comment('SCHEMA', qualified(String(after.database), String(after.schema)))];
    }
    case 'role':
      return comment('ROLE', quoteIdent(String(after.name)));
    case 'tag': {
      const name = qualified(...parts(after.object));
      const allowed = after.allowed as string[];
      const values = same('allowed') ? [] : allowed.length ? [`ALTER TAG ${name} SET ALLOWED_VALUES ${allowed.map(quoteLiteral).join(', ')}`] : [`ALTER TAG ${name} UNSET ALLOWED_VALUES`];
      return [...values, ...comment('TAG', name)];
    }
    case 'mask-policy': {
      if (!same('type')) return null;
      const name = qualified(...parts(after.object));
      return [...(same('body') ? [] : [`ALTER MASKING POLICY ${name} SET BODY -> ${String(after.body)}`]), ...comment('MASKING POLICY', name)];
    }
    case 'row-access-policy': {
      if (!same('args')) return null;
      const name = qualified(...parts(after.object));
      return [...(same('body') ? [] : [`ALTER ROW ACCESS POLICY ${name} SET BODY -> ${String(after.body)}`]), ...comment('ROW ACCESS POLICY', name)];
    }
    case 'mask-route': {
      const tag = qualified(...parts(after.tag));
      const had = new Set((before.policies as string[][]).map((p) => qualified(...p)));
      const has = new Set((after.policies as string[][]).map((p) => qualified(...p)));
      // a policy is named by its data type (compile.ts), so a type's policy is never swapped for
      // another here: types gain a route (FORCE, should one be there) or lose theirs
      return [...[...has].filter((p) => !had.has(p)).map((p) => `ALTER TAG ${tag} SET MASKING POLICY ${p} FORCE`), ...[...had].filter((p) => !has.has(p)).map((p) => `ALTER TAG ${tag} UNSET MASKING POLICY ${p}`)];
    }
    case 'tag-value':
      return createSql(kind, after); // SET TAG on an object that has it replaces the value
    case 'row-policy-on':
      return [`ALTER TABLE ${qualified(...parts(after.table))} DROP ROW ACCESS POLICY ${qualified(...parts(before.policy))}, ADD ROW ACCESS POLICY ${qualified(...parts(after.policy))} ON (${(after.columns as string[]).map(quoteIdent).join(', ')})`];
    default:
      return null;
  }
}

/** The governance schema's tables (introspect.ts GOVERNANCE_TABLES), each made if missing. */
function governanceTables(db: string, schema: string, tables: unknown): string[] {
  const ddl: Record<string, string> = { ATTRIBUTES: '("ROLE" VARCHAR NOT NULL, "ATTRIBUTE" VARCHAR NOT NULL, "VALUE" VARCHAR NOT NULL)' };
  return ((tables as string[] | undefined) ?? []).map((t) => `CREATE TABLE IF NOT EXISTS ${qualified(db, schema, t)} ${ddl[t] ?? ''}`.trimEnd());
}
