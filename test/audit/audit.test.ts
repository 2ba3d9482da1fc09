import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stepText } from '../../src/plan/step.js';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { recordApply } from '../../src/apply/audit.js';
import { chainHash, GENESIS } from '../../src/audit/chain.js';
import { ciIdentity, commandLine } from '../../src/audit/identity.js';
import { appendJournal, journalPath, openJournal, readJournal } from '../../src/audit/journal.js';
import { buildApplyRecord, planHash } from '../../src/audit/record.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { canonicalJson, sha256 } from '../../src/plan/canonical.js';
import { fakePlan, fakeReport, fakeSession, MemoryAudit } from './helpers.js';

/**
 * The audit trail without a database: what a record holds (and never holds), the two hash
 * chains, and that verify finds edits, deletions and truncation of either copy — naming the first
 * broken seq.
 */

const roots: string[] = [];
const newRoot = () => {
  const r = mkdtempSync(join(tmpdir(), 'mw-audit-'));
  roots.push(r);
  return r;
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const quiet = { warn: () => undefined };

describe('an apply record', () => {
  const secretEnv = {
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: 'octocat',
    GITHUB_RUN_ID: '4242',
    GITHUB_REPOSITORY: 'acme/policies',
    GITHUB_SHA: 'c0ffee',
    PGPASSWORD: 'hunter2-env',
    STAGING_PG_URL: 'postgres://deploy:hunter2-url@db.example:5432/analytics',
  };

  it('says who (OS user, CI identity), when, what plan (sha256 of its canonical JSON), the mode, the outcome and every statement', () => {
    const plan = fakePlan();
    const record = buildApplyRecord({ project: 'acme', target: 'local', engine: 'pglite', plan, report: fakeReport(plan), journal: null, env: secretEnv, argv: ['node', '/x/dist/src/cli/main.js', 'apply', '--yes'] });
    expect(record).toMatchObject({
      format: 1,
      kind: 'apply',
      project: 'acme',
      target: 'local',
      engine: 'pglite',
      who: { user: userInfo().username, host: hostname(), ci: { system: 'github-actions', actor: 'octocat', run_id: '4242', repository: 'acme/policies', commit: 'c0ffee' } },
      command: ['meshward', 'apply', '--yes'],
      plan: { hash: sha256(canonicalJson(plan)), state_hash: plan.state_hash, changes: 2 },
      mode: 'transaction',
      outcome: 'applied',
      rolled_back: false,
      error: null,
    });
    expect(planHash(plan)).toMatch(/^[0-9a-f]{64}$/);
    expect(record.statements).toEqual([
      { n: 1, sha256: sha256(plan.changes[0]!.steps.map(stepText)[0]!), batch: 1, outcome: 'applied', ms: 1.25 },
      { n: 2, sha256: sha256(plan.changes[1]!.steps.map(stepText)[0]!), batch: 1, outcome: 'applied', ms: 2.25 },
    ]);
    expect(Date.parse(record.at as string) - Date.parse(record.started_at as string)).toBe(13); // ms 12.5, rounded by the clock
  });

  it('a failed apply: outcome failed, the failing statement with its error, the rest rolled back or not run', () => {
    const plan = fakePlan(['CREATE ROLE "mw_a" NOLOGIN', 'CREATE ROLE "mw_b" NOLOGIN', 'CREATE ROLE "mw_c" NOLOGIN']);
    const record = buildApplyRecord({ project: 'acme', target: 'local', engine: 'pglite', plan, report: fakeReport(plan, 2), journal: null, env: {} });
    expect(record).toMatchObject({ outcome: 'failed', rolled_back: true, error: expect.stringContaining('already exists'), failure: { phase: 'statement', statement: 2, code: '42710' } });
    expect((record.statements as { outcome: string }[]).map((s) => s.outcome)).toEqual(['rolled_back', 'failed', 'not_run']);
    // only the failing statement carries its text, change and error; the others their hash
    expect((record.statements as Record<string, unknown>[])[1]).toEqual({ n: 2, sha256: sha256(plan.changes[1]!.steps.map(stepText)[0]!), batch: 1, outcome: 'failed', ms: expect.any(Number), change: plan.changes[1]!.key, sql: plan.changes[1]!.steps.map(stepText)[0], error: expect.stringContaining('already exists') });
    expect(Object.keys((record.statements as Record<string, unknown>[])[0]!)).not.toContain('sql');
  });

  it('never holds a secret: no environment value but the CI identifiers, no password of a URL anywhere', () => {
    const plan = fakePlan(["COMMENT ON ROLE \"mw_a\" IS 'see postgres://admin:hunter2-sql@db/x'"]);
    const record = buildApplyRecord({
      project: 'acme',
      target: 'staging',
      engine: 'pg',
      plan,
      report: { ...fakeReport(plan, 1), error: 'could not connect to postgres://deploy:hunter2-err@db.example/analytics' },
      journal: null,
      env: secretEnv,
      argv: ['node', 'meshward', 'apply', '--url', 'postgres://deploy:hunter2-argv@db.example/analytics', 'password=hunter2-kv'],
    });
    const text = JSON.stringify(record);
    expect(text).not.toMatch(/hunter2/);
    expect(text).toContain('postgres://deploy:***@db.example/analytics');
    expect(commandLine(['node', 'x.js', 'password=abc'])).toEqual(['x.js', 'password=***']);
  });

  it('CI identity: GitLab, a generic CI, none', () => {
    expect(ciIdentity({ GITLAB_CI: 'true', GITLAB_USER_LOGIN: 'ana', CI_PIPELINE_ID: '7', CI_PROJECT_PATH: 'acme/p' })).toEqual({ system: 'gitlab-ci', actor: 'ana', pipeline_id: '7', repository: 'acme/p' });
    expect(ciIdentity({ CI: 'true' })).toEqual({ system: 'ci' });
    expect(ciIdentity({ GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'https://x:y@evil' })).toEqual({ system: 'github-actions', actor: '(a URL, not recorded)' });
    expect(ciIdentity({})).toBeNull();
  });
});

describe('recording applies: the target table and the local journal', () => {
  let root: string;
  let store: MemoryAudit;
  beforeEach(() => {
    root = newRoot();
    store = new MemoryAudit();
  });

  it('two applies → two records in both copies, seq 1 and 2, hash-chained, the head at seq 2', async () => {
    const plan = fakePlan();
    store.stateAppliedAt = '2026-01-01T00:00:00.000001Z';
    const a = await recordApply(fakeSession(root, store), plan, fakeReport(plan), quiet);
    store.stateAppliedAt = '2026-01-01T00:00:01.000001Z';
    const b = await recordApply(fakeSession(root, store), plan, fakeReport(plan), quiet);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    const [r1, r2] = store.rows;
    expect(r1!.record.prev).toBe(GENESIS);
    expect(r1!.hash).toBe(chainHash(GENESIS, r1!.record));
    expect(r2!.record.prev).toBe(r1!.hash);
    expect(r2!.hash).toBe(chainHash(r1!.hash, r2!.record));
    expect(store.head).toEqual({ seq: 2, hash: r2!.hash });
    expect(r2!.record.state_applied_at).toBe('2026-01-01T00:00:01.000001Z');
    const j = readJournal(journalPath(root, 'local'));
    expect(j.problems).toEqual([]);
    expect(j.entries.map((e) => e.record)).toEqual([r1!.record, r2!.record]);
    expect(j.entries[1]!.prev).toBe(j.entries[0]!.hash);
    expect(r1!.record.journal).toEqual({ id: j.header!.journal, host: hostname(), path: journalPath(root, 'local') });
    expect(verifyAudit(store.snapshot(), j)).toMatchObject({ ok: true, problems: [] });
  });

  it('a failed apply is recorded with outcome failed', async () => {
    const plan = fakePlan();
    await recordApply(fakeSession(root, store), plan, fakeReport(plan, 1), quiet);
    expect(store.rows[0]!.record).toMatchObject({ outcome: 'failed', seq: 1 });
    expect(readJournal(journalPath(root, 'local')).entries[0]!.record).toMatchObject({ outcome: 'failed', seq: 1 });
  });

  it('a target without an audit table yet (a first apply that failed): the journal alone has it, said on stderr', async () => {
    store.available = false;
    const warnings: string[] = [];
    const plan = fakePlan();
    const r = await recordApply(fakeSession(root, store), plan, fakeReport(plan, 1), { warn: (m) => warnings.push(m) });
    expect(r.seq).toBeNull();
    expect(r.record).toMatchObject({ seq: null, outcome: 'failed', not_on_target: expect.stringMatching(/no audit table yet/) });
    expect(warnings.join('\n')).toMatch(/not written to target 'local'.*local journal .* only/);
    expect(verifyAudit(store.snapshot(), readJournal(journalPath(root, 'local'))).ok).toBe(true);
  });

  it('a table write that fails leaves the journal copy and says so; the chain goes on', async () => {
    const plan = fakePlan();
    store.failNext = new Error('permission denied for table audit');
    const warnings: string[] = [];
    await recordApply(fakeSession(root, store), plan, fakeReport(plan), { warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/permission denied for table audit/);
    await recordApply(fakeSession(root, store), plan, fakeReport(plan), quiet);
    const j = readJournal(journalPath(root, 'local'));
    expect(j.entries.map((e) => e.record.seq)).toEqual([null, 1]);
    expect(verifyAudit(store.snapshot(), j).ok).toBe(true);
  });
});

describe('verify finds every edit, deletion and truncation of either copy', () => {
  let root: string;
  let store: MemoryAudit;
  let path: string;
  let journalText: string;

  beforeEach(async () => {
    root = newRoot();
    store = new MemoryAudit();
    const plan = fakePlan();
    for (let i = 1; i <= 4; i++) {
      store.stateAppliedAt = `2026-01-01T00:00:0${i}.000000Z`;
      await recordApply(fakeSession(root, store), plan, fakeReport(plan, i === 3 ? 1 : undefined), quiet);
    }
    path = journalPath(root, 'local');
    journalText = readFileSync(path, 'utf8');
  });

  const verify = () => verifyAudit(store.snapshot(), readJournal(path));
  const first = () => verify().problems[0];

  it('intact', () => expect(verify()).toMatchObject({ ok: true, table: { records: 4, head: { seq: 4 } }, journal: { entries: 4 } }));

  it('a record edited in the table (its hash left) → that seq, edited', () => {
    (store.rows[1]!.record as Record<string, unknown>).outcome = 'failed';
    expect(first()).toMatchObject({ where: 'table', seq: 2, message: expect.stringMatching(/seq 2 .* does not match its hash: the record \(or its hash\) was edited/) });
    expect(verify().problems.some((p) => p.where === 'both' && p.seq === 2 && /differs between/.test(p.message))).toBe(true);
  });

  it('a record edited and re-hashed → the next seq no longer links to it, and the journal disagrees', () => {
    const row = store.rows[1]!;
    (row.record as Record<string, unknown>).outcome = 'failed';
    store.rows[1] = { ...row, hash: chainHash(row.record.prev as string, row.record) };
    const problems = verify().problems;
    expect(problems[0]).toMatchObject({ seq: 2, where: 'both' });
    expect(problems.some((p) => p.seq === 3 && /does not link to seq 2/.test(p.message))).toBe(true);
  });

  it('a record deleted from the table → that seq, missing', () => {
    store.rows.splice(1, 1);
    expect(first()).toMatchObject({ where: 'table', seq: 2, message: expect.stringMatching(/seq 2 is missing .*the records jump from seq 1 to seq 3.*deleted/) });
  });

  it('the last record deleted → the head names it', () => {
    store.rows.pop();
    expect(first()).toMatchObject({ seq: 4, message: expect.stringMatching(/seq 4 missing: .* ends at seq 3, but audit_head says seq 4/) });
  });

  it('the table truncated → seq 1: the head still says 4, and the journal holds records the table lacks', () => {
    store.rows = [];
    const problems = verify().problems;
    expect(problems[0]).toMatchObject({ seq: 1, message: expect.stringMatching(/is empty, but audit_head says the chain reaches seq 4: the table was truncated/) });
    expect(problems.some((p) => p.where === 'both' && /seq 1, 2, 3, 4 are in the local journal but not in/.test(p.message))).toBe(true);
  });

  it('the table and its head truncated together → the journal still tells', () => {
    store.rows = [];
    store.head = null;
    expect(first()).toMatchObject({ where: 'both', seq: 1 });
  });

  it('the head deleted or set back', () => {
    store.head = null;
    expect(first()).toMatchObject({ seq: 5, message: expect.stringMatching(/audit_head .* is missing.*records after seq 4 could have been removed/) });
    store.head = { seq: 2, hash: store.rows[1]!.hash };
    expect(first()).toMatchObject({ seq: 3, message: expect.stringMatching(/come after the chain head/) });
  });

  it('an apply that wrote the state without a record → after the newest seq', () => {
    store.stateAppliedAt = '2026-01-02T00:00:00.000000Z';
    expect(first()).toMatchObject({ seq: 5, message: expect.stringMatching(/state was written at 2026-01-02T00:00:00.000000Z, but the newest record \(seq 4\).*an apply after seq 4 is not in/) });
  });

  it('a journal entry edited → that seq', () => {
    const lines = journalText.split('\n');
    lines[2] = lines[2]!.replace('"outcome":"applied"', '"outcome":"failed"');
    writeFileSync(path, lines.join('\n'));
    const problems = verify().problems;
    expect(problems[0]).toMatchObject({ seq: 2 });
    expect(problems.some((p) => p.where === 'journal' && /journal entry 2 \(seq 2\).* does not match its hash/.test(p.message))).toBe(true);
  });

  it('a journal entry deleted → that entry, missing', () => {
    const lines = journalText.split('\n');
    lines.splice(2, 1);
    writeFileSync(path, lines.join('\n'));
    expect(first()).toMatchObject({ seq: 2, message: expect.stringMatching(/seq 2 was written to the local journal .* but is not in it/) });
    expect(verify().problems.some((p) => p.where === 'journal' && /journal entry 2 is missing/.test(p.message))).toBe(true);
  });

  it('the journal truncated (last entries cut off) → the first seq it lost', () => {
    writeFileSync(path, journalText.split('\n').slice(0, 3).join('\n') + '\n');
    expect(first()).toMatchObject({ where: 'both', seq: 3, message: expect.stringMatching(/seq 3, 4 were written to the local journal .* not in it: the journal was truncated/) });
  });

  it('the journal emptied, or cut mid-line', () => {
    writeFileSync(path, '');
    expect(verify().ok).toBe(false);
    expect(verify().problems.some((p) => /empty: its header line is gone/.test(p.message))).toBe(true);
    writeFileSync(path, journalText.slice(0, journalText.length - 40));
    expect(verify().problems.some((p) => /cut short/.test(p.message))).toBe(true);
  });

  it('a journal whose start was cut off', () => {
    writeFileSync(path, journalText.split('\n').slice(2).join('\n'));
    const messages = verify().problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/line 1 .* is not the journal header/);
    expect(messages).toMatch(/does not start the chain|missing/);
  });

  it('no local journal at all (a fresh checkout): a warning, not a failure', () => {
    rmSync(path);
    const r = verify();
    expect(r.ok).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/does not exist, though seq 1, 2, 3, 4 were written to it on this host/);
  });

  it('appending after a crash cut the last line keeps the new entry whole (the damage stays reported)', () => {
    writeFileSync(path, journalText.slice(0, journalText.length - 40));
    const { id } = openJournal(root, 'local', 'acme');
    expect(id).not.toBeNull();
    appendJournal(path, { seq: null, note: 'after the crash' });
    const j = readJournal(path);
    expect(j.entries[j.entries.length - 1]!.record).toEqual({ seq: null, note: 'after the crash' });
    expect(j.problems.length).toBeGreaterThan(0);
  });
});
