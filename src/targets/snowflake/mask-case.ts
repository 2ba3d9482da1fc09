import type { NeutralType } from '../../model/neutral-types.js';
import { KEEP_LAST_DEFAULT, strictnessRank } from '../../resolve/mask-methods.js';
import type { MaskCandidate } from '../../resolve/strictest.js';
import { maskSql } from './mask.js';
import { quoteLiteral } from './sql-text.js';

/**
 * "Strictest wins" inside one Snowflake masking policy body (reference 2.3): Snowflake attaches
 * one policy per column and never combines two, so the resolver's outcome for the session is
 * computed in the body. A candidate applies unless the session holds one of its exempt groups
 * (`IS_ROLE_IN_SESSION`: the primary or a secondary role is the group's role or inherits it — the
 * principal's closure, as `isWaived`); of those that apply, the strictest method wins, two
 * different middle methods give `hash`, and the smallest `keep_last` of `partial` wins
 * (src/resolve/strictest.ts). No candidate applying: the clear value.
 */
export function maskCaseSql(candidates: readonly MaskCandidate[], arg: string, type: NeutralType, roleOf: (group: string) => string): string {
  const applies = (c: MaskCandidate): string => {
    const exempt = [...new Set(c.exempt)].sort();
    return exempt.length === 0 ? 'TRUE' : `NOT (${exempt.map((g) => `IS_ROLE_IN_SESSION(${quoteLiteral(roleOf(g))})`).join(' OR ')})`;
  };
  const any = (cs: readonly MaskCandidate[]): string => (cs.some((c) => c.exempt.length === 0) ? 'TRUE' : cs.map(applies).map((a) => `(${a})`).join(' OR '));
  const of = (method: MaskCandidate['method']) => candidates.filter((c) => c.method === method);
  const whens: string[] = [];
  for (const method of ['nullify', 'redact', 'hash'] as const) {
    const cs = of(method);
    if (cs.length) whens.push(`WHEN ${any(cs)} THEN ${maskSql(method, undefined, arg, type)}`);
  }
  // the middle tier (strictnessRank 1): two different methods applying resolve to hash
  const middle = (['partial', 'email_domain', 'year_only'] as const).filter((m) => of(m).length > 0);
  for (const m of middle) if (strictnessRank(m) !== 1) throw new Error(`${m} is not a middle-tier method`);
  if (middle.length > 1) {
    const pairs: string[] = [];
    for (let i = 0; i < middle.length; i++) for (let j = i + 1; j < middle.length; j++) pairs.push(`((${any(of(middle[i]!))}) AND (${any(of(middle[j]!))}))`);
    whens.push(`WHEN ${pairs.join(' OR ')} THEN ${maskSql('hash', undefined, arg, type)}`);
  }
  const partials = [...new Set(of('partial').map((c) => c.keepLast ?? KEEP_LAST_DEFAULT))].sort((a, b) => a - b);
  for (const k of partials) whens.push(`WHEN ${any(of('partial').filter((c) => (c.keepLast ?? KEEP_LAST_DEFAULT) === k))} THEN ${maskSql('partial', k, arg, type)}`);
  for (const m of ['email_domain', 'year_only'] as const) if (of(m).length) whens.push(`WHEN ${any(of(m))} THEN ${maskSql(m, undefined, arg, type)}`);
  return whens.length ? `CASE ${whens.join(' ')} ELSE ${arg} END` : arg;
}
