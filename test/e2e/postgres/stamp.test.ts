import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFor } from '../../../src/session/plan-for.js';
import { quickProbe } from '../../../src/session/quick-probe.js';
import type { Plan } from '../../../src/plan/plan.js';
import { heldStamp } from '../../../src/plan/stamp.js';
import type { TargetSession } from '../../../src/session/open-target.js';
import { STAMP_KEY } from '../../../src/targets/postgres/stamp.js';
import { runInProcess } from '../../support/cli-inprocess.js';
import { edit, open, outOfBand, planAndApply, q, serverUrl, type SqlClient } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * Convergence stamps (issue 10; README, Performance): apply stamps the target once a full read
 * after it plans nothing; plan and drift then take their answer from the stamp only while the
 * counters prove the live state unchanged. The property every case checks: whenever the stamp
 * holds, the full read (--no-stamp) gives the same plan and the same drift; every out-of-band
 * change that the full read sees makes it not hold.
 */
describe.each(ENGINES)('convergence stamps on %s', (engine) => {
  let t: E2eTarget;
  const run = (...args: string[]) => runInProcess([...args, '--dir', t.dir, '--target', t.target], { env: t.env });
  const gov = () => `${t.prefix}meta`;

  /** plan --json with and without the stamp, and whether the stamp was used. */
  async function plans(): Promise<{ stamped: Plan; full: Plan }> {
    const a = await run('plan', '--json');
    const b = await run('plan', '--json', '--no-stamp');
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    return { stamped: JSON.parse(a.stdout) as Plan, full: JSON.parse(b.stdout) as Plan };
  }
  const comparable = (p: Plan) => ({ ...p, created_at: '', live_read: undefined });

  async function drifts(): Promise<{ stamped: Record<string, unknown>; full: Record<string, unknown> }> {
    const a = await run('drift', '--format', 'json');
    const b = await run('drift', '--format', 'json', '--no-stamp');
    expect([0, 2], a.stderr).toContain(a.code);
    expect(b.code, b.stderr).toBe(a.code);
    return { stamped: JSON.parse(a.stdout) as Record<string, unknown>, full: JSON.parse(b.stdout) as Record<string, unknown> };
  }

  /** Out-of-band SQL between commands, as the superuser. */
  async function dba(...statements: string[]): Promise<void> {
    const session = await open(t);
    const db = await outOfBand(t, session);
    try {
      for (const s of statements) await db.exec(s);
    } finally {
      await db.close();
      await session.close();
    }
  }

  async function probeHolds(): Promise<string> {
    const session = await open(t);
    try {
      const probe = await session.target.state.stamps!.probe(session.conn, session.ctx);
      return heldStamp(probe) ? 'holds' : probe.why;
    } finally {
      await session.close();
    }
  }

  /** Applies until in sync and checks the apply stamped the target. */
  async function applyAndStamp(): Promise<void> {
    const r = await run('apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { outcome: string; stamped?: boolean };
    if (report.outcome !== 'nothing') expect(report.stamped).toBe(true);
    expect(await probeHolds()).toBe('holds');
  }

  beforeAll(async () => {
    t = await makeTarget(engine);
  }, 240_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it('apply stamps the target; plan and drift then answer from the stamp, exactly as the full read does', async () => {
    expect(await probeHolds()).toBe('no stamp');
    await applyAndStamp();
    const { stamped, full } = await plans();
    expect(stamped.live_read?.from).toBe('stamp');
    expect(full.live_read).toBeUndefined();
    expect(stamped.changes).toEqual([]);
    expect(comparable(stamped)).toEqual(comparable(full));
    const d = await drifts();
    expect(d.stamped.live_read).toMatchObject({ from: 'stamp' });
    expect({ ...d.stamped, live_read: undefined }).toEqual({ ...d.full, live_read: undefined });
    const human = await run('plan');
    expect(human.stdout).toContain('Live state proven unchanged since the stamp of');
  });

  // Each edit is one way the live state can change out of band: the stamp must stop holding, and
  // plan and drift must then be the full read's. After each, apply repairs and re-stamps.
  const EDITS: [string, (p: string, gov: string) => string[]][] = [
    ['a GRANT on a managed view', (p) => [`GRANT SELECT ON ${q(`${p}sales`)}.${q('customers')} TO PUBLIC`]],
    ['a comment on a column of a managed view', (p) => [`COMMENT ON COLUMN ${q(`${p}sales`)}.${q('customers')}.${q('email')} IS 'edited'`]],
    ['a role attribute', (p) => [`ALTER ROLE ${q(`${p}sales_analysts`)} CREATEDB`]],
    ['a role setting', (p) => [`ALTER ROLE ${q(`${p}sales_analysts`)} SET work_mem = '8MB'`]],
    ['a membership between managed roles', (p) => [`GRANT ${q(`${p}hr_partners`)} TO ${q(`${p}sales_analysts`)}`]],
    ['a SELECT on a governed base table', () => [`GRANT SELECT ON sales.customers TO PUBLIC`]],
    ['row-level security on a governed base table', () => [`ALTER TABLE sales.customers ENABLE ROW LEVEL SECURITY`]],
    ['a new column on a governed base table', () => [`ALTER TABLE sales.customers ADD COLUMN stamp_probe text`]],
    ['default privileges in a managed schema', (p) => [`ALTER DEFAULT PRIVILEGES IN SCHEMA ${q(`${p}sales`)} GRANT SELECT ON TABLES TO PUBLIC`]],
    ['a row of the recorded state', (_p, g) => [`UPDATE ${q(g)}.state SET fingerprint = 'forged' WHERE key = (SELECT min(key) FROM ${q(g)}.state WHERE kind = 'view')`]],
    ['a recorded state row deleted', (_p, g) => [`DELETE FROM ${q(g)}.state WHERE key = (SELECT min(key) FROM ${q(g)}.state WHERE kind = 'grant')`]],
    [
      'a view replaced with the same columns',
      (p) => {
        const view = `'${q(`${p}sales`)}.${q('customers')}'::regclass`;
        return [`DO $$ BEGIN EXECUTE format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) AS x WHERE true', ${view}, rtrim(pg_get_viewdef(${view}), ';')); END $$`];
      },
    ],
    ['a view dropped', (p) => [`DROP VIEW ${q(`${p}sales`)}.${q('customers')}`]],
    ['a new prefixed role', (p) => [`CREATE ROLE ${q(`${p}stamp_intruder`)} NOLOGIN`]],
    ['a grant made and revoked again', (p) => [`GRANT SELECT ON ${q(`${p}sales`)}.${q('customers')} TO PUBLIC`, `REVOKE SELECT ON ${q(`${p}sales`)}.${q('customers')} FROM PUBLIC`]],
  ];
  const UNDO: Record<string, (p: string) => string[]> = {
    'a SELECT on a governed base table': () => [`REVOKE SELECT ON sales.customers FROM PUBLIC`],
    'row-level security on a governed base table': () => [`ALTER TABLE sales.customers DISABLE ROW LEVEL SECURITY`],
    'a new column on a governed base table': () => [`ALTER TABLE sales.customers DROP COLUMN stamp_probe`],
    'a new prefixed role': (p) => [`DROP ROLE ${q(`${p}stamp_intruder`)}`],
    'a role attribute': (p) => [`ALTER ROLE ${q(`${p}sales_analysts`)} NOCREATEDB`],
    'a comment on a column of a managed view': (p) => [`COMMENT ON COLUMN ${q(`${p}sales`)}.${q('customers')}.${q('email')} IS NULL`],
  };

  // PGlite takes every fifth edit (its commands are slower); the server, and the random edits of drift-random.test.ts, all
  it.each(engine === 'pglite' ? EDITS.filter((_, i) => i % 5 === 0) : EDITS)('%s: the stamp stops holding, and plan and drift are the full read', async (label, sql) => {
    await applyAndStamp();
    await dba(...sql(t.prefix, gov()));
    expect(await probeHolds(), label).not.toBe('holds');
    const { stamped, full } = await plans();
    expect(stamped.live_read, label).toBeUndefined();
    expect(comparable(stamped)).toEqual(comparable(full));
    const d = await drifts();
    expect(d.stamped.live_read, label).toBeUndefined();
    expect(d.stamped).toEqual(d.full);
    // put back what apply does not repair (the administrator's), then converge again
    if (UNDO[label]) await dba(...UNDO[label]!(t.prefix));
    await applyAndStamp();
    const after = await plans();
    expect(after.stamped.live_read?.from, `${label}: stamped again`).toBe('stamp');
    expect(comparable(after.stamped)).toEqual(comparable(after.full));
  });

  it('changes outside what a read covers leave it holding: a temporary table, a password, a role nobody names — but not a table in any schema the inventory reads', async () => {
    await applyAndStamp();
    await dba(
      'CREATE SCHEMA IF NOT EXISTS stamp_unrelated',
      'CREATE TABLE stamp_unrelated.t (a int)',
      'DROP TABLE stamp_unrelated.t',
      `ALTER ROLE ${q(`${t.prefix}sales_analysts`)} PASSWORD 'not-read-by-any-plan'`,
    );
    // CREATE SCHEMA adds a namespace: that scope is every schema, so the stamp no longer holds
    expect(await probeHolds()).toMatch(/namespaces/);
    await applyAndStamp();
    // a table in a schema no policy names is still in the inventory (a wildcard could select it):
    // the stamp's input hash leaves the inventory to the counters, so it stops holding
    await dba('CREATE TABLE stamp_unrelated.t2 (a int)');
    expect(await probeHolds()).toMatch(/relations/);
    await applyAndStamp();
    await dba('ALTER TABLE stamp_unrelated.t2 ALTER COLUMN a TYPE bigint');
    expect(await probeHolds()).not.toBe('holds');
    await applyAndStamp();
    // a role of nobody's model, made and changed elsewhere in the cluster: no read names it
    const stranger = `stamp_stranger_${Math.random().toString(36).slice(2, 8)}`;
    await dba('CREATE TEMP TABLE stamp_tmp (a int)', `CREATE ROLE ${q(stranger)} NOLOGIN`, `ALTER ROLE ${q(stranger)} CREATEDB`);
    expect(await probeHolds()).toBe('holds');
    // until this database names it: a grant on a managed view
    await dba(`GRANT SELECT ON ${q(`${t.prefix}sales`)}.${q('customers')} TO ${q(stranger)}`);
    expect(await probeHolds()).not.toBe('holds');
    await applyAndStamp();
    await dba(`DROP ROLE ${q(stranger)}`);
    await applyAndStamp();
    const { stamped, full } = await plans();
    expect(stamped.live_read?.from).toBe('stamp');
    expect(comparable(stamped)).toEqual(comparable(full));
  });

  it('unchanged files are answered before they are parsed; a comment edited misses the file hash but not the desired hash; without the check record the files are checked first', async () => {
    await applyAndStamp();
    const quick = () => quickProbe({ dir: t.dir, target: t.target, env: { ...process.env, ...t.env } }, (p) => ({ input: p.input, held: heldStamp(p.probe)?.plan.input_hash }));
    const first = await quick();
    expect(first?.input).toMatch(/^[0-9a-f]{64}$/);
    expect(first?.held).toBe(first?.input); // the stamp was written for these very bytes
    expect((await plans()).stamped.live_read?.from).toBe('stamp');
    // a comment: other bytes, the same model — the quick probe's hash misses, the desired hash proves it
    const file = join(t.dir, 'domains', 'sales.yaml');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `# a comment that changes no policy\n${before}`);
    try {
      expect(await quick()).toBeNull(); // bytes this machine never checked: checked before connecting
      const { stamped, full } = await plans();
      expect(stamped.live_read?.from).toBe('stamp');
      expect(comparable(stamped)).toEqual(comparable(full));
      const edited = await quick(); // checked now
      expect(edited?.input).not.toBe(first?.input);
      expect(edited?.held).toBe(first?.input);
    } finally {
      writeFileSync(file, before);
    }
    // the record is what lets the probe come before the check: without it, no probe
    rmSync(join(process.env.MESHWARD_CACHE_DIR!, 'checked', first!.input), { force: true });
    expect(await quick()).toBeNull();
    expect((await plans()).stamped.live_read?.from).toBe('stamp'); // checked first, then stamped as before
    expect(await quick()).not.toBeNull(); // and recorded again
  });

  it('a broken model is refused before the target is opened, even with a held stamp', async () => {
    await applyAndStamp();
    const file = join(t.dir, 'domains', 'sales.yaml');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `${before}\nnot: [valid\n`);
    try {
      const r = await run('plan');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/sales\.yaml:\d+:\d+/);
      expect(r.stdout).not.toContain('Live state proven unchanged');
    } finally {
      writeFileSync(file, before);
    }
  });

  it('a changed model is planned from the full read, and its apply stamps again', async () => {
    await applyAndStamp();
    edit(t, 'domains/sales.yaml', [/keep_last: \d+/, 'keep_last: 3']);
    const r = await run('plan', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.live_read).toBeUndefined();
    expect(plan.changes.length).toBeGreaterThan(0);
    await applyAndStamp();
    expect((await plans()).stamped.live_read?.from).toBe('stamp');
  });

  it('a stamp that is not this version’s, or not a stamp at all, never holds and breaks nothing', async () => {
    await applyAndStamp();
    const key = `${q(gov())}.meta`;
    await dba(`UPDATE ${key} SET value = jsonb_set(value, '{content,meshward}', '"0.0.0-other"') WHERE key = '${STAMP_KEY}'`);
    let p = await plans();
    expect(p.stamped.live_read).toBeUndefined();
    expect(comparable(p.stamped)).toEqual(comparable(p.full));
    for (const value of [`'"not an object"'`, `'{"format": 1}'`, `'{"format": 1, "snapshot": {"xmax8": "x; DROP TABLE x"}}'`]) {
      await dba(`UPDATE ${key} SET value = ${value}::jsonb WHERE key = '${STAMP_KEY}'`);
      expect(await probeHolds()).toBe('no stamp');
      p = await plans();
      expect(p.stamped.live_read).toBeUndefined();
      expect(p.stamped.changes).toEqual([]);
    }
    await dba(`DELETE FROM ${key} WHERE key = '${STAMP_KEY}'`);
    expect((await run('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('apply --no-stamp neither trusts nor writes a stamp', async () => {
    await dba(`DELETE FROM ${q(gov())}.meta WHERE key = '${STAMP_KEY}'`);
    edit(t, 'domains/sales.yaml', [/keep_last: \d+/, 'keep_last: 2']);
    const r = await run('apply', '--yes', '--json', '--no-stamp');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stamped).toBe(false);
    expect(await probeHolds()).toBe('no stamp');
  });

  it.runIf(engine === 'server')('a transaction in progress when the stamp is written and committed after it: the stamp does not hold', async () => {
    await applyAndStamp();
    await dba(`DELETE FROM ${q(gov())}.meta WHERE key = '${STAMP_KEY}'`);
    const other = new pg.Client({ connectionString: serverUrl(t) });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`GRANT SELECT ON ${q(`${t.prefix}sales`)}.${q('customers')} TO PUBLIC`);
      // the apply sees nothing to change (the grant is not committed) and stamps
      const r = await run('apply', '--yes', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(await probeHolds()).toBe('holds');
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect(await probeHolds()).toMatch(/rows written since the stamp/);
    const { stamped, full } = await plans();
    expect(stamped.live_read).toBeUndefined();
    expect(stamped.changes.map((c) => c.kind)).toContain('grant');
    expect(comparable(stamped)).toEqual(comparable(full));
    await applyAndStamp();
  });
});

/** The library seam: a session's planFor with the stamp, against the same with a full read. */
describe.each(ENGINES)('planFor with a stamp on %s', (engine) => {
  let t: E2eTarget;
  let session: TargetSession;
  let db: SqlClient;
  beforeAll(async () => {
    t = await makeTarget(engine);
    session = await open(t);
    db = await outOfBand(t, session);
  }, 240_000);
  afterAll(async () => {
    await db?.close();
    await session?.close();
    await t?.cleanup();
  });

  it('an empty plan found by a full read stamps the target when asked to write, and only then', async () => {
    const first = await planFor(session, { stamp: { use: true, write: true } });
    expect(first.plan.changes.length).toBeGreaterThan(0);
    expect(first.stamped).toBeUndefined(); // changes: nothing stamped
    expect(heldStamp(await session.target.state.stamps!.probe(session.conn, session.ctx))).toBeNull();
  });

  it('a base table altered after the session read its inventory: the full read may plan nothing, but no stamp is written', async () => {
    await planAndApply(session); // the session read its inventory when it was opened
    await db.exec('ALTER TABLE sales.customers ADD COLUMN altered_after_read text');
    try {
      const after = await planFor(session, { stamp: { use: false, write: true } });
      expect(after.plan.changes).toEqual([]); // a column the model does not name changes no managed object here
      expect(after.stamped).toBe(false);
      expect(heldStamp(await session.target.state.stamps!.probe(session.conn, session.ctx))).toBeNull();
    } finally {
      await db.exec('ALTER TABLE sales.customers DROP COLUMN altered_after_read');
    }
    expect((await planFor(session, { stamp: { use: false, write: true } })).stamped).toBe(true); // the inventory is the session's again
  });
});
