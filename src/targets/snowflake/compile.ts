import { createHash } from 'node:crypto';
import { columnsOf } from '../../model/expr/index.js';
import { splitName } from '../../resolve/names.js';
import type { NeutralType } from '../../model/neutral-types.js';
import type { Resolved, ResolvedTable } from '../../resolve/resolve.js';
import type { MaskCandidate } from '../../resolve/strictest.js';
import type { NativeObject, TargetContext } from '../target.js';
import { attributeValueText, exprSql } from './expr.js';
import { maskCaseSql } from './mask-case.js';
import { policyType } from './mask.js';
import { governanceSchemaName, groupRoleName, stored } from './names.js';
import { nameLiteral, qualified, quoteLiteral } from './sql-text.js';
import { marker } from '../shared/marker.js';
import { obj } from './objects.js';

/**
 * Resolved model -> the Snowflake objects meshward manages (issue 12, item 2; pure, no I/O).
 * Snowflake governs each table in place, so — unlike PostgreSQL's views — the controls attach to
 * the governed tables themselves:
 *
 * - one account role per group (`<PREFIX><GROUP>`), `member_of` as GRANT ROLE parent TO ROLE child
 *   (the child inherits the parent), the groups' attribute values as rows of `<gov>.ATTRIBUTES`;
 * - USAGE on each governed database and schema and SELECT on each table for the groups granted it;
 * - the catalog's tags as Snowflake tags (ALLOWED_VALUES from the catalog) set on tables and
 *   columns — plain tags that carry no policy, so they can never route two policies to a column;
 * - masking through ONE managed tag (`<PREFIX>MASK`): each masked column gets the value of its
 *   mask class (the exact set of candidates the resolver found for it: methods, keep_last,
 *   exemptions) and the tag carries one masking policy per data type whose body branches on the
 *   value and computes strictest-wins for the session (mask-case.ts) — statements grow with
 *   classes × types, not with columns (reference 2.3). A value the body does not know is NULL;
 * - one row access policy per filtered table whose body is the AND of the resolver's filters,
 *   each passing for a session holding one of its exempt groups (Snowflake allows one per table).
 */

export interface SnowflakeScope {
  readonly prefix: string;
  readonly project: string;
  /** The database holding the governance schema. */
  readonly database: string;
  readonly governance: string;
}

/** The databases the model's table names and patterns name (their first part; a wildcard names none). */
export function modelDatabases(model: TargetContext['model']): string[] {
  const first = model.domains.flatMap((d) => d.tables.map((t) => splitName(t.name)?.[0] ?? ''));
  return [...new Set(first)].filter((d) => d !== '' && !d.includes('*')).sort();
}

/**
 * Where the governance objects live: `governance_database` when set, else the one database the
 * model's governed tables name, else an error.
 */
export function scopeOf(ctx: TargetContext): SnowflakeScope {
  const prefix = ctx.model.project.managedPrefix;
  const configured = typeof ctx.settings.governance_schema === 'string' && ctx.settings.governance_schema !== '' ? ctx.settings.governance_schema : undefined;
  const setting = typeof ctx.settings.governance_database === 'string' && ctx.settings.governance_database !== '' ? ctx.settings.governance_database : undefined;
  const databases = modelDatabases(ctx.model);
  const database = setting ?? (databases.length === 1 ? databases[0] : undefined);
  if (!database) throw new Error(`target '${ctx.target.name}': set governance_database (the governed tables name ${databases.length ? `several databases: ${databases.join(', ')}` : 'no database'})`);
  return { prefix, project: ctx.model.project.name, database, governance: governanceSchemaName(prefix, configured) };
}

/** The managed masking tag's value for a column whose candidates are these: a short hash of their canonical form. */
export function maskClass(candidates: readonly MaskCandidate[]): string {
  const canonical = [...candidates].map((c) => [c.method, c.keepLast ?? null, [...new Set(c.exempt)].sort()]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return `M${createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 12).toUpperCase()}`;
}


export function compile(resolved: Resolved, ctx: TargetContext): NativeObject[] {
  const scope = scopeOf(ctx);
  const role = (g: string) => groupRoleName(scope.prefix, g);
  const gov = (name: string) => [scope.database, scope.governance, name] as const;
  const out: NativeObject[] = [];
  out.push(obj('governance', qualified(scope.database, scope.governance), `governance schema ${scope.database}.${scope.governance}`, { database: scope.database, schema: scope.governance, comment: marker(scope.project, 'governance', scope.governance), tables: ['ATTRIBUTES'] }));

  for (const g of [...ctx.model.groups.values()].sort((a, b) => compare(a.name, b.name))) {
    out.push(obj('role', role(g.name), `role ${role(g.name)}`, { name: role(g.name), comment: marker(scope.project, 'group', g.name) }));
    for (const p of [...new Set(g.memberOf.map((m) => m.name))].sort(compare)) {
      if (ctx.model.groups.has(p)) out.push(obj('membership', `${role(p)}>${role(g.name)}`, `${role(g.name)} inherits ${role(p)}`, { role: role(p), member: role(g.name) }));
    }
    for (const [attribute, a] of [...g.attributes].sort((x, y) => compare(x[0], y[0]))) {
      const type = ctx.model.attributes.get(attribute)?.type;
      if (!type) continue;
      for (const value of [...new Set(a.values.map((v) => attributeValueText(v, type)).filter((v): v is string => v !== undefined))].sort(compare)) {
        out.push(obj('attribute', JSON.stringify([role(g.name), attribute, value]), `${role(g.name)}.${attribute} = ${value}`, { table: gov('ATTRIBUTES'), role: role(g.name), attribute, value }));
      }
    }
  }

  const tables = [...resolved.tables].filter((t) => t.table.inInventory).sort((a, b) => compare(a.table.name, b.table.name));
  for (const t of resolved.tables) if (!t.table.inInventory) ctx.diagnostics.error('table-missing', `governed table ${t.table.name} is not in the inventory: meshward cannot govern it`, t.table.decl.at, 'create the table, or refresh the inventory');

  // grants: USAGE on the containers, SELECT on the table
  const usage = new Map<string, { on: 'database' | 'schema'; object: readonly string[]; grantee: string; domain: string }>();
  for (const t of tables) {
    const [db, schema] = t.table.parts;
    for (const g of new Set(t.grants.map((x) => x.group))) {
      usage.set(`database|${db}|${role(g)}`, { on: 'database', object: [db], grantee: role(g), domain: t.table.domain });
      usage.set(`schema|${db}.${schema}|${role(g)}`, { on: 'schema', object: [db, schema], grantee: role(g), domain: t.table.domain });
    }
  }
  for (const u of [...usage.values()].sort((a, b) => compare(`${a.on}${a.object.join('.')}${a.grantee}`, `${b.on}${b.object.join('.')}${b.grantee}`))) {
    out.push(obj('grant', `USAGE|${u.on}|${qualified(...u.object)}|${u.grantee}`, `USAGE on ${u.on} ${u.object.join('.')} → ${u.grantee}`, { privilege: 'USAGE', on: u.on, object: u.object, grantee: u.grantee }, { domain: u.domain }));
  }

  // catalog tags: the tags the governed tables use, with the catalog's values
  const usedTags = new Set(tables.flatMap((t) => [...t.table.tags.keys(), ...t.table.columns.flatMap((c) => [...c.tags.keys()])]));
  const tagName = (key: string) => stored(`${scope.prefix}${key}`);
  for (const key of [...usedTags].sort(compare)) {
    const def = ctx.model.catalog.tags.get(key);
    out.push(obj('tag', qualified(...gov(tagName(key))), `tag ${tagName(key)}`, { object: gov(tagName(key)), allowed: def ? [...def.values] : [], comment: marker(scope.project, 'tag', key) }));
  }

  // masking: classes, the managed tag, one policy per type, the binding
  const classes = new Map<string, { candidates: readonly MaskCandidate[]; types: Set<NeutralType> }>();
  const columnClass = new Map<string, string>(); // `${table}|${column}` -> class
  for (const t of tables) {
    for (const c of t.table.columns) {
      const candidates = t.masks.get(c.key);
      if (!candidates?.length || !c.type) continue;
      const id = maskClass(candidates);
      const entry = classes.get(id) ?? { candidates, types: new Set<NeutralType>() };
      entry.types.add(c.type);
      classes.set(id, entry);
      columnClass.set(`${t.table.name}|${c.name}`, id);
    }
  }
  const maskTag = gov(stored(`${scope.prefix}mask`));
  if (classes.size) {
    out.push(obj('tag', qualified(...maskTag), `tag ${maskTag[2]} (masking)`, { object: maskTag, allowed: [...classes.keys()].sort(compare), comment: marker(scope.project, 'mask-tag', maskTag[2]) }));
    const types = [...new Set([...classes.values()].flatMap((c) => [...c.types]))].sort(compare);
    const policies: (readonly string[])[] = [];
    for (const type of types) {
      const sfType = policyType(type);
      const name = gov(stored(`${scope.prefix}mask_${sfType}`));
      const branches = [...classes].filter(([, c]) => c.types.has(type)).sort((a, b) => compare(a[0], b[0])).map(([id, c]) => `WHEN ${quoteLiteral(id)} THEN ${maskCaseSql(c.candidates, '"VAL"', type, role)}`);
      const body = `CASE SYSTEM$GET_TAG_ON_CURRENT_COLUMN(${nameLiteral(...maskTag)}) ${branches.join(' ')} ELSE NULL END`;
      out.push(obj('mask-policy', qualified(...name), `masking policy ${name[2]}`, { object: name, type: sfType, body, comment: marker(scope.project, 'mask-policy', sfType) }));
      policies.push(name);
    }
    out.push(obj('mask-route', qualified(...maskTag), `${maskTag[2]} routes ${policies.length} masking ${policies.length === 1 ? 'policy' : 'policies'}`, { tag: maskTag, policies }));
  }

  for (const t of tables) out.push(...tableObjects(t, scope, role, tagName, maskTag, columnClass, ctx));
  return out;
}

function tableObjects(t: ResolvedTable, scope: SnowflakeScope, role: (g: string) => string, tagName: (k: string) => string, maskTag: readonly string[], columnClass: ReadonlyMap<string, string>, ctx: TargetContext): NativeObject[] {
  const extra = { domain: t.table.domain, table: t.table.name };
  const parts = t.table.parts;
  const name = qualified(...parts);
  const out: NativeObject[] = [];
  for (const g of [...new Set(t.grants.map((x) => x.group))].sort(compare)) {
    out.push(obj('grant', `SELECT|table|${name}|${role(g)}`, `SELECT on ${t.table.name} → ${role(g)}`, { privilege: 'SELECT', on: 'table', object: parts, grantee: role(g) }, extra));
  }
  const gov = (n: string) => [scope.database, scope.governance, n];
  for (const [key, a] of [...t.table.tags].sort((x, y) => compare(x[0], y[0]))) {
    out.push(obj('tag-value', `${name}|${tagName(key)}`, `${t.table.name}: ${key} = ${a.value}`, { table: parts, tag: gov(tagName(key)), value: a.value }, extra));
  }
  for (const c of t.table.columns) {
    for (const [key, a] of [...c.tags].sort((x, y) => compare(x[0], y[0]))) {
      out.push(obj('tag-value', `${name}.${qualified(c.name)}|${tagName(key)}`, `${t.table.name}.${c.name}: ${key} = ${a.value}`, { table: parts, column: c.name, tag: gov(tagName(key)), value: a.value }, extra));
    }
    const cls = columnClass.get(`${t.table.name}|${c.name}`);
    if (cls) out.push(obj('tag-value', `${name}.${qualified(c.name)}|${maskTag[2]}`, `${t.table.name}.${c.name}: masked (${cls})`, { table: parts, column: c.name, tag: maskTag, value: cls, mask: true }, { ...extra, policies: [...new Set((t.masks.get(c.key) ?? []).map((m) => m.policy.name))].sort(compare) }));
  }
  if (t.filters.length) {
    const columns = [...new Set(t.filters.flatMap((f) => columnsOf(f.expr)))].map((n) => t.table.columns.find((c) => c.name === n) ?? t.table.columns.find((c) => c.name.toLowerCase() === n.toLowerCase())).filter((c): c is NonNullable<typeof c> => c !== undefined);
    const args = [...new Map(columns.map((c) => [c.name, c])).values()].sort((a, b) => compare(a.name, b.name));
    const exprCtx = { columns: args.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}), ...(c.nativeType ? { nativeType: c.nativeType } : {}) })), attributesTable: qualified(scope.database, scope.governance, 'ATTRIBUTES'), roleOf: role, attributes: ctx.model.attributes };
    const terms = t.filters.map((f) => {
      const cond = exprSql(f.expr, exprCtx);
      const exempt = [...new Set(f.exempt)].sort(compare).map((g) => `IS_ROLE_IN_SESSION(${quoteLiteral(role(g))})`);
      return exempt.length ? `(${exempt.join(' OR ')} OR ${cond})` : cond;
    });
    const policy = gov(stored(`${scope.prefix}rows_${createHash('sha256').update(t.table.name).digest('hex').slice(0, 12)}`));
    const signature = args.map((c) => ({ name: c.name, type: snowflakeBaseType(c.nativeType, c.type) }));
    out.push(obj('row-access-policy', qualified(...policy), `row access policy on ${t.table.name}`, { object: policy, args: signature, body: terms.join(' AND '), comment: marker(scope.project, 'row-policy', t.table.name) }, { ...extra, policies: t.filters.map((f) => f.policy.name).sort(compare) }));
    out.push(obj('row-policy-on', name, `${t.table.name} filtered by ${policy[2]}`, { table: parts, policy, columns: args.map((c) => c.name) }, extra));
  }
  return out;
}

/** The base type of a column as a policy signature writes it (`VARCHAR(20)` → `VARCHAR`). */
function snowflakeBaseType(native: string | undefined, type: NeutralType | undefined): string {
  if (native) return native.replace(/\(.*\)$/, '').trim().toUpperCase();
  return policyType(type ?? 'string');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
