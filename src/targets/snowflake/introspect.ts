import type { NativeObject } from '../target.js';
import type { SnowflakeScope } from './compile.js';
import { groupRoleName } from './names.js';
import { likePattern, nameLiteral, qualified, quoteIdent, quoteLiteral } from './sql-text.js';
import { obj } from './objects.js';

/**
 * Reading what meshward manages on Snowflake, in bulk (issue 12, item 3; reference 6.4): a fixed
 * number of statements for the governance schema (SHOW TAGS / MASKING POLICIES / ROW ACCESS
 * POLICIES IN SCHEMA, the attributes table, DESCRIBE of each masking policy — one per data type),
 * bodies of row access policies through GET_DDL batched in one SELECT per `BATCH`, attachments
 * through POLICY_REFERENCES per managed policy and tag values through TAG_REFERENCES_ALL_COLUMNS
 * per governed table, each batched with UNION ALL; grants and memberships through one SHOW GRANTS
 * TO ROLE per managed role (no fresh bulk source exists; ACCOUNT_USAGE lags up to 2 hours and is
 * never used to confirm an apply). Each live object is built with compile's spec shapes, so a
 * target just applied reads back equal to the desired objects.
 */

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Calls per statement when calls are batched with UNION ALL or in one SELECT list. */
export const BATCH = 100;

/** The tables of the governance schema meshward makes (compile.ts, render.ts). */
export const GOVERNANCE_TABLES = ['ATTRIBUTES'];

export interface LiveRead {
  readonly objects: NativeObject[];
  readonly statements: number;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
/** A SHOW row's column, whatever case the session gives its names (QUOTED_IDENTIFIERS_IGNORE_CASE upper-cases them). */
const col = (row: Record<string, unknown>, name: string): unknown => (name in row ? row[name] : row[name.toUpperCase()]);

/**
 * Splits a qualified name as SHOW GRANTS writes it (`DB."S ch""ema".T`: parts quoted only when
 * needed) into stored names.
 */
export function splitQualified(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= text.length) throw new Error(`unterminated quoted name in ${text}`);
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            part += '"';
            j += 2;
            continue;
          }
          break;
        }
        part += text[j++];
      }
      parts.push(part);
      i = j + 1;
    } else {
      const dot = text.indexOf('.', i);
      const end = dot < 0 ? text.length : dot;
      parts.push(text.slice(i, end));
      i = end;
    }
    if (text[i] === '.') i++;
  }
  return parts;
}

export async function readLive(query: Query, scope: SnowflakeScope, governed: readonly (readonly [string, string, string])[]): Promise<LiveRead> {
  let statements = 0;
  const q = async (sql: string) => {
    statements++;
    return query(sql);
  };
  const out: NativeObject[] = [];
  const gov = [scope.database, scope.governance] as const;
  const prefix = groupRoleName(scope.prefix, '');

  // roles, and what each holds
  const roles = (await q(`SHOW ROLES LIKE ${quoteLiteral(`${likePattern(prefix)}%`)}`)).filter((r) => str(col(r, 'name')).startsWith(prefix));
  for (const r of roles) {
    const name = str(col(r, 'name'));
    out.push(obj('role', name, `role ${name}`, { name, comment: str(col(r, 'comment')) }));
  }
  for (const r of roles) {
    const member = str(col(r, 'name'));
    for (const g of await q(`SHOW GRANTS TO ROLE ${quoteIdent(member)}`)) {
      const on = str(col(g, 'granted_on'));
      const privilege = str(col(g, 'privilege'));
      const object = splitQualified(str(col(g, 'name')));
      if (on === 'ROLE' && privilege === 'USAGE') out.push(obj('membership', `${object[0]}>${member}`, `${member} inherits ${object[0]}`, { role: object[0], member }));
      else if ((on === 'DATABASE' || on === 'SCHEMA') && privilege === 'USAGE') out.push(obj('grant', `USAGE|${on.toLowerCase()}|${qualified(...object)}|${member}`, `USAGE on ${on.toLowerCase()} ${object.join('.')} → ${member}`, { privilege, on: on.toLowerCase(), object, grantee: member }));
      else if (on === 'TABLE' && privilege === 'SELECT') out.push(obj('grant', `SELECT|table|${qualified(...object)}|${member}`, `SELECT on ${object.join('.')} → ${member}`, { privilege, on: 'table', object, grantee: member }));
    }
  }

  // the governance schema and what lives in it
  const schemas = await q(`SHOW SCHEMAS LIKE ${quoteLiteral(likePattern(scope.governance))} IN DATABASE ${quoteIdent(scope.database)}`);
  const govRow = schemas.find((s) => str(col(s, 'name')) === scope.governance);
  if (!govRow) return { objects: out, statements };
  // its tables (a governance change that stopped half way leaves the schema without them)
  const govTables = (await q(`SHOW TABLES IN SCHEMA ${qualified(...gov)}`)).map((t) => str(col(t, 'name'))).filter((n) => GOVERNANCE_TABLES.includes(n)).sort();
  out.push(obj('governance', qualified(...gov), `governance schema ${gov.join('.')}`, { database: scope.database, schema: scope.governance, comment: str(col(govRow, 'comment')), tables: govTables }));
  for (const a of govTables.includes('ATTRIBUTES') ? await q(`SELECT "ROLE", "ATTRIBUTE", "VALUE" FROM ${qualified(...gov, 'ATTRIBUTES')}`) : []) {
    const spec = { table: [...gov, 'ATTRIBUTES'], role: str(a.ROLE), attribute: str(a.ATTRIBUTE), value: str(a.VALUE) };
    out.push(obj('attribute', JSON.stringify([spec.role, spec.attribute, spec.value]), `${spec.role}.${spec.attribute} = ${spec.value}`, spec));
  }
  const tags = await q(`SHOW TAGS IN SCHEMA ${qualified(...gov)}`);
  for (const t of tags) {
    const name = str(col(t, 'name'));
    const allowed = col(t, 'allowed_values');
    out.push(obj('tag', qualified(...gov, name), `tag ${name}`, { object: [...gov, name], allowed: allowed ? (JSON.parse(str(allowed)) as string[]) : [], comment: str(col(t, 'comment')) }));
  }
  const masks = await q(`SHOW MASKING POLICIES IN SCHEMA ${qualified(...gov)}`);
  for (const m of masks) {
    const name = str(col(m, 'name'));
    const [d] = await q(`DESCRIBE MASKING POLICY ${qualified(...gov, name)}`);
    const type = /^\(\S+ (\S+?)\)$/.exec(str(d && col(d, 'signature')))?.[1] ?? '';
    out.push(obj('mask-policy', qualified(...gov, name), `masking policy ${name}`, { object: [...gov, name], type, body: str(d && col(d, 'body')), comment: str(col(m, 'comment')) }));
  }
  const rows = await q(`SHOW ROW ACCESS POLICIES IN SCHEMA ${qualified(...gov)}`);
  for (let i = 0; i < rows.length; i += BATCH) {
    const slice = rows.slice(i, i + BATCH);
    const [ddl] = await q(`SELECT ${slice.map((r, k) => `GET_DDL('POLICY', ${nameLiteral(...gov, str(col(r, 'name')))}) AS "D${k}"`).join(', ')}`);
    slice.forEach((r, k) => {
      const name = str(col(r, 'name'));
      const parsed = parseRowPolicyDdl(str(ddl?.[`D${k}`]));
      out.push(obj('row-access-policy', qualified(...gov, name), `row access policy ${name}`, { object: [...gov, name], args: parsed.args, body: parsed.body, comment: str(col(r, 'comment')) }));
    });
  }

  // attachments: routes of the masking policies on tags, row access policies on tables
  const policies = [...masks.map((m) => str(col(m, 'name'))), ...rows.map((r) => str(col(r, 'name')))];
  const routes = new Map<string, string[][]>();
  for (let i = 0; i < policies.length; i += BATCH) {
    const calls = policies.slice(i, i + BATCH).map((p) => `SELECT * FROM TABLE(${quoteIdent(scope.database)}.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => ${nameLiteral(...gov, p)}))`);
    for (const ref of await q(calls.join(' UNION ALL '))) {
      const policy = [str(ref.POLICY_DB), str(ref.POLICY_SCHEMA), str(ref.POLICY_NAME)];
      const entity = [str(ref.REF_DATABASE_NAME), str(ref.REF_SCHEMA_NAME), str(ref.REF_ENTITY_NAME)];
      const domain = str(ref.REF_ENTITY_DOMAIN).toUpperCase();
      if (str(ref.POLICY_KIND) === 'ROW_ACCESS_POLICY' && (domain === 'TABLE' || domain === 'VIEW')) {
        const columns = ref.REF_ARG_COLUMN_NAMES ? (JSON.parse(str(ref.REF_ARG_COLUMN_NAMES)) as string[]) : [];
        out.push(obj('row-policy-on', qualified(...entity), `${entity.join('.')} filtered by ${policy[2]}`, { table: entity, policy, columns }));
      } else if (str(ref.POLICY_KIND) === 'MASKING_POLICY' && domain === 'TAG') {
        const tag = str(ref.TAG_DATABASE) ? [str(ref.TAG_DATABASE), str(ref.TAG_SCHEMA), str(ref.TAG_NAME)] : entity;
        const key = qualified(...tag);
        routes.set(key, [...(routes.get(key) ?? []), policy]);
      }
    }
  }
  for (const [key, ps] of routes) {
    const tag = splitQualified(key);
    out.push(obj('mask-route', key, `${tag[2]} routes ${ps.length} masking ${ps.length === 1 ? 'policy' : 'policies'}`, { tag, policies: ps.sort((a, b) => (qualified(...a) < qualified(...b) ? -1 : 1)) }));
  }

  // tag values on the governed tables and their columns (managed tags only)
  const managedTags = new Set(tags.map((t) => str(col(t, 'name'))));
  for (let i = 0; i < governed.length; i += BATCH) {
    const slice = governed.slice(i, i + BATCH);
    const calls = slice.flatMap((t) => [
      `SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, LEVEL, OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, COLUMN_NAME FROM TABLE(${quoteIdent(t[0])}.INFORMATION_SCHEMA.TAG_REFERENCES_ALL_COLUMNS(${nameLiteral(...t)}, 'table'))`,
      `SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, LEVEL, OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, NULL AS COLUMN_NAME FROM TABLE(${quoteIdent(t[0])}.INFORMATION_SCHEMA.TAG_REFERENCES(${nameLiteral(...t)}, 'table'))`,
    ]);
    for (const r of await q(calls.join(' UNION ALL '))) {
      if (str(r.TAG_DATABASE) !== scope.database || str(r.TAG_SCHEMA) !== scope.governance || !managedTags.has(str(r.TAG_NAME))) continue;
      const column = r.COLUMN_NAME === null || r.COLUMN_NAME === undefined ? undefined : str(r.COLUMN_NAME);
      const level = str(r.LEVEL).toUpperCase();
      if (column !== undefined && level !== 'COLUMN') continue; // inherited from the table: its own row below
      if (column === undefined && level !== 'TABLE') continue;
      const table = [str(r.OBJECT_DATABASE), str(r.OBJECT_SCHEMA), str(r.OBJECT_NAME)];
      const tag = [scope.database, scope.governance, str(r.TAG_NAME)];
      const isMask = str(r.TAG_NAME) === groupRoleName(scope.prefix, 'mask');
      const where = column === undefined ? qualified(...table) : `${qualified(...table)}.${qualified(column)}`;
      out.push(obj('tag-value', `${where}|${tag[2]}`, `${table.join('.')}${column ? `.${column}` : ''}: ${tag[2]} = ${str(r.TAG_VALUE)}`, { table, ...(column !== undefined ? { column } : {}), tag, value: str(r.TAG_VALUE), ...(isMask ? { mask: true } : {}) }));
    }
  }
  return { objects: out, statements };
}

/** The signature and body of a row access policy from GET_DDL's text. */
export function parseRowPolicyDdl(ddl: string): { args: { name: string; type: string }[]; body: string } {
  const m = /^create or replace row access policy .*? as \((.*?)\) returns BOOLEAN ->\n([\s\S]*?)\n(?:comment='(?:[^'\\]|\\.|'')*'\n)?;$/i.exec(ddl);
  if (!m) throw new Error('cannot read a row access policy definition returned by GET_DDL');
  const args = splitTopLevel(m[1]!).map((a) => {
    const sp = /^("(?:[^"]|"")*"|\S+)\s+(\S+?)(?:\(.*\))?$/.exec(a.trim());
    if (!sp) throw new Error(`cannot read the argument ${a}`);
    const raw = sp[1]!;
    return { name: raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw, type: sp[2]!.toUpperCase() };
  });
  return { args, body: m[2]! };
}

/** Splits at commas outside quotes and parentheses (`"a" NUMBER(38,0), "b,c" VARCHAR`). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted; // a doubled quote toggles twice
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.filter((a) => a.trim() !== '');
}
