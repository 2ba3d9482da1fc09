import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildPlanJsonSchema } from '../../src/cli/commands/schema.js';
import { buildPlan } from '../../src/plan/plan.js';
import { sqlSteps, type Step } from '../../src/plan/step.js';
import { objects } from '../../src/targets/postgres/objects.js';
import { postgresTarget } from '../../src/targets/postgres/index.js';
import { render } from '../../src/targets/postgres/render.js';
import type { RenderContext } from '../../src/targets/target.js';

/** plan.json's published JSON Schema (docs/plan.schema.json) is the schema apply checks a file with, and it describes real plans. */
describe('plan.json JSON Schema (format 2)', () => {
  const schema = buildPlanJsonSchema();
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  const { plan } = buildPlan({
    target: postgresTarget,
    targetName: 'local',
    project: 'p',
    desired: [objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'mw_g' })],
    current: [],
    findings: [],
    stateHash: 'h',
    render: (c) => sqlSteps(render(c, {} as RenderContext)),
  });
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown> & { changes: Record<string, unknown>[] };

  it('is the file docs/plan.schema.json publishes', () => {
    const published = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'plan.schema.json'), 'utf8')) as unknown;
    expect(published, 'regenerate it: node dist/src/cli/main.js schema plan > docs/plan.schema.json').toEqual(schema);
  });

  it('accepts a plan meshward writes, with SQL and with API steps', () => {
    expect(validate(json(plan)), JSON.stringify(validate.errors)).toBe(true);
    const api: Step = { kind: 'api', service: 'datacatalog.googleapis.com', method: 'PATCH', path: 'v1/projects/p/taxonomies/1', body: { displayName: 'pii', n: [1, null] }, idempotency: { etag: 'BwW' } };
    const withApi = json(plan);
    withApi.changes[0]!.steps = [api, { kind: 'sql', text: 'SELECT 1', reverse: { kind: 'sql', text: 'SELECT 2' } }];
    expect(validate(withApi), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects format 1, a step without its kind, an unknown method, and an API call without idempotency facts', () => {
    const v1 = { ...json(plan), format: 1 };
    expect(validate(v1)).toBe(false);
    for (const step of [{ text: 'SELECT 1' }, { kind: 'api', service: 's', method: 'FETCH', path: 'p', idempotency: {} }, { kind: 'api', service: 's', method: 'POST', path: 'p' }]) {
      const bad = json(plan);
      bad.changes[0]!.steps = [step];
      expect(validate(bad), JSON.stringify(step)).toBe(false);
    }
  });
});
