import { hasGlobal, hasPriv, owns } from './access.js';
import type { Statement } from './ast.js';
import { fqn, lookupObject } from './catalog.js';
import type { Ctx } from './context.js';
import { compileError, notExist } from './errors.js';
import { tables, visibleObject } from './guard.js';
import { nameText, parseNameString, qualified } from './names.js';
import type { ExecResult } from './result.js';
import type { Policy } from './state.js';
import { VARCHAR, typeText, type SqlType } from './types.js';

/** The base type as DESCRIBE prints a signature: no length or precision (https://docs.snowflake.com/en/sql-reference/sql/desc-masking-policy). */
function baseText(t: SqlType): string {
  return t.base;
}

/** DESCRIBE upper-cases argument names and drops type precision: (VAL VARCHAR, VISIBILITY VARCHAR). */
export function signatureText(p: Policy): string {
  return `(${p.args.map((a) => `${a.name.toUpperCase()} ${baseText(a.type)}`).join(', ')})`;
}

/** DESCRIBE / GET_DDL need global APPLY …, APPLY on the policy, or OWNERSHIP (https://docs.snowflake.com/en/sql-reference/sql/desc-row-access-policy). */
function describablePolicy(ctx: Ctx, kind: 'MASKING' | 'ROW_ACCESS', parts: readonly string[], display: string): Policy {
  const p = lookupObject(ctx, parts, kind === 'MASKING' ? 'MASKING_POLICY' : 'ROW_ACCESS_POLICY', 'DESCRIBE');
  const global = kind === 'MASKING' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
  if (!p || !(hasGlobal(ctx.account, ctx.privRoles, global) || owns(ctx.privRoles, p) || hasPriv(ctx.account, ctx.privRoles, p, 'APPLY'))) throw notExist(kind === 'MASKING' ? 'Masking policy' : 'Row access policy', display);
  return p;
}

/** DESCRIBE MASKING POLICY | ROW ACCESS POLICY → one row: name, signature, return_type, body. */
export function execDescribePolicy(st: Extract<Statement, { t: 'describePolicy' }>, ctx: Ctx): ExecResult {
  const p = describablePolicy(ctx, st.kind, st.name, nameText(st.name));
  return { cols: [{ name: 'name', type: VARCHAR }, { name: 'signature', type: VARCHAR }, { name: 'return_type', type: VARCHAR }, { name: 'body', type: VARCHAR }], rows: [[p.name, signatureText(p), typeText(p.returns), p.bodyText]], queryType: 'DESCRIBE' };
}

/** DESCRIBE TABLE (https://docs.snowflake.com/en/sql-reference/sql/desc-table): one row per column, with the `policy name` of a direct mask. */
export function execDescribeTable(st: Extract<Statement, { t: 'describeTable' }>, ctx: Ctx): ExecResult {
  const t = visibleObject(ctx, st.name, tables, 'Object', 'DESCRIBE');
  if (!t) throw notExist('Object', nameText(st.name));
  const names = ['name', 'type', 'kind', 'null?', 'default', 'primary key', 'unique key', 'check', 'expression', 'comment', 'policy name', 'privacy domain'];
  return {
    cols: names.map((name) => ({ name, type: VARCHAR })),
    rows: t.columns.map((c) => [c.name, typeText(c.type), 'COLUMN', c.nullable ? 'Y' : 'N', null, 'N', 'N', null, null, c.comment, c.mask ? fqn(c.mask.policy) : null, null]),
    queryType: 'DESCRIBE',
  };
}

/**
 * GET_DDL('POLICY', 'name') (https://docs.snowflake.com/en/sql-reference/functions/get_ddl): the
 * CREATE OR REPLACE text of a masking or row access policy; EXEMPT_OTHER_POLICIES shown only when
 * TRUE. Layout (line breaks, keyword case) [UNCONFIRMED]. Also 'TABLE'.
 */
export function getDdl(ctx: Ctx, kind: string, name: string): string {
  const k = kind.toUpperCase();
  const parts = parseNameString(name);
  if (!parts) throw compileError('002003', `Object '${name}' does not exist or not authorized.`, '02000');
  if (k === 'POLICY' || k === 'MASKING_POLICY' || k === 'ROW_ACCESS_POLICY') {
    let p: Policy | undefined;
    try { p = describablePolicy(ctx, 'MASKING', parts, name); } catch { p = undefined; }
    if (!p) p = describablePolicy(ctx, 'ROW_ACCESS', parts, name);
    const word = p.kind === 'MASKING_POLICY' ? 'masking policy' : 'row access policy';
    const args = p.args.map((a) => `${a.name} ${typeText(a.type)}`).join(', ');
    const tail = [p.comment !== null ? `comment='${p.comment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : null, p.exempt ? 'exempt_other_policies = true' : null].filter(Boolean);
    return `create or replace ${word} ${qualified(p.name)} as (${args}) returns ${typeText(p.returns)} ->\n${p.bodyText}\n${tail.map((x) => `${x}\n`).join('')};`;
  }
  if (k === 'TABLE') {
    const t = visibleObject(ctx, parts, tables, 'Object', 'GET_DDL');
    if (!t) throw notExist('Object', name);
    const cols = t.columns.map((c) => `\t${qualified(c.name)} ${typeText(c.type)}${c.nullable ? '' : ' NOT NULL'}${c.mask ? ` WITH MASKING POLICY ${fqn(c.mask.policy)}${c.mask.using ? ` USING (${c.mask.using.map((x) => qualified(x)).join(', ')})` : ''}` : ''}`);
    return `create or replace ${t.transient ? 'TRANSIENT ' : ''}TABLE ${qualified(t.name)} (\n${cols.join(',\n')}\n)${t.rap ? `\nWITH ROW ACCESS POLICY ${fqn(t.rap.policy)} ON (${t.rap.on.map((x) => qualified(x)).join(', ')})` : ''};`;
  }
  throw compileError('002003', `Object type '${kind}' is not supported by GET_DDL in the simulator.`, '02000');
}
