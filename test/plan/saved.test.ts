import fc from 'fast-check';
import type { Step } from '../../src/plan/step.js';
import { stepTotals } from '../apply/fake.js';
import { describe, expect, it } from 'vitest';
import type { Plan, PlannedChange } from '../../src/plan/plan.js';
import { compareSavedPlan, SavedPlanError } from '../../src/plan/saved.js';
import { HAZARDS } from '../../src/targets/target.js';

/** Any single edit of a saved plan's changes is refused by the comparison with the re-derived plan. */

const sqlStep = (text: string): Step => ({ kind: 'sql', text });
const apiStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('api' as const),
  service: fc.constantFrom('datacatalog.googleapis.com', 'bigquerydatapolicy.googleapis.com'),
  method: fc.constantFrom('POST', 'PATCH', 'DELETE'),
  path: fc.string({ minLength: 1, maxLength: 12 }),
  body: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean())),
  idempotency: fc.record({ etag: fc.string({ maxLength: 6 }) }, { requiredKeys: [] }),
});
const step: fc.Arbitrary<Step> = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }).map(sqlStep), apiStep);

const change: fc.Arbitrary<PlannedChange> = fc.record({
  action: fc.constantFrom('add', 'change', 'remove'),
  kind: fc.constantFrom('role', 'grant', 'view', 'tag'),
  key: fc.string({ minLength: 1, maxLength: 12 }),
  object: fc.string({ maxLength: 12 }),
  domain: fc.option(fc.string({ maxLength: 6 })),
  table: fc.option(fc.string({ maxLength: 6 })),
  policy: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
  reason: fc.string({ maxLength: 10 }),
  details: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }),
  hazards: fc.uniqueArray(fc.constantFrom(...HAZARDS), { maxLength: 2 }),
  steps: fc.array(step, { minLength: 1, maxLength: 3 }),
});

const plan: fc.Arbitrary<Plan> = fc.array(change, { minLength: 1, maxLength: 6 }).map((changes) => ({
  format: 2,
  target: 'local',
  project: 'acme',
  state_hash: 'a'.repeat(64),
  desired_hash: 'b'.repeat(64),
  changes,
  findings: [],
  summary: { add: 0, change: 0, remove: 0, hazards: 0, widening: 0, ...stepTotals(changes) },
  new_target: false,
  options: { revoke_unmanaged: false },
  created_at: '2026-12-01T00:00:00.000Z',
}));

type Mutation = (p: Plan, pick: number, text: string) => Plan | null;

const mutations: Record<string, Mutation> = {
  'append a statement': (p, i, text) => withChange(p, i, (c) => ({ ...c, steps: [...c.steps, sqlStep(text)] })),
  'drop a step': (p, i) => withChange(p, i, (c) => ({ ...c, steps: c.steps.slice(1) })),
  'edit a statement': (p, i, text) => withChange(p, i, (c) => (c.steps[0]!.kind !== 'sql' || c.steps[0]!.text === text ? null : { ...c, steps: [sqlStep(text), ...c.steps.slice(1)] })),
  'turn a statement into an API call': (p, i, text) => withChange(p, i, (c) => (c.steps[0]!.kind !== 'sql' ? null : { ...c, steps: [{ kind: 'api', service: 'x.googleapis.com', method: 'POST', path: text, idempotency: {} }, ...c.steps.slice(1)] })),
  "edit an API call's body": (p, i, text) => withChange(p, i, (c) => (c.steps[0]!.kind !== 'api' ? null : { ...c, steps: [{ ...c.steps[0]!, body: { forged: text } }, ...c.steps.slice(1)] })),
  "drop an API call's etag": (p, i) => withChange(p, i, (c) => (c.steps[0]!.kind !== 'api' || c.steps[0]!.idempotency.etag === undefined ? null : { ...c, steps: [{ ...c.steps[0]!, idempotency: {} }, ...c.steps.slice(1)] })),
  'change an API method': (p, i) => withChange(p, i, (c) => (c.steps[0]!.kind !== 'api' ? null : { ...c, steps: [{ ...c.steps[0]!, method: c.steps[0]!.method === 'DELETE' ? 'POST' : 'DELETE' }, ...c.steps.slice(1)] })),
  'drop a hazard': (p, i) => withChange(p, i, (c) => (c.hazards.length ? { ...c, hazards: c.hazards.slice(1) } : null)),
  'change an action': (p, i) => withChange(p, i, (c) => ({ ...c, action: c.action === 'add' ? 'remove' : 'add' })),
  'edit what a change is said to do': (p, i, text) => withChange(p, i, (c) => ({ ...c, details: [...(c.details ?? []), text] })),
  'relabel an object': (p, i, text) => withChange(p, i, (c) => (c.object === text ? null : { ...c, object: text })),
  'drop a change': (p, i) => ({ ...p, changes: p.changes.filter((_, k) => k !== i % p.changes.length) }),
  'add a change': (p, i, text) => ({ ...p, changes: [...p.changes.slice(0, i % (p.changes.length + 1)), { ...p.changes[0]!, steps: [sqlStep(text)] }, ...p.changes.slice(i % (p.changes.length + 1))] }),
  'swap two changes': (p, i) => {
    if (p.changes.length < 2) return null;
    const a = i % (p.changes.length - 1);
    const c = [...p.changes];
    [c[a], c[a + 1]] = [c[a + 1]!, c[a]!];
    return JSON.stringify(c) === JSON.stringify(p.changes) ? null : { ...p, changes: c };
  },
  'change the state hash': (p) => ({ ...p, state_hash: 'c'.repeat(64) }),
  'ask for unmanaged revokes': (p) => ({ ...p, options: { revoke_unmanaged: true } }),
  'forge a finding': (p, _i, text) => ({ ...p, findings: [{ code: 'FOREIGN_OBJECT', object: text, message: text }] }),
};

function withChange(p: Plan, i: number, f: (c: PlannedChange) => PlannedChange | null): Plan | null {
  const k = i % p.changes.length;
  const edited = f(p.changes[k]!);
  if (!edited) return null;
  return { ...p, changes: p.changes.map((c, j) => (j === k ? edited : c)) };
}

describe('compareSavedPlan', () => {
  it('accepts the plan it was derived as, whatever its created_at', () => {
    fc.assert(
      fc.property(plan, (p) => {
        expect(() => compareSavedPlan({ ...p, created_at: 'x' }, p, 'plan.json')).not.toThrow();
      }),
    );
  });

  it('refuses every single edit, naming the file', () => {
    fc.assert(
      fc.property(plan, fc.constantFrom(...Object.keys(mutations)), fc.nat(), fc.string({ minLength: 1, maxLength: 20 }), (p, name, pick, text) => {
        const edited = mutations[name]!(structuredClone(p), pick, text);
        fc.pre(edited !== null && JSON.stringify(edited) !== JSON.stringify(p));
        expect(() => compareSavedPlan(edited!, p, 'plan.json')).toThrow(SavedPlanError);
        expect(() => compareSavedPlan(edited!, p, 'plan.json')).toThrow(/^plan\.json does not match the plan/);
      }),
      { numRuns: 500 },
    );
  });
});
