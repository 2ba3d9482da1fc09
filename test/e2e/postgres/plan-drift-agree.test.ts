import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, type InProcessResult } from '../../support/cli-inprocess.js';
import { dbaExec, q } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 9.2: `plan --detailed-exitcode` and `drift` follow one rule on the same state — a finding
 * that contradicts the model is not "in sync" — and both say exactly what removes it. Each
 * out-of-band edit is made on an applied target; both commands must exit 2 and name the remedy;
 * after the remedy, both exit 0.
 */
describe.each(ENGINES)('plan and drift agree on %s', (engine) => {
  let t: E2eTarget;
  let p: string;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  const dba = (...statements: string[]) => dbaExec(t, ...statements);

  async function both(): Promise<{ plan: InProcessResult; drift: InProcessResult }> {
    return { plan: await run('plan', '--detailed-exitcode', '--no-sql'), drift: await run('drift') };
  }

  beforeAll(async () => {
    t = await makeTarget(engine);
    p = t.prefix;
    const r = await run('apply', '--yes');
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => t?.cleanup());

  it('in sync: both exit 0', async () => {
    const { plan, drift } = await both();
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes. The target matches the model.');
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
  }, 120_000);

  it('an unmanaged SELECT to PUBLIC on a governed base table: both exit 2 and name --revoke-unmanaged', async () => {
    await dba('GRANT SELECT ON "sales"."customers" TO PUBLIC');
    const { plan, drift } = await both();
    expect(plan.code, plan.stdout).toBe(2);
    expect(drift.code, drift.stdout).toBe(2);
    const remedy = `meshward apply --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE --target ${t.target} --dir ${t.dir}`;
    expect(plan.stdout).toContain(remedy);
    expect(plan.stdout).toContain('No changes meshward makes unasked, but the target does not match the model: 1 finding contradicts it');
    expect(plan.stdout).not.toContain('The target matches the model.');
    expect(drift.stdout).toContain(remedy);
    expect(drift.stdout).not.toContain('put back by');
    const fix = await run('apply', '--yes', '--revoke-unmanaged', '--allow-hazard', 'UNMANAGED_REVOKE');
    expect(fix.code, fix.stderr).toBe(0);
    const after = await both();
    expect([after.plan.code, after.drift.code], after.plan.stdout + after.drift.stdout).toEqual([0, 0]);
  }, 120_000);

  it('row-level security enabled on a governed base table: both exit 2, fixed by hand', async () => {
    await dba('ALTER TABLE "sales"."orders" ENABLE ROW LEVEL SECURITY');
    const { plan, drift } = await both();
    expect([plan.code, drift.code], plan.stdout + drift.stdout).toEqual([2, 2]);
    expect(plan.stdout).toContain('meshward never changes base tables: disable row-level security on the table');
    expect(drift.stdout).toContain('meshward never changes it: fix it by hand');
    await dba('ALTER TABLE "sales"."orders" DISABLE ROW LEVEL SECURITY');
    const after = await both();
    expect([after.plan.code, after.drift.code], after.plan.stdout + after.drift.stdout).toEqual([0, 0]);
  }, 120_000);

  it('a dropped managed view: both exit 2, and apply puts it back', async () => {
    await dba(`DROP VIEW ${q(`${p}sales`)}."orders"`);
    const { plan, drift } = await both();
    expect([plan.code, drift.code], plan.stdout + drift.stdout).toEqual([2, 2]);
    expect(drift.stdout).toContain(`put back by meshward apply --target ${t.target} --dir ${t.dir}`);
    const fix = await run('apply', '--yes');
    expect(fix.code, fix.stderr).toBe(0);
    const after = await both();
    expect([after.plan.code, after.drift.code], after.plan.stdout + after.drift.stdout).toEqual([0, 0]);
  }, 120_000);

  it('a role made by hand with a forged marker: both exit 2; neither apply nor plan touches it', async () => {
    const forged = `${p}forged_root`;
    await dba(`CREATE ROLE ${q(forged)} NOLOGIN`, `COMMENT ON ROLE ${q(forged)} IS 'meshward:${t.engine === 'pglite' ? 'acme' : projectOf(t)}:group:forged_root'`);
    try {
      const { plan, drift } = await both();
      expect([plan.code, drift.code], plan.stdout + drift.stdout).toEqual([2, 2]);
      expect(plan.stdout).toContain('forged or unrecorded marker');
      expect(plan.stdout).toContain('meshward never changes an object it did not record making');
      const apply = await run('apply', '--yes');
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.stdout).toContain('Nothing to apply.');
    } finally {
      await dba(`DROP ROLE ${q(forged)}`);
    }
    const after = await both();
    expect([after.plan.code, after.drift.code], after.plan.stdout + after.drift.stdout).toEqual([0, 0]);
  }, 120_000);
});

/** The project name a server target was given (e2e-target renames it per database). */
function projectOf(t: E2eTarget): string {
  return `acme-${t.prefix.slice(1, -1)}`;
}
