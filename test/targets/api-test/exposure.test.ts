import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/apply/apply.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { Resolved } from '../../../src/resolve/resolve.js';
import { describeViolation, runExposureCheck } from '../../../src/safety/exposure.js';
import { planFor } from '../../../src/session/plan-for.js';
import { apiExposureProbe } from '../../support/api-target/exposure.js';
import { freshSample, inSession, useApiTestTarget, writeRepo, type RepoDocs } from '../../support/api-target/index.js';

/**
 * The exposure rule on an engine without transactions (issue 11, item 3): every step the api-test
 * target commits is a state readers see, so after every step of its plan every group and every
 * pair must see each cell as the old or the new model allows. The same harness that runs
 * PostgreSQL's plans statement by statement, fed by an evaluation of the account's live grants
 * and masks instead of real queries.
 */
useApiTestTarget();

describe('exposure after every committed step, on the api-test target', () => {
  let repo: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => repo?.cleanup());

  /** The plan of the repository as it now is, and both models, checked step by step on a scratch copy of the account. */
  const check = (account: string, old: Resolved | null, reorder: (p: Plan) => Plan = (p) => p) =>
    inSession(repo!.dir, async (s) => {
      const plan = reorder((await planFor(s)).plan);
      const report = await runExposureCheck({ probe: apiExposureProbe(account), oldResolved: old, newResolved: s.resolved, steps: plan.changes.flatMap((c) => c.steps) });
      return { plan, report, problems: report.violations.map(describeViolation), resolved: s.resolved };
    });
  const apply = () => inSession(repo!.dir, async (s) => (await applyPlan(s, (await planFor(s)).plan)).ok);

  it('from empty: no group or pair ever sees a cell neither model allows', async () => {
    repo = freshSample('exp-empty').repo;
    const { plan, report, problems } = await check('exp-empty', null);
    expect(problems).toEqual([]);
    expect(report.steps).toBe(plan.summary.steps + 1);
    expect(report.readable).toBeGreaterThan(0); // the harness saw rows, not only refusals
  });

  it('the same steps with the grants before the masks do expose clear values: the harness sees what the order prevents', async () => {
    repo = freshSample('exp-order').repo;
    const place = (kind: string) => (kind === 'group' ? 0 : kind === 'grant' ? 1 : 2); // groups must exist before a grant names them
    const grantsFirst = (p: Plan): Plan => ({ ...p, changes: [...p.changes].sort((a, b) => place(a.kind) - place(b.kind)) });
    const { problems } = await check('exp-order', null, grantsFirst);
    expect(problems.some((p) => /^\[exposure\] .*shop\.sales\.customers.* column email/.test(p))).toBe(true);
  });

  it('a model edit (a grant moved, an exemption added, a mask added) keeps every step within old ∪ new', async () => {
    const sample = freshSample('exp-edit');
    repo = sample.repo;
    expect(await apply()).toBe(true);
    const old = await inSession(repo.dir, async (s) => s.resolved);
    const docs: RepoDocs = structuredClone(sample.docs);
    docs.domain.grants = [{ groups: ['analysts', 'marketing'], read: ['shop.sales.customers'] }, { groups: ['officers'], read: ['shop.sales.orders'] }];
    (docs.global[0]!.mask as { exempt: string[] }).exempt.push('marketing');
    docs.domain.policies.push({ name: 'amount-null', mask: { columns: ['shop.sales.orders.amount'], method: 'nullify' } });
    writeRepo(repo.dir, docs);
    const { plan, problems } = await check('exp-edit', old);
    expect(plan.changes.length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });

  it('a mask whose method changes (REPLACE_GAP: delete, then create) shows the clear column between its two steps', async () => {
    const sample = freshSample('exp-gap');
    repo = sample.repo;
    expect(await apply()).toBe(true);
    const old = await inSession(repo.dir, async (s) => s.resolved);
    const docs: RepoDocs = structuredClone(sample.docs);
    (docs.global[0]!.mask as { method: string }).method = 'redact';
    writeRepo(repo.dir, docs);
    const { plan, problems } = await check('exp-gap', old);
    expect(plan.changes.find((c) => c.kind === 'mask')!.hazards).toContain('REPLACE_GAP');
    // why the hazard blocks apply: after the DELETE the column is in clear for every reader
    expect(problems.some((p) => /^\[exposure\] analysts on shop\.sales\.customers row \d+ column email = email-\d@x1\.example: .*after step \d+: DELETE /.test(p))).toBe(true);
  });
});
