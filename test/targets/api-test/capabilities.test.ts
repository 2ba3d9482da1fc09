import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/cli-inprocess.js';
import { freshSample, useApiTestTarget } from '../../support/api-target/index.js';

/** What a target declares it cannot do is refused with a message, never attempted (capabilities.impersonation: none). */
useApiTestTarget();

describe('declared capabilities of the api-test target', () => {
  let repo: { dir: string; cleanup: () => void } | undefined;
  afterEach(() => repo?.cleanup());

  it('query --as and test --target refuse: it cannot act as a principal', async () => {
    repo = freshSample('caps').repo;
    const query = await runInProcess(['query', '--as', 'analysts', 'SELECT id FROM shop.sales.orders', '--dir', repo.dir]);
    expect(query.code).toBe(1);
    expect(query.stderr).toContain('target type api-test cannot run queries as a group (it cannot act as a principal)');
    const test = await runInProcess(['test', '--target', 'cloud', '--dir', repo.dir]);
    expect(test.code).toBe(1);
    expect(test.stderr).toContain('target type api-test cannot run access tests live (it cannot act as a principal)');
    expect(`${query.stderr}${test.stderr}`).not.toMatch(/internal error|\n\s+at /);
  });
});
