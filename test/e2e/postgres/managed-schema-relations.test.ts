import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor, PlanRefusedError } from '../../../src/session/plan-for.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { open, planAndApply, q, type SqlClient, withOutOfBand } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';
import { captureStderr } from '../../support/stderr.js';

/**
 * Issue 9, item 5: meshward makes only views in a managed schema, so every other relation there —
 * a table, a sequence, a materialized view, a foreign table — was made out of band. Plan reports
 * each (FOREIGN_OBJECT, keyed like the view of that name) and refuses a plan that would create a
 * view under a name one of them holds, before anything runs (apply would fail on it).
 */
describe.each(ENGINES)('relations made out of band in a managed schema, on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let p: string;
  const rel = (schema: string, name: string) => `${q(`${p}${schema}`)}.${q(name)}`;

  const sql = <T>(fn: (db: SqlClient) => Promise<T>): Promise<T> => withOutOfBand(t, session, fn);

  beforeAll(async () => {
    t = await makeTarget(engine);
    p = t.prefix;
    session = await open(t);
    await planAndApply(session);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await t?.cleanup();
  });

  it('are reported by plan, each keyed like the view of its name, and change nothing', async () => {
    await sql(async (db) => {
      await db.exec(`CREATE TABLE ${rel('marketing', 'promo_codes')} (code text)`);
      await db.exec(`CREATE SEQUENCE ${rel('sales', 'counter')}`);
      await db.exec(`CREATE MATERIALIZED VIEW ${rel('hr', 'snapshot')} AS SELECT 1 AS x`);
    });
    const { plan } = await planFor(session);
    expect(plan.changes).toEqual([]);
    const found = plan.findings.filter((f) => f.code === 'FOREIGN_OBJECT').map((f) => [f.key, f.object]);
    expect(found).toEqual(
      expect.arrayContaining([
        [`view:${rel('marketing', 'promo_codes')}`, `table ${rel('marketing', 'promo_codes')}`],
        [`view:${rel('sales', 'counter')}`, `sequence ${rel('sales', 'counter')}`],
        [`view:${rel('hr', 'snapshot')}`, `materialized view ${rel('hr', 'snapshot')}`],
      ]),
    );
    const promo = plan.findings.find((f) => f.key === `view:${rel('marketing', 'promo_codes')}`)!;
    expect(promo.message).toMatch(new RegExp(`is in the managed schema "${p}marketing", owned by "[^"]+", but meshward makes only views there and did not make it`));
    await sql(async (db) => {
      await db.exec(`DROP TABLE ${rel('marketing', 'promo_codes')}`);
      await db.exec(`DROP SEQUENCE ${rel('sales', 'counter')}`);
      await db.exec(`DROP MATERIALIZED VIEW ${rel('hr', 'snapshot')}`);
    });
    expect((await planFor(session)).plan.findings.filter((f) => f.code === 'FOREIGN_OBJECT')).toEqual([]);
  });

  it('a table holding the name of a view the model needs is a collision: plan refuses, naming it', async () => {
    const campaigns = rel('marketing', 'campaigns');
    await sql(async (db) => {
      await db.exec(`DROP VIEW ${campaigns}`);
      await db.exec(`CREATE TABLE ${campaigns} (campaign_id int, note text)`);
      await db.exec(`INSERT INTO ${campaigns} VALUES (1, 'kept')`);
    });
    const { error } = await captureStderr(() => planFor(session));
    expect(error).toBeInstanceOf(PlanRefusedError);
    const stderr = (error as Error).message;
    expect(stderr).toContain(`table ${campaigns} is in the managed schema "${p}marketing"`);
    expect(stderr).toMatch(/meshward would create it, but it is not managed by project .*; rename or drop it/);
    // nothing ran: the table and its row are there
    expect(await sql(async (db) => (await db.query(`SELECT note FROM ${campaigns}`)).rows)).toEqual([{ note: 'kept' }]);
    await sql((db) => db.exec(`DROP TABLE ${campaigns}`));
    await planAndApply(session); // the view is created again
    expect((await planFor(session)).plan.changes).toEqual([]);
  });
});
