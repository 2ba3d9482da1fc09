import { hasGlobal, hasPriv, owns } from './access.js';
import { nextId, now } from './account.js';
import type { Name, Statement, TagAssign } from './ast.js';
import { fqn } from './catalog.js';
import type { Ctx } from './context.js';
import { SimError, alreadyExists, compileError, insufficient, notExist } from './errors.js';
import { dropGrantsOn } from './exec-grants.js';
import { maskingOf, mustOwn, mustSee, schemaForCreate, tagsOf, visibleObject } from './guard.js';
import { nameText, qualified } from './names.js';
import { noteDdl } from './ddl-log.js';
import { OK, status, type ExecResult } from './result.js';
import type { Account, Column, Database, Policy, Schema, Table, Tag } from './state.js';

/** Tag quotas (https://docs.snowflake.com/en/user-guide/object-tagging/introduction#quotas): 50 tags per object, 50 distinct tags across a table's columns, values ≤ 256 characters, ≤ 5,000 allowed values. */
export const TAG_LIMIT = 50;
export const TAG_VALUE_MAX = 256;
export const ALLOWED_VALUES_MAX = 5000;

function checkAllowedList(values: readonly string[]): void {
  if (values.length > ALLOWED_VALUES_MAX) throw compileError('002146', `The number of allowed values for a tag cannot exceed ${ALLOWED_VALUES_MAX}.`, '22023');
  for (const v of values) if ([...v].length > TAG_VALUE_MAX) throw compileError('002146', `Tag value '${v.slice(0, 20)}…' exceeds the maximum length of ${TAG_VALUE_MAX} characters.`, '22023');
}

/** CREATE [OR REPLACE] TAG [IF NOT EXISTS] (https://docs.snowflake.com/en/sql-reference/sql/create-tag). */
export function execCreateTag(st: Extract<Statement, { t: 'createTag' }>, ctx: Ctx): ExecResult {
  const { schema, objectName } = schemaForCreate(ctx, st.name, 'CREATE TAG', 'CREATE TAG');
  const existing = schema.tagObjects.get(objectName);
  if (existing) {
    if (st.ifNotExists) return status(`${qualified(objectName)} already exists, statement succeeded.`, 'CREATE_TAG');
    if (!st.orReplace) throw alreadyExists('Tag', qualified(objectName));
    mustOwn(ctx, existing, 'tag', fqn(existing));
    if (existing.maskingPolicies.length) throw tagHasPolicy(existing);
    removeTag(ctx.account, existing);
  }
  if (st.allowed) checkAllowedList(st.allowed);
  const tag: Tag = { kind: 'TAG', id: nextId(ctx.account), name: objectName, owner: ctx.session.role ?? '', comment: st.comment, createdOn: now(ctx.account), schema, allowedValues: st.allowed ? [...new Set(st.allowed)] : null, propagate: st.propagate, maskingPolicies: [] };
  schema.tagObjects.set(objectName, tag);
  noteDdl(ctx, tag, existing ? 'REPLACE' : 'CREATE');
  return status(`Tag ${qualified(objectName)} successfully created.`, 'CREATE_TAG');
}

/** "A tag cannot be dropped if it is assigned to a masking policy" (terraform-provider-snowflake#1116 quoting the docs; wording of the error [UNCONFIRMED]). */
export function tagHasPolicy(tag: Tag): SimError {
  return compileError('003534', `Tag ${fqn(tag)} cannot be dropped/replaced because it is associated with one or more masking policies.`, '42601');
}

/** Removes a tag and every assignment of it. */
export function removeTag(a: Account, tag: Tag): void {
  tag.schema.tagObjects.delete(tag.name);
  for (const db of a.databases.values()) {
    db.tags.delete(tag);
    for (const s of db.schemas.values()) {
      s.tags.delete(tag);
      for (const t of s.tables.values()) {
        t.tags.delete(tag);
        for (const c of t.columns) c.tags.delete(tag);
      }
      for (const p of [...s.maskingPolicies.values(), ...s.rowAccessPolicies.values()]) p.tags.delete(tag);
    }
  }
  dropGrantsOn(a, tag);
}

/**
 * ALTER TAG (https://docs.snowflake.com/en/sql-reference/sql/alter-tag): allowed values, comment,
 * rename (OWNERSHIP); SET MASKING POLICY (global APPLY MASKING POLICY; one policy per data type,
 * FORCE replaces the same-type policy — https://docs.snowflake.com/en/user-guide/tag-based-masking-policies).
 */
export function execAlterTag(st: Extract<Statement, { t: 'alterTag' }>, ctx: Ctx): ExecResult {
  const tag = visibleObject(ctx, st.name, tagsOf, 'Tag', 'ALTER TAG', ['APPLY TAG']);
  if (!tag) {
    if (st.ifExists) return OK('ALTER_TAG');
    throw notExist('Tag', nameText(st.name));
  }
  const act = st.action;
  if (act.k === 'setMask' || act.k === 'unsetMask') {
    if (!hasGlobal(ctx.account, ctx.privRoles, 'APPLY MASKING POLICY')) throw insufficient('tag', fqn(tag));
    for (const pn of act.policies) {
      const p = mustSee(ctx, pn, maskingOf, 'Masking policy', 'ALTER TAG', ['APPLY MASKING POLICY']);
      const base = p.args[0]!.type.base;
      const same = tag.maskingPolicies.find((x) => x.args[0]!.type.base === base);
      if (act.k === 'unsetMask') {
        tag.maskingPolicies = tag.maskingPolicies.filter((x) => x !== p);
        continue;
      }
      if (same === p) continue;
      if (same && !act.force) throw compileError('003538', `Tag ${fqn(tag)} already has a masking policy with the same data type ${base}. A tag can have only one masking policy per data type; use FORCE to replace it.`, '42601');
      tag.maskingPolicies = [...tag.maskingPolicies.filter((x) => x !== same), p];
    }
    noteDdl(ctx, tag, 'ALTER', { maskingPolicies: tag.maskingPolicies.map((x) => fqn(x)) });
    return OK('ALTER_TAG');
  }
  mustOwn(ctx, tag, 'tag', fqn(tag));
  switch (act.k) {
    case 'addAllowed': {
      const next = [...new Set([...(tag.allowedValues ?? []), ...act.values])];
      checkAllowedList(next);
      tag.allowedValues = next;
      break;
    }
    case 'dropAllowed': tag.allowedValues = (tag.allowedValues ?? []).filter((v) => !act.values.includes(v)); break;
    case 'setAllowed': checkAllowedList(act.values); tag.allowedValues = [...new Set(act.values)]; break;
    case 'unset':
      if (act.what === 'ALLOWED_VALUES') tag.allowedValues = null;
      else if (act.what === 'COMMENT') tag.comment = null;
      else if (act.what === 'PROPAGATE') tag.propagate = null;
      break;
    case 'comment': tag.comment = act.value; break;
    case 'rename': {
      const to = act.to[act.to.length - 1]!;
      const target = act.to.length === 1 ? tag.schema : tag.schema.database.schemas.get(act.to[act.to.length - 2]!);
      if (!target) throw notExist('Schema', nameText(act.to.slice(0, -1)));
      if (target.tagObjects.has(to)) throw alreadyExists('Tag', qualified(to));
      tag.schema.tagObjects.delete(tag.name);
      tag.name = to;
      tag.schema = target;
      target.tagObjects.set(to, tag);
      break;
    }
  }
  return OK('ALTER_TAG');
}

type Taggable = Database | Schema | Table | Column | Policy;

/**
 * Sets tags on an object (https://docs.snowflake.com/en/sql-reference/sql/alter-table — SET TAG):
 * needs global APPLY TAG, or APPLY on the tag and OWNERSHIP of the object; the value must be one
 * of the tag's ALLOWED_VALUES when it has any; at most 50 tags per object and 50 distinct tags
 * across one table's columns.
 */
export function setTags(ctx: Ctx, target: Taggable, owner: { owner: string }, display: string, assigns: readonly TagAssign[], table: Table | null): void {
  if (assigns.length > 100) throw compileError('002147', 'A single statement can assign at most 100 tags.', '22023');
  for (const asg of assigns) {
    const tag = mustSee(ctx, asg.tag, tagsOf, 'Tag', 'SET TAG', ['APPLY TAG']);
    const global = hasGlobal(ctx.account, ctx.privRoles, 'APPLY TAG');
    if (!global && !(hasPriv(ctx.account, ctx.privRoles, tag, 'APPLY') && owns(ctx.privRoles, owner as Table))) throw insufficient('tag', fqn(tag));
    if ([...asg.value].length > TAG_VALUE_MAX) throw compileError('002146', `Tag value exceeds the maximum length of ${TAG_VALUE_MAX} characters.`, '22023');
    if (tag.allowedValues !== null && !tag.allowedValues.includes(asg.value)) {
      throw compileError('003540', `Tag ${fqn(tag)} does not allow the value '${asg.value}'. Allowed values are: ${tag.allowedValues.map((v) => `'${v}'`).join(', ')}.`, '22023');
    }
    if (!target.tags.has(tag) && target.tags.size >= TAG_LIMIT) throw compileError('002148', `Max number of tags (${TAG_LIMIT}) exceeded for object ${display}.`, '22023');
    if (table && 'type' in target && !target.tags.has(tag)) {
      const distinct = new Set(table.columns.flatMap((c) => [...c.tags.keys()]));
      if (!distinct.has(tag) && distinct.size >= TAG_LIMIT) throw compileError('002148', `Max number of distinct tags (${TAG_LIMIT}) exceeded for the columns of ${fqn(table)}.`, '22023');
    }
    target.tags.set(tag, asg.value);
  }
}

export function unsetTags(ctx: Ctx, target: Taggable, owner: { owner: string }, names: readonly Name[]): void {
  for (const n of names) {
    const tag = mustSee(ctx, n, tagsOf, 'Tag', 'UNSET TAG', ['APPLY TAG']);
    const global = hasGlobal(ctx.account, ctx.privRoles, 'APPLY TAG');
    if (!global && !(hasPriv(ctx.account, ctx.privRoles, tag, 'APPLY') && owns(ctx.privRoles, owner as Table))) throw insufficient('tag', fqn(tag));
    target.tags.delete(tag);
  }
}

/** Does any column or tag reference this masking policy? */
export function maskingAttached(a: Account, p: Policy): boolean {
  for (const db of a.databases.values()) for (const s of db.schemas.values()) {
    for (const t of s.tables.values()) if (t.columns.some((c) => c.mask?.policy === p)) return true;
    for (const tag of s.tagObjects.values()) if (tag.maskingPolicies.includes(p)) return true;
  }
  return false;
}

export function rapAttached(a: Account, p: Policy): boolean {
  for (const db of a.databases.values()) for (const s of db.schemas.values()) for (const t of s.tables.values()) if (t.rap?.policy === p) return true;
  return false;
}

export function dropGrantsForPolicy(a: Account, p: Policy): void {
  dropGrantsOn(a, p);
}
