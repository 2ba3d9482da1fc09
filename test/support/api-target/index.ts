import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { governanceSchema } from '../../../src/config/schema/common.js';
import { registerTarget } from '../../../src/targets/index.js';
import { apiTestTarget } from './target.js';

/**
 * The test-only `api-test` target, plugged in through the registry: one folder and one
 * registerTarget call, no edit of the core. Call `useApiTestTarget()` at the top of a test file:
 * it registers the target before the file's tests (and their hooks) load a repository, and
 * removes it after them — test files share modules within a worker (vitest isolate: false), and
 * the other files must not see a type `api-test` (e.g. in "write one of: …" hints).
 */
export const apiTestSettings = z.strictObject({ type: z.literal('api-test'), account: z.string(), lease_ms: z.number().int().positive().optional(), governance_schema: governanceSchema });

export function useApiTestTarget(): void {
  let unregister: (() => void) | undefined;
  beforeAll(() => {
    unregister = registerTarget(apiTestTarget, apiTestSettings);
  });
  afterAll(() => unregister?.());
}

export { apiTestTarget, tableOf, NO_SQL } from './target.js';
export { SERVICE, ApiError, resetAccount, accountNamed, enc, type Account, type SeedTable } from './service.js';
export * from './tools.js';
export * from './faulty.js';
export * from './repo.js';
export * from './session.js';
