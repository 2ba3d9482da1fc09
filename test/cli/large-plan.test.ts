import { describe, expect, it } from 'vitest';
import { paint } from '../../src/cli/output.js';
import { renderPlan } from '../../src/cli/views/plan.js';
import { buildPlan } from '../../src/plan/plan.js';
import { sqlSteps } from '../../src/plan/step.js';
import { postgresTarget } from '../../src/targets/postgres/index.js';
import { objects } from '../../src/targets/postgres/objects.js';
import { render } from '../../src/targets/postgres/render.js';
import type { RenderContext } from '../../src/targets/target.js';
import { maxOf } from '../../src/util/max.js';

/**
 * A plan of 10,000 tables has ~100,000 changes or more: the human view must render it (a
 * `Math.max(...changes)` overflowed the stack there: "Maximum call stack size exceeded").
 */
describe('a very large plan', () => {
  it('renders 150,000 changes, grouped by table', () => {
    const desired = Array.from({ length: 150_000 }, (_, i) => ({
      ...objects.grant({ privilege: 'SELECT', on: 'view', object: `"mw_s${i % 50}"."t${i}"`, grantee: `mw_g${i % 7}` }),
      domain: `d${i % 1000 % 50}`,
      table: `wh.s${i % 1000 % 50}.t${i % 1000}`,
    }));
    const { plan } = buildPlan({ target: postgresTarget, targetName: 'local', project: 'p', desired, current: [], findings: [], stateHash: 'h', render: (c) => sqlSteps(render(c, {} as RenderContext)) });
    expect(plan.changes.length).toBe(150_000);
    const text = renderPlan(plan, paint(false), { showSql: false });
    expect(text).toContain('domain d7 · wh.s7.t957');
    expect(text.split('\n').filter((l) => l.startsWith('domain ')).length).toBe(1000);
  });

  it('maxOf is Math.max without the argument limit', () => {
    expect(maxOf([3, 9, 2], 0)).toBe(9);
    expect(maxOf([], 10)).toBe(10);
    expect(maxOf(Array.from({ length: 500_000 }, (_, i) => i))).toBe(499_999);
  });
});
