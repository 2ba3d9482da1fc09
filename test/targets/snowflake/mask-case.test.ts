import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../../src/model/types.js';
import { applyMask, type MaskMethod } from '../../../src/resolve/mask-methods.js';
import { strictest, type MaskCandidate } from '../../../src/resolve/strictest.js';
import { maskCaseSql } from '../../../src/targets/snowflake/mask-case.js';
import { qualified, quoteIdent, quoteLiteral } from '../../../src/targets/snowflake/sql-text.js';
import { createSimulator, type SimConnection, type Simulator } from '../../support/snowflake-sim/index.js';

/**
 * Strictest-wins computed inside one masking policy body (mask-case.ts), evaluated by the
 * simulator for every set of groups a user can hold, against the resolver: `strictest()` of the
 * candidates the principal is not exempt from (its group closure), then `applyMask`.
 */
const GROUPS = [
  { name: 'g0', memberOf: [] as string[] },
  { name: 'g1', memberOf: [] },
  { name: 'g2', memberOf: ['g0'] },
  { name: 'g3', memberOf: ['g1', 'g2'] },
];
const roleOf = (g: string) => `MWM_${g.toUpperCase()}`;
const closure = (names: readonly string[]): Set<string> => {
  const out = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const g = stack.pop()!;
    if (!out.has(g)) {
      out.add(g);
      stack.push(...GROUPS.find((x) => x.name === g)!.memberOf);
    }
  }
  return out;
};
const policy = (name: string): Policy => ({ name, scope: 'global' }) as unknown as Policy;
const STRING_METHODS: MaskMethod[] = ['nullify', 'redact', 'hash', 'partial', 'email_domain'];
const candidate = fc
  .record({ method: fc.constantFrom(...STRING_METHODS), keep: fc.constantFrom(2, 3, 4), exempt: fc.subarray(GROUPS.map((g) => g.name), { maxLength: 2 }), n: fc.nat(99) })
  .map(({ method, keep, exempt, n }): MaskCandidate => ({ policy: policy(`p${n}`), method, ...(method === 'partial' ? { keepLast: keep } : {}), exempt }));
const VALUES = ['ann@example.com', 'abcdefgh', 'a@b', 'é😀xyz', null];

const run = (conn: SimConnection, sqlText: string): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => conn.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(new Error(`${(err as Error).message}\n${sqlText}`)) : resolve((rows ?? []) as Record<string, unknown>[])) }));

describe('strictest wins in one Snowflake masking policy', () => {
  let sim: Simulator;
  let admin: SimConnection;
  const users = new Map<string, SimConnection>();
  const T = qualified('DB', 'S', 'T');
  const subsets = [[], ['g0'], ['g1'], ['g2'], ['g3'], ['g0', 'g1'], ['g1', 'g2']];

  beforeAll(async () => {
    sim = createSimulator({ account: 'ACME' });
    sim.createWarehouse('WH', { public: true });
    sim.createUser('ADMIN', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
    admin = sim.createConnection({ account: 'acme', username: 'ADMIN', warehouse: 'WH' });
    await admin.connectAsync();
    for (const s of [
      'CREATE DATABASE DB',
      'CREATE SCHEMA DB.S',
      ...GROUPS.map((g) => `CREATE ROLE ${quoteIdent(roleOf(g.name))}`),
      ...GROUPS.flatMap((g) => g.memberOf.map((p) => `GRANT ROLE ${quoteIdent(roleOf(p))} TO ROLE ${quoteIdent(roleOf(g.name))}`)),
      `CREATE TABLE ${T} ("ID" NUMBER, "V" VARCHAR)`,
      ...VALUES.map((v, i) => `INSERT INTO ${T} SELECT ${i}, ${v === null ? 'NULL' : quoteLiteral(v)}`),
      'GRANT USAGE ON DATABASE DB TO ROLE PUBLIC',
      'GRANT USAGE ON SCHEMA DB.S TO ROLE PUBLIC',
      `GRANT SELECT ON TABLE ${T} TO ROLE PUBLIC`,
      `CREATE MASKING POLICY DB.S.M AS ("VAL" VARCHAR) RETURNS VARCHAR -> "VAL"`,
      `ALTER TABLE ${T} MODIFY COLUMN "V" SET MASKING POLICY DB.S.M`,
    ])
      await run(admin, s);
    for (const [i, member] of subsets.entries()) {
      sim.createUser(`U${i}`, { defaultRole: 'PUBLIC', defaultSecondaryRoles: 'ALL', roles: member.map(roleOf), defaultWarehouse: 'WH' });
      const c = sim.createConnection({ account: 'acme', username: `U${i}`, warehouse: 'WH' });
      await c.connectAsync();
      users.set(member.join(','), c);
    }
  });

  it('for random candidate sets, every principal sees what the resolver says', async () => {
    const sets = fc.sample(fc.array(candidate, { minLength: 0, maxLength: 4 }), { numRuns: 80, seed: 21 });
    for (const cs of sets) {
      const body = maskCaseSql(cs, '"VAL"', 'string', roleOf);
      await run(admin, `ALTER MASKING POLICY DB.S.M SET BODY -> ${body}`);
      for (const member of subsets) {
        const mine = closure(member);
        const outcome = strictest(cs.filter((c) => !c.exempt.some((g) => mine.has(g))));
        const want = VALUES.map((v) => (outcome ? applyMask(outcome.method, outcome.keepLast !== undefined ? { keep_last: outcome.keepLast } : {}, v, 'string') : v));
        const got = (await run(users.get(member.join(','))!, `SELECT "V" FROM ${T} ORDER BY "ID"`)).map((r) => r.V);
        expect(got, `${JSON.stringify(cs.map((c) => [c.method, c.keepLast, c.exempt]))} as ${member.join('+') || 'nobody'}`).toEqual(want);
      }
    }
  });
});
