import type { NeutralType } from '../model/neutral-types.js';
import type { AccessTest } from '../model/types.js';
import { tableAccess } from '../resolve/access.js';
import { applyMask, type MaskMethod } from '../resolve/mask-methods.js';
import type { Resolved } from '../resolve/resolve.js';
import type { LiveProbe } from '../targets/target.js';
import type { TestFailure } from './check.js';
import { label, type TestOutcome } from './check.js';

/**
 * AccessTests against the live engine: readability and column methods by querying what consumers
 * query as the group(s); sample rows by the engine's own predicate over the sample values.
 */
export async function checkAccessTestsLive(resolved: Resolved, probe: LiveProbe): Promise<TestOutcome[]> {
  const out: TestOutcome[] = [];
  for (const test of resolved.model.accessTests) out.push({ test, label: label(test), failures: await checkOne(resolved, probe, test) });
  return out;
}

async function checkOne(resolved: Resolved, probe: LiveProbe, test: AccessTest): Promise<TestFailure[]> {
  const normalize = (value: unknown, type: NeutralType) => probe.text(value, type);
  const table = resolved.table(test.table.name);
  if (!table) return [{ at: test.table.at, message: `'${test.table.name}' is not a governed table` }];
  const groups = test.groups.map((g) => g.name);
  const failures: TestFailure[] = [];
  const live = await probe.observe(table, groups);
  if (test.readable !== undefined && test.readable !== live.readable) {
    failures.push({ at: test.at, message: `live: expected ${test.readable ? 'readable' : 'not readable'}, but querying as ${groups.join(' + ')} ${live.readable ? 'returned rows' : 'was denied'}` });
  }
  if (live.readable && test.columns.length) {
    // Parameters (keep_last) come from the model: the test names the method, the model its setting.
    const model = tableAccess(table, resolved.principals.principal(groups));
    for (const c of test.columns) {
      const column = table.table.columns.find((x) => x.key === c.name.toLowerCase());
      if (!column) continue;
      const type: NeutralType = column.type ?? 'other';
      const keepLast = model.columns.find((x) => x.name === column.name)?.keepLast;
      const rows = live.rows.filter((r) => r.clear[column.name] !== null && r.clear[column.name] !== undefined);
      if (rows.length === 0) continue; // nothing visible to judge by; the model check covers it
      const bad = rows.find((r) => !matches(c.expect, normalize(r.seen[column.name], type), r.clear[column.name], type, keepLast, normalize));
      if (bad) {
        failures.push({ at: c.at, message: `live: column ${c.name} expected ${c.expect}, but a row shows ${normalize(bad.seen[column.name], type)} for clear ${normalize(bad.clear[column.name], type)}` });
      }
    }
  }
  if (test.rows.length) {
    const visible = await probe.sampleVisible(table, groups, test.rows.map((r) => r.row));
    test.rows.forEach((r, i) => {
      const seen = live.readable && visible[i]!;
      if (seen !== r.visible) failures.push({ at: r.at, message: `live: sample row ${JSON.stringify(r.row)} expected ${r.visible ? 'visible' : 'hidden'}, the engine says ${seen ? 'visible' : 'hidden'}` });
    });
  }
  return failures;
}

function matches(expect: MaskMethod | 'clear' | 'masked', seen: string, clear: unknown, type: NeutralType, keepLast: number | undefined, normalize: (value: unknown, type: NeutralType) => string): boolean {
  const clearText = normalize(clear, type);
  if (expect === 'clear') return seen === clearText;
  if (expect === 'masked') return seen !== clearText;
  return seen === normalize(applyMask(expect, { keep_last: keepLast }, clear, type), type);
}
