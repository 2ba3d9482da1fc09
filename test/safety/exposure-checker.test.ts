import { describe, expect, it } from 'vitest';
import { stepText } from '../../src/plan/step.js';
import type { Inventory } from '../../src/model/inventory.js';
import { applyMask, sha256Hex } from '../../src/resolve/mask-methods.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import {
  allowedValues,
  checkStep,
  describeViolation,
  groupsAndPairs,
  runExposureCheck,
  type BaseRows,
  type ExposureProbe,
  type Observation,
} from '../../src/safety/exposure.js';
import { validateRepository } from '../../src/validate.js';

/**
 * The exposure checker on the resolver's terms, without an engine: hand-made observations
 * against two small models. The first test is the reason the checker judges cells, not rows and
 * columns separately.
 */

const INVENTORY: Inventory = {
  format: 1,
  tables: [
    {
      name: 'db.s.people',
      native: '"s"."people"',
      columns: [
        { name: 'id', type: 'number', native_type: 'integer' },
        { name: 'region', type: 'string', native_type: 'text' },
        { name: 'email', type: 'string', native_type: 'text' },
        { name: 'phone', type: 'string', native_type: 'text' },
      ],
    },
  ],
} as Inventory;

interface ModelOptions {
  /** The own-region filter's allow text (undefined: no filter). */
  readonly filter?: string;
  readonly filterExempt?: readonly string[];
  /** The email mask (undefined: clear). */
  readonly emailMask?: string;
  readonly phoneKeepLast?: number;
  readonly grants?: readonly string[];
}

/** One domain, one table, groups a (EMEA), b (AMER), lead (member of a), outsider (no grant). */
function model(o: ModelOptions): Resolved {
  const policies: string[] = [];
  if (o.filter) policies.push(`  - name: own-region\n    row_filter: { tables: [db.s.people], allow: "${o.filter}"${o.filterExempt?.length ? `, exempt: [${o.filterExempt.join(', ')}]` : ''} }`);
  if (o.emailMask) policies.push(`  - name: email-mask\n    mask: { columns: [db.s.people.email], method: ${o.emailMask} }`);
  if (o.phoneKeepLast) policies.push(`  - name: phone-mask\n    mask: { columns: [db.s.people.phone], method: partial, keep_last: ${o.phoneKeepLast} }`);
  const files = [
    { path: 'meshward.yaml', text: 'kind: Project\nname: unit\ntargets:\n  local: { type: postgres, database: db }\n' },
    {
      path: 'principals.yaml',
      text:
        'kind: Principals\nattributes:\n  region: { type: string, values: [EMEA, AMER] }\ngroups:\n' +
        '  a: { attributes: { region: [EMEA] } }\n  b: { attributes: { region: [AMER] } }\n  lead: { member_of: [a] }\n  outsider: {}\n',
    },
    {
      path: 'd.yaml',
      text:
        'kind: Domain\nname: d\nschemas: [db.s]\ntables:\n  db.s.people: {}\n' +
        `grants:\n  - { groups: [${(o.grants ?? ['a', 'b']).join(', ')}], read: [db.s.people] }\n` +
        (policies.length ? `policies:\n${policies.join('\n')}\n` : 'policies: []\n'),
    },
  ];
  const result = validateRepository({ dir: '/virtual', files, inventoryValue: INVENTORY });
  expect(result.diagnostics.errors.map((e) => e.message)).toEqual([]);
  return result.resolved!;
}

const BASE: BaseRows = {
  table: 'db.s.people',
  pk: ['id'],
  types: new Map([
    ['id', 'number'],
    ['region', 'string'],
    ['email', 'string'],
    ['phone', 'string'],
  ]),
  rows: [
    { id: 1, region: 'EMEA', email: 'ann@example.com', phone: '+44 20 7946 0123' },
    { id: 2, region: 'AMER', email: 'bob@example.org', phone: '12' },
    { id: 3, region: null, email: null, phone: null },
  ],
};

/** A row as a principal would see it: every column given, normalised. */
function seen(id: number, cells: Partial<Record<'region' | 'email' | 'phone', string | null>>): Observation['rows'][number] {
  const clear = BASE.rows.find((r) => r.id === id)!;
  const text = (v: unknown) => (v === null || v === undefined ? 'NULL' : String(v));
  const out: Record<string, string> = { id: String(id), region: text(clear.region), email: text(clear.email), phone: text(clear.phone) };
  for (const [k, v] of Object.entries(cells)) out[k] = text(v);
  return { pk: String(id), cells: out };
}

const readable = (...rows: Observation['rows']): Observation => ({ readable: true, rows });

describe('exposure checker: a cell must be allowed by ONE model for both its row and its value', () => {
  // old: a sees EMEA rows, e-mail hashed. new: a sees AMER rows, e-mail clear.
  const oldModel = model({ filter: 'region IN user.region', emailMask: 'hash' });
  const newModel = model({ filter: "region = 'AMER'" });
  const hashed = sha256Hex('ann@example.com');

  it('catches the mixing leak: a row only the old model shows, with a value only the new model leaves clear', () => {
    const leak = readable(seen(1, { email: 'ann@example.com' }));
    const violations = checkStep(oldModel, newModel, BASE, ['a'], leak);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ principal: ['a'], table: 'db.s.people', pk: '1', column: 'email', value: 'ann@example.com' });
    expect(violations[0]!.why).toContain('old: hash gives');
    expect(violations[0]!.why).toContain('new: row hidden');
    expect(violations[0]!.why).toContain('it is the clear value');
  });

  it('a check of rows and of columns separately would have passed it', () => {
    // Row 1 is visible under old; a clear e-mail is what new shows in its rows: each half is "allowed".
    const rowsOnly = checkStep(oldModel, newModel, BASE, ['a'], readable(seen(1, { email: hashed })));
    const valuesOnly = checkStep(oldModel, newModel, BASE, ['a'], readable(seen(2, { email: 'bob@example.org' })));
    expect(rowsOnly).toEqual([]);
    expect(valuesOnly).toEqual([]);
  });

  it('each model on its own terms passes: old rows hashed, new rows clear, and both at once', () => {
    expect(checkStep(oldModel, newModel, BASE, ['a'], readable(seen(1, { email: hashed }), seen(2, { email: 'bob@example.org' })))).toEqual([]);
    // The new model's row with the old model's (stricter) mask is fine too.
    expect(checkStep(oldModel, newModel, BASE, ['a'], readable(seen(2, { email: sha256Hex('bob@example.org') })))).toEqual([]);
  });

  it('a row neither model shows is a leak on every column', () => {
    const v = checkStep(oldModel, newModel, BASE, ['a'], readable(seen(3, {})));
    expect(v.map((x) => x.column).sort()).toEqual(['email', 'id', 'phone', 'region']);
    expect(v[0]!.why).toContain('old: row hidden; new: row hidden');
  });

  it('a row no base row has, and a column no model has, are violations', () => {
    const ghost = { pk: '99', cells: { id: '99' } };
    expect(checkStep(oldModel, newModel, BASE, ['a'], readable(ghost))[0]!.why).toContain('cannot be identified');
    const extra = { pk: '2', cells: { ...seen(2, {}).cells, secret: 'x' } };
    const v = checkStep(oldModel, newModel, BASE, ['a'], readable(extra));
    expect(v.map((x) => x.column)).toEqual(['secret']);
  });
});

describe('exposure checker: stricter masks are allowed, looser ones are not', () => {
  const phone = '+44 20 7946 0123';
  const partial = (k: number) => applyMask('partial', { keep_last: k }, phone, 'string') as string;
  const both4 = [model({ phoneKeepLast: 4 }), model({ phoneKeepLast: 4 })] as const;
  const check = (value: string, models: readonly [Resolved, Resolved] = both4) => checkStep(models[0], models[1], BASE, ['a'], readable(seen(1, { phone: value })));

  it('accepts the model masking, a smaller keep_last, hash, redact and NULL', () => {
    for (const v of [partial(4), partial(3), partial(1), sha256Hex(phone), '', null]) expect(check(v as string), String(v)).toEqual([]);
  });

  it('refuses a larger keep_last, another middle method and the clear value', () => {
    expect(check(partial(5))[0]!.why).toContain('partial keep_last 4 gives XXXXX0123');
    // (email_domain of a phone without '@' is its hash, which is stricter: allowed.)
    expect(check(applyMask('email_domain', {}, phone, 'string') as string)).toEqual([]);
    const domain = model({ emailMask: 'email_domain' });
    const email = (v: string) => checkStep(domain, domain, BASE, ['a'], readable(seen(1, { email: v })));
    expect(email('XXXXX@example.com')).toEqual([]);
    expect(email(applyMask('partial', { keep_last: 4 }, 'ann@example.com', 'string') as string)[0]!.why).toContain('email_domain gives XXXXX@example.com');
    expect(check(phone)[0]!.why).toContain('it is the clear value');
  });

  it('during a keep_last change from 2 to 6, anything up to keep_last 6 passes, 7 does not', () => {
    const change = [model({ phoneKeepLast: 2 }), model({ phoneKeepLast: 6 })] as const;
    expect(check(partial(2), change)).toEqual([]);
    expect(check(partial(6), change)).toEqual([]);
    expect(check(partial(7), change)).toHaveLength(1);
  });

  it('allowedValues: clear allows every mask; nullify allows NULL only; hash allows redact', () => {
    const clear = allowedValues({ access: 'clear' }, phone, 'string');
    for (const v of [phone, partial(1), partial(16), sha256Hex(phone), '', 'NULL']) expect(clear.has(v), v).toBe(true);
    expect([...allowedValues({ access: 'nullify' }, phone, 'string')]).toEqual(['NULL']);
    expect([...allowedValues({ access: 'hash' }, phone, 'string')].sort()).toEqual(['', 'NULL', sha256Hex(phone)].sort());
    // A date column: year_only allows itself, redact and nullify, never hash (it does not accept dates).
    expect([...allowedValues({ access: 'year_only' }, '1990-06-15', 'date')].sort()).toEqual(['1970-01-01', '1990-01-01', 'NULL']);
  });
});

describe('exposure checker: readability', () => {
  const granted = model({ grants: ['a'] });
  const wider = model({ grants: ['a', 'b'] });

  it('readable by a principal neither model grants is one violation, whatever the rows', () => {
    const v = checkStep(granted, granted, BASE, ['outsider'], readable(seen(1, {}), seen(2, {})));
    expect(v).toHaveLength(1);
    expect(v[0]!.why).toContain('old and new grant no read');
  });

  it('not readable is never a violation (less access is safe); readable under either model is fine', () => {
    expect(checkStep(granted, wider, BASE, ['a'], { readable: false, rows: [] })).toEqual([]);
    expect(checkStep(granted, wider, BASE, ['b'], readable(seen(1, {})))).toEqual([]);
    expect(checkStep(wider, granted, BASE, ['b'], readable())).toEqual([]);
  });

  it('a first apply (old model: nothing) allows only what the new model allows', () => {
    expect(checkStep(null, granted, BASE, ['a'], readable(seen(1, {})))).toEqual([]);
    expect(checkStep(null, granted, BASE, ['b'], readable())).toHaveLength(1);
  });

  it('a pair of groups gets the union: a + b sees both regions, lead is exempt through member_of', () => {
    const filtered = model({ filter: 'region IN user.region', filterExempt: ['lead'] });
    expect(checkStep(filtered, filtered, BASE, ['a', 'b'], readable(seen(1, {}), seen(2, {})))).toEqual([]);
    expect(checkStep(filtered, filtered, BASE, ['a'], readable(seen(2, {})))).toHaveLength(4);
    expect(checkStep(filtered, filtered, BASE, ['lead'], readable(seen(1, {}), seen(2, {}), seen(3, {})))).toEqual([]);
  });

  it('groupsAndPairs: every group, then every pair', () => {
    expect(groupsAndPairs(['b', 'a', 'c'])).toEqual([['a'], ['b'], ['c'], ['a', 'b'], ['a', 'c'], ['b', 'c']]);
  });
});

describe('runExposureCheck with a scripted probe', () => {
  const before = model({ emailMask: 'hash', grants: ['a'] });
  const after = model({ grants: ['a', 'b'] });
  const hashedRows = () => BASE.rows.map((r) => seen(r.id as number, { email: r.email === null ? null : sha256Hex(String(r.email)) }));
  const clearRows = () => BASE.rows.map((r) => seen(r.id as number, {}));

  /** A fake engine: each statement switches what a and b (and any pair with b) see. */
  function scripted(states: Record<string, { a: Observation; b: Observation }>): ExposureProbe & { log: string[] } {
    let state = states['']!;
    const log: string[] = [];
    return {
      log,
      begin: async () => void log.push('begin'),
      clearRows: async () => BASE,
      execute: async (step) => {
        const sql = stepText(step);
        state = states[sql]!;
        log.push(sql);
      },
      observe: async (principals, tables) => principals.map((p) => tables.map(() => (p.includes('b') ? state.b : state.a))),
      end: async (ok) => void log.push(ok ? 'end ok' : 'end failed'),
    };
  }

  const none: Observation = { readable: false, rows: [] };

  it('counts (prefix, principal, table) triples and passes a safe order: unmask after granting', async () => {
    const statements = ['grant b', 'unmask'];
    const probe = scripted({ '': { a: readable(...hashedRows()), b: none }, 'grant b': { a: readable(...hashedRows()), b: readable(...hashedRows()) }, unmask: { a: readable(...clearRows()), b: readable(...clearRows()) } });
    const principals = [['a'], ['b']];
    const report = await runExposureCheck({ probe, oldResolved: before, newResolved: after, statements, principals });
    expect(report.violations.map(describeViolation)).toEqual([]);
    expect(report.checks).toBe(3 * 2 * 1);
    expect(report.readable).toBe(5);
    expect(probe.log).toEqual(['begin', 'grant b', 'unmask', 'end ok']);
  });

  it('reports the step and statement of a leak', async () => {
    // A grant to the outsider that is revoked again: after statement 1 the outsider reads a row.
    let step = 0;
    const probe: ExposureProbe = {
      begin: async () => undefined,
      clearRows: async () => BASE,
      execute: async () => void step++,
      observe: async (principals, tables) => principals.map((p) => tables.map(() => (p[0] !== 'outsider' ? readable(...clearRows()) : step === 1 ? readable(seen(1, {})) : none))),
      end: async () => undefined,
    };
    const statements = ['grant outsider', 'revoke outsider'];
    const report = await runExposureCheck({ probe, oldResolved: after, newResolved: after, statements, principals: [['a'], ['b'], ['outsider']] });
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]).toMatchObject({ kind: 'exposure', step: 1, sql: 'grant outsider', principal: ['outsider'] });
    expect(describeViolation(report.violations[0]!)).toContain('after step 1: grant outsider');
  });

  it('flags an end state that differs from the new model (a harness that saw nothing would fail here)', async () => {
    const probe = scripted({ '': { a: readable(...hashedRows()), b: none }, go: { a: readable(...hashedRows()), b: none } });
    const report = await runExposureCheck({ probe, oldResolved: before, newResolved: after, statements: ['go'], principals: [['a'], ['b']] });
    expect(report.violations.filter((v) => v.kind === 'exposure')).toEqual([]);
    const final = report.violations.filter((v) => v.kind === 'final-state');
    expect(final.some((v) => v.principal[0] === 'b' && v.why.includes('new model: readable, observed not readable'))).toBe(true);
    expect(final.some((v) => v.principal[0] === 'a' && v.column === 'email')).toBe(true);
  });

  it('a failing statement ends the run as failed and names its step', async () => {
    const probe = scripted({ '': { a: readable(...hashedRows()), b: none } });
    const failing: ExposureProbe & { log: string[] } = { ...probe, execute: async () => Promise.reject(new Error('boom')) };
    await expect(runExposureCheck({ probe: failing, oldResolved: before, newResolved: after, statements: ['bad'], principals: [['a']] })).rejects.toThrow(/step 1 of 1 failed: boom/);
    expect(probe.log).toEqual(['begin', 'end failed']);
  });
});
