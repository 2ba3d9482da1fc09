import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/plan.js';
import type { ApiStep } from '../../../src/plan/step.js';
import { joinName } from '../../../src/resolve/names.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { hostileName } from '../../fixtures/hostile-names.js';
import { effects, grantPath, groupPath, maskPath, planAndApply, planNow, resetAccount, tempRepo, useApiTestTarget, writeRepo, type RepoDocs, type SeedTable } from '../../support/api-target/index.js';

/**
 * Group, schema, table and column names with quotes, slashes, `%`, spaces and non-ASCII text:
 * each is one URL-encoded path segment, decoded by the service to exactly the name, so a plan
 * applies and the next plan is empty.
 */
useApiTestTarget();

interface Names {
  readonly groups: readonly [string, string];
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

function repository(account: string, n: Names): { docs: RepoDocs; tables: SeedTable[]; table: string } {
  const table = joinName(['shop', n.schema, n.table]);
  const tables: SeedTable[] = [{ name: table, columns: [{ name: 'id', type: 'number' }, { name: n.column, type: 'string' }] }];
  const [reader, exempt] = n.groups;
  const docs: RepoDocs = {
    account,
    groups: { [reader]: { attributes: { region: ["EMEA/'x'"] } }, [exempt]: {} },
    tags: { pii: ['email'] },
    global: [{ name: 'hash-pii', mask: { tags: { pii: 'email' }, method: 'hash', exempt: [exempt] } }],
    domain: { name: 'd', schemas: [joinName(['shop', n.schema])], tables: { [table]: { columns: { [n.column]: { pii: 'email' } } } }, grants: [{ groups: [reader, exempt], read: [table] }], policies: [] },
  };
  return { docs, tables, table };
}

const FIXED: Names = { groups: [`o'neil / "ops" 100%`, 'ünïcödé e\u0301 😀 %2F'], schema: 'sales dept/%', table: `o'rders "2024"`, column: 'e-mail %20/"work"' };

describe('hostile names on the api-test target', () => {
  let repo: ReturnType<typeof tempRepo>;
  beforeAll(() => {
    repo = tempRepo(repository('hostile', FIXED).docs);
  });
  afterAll(() => repo.cleanup());

  it('round-trip through the CLI: plan, apply, re-plan empty', async () => {
    const { tables, table } = repository('hostile', FIXED);
    const account = resetAccount('hostile', { tables });
    const run = (...args: string[]) => runInProcess([...args, '--dir', repo.dir], { env: process.env });
    const plan = JSON.parse((await run('plan', '--json')).stdout) as Plan;
    // every segment of every path decodes to a name of the model (or a fixed word)
    const words = new Set(['v1', 'groups', 'attributes', 'tables', 'grants', 'masks', table, ...FIXED.groups, FIXED.column]);
    for (const s of plan.changes.flatMap((c) => c.steps) as ApiStep[]) for (const seg of s.path.split('/')) expect(words, s.path).toContain(decodeURIComponent(seg));

    const applied = await run('apply', '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    const live = effects(account);
    const [reader, exempt] = FIXED.groups;
    expect(live[groupPath(reader)]).toEqual({ name: reader });
    expect(live[`${groupPath(reader)}/attributes`]).toEqual({ group: reader, attributes: { region: ["EMEA/'x'"] } });
    expect(live[grantPath(table, reader)]).toEqual({ table, group: reader });
    expect(live[grantPath(table, exempt)]).toEqual({ table, group: exempt });
    expect(live[maskPath(table, FIXED.column)]).toEqual({ table, column: FIXED.column, method: 'hash', exempt: [exempt] });
    expect(Object.keys(live)).toHaveLength(7); // 2 groups, their attributes, 2 grants, 1 mask
    expect((await run('plan', '--detailed-exitcode')).code).toBe(0);
    expect((await run('drift')).code).toBe(0);
  });

  it('round-trip for generated names (plan, apply, re-plan empty)', async () => {
    const names = fc
      .record({ groups: fc.tuple(hostileName(80), hostileName(80)), schema: hostileName(40), table: hostileName(40), column: hostileName(40) })
      .filter((n) => n.groups[0] !== n.groups[1] && n.column.toLowerCase() !== 'id');
    await fc.assert(
      fc.asyncProperty(names, async (n) => {
        const { docs, tables } = repository('hostile-gen', n);
        writeRepo(repo.dir, docs);
        resetAccount('hostile-gen', { tables });
        const { report } = await planAndApply(repo.dir);
        expect(report.ok, report.error).toBe(true);
        expect((await planNow(repo.dir)).changes).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
