import { closure, hasGlobal, hasPriv, owns } from './access.js';
import { effectiveTags, fqn } from './catalog.js';
import type { AccessLog, Ctx } from './context.js';
import { SimError, insufficient } from './errors.js';
import { evalExpr, type Scope } from './eval.js';
import type { Column, Policy, Table, Tag } from './state.js';
import { sameBaseType } from './types.js';
import { truth, type Value } from './values.js';

export type MaskResolution =
  | { readonly k: 'none' }
  | { readonly k: 'mask'; readonly policy: Policy; readonly using: readonly string[] | null; readonly via: Tag | null }
  | { readonly k: 'conflict'; readonly policies: readonly Policy[]; readonly tags: readonly Tag[] };

/**
 * The masking policy protecting a column (https://docs.snowflake.com/en/user-guide/tag-based-masking-policies):
 * a policy set directly on the column wins over a tag-based one; otherwise every tag reaching the
 * column (set on it or inherited from its table, schema or database) contributes the policy of
 * the column's data type it carries; two different such policies are a conflict that makes every
 * query on the column fail.
 */
export function resolveMask(t: Table, c: Column): MaskResolution {
  if (c.mask) return { k: 'mask', policy: c.mask.policy, using: c.mask.using, via: null };
  const found: { policy: Policy; tag: Tag }[] = [];
  for (const tag of effectiveTags(t, c).keys()) {
    for (const p of tag.maskingPolicies) if (sameBaseType(c.type, p.args[0]!.type) && !found.some((f) => f.policy === p)) found.push({ policy: p, tag });
  }
  if (found.length === 0) return { k: 'none' };
  if (found.length > 1) return { k: 'conflict', policies: found.map((f) => f.policy), tags: found.map((f) => f.tag) };
  // Tag-based conditional policies bind their extra arguments to the columns of the same names [UNCONFIRMED].
  const p = found[0]!.policy;
  return { k: 'mask', policy: p, using: p.args.length > 1 ? p.args.map((a, i) => (i === 0 ? c.name : a.name)) : null, via: found[0]!.tag };
}

/** A context whose privileges are the policy owner's: policy bodies run with the owner's rights (https://docs.snowflake.com/en/user-guide/security-row-intro). */
function policyCtx(ctx: Ctx, policy: Policy, table: Table, column: string | null): Ctx {
  const roles = closure(ctx.account, [policy.owner]);
  return { ...ctx, privRoles: roles, primaryRoles: roles, policyFrame: { table, column, kind: policy.kind, policyOwner: policy.owner } };
}

export function evalPolicy(ctx: Ctx, policy: Policy, table: Table, column: string | null, args: readonly Value[]): Value {
  const scope: Scope = { cols: policy.args.map((a) => ({ name: a.name, qualifiers: [], type: a.type })), row: args, parent: null };
  return evalExpr(policy.body, scope, policyCtx(ctx, policy, table, column));
}

/** "Column X is mapped to multiple masking policies by tags" — the query fails (message per the reference, code [UNCONFIRMED]). */
export function conflictError(t: Table, c: Column): SimError {
  return new SimError('003535', '22000', `SQL execution error:\nColumn ${c.name} in table ${fqn(t)} is mapped to multiple masking policies by tags. Please contact your local administrator to fix the issue.`);
}

/**
 * EXECUTE USING POLICY_CONTEXT needs OWNERSHIP of a protected table and APPLY on its policies
 * (global APPLY … POLICY or APPLY on the policy) (https://docs.snowflake.com/en/sql-reference/functions/policy_context).
 */
function checkSimulation(ctx: Ctx, t: Table, policies: readonly Policy[]): void {
  if (!owns(ctx.privRoles, t)) throw insufficient('table', fqn(t));
  for (const p of policies) {
    const global = p.kind === 'MASKING_POLICY' ? 'APPLY MASKING POLICY' : 'APPLY ROW ACCESS POLICY';
    if (!hasGlobal(ctx.account, ctx.privRoles, global) && !hasPriv(ctx.account, ctx.privRoles, p, 'APPLY')) throw insufficient(p.kind === 'MASKING_POLICY' ? 'masking policy' : 'row access policy', fqn(p));
  }
}

/**
 * What a principal reads from a table: the row access policy filters the rows first (on the raw
 * values), then each referenced column goes through its masking policy (RAP before masking —
 * https://docs.snowflake.com/en/user-guide/security-row-intro#query-runtime-considerations).
 * Conditional masking passes the raw values of the USING columns. Inside a policy body (a
 * mapping-table lookup) no further policies apply (simplification, see README).
 */
export function protectedRows(ctx: Ctx, t: Table, referenced: ReadonlySet<string>): Value[][] {
  let rows = t.rows.map((r) => [...r]);
  if (ctx.policyFrame) return rows;
  const used: Policy[] = [];
  const masks = t.columns.map((c) => ({ c, m: resolveMask(t, c) }));
  for (const { m } of masks) if (m.k === 'mask') used.push(m.policy);
  if (t.rap) used.push(t.rap.policy);
  if (ctx.simulated && used.length) checkSimulation(ctx, t, used);
  const log: AccessLog['policies'] extends Map<Table, infer V> ? V : never = ctx.access.policies.get(t) ?? { table: [], columns: new Map() };
  if (t.rap) {
    const rap = t.rap;
    const idx = rap.on.map((n) => t.columns.findIndex((c) => c.name === n));
    rows = rows.filter((r) => truth(evalPolicy(ctx, rap.policy, t, null, idx.map((i) => r[i] ?? null))) === true);
    if (!log.table.some((p) => p.id === rap.policy.id)) log.table.push({ name: fqn(rap.policy), id: rap.policy.id, kind: 'ROW_ACCESS_POLICY' });
  }
  const masked = rows.map((r) => [...r]);
  masks.forEach(({ c, m }, ci) => {
    const isReferenced = referenced.has('*') || referenced.has(c.name);
    if (m.k === 'conflict') {
      if (isReferenced) throw conflictError(t, c);
      return;
    }
    if (m.k !== 'mask' || !isReferenced) return;
    const argIdx = (m.using ?? [c.name]).map((n) => t.columns.findIndex((x) => x.name === n));
    rows.forEach((raw, ri) => {
      masked[ri]![ci] = evalPolicy(ctx, m.policy, t, c.name, argIdx.map((i) => (i < 0 ? null : raw[i] ?? null)));
    });
    log.columns.set(c.name, [{ name: fqn(m.policy), id: m.policy.id, kind: 'MASKING_POLICY' }]);
  });
  if (log.table.length || log.columns.size) ctx.access.policies.set(t, log);
  return masked;
}

