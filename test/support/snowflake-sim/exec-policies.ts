import { hasGlobal, hasPriv, owns } from './access.js';
import { nextId, now } from './account.js';
import type { AlterColumnAction, Expr, Name, Statement } from './ast.js';
import { fqn, tagByName } from './catalog.js';
import type { Ctx } from './context.js';
import { SimError, alreadyExists, compileError, insufficient, invalidIdentifier, notExist } from './errors.js';
import { dropGrantsOn } from './exec-grants.js';
import { maskingAttached, rapAttached, setTags, unsetTags } from './exec-tags.js';
import { maskingOf, mustOwn, mustSee, rapsOf, schemaForCreate, visibleObject } from './guard.js';
import { nameText, parseNameString, qualified } from './names.js';
import { noteDdl } from './ddl-log.js';
import { OK, status, type ExecResult } from './result.js';
import type { Policy, Table } from './state.js';
import { sameBaseType, typeText } from './types.js';

const KIND_LABEL = { MASKING: 'Masking policy', ROW_ACCESS: 'Row access policy' } as const;

/** "Policy X cannot be dropped/replaced as it is associated with one or more entities." (https://docs.snowflake.com/en/sql-reference/sql/drop-masking-policy; code [UNCONFIRMED]). */
export function policyInUse(p: Policy): SimError {
  return compileError('003530', `Policy ${fqn(p)} cannot be dropped/replaced as it is associated with one or more entities.`, '42601');
}

/**
 * Checks a body: columns outside subqueries must be the signature's arguments; a tag named in
 * SYSTEM$GET_TAG_ON_CURRENT_COLUMN/TABLE must exist when the policy is created or altered
 * (https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_01/bcr-938).
 */
function validateBody(ctx: Ctx, body: Expr, args: readonly { name: string }[]): void {
  const visit = (x: unknown, inSub: boolean): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) { x.forEach((y) => visit(y, inSub)); return; }
    const o = x as Record<string, unknown>;
    if (o.k === 'col' && !inSub) {
      const parts = o.parts as string[];
      if (parts.length === 1 && !args.some((a) => a.name === parts[0])) throw invalidIdentifier(parts[0]!, o.line as number, o.pos as number);
    }
    if (o.k === 'fn' && (o.name === 'SYSTEM$GET_TAG_ON_CURRENT_COLUMN' || o.name === 'SYSTEM$GET_TAG_ON_CURRENT_TABLE')) {
      const a0 = (o.args as Expr[])[0];
      if (a0 && a0.k === 'lit' && typeof a0.v === 'string') {
        const parts = parseNameString(a0.v);
        if (!parts || !tagByName(ctx, parts)) throw compileError('002003', `Tag '${a0.v}' does not exist or not authorized.`, '02000');
      }
    }
    const sub = inSub || o.k === 'exists' || o.k === 'subquery' || (o.k === 'in' && o.query !== null && o.query !== undefined);
    for (const [k, v] of Object.entries(o)) if (v && typeof v === 'object') visit(v, sub || k === 'query');
  };
  visit(body, false);
}

/**
 * CREATE [OR REPLACE] MASKING POLICY / ROW ACCESS POLICY [IF NOT EXISTS]
 * (https://docs.snowflake.com/en/sql-reference/sql/create-masking-policy, …/create-row-access-policy):
 * a masking policy's RETURNS must be the first argument's type; a row access policy returns
 * BOOLEAN; OR REPLACE of an attached policy fails like DROP.
 */
export function execCreatePolicy(st: Extract<Statement, { t: 'createPolicy' }>, ctx: Ctx): ExecResult {
  const priv = st.kind === 'MASKING' ? 'CREATE MASKING POLICY' : 'CREATE ROW ACCESS POLICY';
  const { schema, objectName } = schemaForCreate(ctx, st.name, priv, priv);
  const map = st.kind === 'MASKING' ? schema.maskingPolicies : schema.rowAccessPolicies;
  const label = KIND_LABEL[st.kind];
  if (st.args.length === 0) throw compileError('001003', "syntax error line 1 at position 0 unexpected ')'.", '42000');
  if (st.kind === 'MASKING' && !sameBaseType(st.returns, st.args[0]!.type)) {
    throw compileError('003537', `Masking policy return type ${typeText(st.returns)} does not match the input type ${typeText(st.args[0]!.type)}. The return type must be the same as the first argument's type.`, '42601');
  }
  if (st.kind === 'ROW_ACCESS' && st.returns.base !== 'BOOLEAN') throw compileError('003551', `Row access policy return type ${typeText(st.returns)} is not BOOLEAN.`, '42601');
  const names = new Set<string>();
  for (const a of st.args) {
    if (names.has(a.name)) throw compileError('002025', `duplicate argument name ${a.name}`, '42601');
    names.add(a.name);
  }
  validateBody(ctx, st.body, st.args);
  const existing = map.get(objectName);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(objectName)} already exists, statement succeeded.`, 'CREATE');
    if (!st.orReplace) throw alreadyExists(label, qualified(objectName));
    mustOwn(ctx, existing, st.kind === 'MASKING' ? 'masking policy' : 'row access policy', fqn(existing));
    if (st.kind === 'MASKING' ? maskingAttached(ctx.account, existing) : rapAttached(ctx.account, existing)) throw policyInUse(existing);
    map.delete(objectName);
    dropGrantsOn(ctx.account, existing);
  }
  const p: Policy = {
    kind: st.kind === 'MASKING' ? 'MASKING_POLICY' : 'ROW_ACCESS_POLICY', id: nextId(ctx.account), name: objectName, owner: ctx.session.role ?? '', comment: st.comment, createdOn: now(ctx.account),
    schema, args: st.args.map((a) => ({ ...a })), returns: st.returns, body: st.body, bodyText: st.bodyText, exempt: st.exempt === true, tags: new Map(),
  };
  map.set(objectName, p);
  noteDdl(ctx, p, existing ? 'REPLACE' : 'CREATE', { policyBody: p.bodyText });
  return status(`${label} ${qualified(objectName)} successfully created.`, 'CREATE');
}

/** ALTER MASKING POLICY / ROW ACCESS POLICY (…/alter-masking-policy, …/alter-row-access-policy): OWNERSHIP; SET BODY keeps the signature; effective on the next query. */
export function execAlterPolicy(st: Extract<Statement, { t: 'alterPolicy' }>, ctx: Ctx): ExecResult {
  const pick = st.kind === 'MASKING' ? maskingOf : rapsOf;
  const global = st.kind === 'MASKING' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
  const p = visibleObject(ctx, st.name, pick, KIND_LABEL[st.kind], 'ALTER', [global]);
  if (!p) {
    if (st.ifExists) return OK('ALTER');
    throw notExist(KIND_LABEL[st.kind], nameText(st.name));
  }
  const act = st.action;
  if (act.k === 'setTag' || act.k === 'unsetTag') {
    if (act.k === 'setTag') setTags(ctx, p, p, fqn(p), act.tags, null);
    else unsetTags(ctx, p, p, act.tags);
    return OK('ALTER');
  }
  mustOwn(ctx, p, st.kind === 'MASKING' ? 'masking policy' : 'row access policy', fqn(p));
  if (act.k === 'body') {
    validateBody(ctx, act.body, p.args);
    p.body = act.body;
    p.bodyText = act.bodyText;
    noteDdl(ctx, p, 'ALTER', { policyBody: act.bodyText });
  } else if (act.k === 'comment') p.comment = act.value;
  else {
    const to = act.to[act.to.length - 1]!;
    const target = act.to.length === 3 ? ctx.account.databases.get(act.to[0]!)?.schemas.get(act.to[1]!) : act.to.length === 2 ? p.schema.database.schemas.get(act.to[0]!) : p.schema;
    if (!target) throw notExist('Schema', nameText(act.to.slice(0, -1)));
    const map = st.kind === 'MASKING' ? target.maskingPolicies : target.rowAccessPolicies;
    if (map.has(to)) throw alreadyExists(KIND_LABEL[st.kind], qualified(to));
    (st.kind === 'MASKING' ? p.schema.maskingPolicies : p.schema.rowAccessPolicies).delete(p.name);
    p.name = to;
    p.schema = target;
    map.set(to, p);
  }
  return OK('ALTER');
}

/** DROP MASKING POLICY / ROW ACCESS POLICY: OWNERSHIP; refused while attached to a column, table or tag. */
export function execDropPolicy(ctx: Ctx, kind: 'MASKING' | 'ROW_ACCESS', name: Name, ifExists: boolean): ExecResult {
  const pick = kind === 'MASKING' ? maskingOf : rapsOf;
  const global = kind === 'MASKING' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
  const p = visibleObject(ctx, name, pick, KIND_LABEL[kind], 'DROP', [global]);
  if (!p) {
    if (ifExists) return status(`Drop statement executed successfully (${nameText(name)} already dropped).`, 'DROP');
    throw notExist(KIND_LABEL[kind], nameText(name));
  }
  mustOwn(ctx, p, kind === 'MASKING' ? 'masking policy' : 'row access policy', fqn(p));
  if (kind === 'MASKING' ? maskingAttached(ctx.account, p) : rapAttached(ctx.account, p)) throw policyInUse(p);
  (kind === 'MASKING' ? p.schema.maskingPolicies : p.schema.rowAccessPolicies).delete(p.name);
  dropGrantsOn(ctx.account, p);
  ctx.account.dropped.push({ kind: p.kind, name: fqn(p), at: now(ctx.account) });
  noteDdl(ctx, p, 'DROP');
  return status(`${qualified(p.name)} successfully dropped.`, 'DROP');
}

/** Attaching needs global APPLY … POLICY, or OWNERSHIP of the table and APPLY on the policy (https://docs.snowflake.com/en/user-guide/security-column-intro#privileges-and-dependencies). */
function mayAttach(ctx: Ctx, t: Table, p: Policy): boolean {
  const global = p.kind === 'MASKING_POLICY' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
  return hasGlobal(ctx.account, ctx.privRoles, global) || (owns(ctx.privRoles, t) && hasPriv(ctx.account, ctx.privRoles, p, 'APPLY'));
}

function mayDetach(ctx: Ctx, t: Table, p: Policy): boolean {
  return mayAttach(ctx, t, p);
}

/** "A column cannot be in a row access policy signature and a directly attached masking policy signature unless the mask is EXEMPT_OTHER_POLICIES" (https://docs.snowflake.com/en/user-guide/security-row-intro#limitations; code [UNCONFIRMED]). */
function bothPoliciesError(column: string): SimError {
  return compileError('003546', `Column '${column}' cannot be referenced by both a row access policy and a masking policy. Set EXEMPT_OTHER_POLICIES = TRUE on the masking policy to allow it.`, '42601');
}

export function columnAction(ctx: Ctx, t: Table, a: AlterColumnAction): void {
  const col = t.columns.find((c) => c.name === a.column);
  if (!col) throw invalidIdentifier(qualified(a.column));
  switch (a.k) {
    case 'setMask': {
      // https://docs.snowflake.com/en/sql-reference/sql/alter-table-column — SET MASKING POLICY … [USING (…)] [FORCE].
      const p = mustSee(ctx, a.policy, maskingOf, 'Masking policy', 'ALTER TABLE', ['APPLY MASKING POLICY']);
      if (!mayAttach(ctx, t, p)) throw insufficient('masking policy', fqn(p));
      if (!sameBaseType(col.type, p.args[0]!.type)) throw compileError('002023', `Specified masking policy data type ${typeText(p.args[0]!.type)} does not match column ${qualified(col.name)} data type ${typeText(col.type)}.`, '22000');
      const using = a.using;
      if (using) {
        if (using[0] !== col.name) throw compileError('003543', `The first column in USING must be the masked column ${qualified(col.name)}.`, '42601');
        if (using.length !== p.args.length) throw compileError('003544', `Masking policy ${fqn(p)} takes ${p.args.length} arguments but USING lists ${using.length} columns.`, '42601');
        using.forEach((n, i) => {
          const c = t.columns.find((x) => x.name === n);
          if (!c) throw invalidIdentifier(qualified(n));
          if (!sameBaseType(c.type, p.args[i]!.type)) throw compileError('002023', `Column ${qualified(n)} data type ${typeText(c.type)} does not match argument ${p.args[i]!.name} of masking policy ${fqn(p)}.`, '22000');
        });
      } else if (p.args.length > 1) throw compileError('003544', `Masking policy ${fqn(p)} is a conditional masking policy; specify its columns with USING.`, '42601');
      if (t.rap && !p.exempt && [col.name, ...(using ?? [])].some((n) => t.rap!.on.includes(n))) throw bothPoliciesError(col.name);
      if (col.mask && col.mask.policy !== p) {
        if (!a.force) throw compileError('003529', 'Specified column already attached to another masking policy. A column cannot be attached to multiple masking policies. Please drop the current association in order to attach a new masking policy.', '42601');
        if (!sameBaseType(col.mask.policy.args[0]!.type, p.args[0]!.type)) throw compileError('002023', 'FORCE requires the new masking policy to have the same data type as the current one.', '22000');
      } else if (col.mask && col.mask.policy === p && !a.force) {
        throw compileError('003529', 'Specified column already attached to another masking policy. A column cannot be attached to multiple masking policies. Please drop the current association in order to attach a new masking policy.', '42601');
      }
      col.mask = { policy: p, using: using ? [...using] : null };
      break;
    }
    case 'unsetMask':
      if (col.mask) {
        if (!mayDetach(ctx, t, col.mask.policy)) throw insufficient('masking policy', fqn(col.mask.policy));
        col.mask = null;
      }
      break;
    case 'setTag': setTags(ctx, col, t, `${fqn(t)}.${qualified(col.name)}`, a.tags, t); break;
    case 'unsetTag': unsetTags(ctx, col, t, a.tags); break;
    case 'comment': mustOwn(ctx, t, 'table', fqn(t)); col.comment = a.comment; break;
    case 'type': mustOwn(ctx, t, 'table', fqn(t)); col.type = a.type; break;
    case 'dropNotNull': mustOwn(ctx, t, 'table', fqn(t)); col.nullable = true; break;
    case 'setNotNull': mustOwn(ctx, t, 'table', fqn(t)); col.nullable = false; break;
  }
}

/**
 * ALTER TABLE … ADD | DROP ROW ACCESS POLICY, DROP ALL ROW ACCESS POLICIES, and DROP p, ADD q in
 * one statement (https://docs.snowflake.com/en/sql-reference/sql/alter-table): one row access
 * policy per table; ON columns bind positionally to the signature.
 */
export function rapAction(ctx: Ctx, t: Table, drop: Name | 'ALL' | null, add: { policy: Name; on: readonly string[] } | null): void {
  if (drop === 'ALL') {
    if (t.rap && !mayDetach(ctx, t, t.rap.policy)) throw insufficient('row access policy', fqn(t.rap.policy));
    t.rap = null;
  } else if (drop) {
    const p = mustSee(ctx, drop, rapsOf, 'Row access policy', 'ALTER TABLE', ['APPLY ROW ACCESS POLICY']);
    if (!mayDetach(ctx, t, p)) throw insufficient('row access policy', fqn(p));
    if (t.rap?.policy !== p) throw compileError('003550', `Row access policy ${fqn(p)} is not attached to ${fqn(t)}.`, '42601');
    if (!add) t.rap = null;
  }
  if (add) {
    const p = mustSee(ctx, add.policy, rapsOf, 'Row access policy', 'ALTER TABLE', ['APPLY ROW ACCESS POLICY']);
    if (!mayAttach(ctx, t, p)) throw insufficient('row access policy', fqn(p));
    if (t.rap && !drop) throw compileError('003549', `Object ${fqn(t)} already has a ROW_ACCESS_POLICY. Only one ROW_ACCESS_POLICY is allowed at a time.`, '42601');
    if (add.on.length !== p.args.length) throw compileError('003544', `Row access policy ${fqn(p)} takes ${p.args.length} arguments but ON lists ${add.on.length} columns.`, '42601');
    add.on.forEach((n, i) => {
      const c = t.columns.find((x) => x.name === n);
      if (!c) throw invalidIdentifier(qualified(n));
      if (!sameBaseType(c.type, p.args[i]!.type)) throw compileError('002023', `Column ${qualified(n)} data type ${typeText(c.type)} does not match argument ${p.args[i]!.name} of row access policy ${fqn(p)}.`, '22000');
      // Direct masks only: a tag-routed mask on a RAP column is allowed (tag-based masking page, example 3).
      const direct = t.columns.filter((x) => x.mask && !x.mask.policy.exempt && [x.name, ...(x.mask.using ?? [])].includes(n));
      if (direct.length) throw bothPoliciesError(n);
    });
    t.rap = { policy: p, on: [...add.on] };
  }
}

export function alreadyExistsError(name: string): SimError {
  return alreadyExists('Object', name);
}
