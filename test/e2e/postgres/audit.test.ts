import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApply } from '../../../src/apply/run.js';
import { chainHash, GENESIS } from '../../../src/audit/chain.js';
import { sha256 } from '../../../src/plan/canonical.js';
import { journalPath } from '../../../src/audit/journal.js';
import { verifyAudit, type VerifyReport } from '../../../src/audit/verify.js';
import { readAudit } from '../../../src/cli/commands/audit.js';
import { planFor } from '../../../src/session/plan-for.js';
import { openTarget } from '../../../src/session/open-target.js';
import type { AuditRow } from '../../../src/targets/target.js';
import { cli, ensureBuilt } from '../../support/e2e-cli.js';
import { edit, open, outOfBand, q, roleOf, serverUrl, type SqlClient } from '../../support/e2e-session.js';
import { ENGINES, makeTarget, type E2eTarget } from '../../support/e2e-target.js';

/**
 * The audit trail end to end: every apply through the CLI (and a failed one through the API)
 * appends one record to the target's `<gov>.audit` (head in `<gov>.meta`) and to the local
 * journal `.meshward/audit/<target>.jsonl`; `meshward audit` lists them, and `--verify` finds an
 * edited, deleted or truncated record in either copy, naming the first broken seq.
 */
describe.each(ENGINES)('audit trail on %s', (engine) => {
  let t: E2eTarget;
  let gov: string;
  let journal: string;
  const ME = { user: userInfo().username, host: hostname() };

  /** Plain SQL on the target, out of band (PGlite: our only session, closed again). */
  async function sql<T>(fn: (c: SqlClient) => Promise<T>): Promise<T> {
    if (engine === 'pglite') {
      const s = await openTarget({ dir: t.dir, target: t.target, env: t.env, connectOnly: true });
      try {
        return await fn({ query: (x, p) => s.conn.query(x, p), exec: (x) => s.conn.exec(x), close: async () => undefined });
      } finally {
        await s.close();
      }
    }
    const c = await outOfBand(t, undefined as never);
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  }
  const audit = () => readAudit({ dir: t.dir, target: t.target, env: t.env });
  const verify = async (): Promise<VerifyReport> => {
    const { snapshot, journal: j } = await audit();
    return verifyAudit(snapshot, j);
  };
  const meshward = (args: string[], env: NodeJS.ProcessEnv = t.env) => cli([...args, '--dir', t.dir, '--target', t.target], { env });

  beforeAll(async () => {
    const built = ensureBuilt();
    t = await makeTarget(engine);
    gov = `${q(`${t.prefix}meta`)}`;
    journal = journalPath(t.dir, t.target);
    await built;
    // The first apply from a workstation: no CI variables, even when the suite itself runs in CI.
    const workstation = Object.fromEntries(Object.entries(t.env).filter(([k]) => !['CI', 'GITHUB_ACTIONS', 'GITLAB_CI', 'TF_BUILD', 'CIRCLECI', 'BUILDKITE', 'BITBUCKET_BUILD_NUMBER', 'JENKINS_HOME'].includes(k)));
    const first = await meshward(['apply', '--yes'], workstation);
    expect(first.code, first.stderr).toBe(0);
    edit(t, 'domains/finance.yaml', ['grants:\n', 'grants:\n  - groups: [auditors]\n    read: [analytics.finance.budgets]\n']);
    // The second apply from "CI", with secrets in the environment (and, on a server, in the URL).
    const env: NodeJS.ProcessEnv = { ...t.env, GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '4242', PGPASSWORD: 'hunter2-env' };
    if (engine === 'server') env.MESHWARD_E2E_URL = serverUrl(t).replace('://postgres@', '://postgres:hunter2-url@'); // trust auth ignores it
    const second = await meshward(['apply', '--yes'], env);
    expect(second.code, second.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => t?.cleanup());

  it('every apply is recorded in both copies: two applies → seq 1 and 2, hash-chained, the head in the meta table', async () => {
    const { snapshot, journal: j } = await audit();
    expect(snapshot.available).toBe(true);
    const rows = snapshot.rows;
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows[0]!.record.prev).toBe(GENESIS);
    expect(rows[0]!.hash).toBe(chainHash(GENESIS, rows[0]!.record));
    expect(rows[1]!.record.prev).toBe(rows[0]!.hash);
    expect(rows[1]!.hash).toBe(chainHash(rows[0]!.hash, rows[1]!.record));
    expect(snapshot.head).toEqual({ seq: 2, hash: rows[1]!.hash });
    for (const r of rows) {
      expect(r.record).toMatchObject({ format: 1, kind: 'apply', seq: r.seq, at: r.at, target: t.target, outcome: 'applied', mode: 'transaction', who: { user: ME.user, host: ME.host } });
      expect((r.record.command as string[]).slice(0, 3)).toEqual(['meshward', 'apply', '--yes']);
      expect((r.record.plan as { hash: string }).hash).toMatch(/^[0-9a-f]{64}$/);
      const statements = r.record.statements as { n: number; sha256: string; outcome: string; ms: number }[];
      expect(statements.length).toBeGreaterThan(0);
      statements.forEach((s, i) => expect(s).toEqual({ n: i + 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), batch: 1, outcome: 'applied', ms: expect.any(Number) }));
    }
    expect(rows[0]!.record.who).toMatchObject({ ci: null });
    expect(rows[1]!.record.who).toMatchObject({ ci: { system: 'github-actions', actor: 'octocat', run_id: '4242' } });
    // the second apply: one statement, recorded by its hash (the plan holds its text)
    const grant = `GRANT SELECT ON TABLE ${q(`${t.prefix}finance`)}."budgets" TO ${q(`${t.prefix}auditors`)};`;
    expect((rows[1]!.record.statements as { sha256: string }[]).map((s) => s.sha256)).toEqual([sha256(grant)]);
    expect(rows[1]!.record.state_applied_at).toBe(snapshot.stateAppliedAt);
    // the local journal: the same records, chained on their own
    expect(j.problems).toEqual([]);
    expect(j.entries.map((e) => e.record)).toEqual(rows.map((r) => r.record));
    expect(j.entries[1]!.prev).toBe(j.entries[0]!.hash);
    // never a secret
    expect(JSON.stringify(rows)).not.toMatch(/hunter2/);
    expect(readFileSync(journal, 'utf8')).not.toMatch(/hunter2/);
  });

  it('`meshward audit` lists them (text, --json, --since)', async () => {
    const text = await meshward(['audit']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/— 2 of 2 records/);
    expect(text.stdout).toMatch(new RegExp(`#1 +\\S+Z +applied +${ME.user}@`));
    expect(text.stdout).toMatch(/#2 .*applied .*\(github-actions octocat run 4242\)/);
    const json = JSON.parse((await meshward(['audit', '--json'])).stdout);
    expect(json).toMatchObject({ format: 1, target: t.target, source: 'target' });
    expect(json.records.map((r: AuditRow) => r.seq)).toEqual([1, 2]);
    const none = JSON.parse((await meshward(['audit', '--json', '--since', '2999-01-01'])).stdout);
    expect(none.records).toEqual([]);
    const bad = await meshward(['audit', '--since', 'yesterday-ish']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since: cannot read 'yesterday-ish' as a date/);
  });

  it('a failed apply is recorded, with outcome failed, after its rollback', async () => {
    edit(t, 'principals.yaml', [/\s*$/, '\n  logistics_planners:\n    description: added by the audit test\n    member_of: [employees]\n    attributes: { region: [EMEA], department: [sales] }\n']);
    edit(t, 'domains/sales.yaml', ['grants:\n', 'grants:\n  - groups: [logistics_planners]\n    read: [analytics.sales.orders]\n']);
    const session = await open(t);
    let role = '';
    try {
      const { plan } = await planFor(session);
      role = roleOf(session, 'logistics_planners');
      // Someone creates the role between plan and apply: CREATE ROLE fails, the transaction rolls back.
      const dba = engine === 'pglite' ? null : await outOfBand(t, session);
      await (dba ?? session.conn).exec(`CREATE ROLE ${q(role)} NOLOGIN`);
      await dba?.close();
      const report = await runApply(session, plan); // no check: the plan is applied as it was made
      expect(report.ok).toBe(false);
    } finally {
      await session.close();
    }
    const { snapshot, journal: j } = await audit();
    const row = snapshot.rows[2]!;
    expect(row.seq).toBe(3);
    expect(row.record).toMatchObject({ outcome: 'failed', rolled_back: true, error: expect.stringMatching(/already exists/) });
    const statements = row.record.statements as { outcome: string; error: string | null }[];
    expect(statements.filter((s) => s.outcome === 'failed')).toEqual([expect.objectContaining({ error: expect.stringMatching(/already exists/) })]);
    expect(statements.every((s) => ['failed', 'rolled_back', 'not_run'].includes(s.outcome))).toBe(true);
    expect(row.record.prev).toBe(snapshot.rows[1]!.hash);
    expect(j.entries[2]!.record).toEqual(row.record);
    await sql((c) => c.exec(`DROP ROLE ${q(role)}`));
  });

  it('--verify: intact → exit 0', async () => {
    const r = await meshward(['audit', '--verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 records, head seq 3/);
    expect(r.stdout).toMatch(/✓ intact/);
  });

  describe('--verify detects tampering with either copy, naming the first broken seq', () => {
    let saved: { rows: Record<string, unknown>[]; head: unknown; journal: string };
    beforeAll(async () => {
      saved = await sql(async (c) => ({
        rows: (await c.query(`SELECT seq, at::text AS at, record::text AS record, hash FROM ${gov}."audit" ORDER BY seq`)).rows,
        head: (await c.query(`SELECT value::text AS value FROM ${gov}."meta" WHERE key = 'audit_head'`)).rows[0]!.value,
        journal: readFileSync(journal, 'utf8'),
      }));
    });

    /** Puts both copies back as they were, and checks that they verify again. */
    async function restore(): Promise<void> {
      writeFileSync(journal, saved.journal);
      await sql(async (c) => {
        await c.exec(`DELETE FROM ${gov}."audit"`);
        for (const r of saved.rows) await c.query(`INSERT INTO ${gov}."audit" (seq, at, record, hash) VALUES ($1, $2::timestamptz, $3::jsonb, $4)`, [r.seq, r.at, r.record, r.hash]);
        await c.query(`INSERT INTO ${gov}."meta" (key, value) VALUES ('audit_head', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [saved.head]);
      });
      expect((await verify()).problems).toEqual([]);
    }

    const tableCases: [string, string, number, RegExp][] = [
      ['a record edited (UPDATE record jsonb: the failure made a success)', `UPDATE ${'GOV'}."audit" SET record = jsonb_set(record, '{outcome}', '"applied"') WHERE seq = 3`, 3, /seq 3 in .* does not match its hash: the record \(or its hash\) was edited/],
      ['a record deleted (DELETE)', `DELETE FROM ${'GOV'}."audit" WHERE seq = 2`, 2, /seq 2 is missing from .*deleted/],
      ['the table truncated (TRUNCATE)', `TRUNCATE ${'GOV'}."audit"`, 1, /is empty, but audit_head says the chain reaches seq 3: the table was truncated/],
      ['the last record and the head deleted', `DELETE FROM ${'GOV'}."audit" WHERE seq = 3; DELETE FROM ${'GOV'}."meta" WHERE key = 'audit_head'`, 3, /seq 3 is in the local journal but not in .*deleted from the target/],
      ['the state written behind the trail’s back', `UPDATE ${'GOV'}."state" SET applied_at = applied_at + interval '1 hour'`, 4, /the target's state was written at .* an apply after seq 3 is not in/],
    ];

    it.each(tableCases)('%s', async (_name, statement, seq, message) => {
      await sql((c) => c.exec(statement.replaceAll('GOV', gov)));
      try {
        const r = await verify();
        expect(r.ok).toBe(false);
        expect(r.problems[0]?.seq, JSON.stringify(r.problems, null, 1)).toBe(seq);
        expect(r.problems.map((p) => p.message).join('\n')).toMatch(message);
      } finally {
        if (statement.includes('"state"')) await sql((c) => c.exec(`UPDATE ${gov}."state" SET applied_at = applied_at - interval '1 hour'`));
        await restore();
      }
    });

    it('the CLI exits 1 naming the first broken seq and what is wrong', async () => {
      await sql((c) => c.exec(`UPDATE ${gov}."audit" SET record = jsonb_set(record, '{who,user}', '"someone-else"') WHERE seq = 2`));
      try {
        const r = await meshward(['audit', '--verify']);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/✗ the audit trail is broken at seq 2: \[target table\] seq 2 in .* does not match its hash/);
        expect(r.stdout).toMatch(/also at seq 2: \[table vs journal\] seq 2 differs between/);
        const json = JSON.parse((await meshward(['audit', '--verify', '--json'])).stdout);
        expect(json).toMatchObject({ format: 1, ok: false, broken_at: 2 });
      } finally {
        await restore();
      }
    });

    it('the local journal edited', async () => {
      writeFileSync(journal, saved.journal.replace('"outcome":"failed"', '"outcome":"applied"'));
      try {
        const r = await verify();
        expect(r.problems[0]).toMatchObject({ seq: 3 });
        expect(r.problems.map((p) => p.message).join('\n')).toMatch(/journal entry 3 \(seq 3\).* does not match its hash: the record was edited/);
        const cli = await meshward(['audit', '--verify']);
        expect(cli.code).toBe(1);
        expect(cli.stdout).toMatch(/broken at seq 3/);
      } finally {
        await restore();
      }
    });

    it('the local journal truncated (its last entry cut off, or emptied)', async () => {
      writeFileSync(journal, saved.journal.split('\n').slice(0, 3).join('\n') + '\n');
      try {
        expect((await verify()).problems[0]).toMatchObject({ seq: 3, message: expect.stringMatching(/seq 3 was written to the local journal .* but is not in it: the journal was truncated/) });
        writeFileSync(journal, '');
        const r = await meshward(['audit', '--verify']);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/is empty: its header line is gone/);
      } finally {
        await restore();
      }
    });
  });
});
