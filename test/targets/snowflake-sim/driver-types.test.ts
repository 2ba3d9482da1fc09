import type { Connection } from 'snowflake-sdk';
import { describe, expect, it } from 'vitest';
import { connect, fixture, run } from './helpers.js';

describe('driver seam types', () => {
  it('a SimConnection is assignable to snowflake-sdk Connection, and fetchResult re-reads a result', async () => {
    const sim = fixture();
    const c = await connect(sim, 'ADMIN');
    const asSdk: Connection = c;
    expect(asSdk.isUp()).toBe(true);
    const { queryId } = await run(c, 'SELECT 1 AS one');
    const stmt = await c.getResultsFromQueryId({ queryId });
    expect(stmt.getNumRows()).toBe(1);
    expect(await c.getQueryStatus(queryId)).toBe('SUCCESS');
  });
});
