import type { SourcePos } from '../model/neutral-types.js';
import type { NeutralType } from '../model/neutral-types.js';
import type { AccessTest } from '../model/types.js';
import { columnsOf, evaluate, ExprValueError } from '../model/expr/index.js';
import { isScalarType, toValue } from '../model/expr/value.js';
import { tableAccess, type TableAccess } from '../resolve/access.js';
import type { Resolved } from '../resolve/resolve.js';

/** One failed expectation of an access test, positioned at what was expected. */
export interface TestFailure {
  readonly at: SourcePos;
  readonly message: string;
}

export interface TestOutcome {
  readonly test: AccessTest;
  readonly label: string;
  readonly failures: readonly TestFailure[];
}

/** Checks every AccessTests case against the resolver (the model's promise). */
export function checkAccessTests(resolved: Resolved): TestOutcome[] {
  return resolved.model.accessTests.map((test) => ({ test, label: label(test), failures: checkOne(resolved, test) }));
}

export function label(test: AccessTest): string {
  return test.name ?? `${test.groups.map((g) => g.name).join(' + ')} on ${test.table.name}`;
}

function checkOne(resolved: Resolved, test: AccessTest): TestFailure[] {
  const table = resolved.table(test.table.name);
  if (!table) return [{ at: test.table.at, message: `'${test.table.name}' is not a governed table` }];
  const unknown = test.groups.filter((g) => !resolved.model.groups.has(g.name));
  if (unknown.length) return unknown.map((g) => ({ at: g.at, message: `unknown group '${g.name}'` }));
  const access = tableAccess(table, resolved.principals.principal(test.groups.map((g) => g.name)));
  const failures: TestFailure[] = [];
  if (test.readable !== undefined && test.readable !== access.readable) {
    failures.push({ at: test.at, message: `expected ${test.readable ? 'readable' : 'not readable'}, but it is ${access.readable ? 'readable' : 'not readable'}` });
  }
  for (const c of test.columns) {
    const got = access.columns.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
    if (!got) {
      failures.push({ at: c.at, message: `column '${c.name}' is not known for ${table.table.name}` });
      continue;
    }
    const ok = c.expect === 'masked' ? got.access !== 'clear' : c.expect === got.access;
    if (!ok) failures.push({ at: c.at, message: `column ${c.name}: expected ${c.expect}, got ${got.access}${got.winners[0] ? ` (policy ${got.winners[0].policy.name})` : ''}` });
  }
  for (const r of test.rows) {
    const visible = rowVisible(access, r.row);
    if (typeof visible === 'string') failures.push({ at: r.at, message: visible });
    else if (visible !== r.visible) {
      const why = !access.readable ? 'the table is not readable' : `row predicate: ${access.filters.map((f) => f.candidate.policy.name).join(' AND ') || 'none'}`;
      failures.push({ at: r.at, message: `sample row ${JSON.stringify(r.row)}: expected ${r.visible ? 'visible' : 'hidden'}, got ${visible ? 'visible' : 'hidden'} (${why})` });
    }
  }
  return failures;
}

/** Visible iff readable and every applied filter is TRUE; a string when the row lacks a column. */
export function rowVisible(access: TableAccess, row: Readonly<Record<string, unknown>>): boolean | string {
  const types = new Map<string, NeutralType>();
  for (const c of access.table.table.columns) if (c.type) types.set(c.key, c.type);
  const keys = new Set(Object.keys(row).map((k) => k.toLowerCase()));
  for (const f of access.filters) {
    const missing = columnsOf(f.candidate.expr).filter((c) => !keys.has(c.toLowerCase()));
    if (missing.length) return `sample row lacks ${missing.map((m) => `'${m}'`).join(', ')}, read by filter ${f.candidate.policy.name}; add it to the row`;
  }
  for (const [name, raw] of Object.entries(row)) {
    const type = types.get(name.toLowerCase());
    if (type === undefined && access.table.table.inInventory) return `sample row names '${name}', which ${access.table.table.name} does not have`;
    if (type !== undefined && isScalarType(type) && toValue(raw, type) === undefined) return `sample row ${JSON.stringify(row)}: ${JSON.stringify(raw)} is not a ${type} (column ${name})`;
  }
  if (!access.readable) return false;
  const principal = { attributes: access.principal.attributes, groups: access.principal.closure };
  try {
    return access.filters.every((f) => evaluate(f.candidate.expr, row as Record<string, unknown>, principal, types) === true);
  } catch (e) {
    if (e instanceof ExprValueError) return `sample row ${JSON.stringify(row)}: ${e.message}`;
    throw e;
  }
}
