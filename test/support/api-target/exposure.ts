import { applyMask, type MaskMethod } from '../../../src/resolve/mask-methods.js';
import { keyText, normalizeValue, type BaseRows, type ExposureProbe, type Observation } from '../../../src/safety/exposure.js';
import { accountNamed, dropAccount, enc, handle, resetAccount, type Account, type SeedTable } from './service.js';

/**
 * The exposure-window harness on the api-test target (issue 11, item 3): an engine without
 * transactions, so every step is a state readers see. `begin` copies the account into a scratch
 * one, `execute` sends each plan step there, and `observe` evaluates what a principal (a group, a
 * pair) sees through the account's live resources — a table is readable through a grant to one of
 * its groups, a masked column shows the mask's output unless one of its groups is exempt — over
 * seeded sample rows. The checker (src/safety) is the same one PostgreSQL's real queries feed.
 */
export function apiExposureProbe(accountName: string): ExposureProbe {
  let scratch: Account | undefined;
  const live = () => scratch ?? (() => { throw new Error('the probe has not begun'); })();
  return {
    async begin() {
      const source = accountNamed(accountName);
      if (!source) throw new Error(`no account ${accountName}`);
      scratch = resetAccount(`${accountName}-exposure-${Math.random().toString(36).slice(2)}`, { tables: [...source.tables.values()] });
      for (const [path, r] of source.resources) scratch.resources.set(path, r);
      scratch.counter = source.counter;
    },
    clearRows: async (table) => baseRows(live().tables.get(table) ?? missing(table)),
    async execute(step) {
      if (step.kind !== 'api') throw new Error('the api-test target takes no SQL');
      handle(live(), step);
    },
    observe: async (principals, tables) => principals.map((groups) => tables.map((t) => observe(live(), groups, baseRows(live().tables.get(t) ?? missing(t))))),
    async end() {
      if (scratch) dropAccount(scratch.name);
      scratch = undefined;
    },
  };
}

function missing(table: string): never {
  throw new Error(`the account has no table ${table}`);
}

/** Three deterministic rows per table; the first column is the key. */
function baseRows(t: SeedTable): BaseRows {
  const rows = [1, 2, 3].map((i) => Object.fromEntries(t.columns.map((c, k) => [c.name, k === 0 ? i : c.type === 'number' ? i * 10 + k : `${c.name}-${i}@x${k}.example`])));
  return { table: t.name, pk: [t.columns[0]!.name], types: new Map(t.columns.map((c) => [c.name, c.type])), rows };
}

function observe(a: Account, groups: readonly string[], base: BaseRows): Observation {
  const readable = groups.some((g) => a.resources.has(`v1/tables/${enc(base.table)}/grants/${enc(g)}`));
  if (!readable) return { readable: false, rows: [] };
  const rows = base.rows.map((row) => {
    const cells: Record<string, string> = {};
    for (const [column, type] of base.types) {
      const mask = a.resources.get(`v1/tables/${enc(base.table)}/masks/${enc(column)}`)?.body;
      const exempt = Array.isArray(mask?.exempt) && groups.some((g) => (mask!.exempt as string[]).includes(g));
      const value = mask && !exempt ? applyMask(mask.method as MaskMethod, { keep_last: mask.keep_last as number | undefined }, row[column], type) : row[column];
      cells[column] = normalizeValue(value, type);
    }
    return { pk: keyText(cells, base.pk), cells };
  });
  return { readable: true, rows };
}
