import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runApply } from '../../../src/apply/run.js';
import { planFor } from '../../../src/session/plan-for.js';
import type { Connection } from '../../../src/targets/target.js';
import { inSession, isPlanStep, resetAccount, sampleDocs, tempRepo, useApiTestTarget } from '../../support/api-target/index.js';

/**
 * The apply lock of an engine without locks is a lease with an expiry (StateStore.lock): it is
 * renewed while the apply runs, and an apply whose lease could not be renewed stops before its
 * next step — another apply may hold the target by then.
 */
useApiTestTarget();

describe('the apply lease of the api-test target', () => {
  let repo: ReturnType<typeof tempRepo> | undefined;
  afterEach(() => repo?.cleanup());

  const setup = (name: string, leaseMs: number) => {
    const sample = sampleDocs(name);
    const account = resetAccount(name, { tables: sample.tables });
    repo = tempRepo(sample.docs);
    const file = join(repo.dir, 'meshward.yaml');
    const project = YAML.parse(readFileSync(file, 'utf8')) as { targets: { cloud: Record<string, unknown> } };
    project.targets.cloud.lease_ms = leaseMs;
    writeFileSync(file, YAML.stringify(project));
    return { account, dir: repo.dir };
  };

  /** A control plane that takes `ms` per plan step (a slow vendor API), and optionally refuses lease renewals. */
  const slow = (conn: Connection, ms: number, refuseRenewals = false): Connection => ({
    ...conn,
    query: conn.query.bind(conn),
    exec: conn.exec.bind(conn),
    close: conn.close.bind(conn),
    call: async (step) => {
      if (step.method === 'PATCH' && step.path === 'v1/leases/apply' && refuseRenewals) throw Object.assign(new Error('lease service unavailable'), { code: '503' });
      if (isPlanStep(step)) await new Promise((r) => setTimeout(r, ms));
      return conn.call!(step);
    },
  });

  it('is renewed while a long apply outlives it, and released after', async () => {
    const { account, dir } = setup('lease-renew', 120);
    const started = performance.now();
    const report = await inSession(dir, async (s) => {
      const session = { ...s, conn: slow(s.conn, 40) };
      return runApply(session, (await planFor(session)).plan);
    });
    expect(report.ok, report.error).toBe(true);
    expect(performance.now() - started).toBeGreaterThan(240); // two leases' lives
    const renewals = account.log.filter((l) => l.step.method === 'PATCH' && l.step.path === 'v1/leases/apply');
    expect(renewals.length).toBeGreaterThan(0);
    expect(renewals.every((l) => l.code === null)).toBe(true); // every renewal came before the lease expired
    expect(account.lease).toBeNull();
  });

  it('a renewal that fails stops the apply before its next step, naming why', async () => {
    const { account, dir } = setup('lease-lost', 90);
    const report = await inSession(dir, async (s) => {
      const session = { ...s, conn: slow(s.conn, 40, true) };
      return runApply(session, (await planFor(session)).plan);
    });
    expect(report.ok).toBe(false);
    expect(report.failure?.error).toMatch(/the apply lease of target 'cloud' could not be renewed \(lease service unavailable \(503\)\); another apply may hold the target, so this one stopped/);
    const sent = report.outcomes.filter((o) => o.outcome === 'applied').length;
    expect(sent).toBeLessThan(report.outcomes.length);
    expect(account.log.filter((l) => l.code === null && isPlanStep(l.step))).toHaveLength(sent);
  });
});
