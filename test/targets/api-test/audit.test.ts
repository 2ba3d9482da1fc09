import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/cli-inprocess.js';
import { freshSample, useApiTestTarget, writeRepo } from '../../support/api-target/index.js';

/**
 * The audit chain kept by a state store that is not SQL (StateStore.audit on the api-test
 * account): every apply appends one hash-chained record there and in the local journal, and
 * `audit --verify` finds an edited record.
 */
useApiTestTarget();

describe('the audit chain on the api-test target', () => {
  let repo: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => repo?.cleanup());

  it('two applies are two chained records in the account and the journal; verify passes, and finds an edit', async () => {
    const sample = freshSample('audit');
    const account = sample.account;
    repo = sample.repo;
    const run = (...args: string[]) => runInProcess([...args, '--dir', repo!.dir]);
    const first = await run('apply', '--yes');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/keeps no audit table/);
    sample.docs.domain.grants[1]!.groups = ['analysts'];
    writeRepo(repo.dir, sample.docs);
    expect((await run('apply', '--yes')).code).toBe(0);
    expect([...account.audit.keys()]).toEqual([1, 2]);
    expect(account.auditHead?.seq).toBe(2);
    const verified = await run('audit', '--verify', '--json');
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });

    const edited = account.audit.get(1)!;
    account.audit.set(1, { ...edited, record: { ...(edited.record as Record<string, unknown>), outcome: 'failed' } });
    const broken = await run('audit', '--verify', '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, broken_at: 1 });
  });
});
