import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../../src/session/plan-for.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { edit, open, outOfBand } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Issue 8, item 15: a database whose defaults change how the server prints what meshward reads
 * back — `standard_conforming_strings = off` (a backslash literal printed as E'…\\…'), a
 * search_path holding the base schemas (names printed unqualified), `quote_all_identifiers`,
 * another DateStyle and bytea_output. Every session meshward opens pins these settings, as the
 * apply transaction does; a model with a backslash literal in a row filter then converges: the
 * plan after apply is empty, and drift is clean.
 */
const SCENARIOS: [string, string[]][] = [
  ['standard_conforming_strings = off', ['standard_conforming_strings = off']],
  ['every setting that changes what the catalog prints', ['standard_conforming_strings = off', 'search_path = sales, finance, public', 'quote_all_identifiers = on', "DateStyle = 'SQL, DMY'", 'bytea_output = escape', 'extra_float_digits = 0']],
];

describe.each(ENGINES.flatMap((engine) => SCENARIOS.map(([name, settings]) => [engine, name, settings] as const)))('on %s, a database with %s', (engine, _name, settings) => {
  let t: E2eTarget;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });

  beforeAll(async () => {
    t = await makeTarget(engine);
    const session = await open(t);
    const db = await outOfBand(t, session);
    try {
      const name = String((await db.query('SELECT current_database() AS d')).rows[0]!.d).replace(/"/g, '""');
      for (const setting of settings) {
        await db.exec(`ALTER DATABASE "${name}" SET ${setting}`);
      }
    } finally {
      await db.close();
      await session.close();
    }
    edit(t, 'domains/sales.yaml', [`allow: "channel IN ('store', 'web', 'app')"`, `allow: "channel IN ('store', 'web', 'app', 'back\\\\slash', 'C:\\\\temp\\\\x')"`]);
  }, 240_000);
  afterAll(async () => t?.cleanup());

  it('every session meshward opens has the settings pinned', async () => {
    const session = await open(t);
    try {
      const { rows } = await session.conn.query(
        `SELECT current_setting('standard_conforming_strings') AS scs, current_setting('search_path') AS sp, current_setting('quote_all_identifiers') AS qai, current_setting('DateStyle') AS ds, current_setting('bytea_output') AS bo`,
      );
      expect(rows[0]).toEqual({ scs: 'on', sp: 'pg_catalog, pg_temp', qai: 'off', ds: 'ISO, MDY', bo: 'hex' });
    } finally {
      await session.close();
    }
  });

  it('a backslash literal in a row filter converges: apply, then the plan is empty and drift is clean', async () => {
    const applied = await run('apply', '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    const session = await open(t);
    try {
      const { plan } = await planFor(session);
      expect(plan.changes.map((c) => c.key)).toEqual([]);
      expect((await session.target.drift(session.conn, session.ctx)).items).toEqual([]);
      // the filter really holds the backslashes
      const { rows } = await session.conn.query(`SELECT pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'orders'`, [`${t.prefix}sales`]);
      expect(String(rows[0]!.def)).toContain("'C:\\temp\\x'");
    } finally {
      await session.close();
    }
    const plan = await run('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
    const drift = await run('drift');
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
  });
});
