import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/plan.js';
import type { Step } from '../../src/plan/step.js';
import type { NativeObject, Target, TargetCapabilities } from '../../src/targets/target.js';

/** capabilities.atomicReplace: on an auto-commit engine a change in several steps of a kind not replaced in place is a REPLACE_GAP. */
const before: NativeObject = { key: 'mask:t.c', kind: 'mask', label: 'mask t.c', spec: { method: 'hash' } };
const after: NativeObject = { ...before, spec: { method: 'nullify' } };
const call = (method: 'DELETE' | 'POST'): Step => ({ kind: 'api', service: 's.example', method, path: 'v1/masks/c', idempotency: {} });

function planWith(capabilities: TargetCapabilities, steps: Step[]) {
  const target = { type: 'fake', capabilities, access: { roleOf: () => 'policy' as const }, render: () => steps } as unknown as Target;
  return buildPlan({ target, targetName: 't', project: 'p', desired: [after], current: [before], findings: [], stateHash: 'h', render: () => steps }).plan;
}
const autoCommit: TargetCapabilities = { transactionalDdl: false, atomicReplace: [], impersonation: 'none', lock: 'lease' };

describe('REPLACE_GAP from the declared capabilities', () => {
  it('a change in two auto-committed steps of a kind not replaced in place is blocked', () => {
    const plan = planWith(autoCommit, [call('DELETE'), call('POST')]);
    expect(plan.changes[0]!.hazards).toContain('REPLACE_GAP');
    expect(plan.summary.hazards).toBe(plan.changes[0]!.hazards.length);
  });

  it('not when the kind is replaced atomically, when it is one step, or when the engine has transactions', () => {
    expect(planWith({ ...autoCommit, atomicReplace: ['mask'] }, [call('DELETE'), call('POST')]).changes[0]!.hazards).not.toContain('REPLACE_GAP');
    expect(planWith(autoCommit, [call('POST')]).changes[0]!.hazards).not.toContain('REPLACE_GAP');
    expect(planWith({ ...autoCommit, transactionalDdl: true }, [call('DELETE'), call('POST')]).changes[0]!.hazards).not.toContain('REPLACE_GAP');
  });
});
