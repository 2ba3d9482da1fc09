import { readFileSync, writeFileSync } from 'node:fs';
import { stepText, type Step } from '../../../src/plan/step.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/plan.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { open, outOfBand } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 8.16: a saved plan is an artifact another CI job can write, so `apply plan.json` must
 * never run what the file says. Each case edits a freshly saved plan one way, applies it, and
 * checks the refusal names the first step that differs and that nothing reached the target.
 */
describe.each(ENGINES)('apply of a saved plan on %s', (engine) => {
  let t: E2eTarget;
  let original: Plan;
  const file = () => join(t.dir, 'plan.json');
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  /** SELECT grants on the governed base table sales.customers, read out of band. */
  async function baseTableGrantees(): Promise<string[]> {
    const session = await open(t);
    const db = await outOfBand(t, session);
    try {
      const { rows } = await db.query(
        `SELECT grantee FROM information_schema.role_table_grants WHERE table_schema = 'sales' AND table_name = 'customers' AND privilege_type = 'SELECT' ORDER BY 1`,
      );
      return rows.map((r) => String(r.grantee));
    } finally {
      await db.close();
      await session.close();
    }
  }

  beforeAll(async () => {
    t = await makeTarget(engine);
    const r = await run('plan', '--out', file(), '--json');
    expect(r.code, r.stderr).toBe(0);
    original = JSON.parse(readFileSync(file(), 'utf8')) as Plan;
    expect(original.changes.length).toBeGreaterThan(10);
  }, 240_000);

  afterAll(async () => {
    await t?.cleanup();
  });

  const tamper = async (edit: (p: Plan & Record<string, unknown>) => void) => {
    const copy = structuredClone(original) as Plan & Record<string, unknown>;
    edit(copy);
    writeFileSync(file(), JSON.stringify(copy, null, 2));
    return run('apply', file());
  };
  const viewChange = () => original.changes.findIndex((c) => c.kind === 'view');

  it('refuses a plan with a GRANT added to a statement list, names it, and applies nothing', async () => {
    const before = await baseTableGrantees();
    const i = original.changes.findIndex((c) => c.kind === 'grant');
    const r = await tamper((p) => {
      (p.changes[i]!.steps as Step[]).push({ kind: 'sql', text: 'GRANT SELECT ON "sales"."customers" TO PUBLIC' });
    });
    expect(r.code).toBe(1);
    const statement = original.changes.slice(0, i + 1).reduce((n, c) => n + c.steps.map(stepText).length, 0) + 1;
    expect(r.stderr).toContain(`step ${statement} (change ${i + 1}, ${original.changes[i]!.object}) is not part of the plan: "GRANT SELECT ON \\"sales\\".\\"customers\\" TO PUBLIC"`);
    expect(r.stderr).toContain('nothing was applied');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await baseTableGrantees()).toEqual(before);
    const again = await run('plan', '--json');
    expect((JSON.parse(again.stdout) as Plan).changes.length).toBe(original.changes.length);
  });

  it('refuses an edited statement', async () => {
    const i = viewChange();
    const r = await tamper((p) => {
      const steps = p.changes[i]!.steps as Step[];
      steps[0] = { kind: 'sql', text: stepText(steps[0]!).replace(/WHERE[\s\S]*$/, ';') };
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`step \\d+ \\(change ${i + 1}, .*\\) differs: the file has`));
  });

  it('refuses a removed change, a reordered pair and a removed hazard', async () => {
    const dropped = await tamper((p) => void (p.changes as unknown[]).splice(0, 1));
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toContain('does not match the plan');

    const swapped = await tamper((p) => {
      const c = p.changes as unknown[];
      [c[0], c[1]] = [c[1], c[0]];
    });
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/change 1 \(|step 1 \(/);

    const k = original.changes.findIndex((c) => c.hazards.length > 0);
    const unhazarded = await tamper((p) => void ((p.changes[k] as unknown as { hazards: string[] }).hazards = []));
    expect(unhazarded.code).toBe(1);
    expect(unhazarded.stderr).toContain(`change ${k + 1} (${original.changes[k]!.object}): its hazards differ`);
  });

  it('refuses files that are not plans with one clear line each', async () => {
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /missing\.json: cannot read the plan: no such file; save one with meshward plan --out/],
      ['text.json', 'not json at all', /text\.json: not a meshward plan: the file is not JSON/],
      ['other.json', JSON.stringify({ hello: 'world' }), /other\.json: not a meshward plan \(format 2\)/],
      ['old.json', JSON.stringify({ ...original, format: 0 }), /old\.json: plan format 0 is not one this version reads \(format 2\)/],
      ['v1.json', JSON.stringify({ ...original, format: 1 }), /v1\.json: plan format 1 \(SQL strings, before typed steps\) is not one this version reads \(format 2\); make the plan again/],
      ['bad-sql.json', JSON.stringify({ ...original, changes: [{ ...original.changes[0], steps: 'DROP TABLE x' }] }), /bad-sql\.json: not a meshward plan \(format 2\): changes\[0\]\.steps:/],
      ['no-kind.json', JSON.stringify({ ...original, changes: [{ ...original.changes[0], steps: [{ text: 'DROP TABLE x' }] }] }), /no-kind\.json: not a meshward plan \(format 2\): changes\[0\]\.steps\[0\]/],
    ];
    for (const [name, content, message] of cases) {
      const path = join(t.dir, name);
      if (content !== null) writeFileSync(path, content);
      const r = await run('apply', path);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr, name).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('applies the untouched file, running the re-derived steps', async () => {
    writeFileSync(file(), JSON.stringify(original, null, 2));
    const r = await run('apply', file(), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).steps.length).toBe(original.summary.steps);
    const again = await run('plan', '--json');
    expect((JSON.parse(again.stdout) as Plan).changes).toEqual([]);
  });
});
