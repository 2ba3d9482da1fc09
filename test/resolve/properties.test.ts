import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/model/expr/index.js';
import type { NeutralType } from '../../src/model/neutral-types.js';
import { tableAccess, type TableAccess } from '../../src/resolve/access.js';
import { strictnessRank } from '../../src/resolve/mask-methods.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import { validateRepository } from '../../src/validate.js';
import { COLUMNS, modelInventory, randomModelArb, renderModel, SAMPLE_ROWS, type PolicySpec, type RandomModel } from '../support/random-model.js';

const RUNS = Number(process.env.MESHWARD_PROPERTY_RUNS ?? 150);

function resolveModel(m: RandomModel, order: 'forward' | 'reverse' = 'forward'): Resolved {
  const result = validateRepository({ dir: '/virtual', files: renderModel(m, order), inventoryValue: modelInventory(m) });
  const errors = result.diagnostics.errors;
  if (errors.length) throw new Error(`generated model is invalid: ${errors.map((e) => `${e.at?.file}:${e.at?.line}:${e.at?.col} ${e.message}`).join('\n')}\n${renderModel(m).map((f) => f.text).join('\n---\n')}`);
  return result.resolved!;
}

const TYPES = new Map<string, NeutralType>(COLUMNS.map((c) => [c.name, c.type as NeutralType]));

/** Everything a principal sees of a table, in comparable form. */
function view(a: TableAccess) {
  const principal = { attributes: a.principal.attributes, groups: a.principal.closure };
  return {
    readable: a.readable,
    columns: a.columns.map((c) => ({ name: c.name, access: c.access, keepLast: c.keepLast })),
    rows: SAMPLE_ROWS.map((r) => a.filters.every((f) => evaluate(f.candidate.expr, r, principal, TYPES) === true)),
  };
}

type View = ReturnType<typeof view>;

/** Column access `a` hides at least as much as `b`. */
function atLeastAsStrict(a: View['columns'][number], b: View['columns'][number]): boolean {
  const ra = strictnessRank(a.access as never);
  const rb = strictnessRank(b.access as never);
  if (ra !== rb) return ra > rb;
  if (a.access !== b.access) return false;
  return a.access !== 'partial' || (a.keepLast ?? 4) <= (b.keepLast ?? 4);
}

function principals(m: RandomModel): string[][] {
  const singles = m.groups.map((_, i) => [`g${i}`]);
  const pairs: string[][] = [];
  for (let i = 0; i < m.groups.length; i++) for (let j = i + 1; j < m.groups.length; j++) pairs.push([`g${i}`, `g${j}`]);
  return [...singles, ...pairs];
}

function views(r: Resolved, m: RandomModel): Map<string, View> {
  const out = new Map<string, View>();
  for (const p of principals(m)) for (const t of r.tables) out.set(`${p.join('+')}@${t.table.name}`, view(tableAccess(t, r.principals.principal(p))));
  return out;
}

describe('resolver properties (random models)', () => {
  it('adding a global mask never unmasks anything for anyone', () => {
    const mask = fc.record({
      kind: fc.constant('mask' as const),
      domain: fc.constant(0),
      selector: fc.subarray(['email', 'phone', 'name'], { minLength: 1 }).map((tags) => ({ tags })),
      method: fc.constantFrom('nullify', 'redact', 'hash', 'partial', 'email_domain'),
      keepLast: fc.integer({ min: 1, max: 6 }),
      exempt: fc.uniqueArray(fc.nat(1), { maxLength: 1 }),
    });
    fc.assert(
      fc.property(randomModelArb(), mask, (m, extra) => {
        const before = views(resolveModel(m), m);
        const after = views(resolveModel({ ...m, globals: [...m.globals, extra as PolicySpec] }), m);
        for (const [key, b] of before) {
          const a = after.get(key)!;
          a.columns.forEach((c, i) => expect(atLeastAsStrict(c, b.columns[i]!), `${key}.${c.name}: ${JSON.stringify(b.columns[i])} -> ${JSON.stringify(c)}`).toBe(true));
          expect(a.rows).toEqual(b.rows);
          expect(a.readable).toBe(b.readable);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a domain policy never reduces masking or widens rows', () => {
    fc.assert(
      fc.property(
        randomModelArb().chain((m) => fc.tuple(fc.constant(m), randomModelArb().map((o) => o.locals))),
        ([m, extraLocals]) => {
          // Policies drawn for another random model: keep those whose tables and groups exist here.
          const n = m.groups.length;
          const usable = extraLocals
            .filter((p) => ('tables' in p.selector ? p.selector.tables : 'columns' in p.selector ? p.selector.columns.map((c) => c[0]) : []).every((t) => t < m.tables.length))
            .map((p) => ({ ...p, exempt: p.exempt.filter((g) => g < n), ...(p.kind === 'filter' ? { allow: p.allow.replace(/in_group\('g(\d+)'\)/g, (_, k) => `in_group('g${Number(k) % n}')`) } : {}) }) as PolicySpec);
          const before = views(resolveModel(m), m);
          const after = views(resolveModel({ ...m, locals: [...m.locals, ...usable] }), m);
          for (const [key, b] of before) {
            const a = after.get(key)!;
            a.columns.forEach((c, i) => expect(atLeastAsStrict(c, b.columns[i]!), `${key}.${c.name}`).toBe(true));
            a.rows.forEach((visible, i) => expect(!visible || b.rows[i], `${key} row ${i} widened`).toBe(true));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('exempting a group only affects that group and the groups whose closure contains it', () => {
    fc.assert(
      fc.property(randomModelArb(), fc.nat(), fc.nat(), (m, policyPick, groupPick) => {
        const policies = m.globals;
        if (policies.length === 0) return;
        const idx = policyPick % policies.length;
        const g = groupPick % m.groups.length;
        const changed = { ...m, globals: policies.map((p, i) => (i === idx ? { ...p, exempt: [...new Set([...p.exempt, g])] } : p)) };
        const r0 = resolveModel(m);
        const before = views(r0, m);
        const r1 = resolveModel(changed);
        const after = views(r1, m);
        for (const [key, b] of before) {
          const groups = key.split('@')[0]!.split('+');
          const affected = groups.some((x) => r0.principals.closureOf(x).has(`g${g}`));
          if (!affected) expect(after.get(key), key).toEqual(b);
        }
        // …and it does affect them: the policy is waived for every principal whose closure holds g.
        const name = `global-${idx}`;
        for (const t of r1.tables) {
          for (let k = 0; k < m.groups.length; k++) {
            if (!r1.principals.closureOf(`g${k}`).has(`g${g}`)) continue;
            const a = tableAccess(t, r1.principals.principal([`g${k}`]));
            expect(a.filters.some((f) => f.candidate.policy.name === name), `${name} applies to g${k}`).toBe(false);
            for (const c of a.columns) expect([...c.winners, ...c.others].some((w) => w.policy.name === name), `${name} masks ${c.name} for g${k}`).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a principal of two groups never sees less than either alone (no NOT in filters)', () => {
    fc.assert(
      fc.property(randomModelArb({ allowNot: false }), (m) => {
        const r = resolveModel(m);
        for (const t of r.tables) {
          for (let i = 0; i < m.groups.length; i++) {
            for (let j = i + 1; j < m.groups.length; j++) {
              const both = view(tableAccess(t, r.principals.principal([`g${i}`, `g${j}`])));
              for (const single of [`g${i}`, `g${j}`]) {
                const one = view(tableAccess(t, r.principals.principal([single])));
                if (one.readable) expect(both.readable).toBe(true);
                both.columns.forEach((c, k) => expect(atLeastAsStrict(one.columns[k]!, c), `${t.table.name}.${c.name} for g${i}+g${j} vs ${single}`).toBe(true));
                one.rows.forEach((visible, k) => expect(!visible || both.rows[k], `row ${k} of ${t.table.name} lost by g${i}+g${j} vs ${single}`).toBe(true));
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('results do not depend on file or document order', () => {
    fc.assert(
      fc.property(randomModelArb(), (m) => {
        const forward = views(resolveModel(m, 'forward'), m);
        const reverse = views(resolveModel(m, 'reverse'), m);
        expect(reverse).toEqual(forward);
        const shuffled = { ...m, globals: [...m.globals].reverse(), grants: [...m.grants].reverse() };
        // Reversing policy order renames them (names carry the index), so compare only the outcome.
        expect(views(resolveModel(shuffled), m)).toEqual(forward);
      }),
      { numRuns: RUNS },
    );
  });
});
