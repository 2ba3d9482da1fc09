import type { Diagnostics } from '../config/diagnostics.js';
import { compileClassifierRegex } from '../config/checks/references.js';
import type { Inventory } from '../model/inventory.js';
import { strictnessRank } from './mask-methods.js';
import { push } from './governed.js';
import { nameKey, splitName } from './names.js';
import type { FilterCandidate, Resolved, ResolvedTable } from './resolve.js';

/** Advisory findings over the resolved model (exit 0, shown). */
export function resolvedWarnings(resolved: Resolved, inventory: Inventory | undefined, diags: Diagnostics): void {
  if (inventory) ungovernedInTerritory(resolved, inventory, diags);
  unTaggedClassifierMatches(resolved, diags);
  middleTierMeetings(resolved, diags);
  pairWaivers(resolved, diags);
}

function ungovernedInTerritory(resolved: Resolved, inventory: Inventory, diags: Diagnostics): void {
  const governed = new Set(resolved.tables.map((t) => t.table.key));
  const bySchema = new Map<string, { name: string; key: string }[]>();
  for (const t of inventory.tables) {
    const parts = splitName(t.name);
    if (!parts || parts.length !== 3) continue;
    const schemaKey = nameKey(parts.slice(0, 2));
    push(bySchema, schemaKey, { name: t.name, key: nameKey(parts) });
  }
  for (const d of resolved.model.domains) {
    for (const s of d.schemas) {
      for (const t of bySchema.get(nameKey(splitName(s.name) ?? [])) ?? []) {
        if (governed.has(t.key)) continue;
        diags.warn('ungoverned-table', `${t.name} is in the territory of domain '${d.name}' but not governed`, s.at, `declare it under tables: in domain '${d.name}' to grant it (an empty {} entry is fine)`);
      }
    }
  }
}

function unTaggedClassifierMatches(resolved: Resolved, diags: Diagnostics): void {
  const strict = resolved.model.project.strict;
  for (const c of resolved.model.catalog.classifiers) {
    if (c.column === undefined) continue;
    let re: RegExp;
    try {
      re = compileClassifierRegex(c.column);
    } catch {
      continue; // reported by the reference checks
    }
    for (const r of resolved.tables) {
      for (const col of r.table.columns) {
        if (!re.test(col.name) || col.tags.has(c.tag)) continue;
        const message = `${r.table.name}.${col.name} looks like ${c.tag}=${c.value} (classifier at ${c.at.file}:${c.at.line}:${c.at.col}) but carries no '${c.tag}' tag`;
        const at = col.declaredAt ?? r.table.decl.at;
        const hint = `tag it under tables: ${r.table.decl.name}: columns: ${col.name}: { ${c.tag}: ${c.value} }`;
        if (strict) diags.error('classifier-untagged', message, at, hint);
        else diags.warn('classifier-untagged', message, at, hint);
      }
    }
  }
}

function middleTierMeetings(resolved: Resolved, diags: Diagnostics): void {
  for (const r of resolved.tables) {
    for (const [key, masks] of r.masks) {
      const middle = masks.filter((m) => strictnessRank(m.method) === strictnessRank('partial'));
      const methods = [...new Set(middle.map((m) => m.method))].sort();
      if (methods.length < 2) continue;
      const name = r.columns.find((c) => c.key === key)?.name ?? key;
      const names = middle.map((m) => `${m.policy.name} (${m.method})`).join(' and ');
      diags.warn('middle-masks-meet', `${names} meet on ${r.table.name}.${name}: it resolves to hash for whoever both reach`, middle[1]!.policy.at, 'choose one method for the column, or make one policy stricter on purpose');
    }
  }
}

/** Work done by the last pair-of-waivers pass, so a test can pin its complexity without timing. */
export const pairWaiverWork = { readerSteps: 0, classComparisons: 0 };

/**
 * Two groups that can both read a table and whose waived filters are incomparable together see
 * rows neither sees alone. Tables are grouped by their filter set so the scan runs once per
 * distinct set, not once per table. Readers come from the inverse of member_of (who inherits each
 * granted or exempt group), and readers waiving the same filters form one class: the pairs are
 * compared per class, so the pass is linear in readers × filters plus classes², never readers²
 * (120k groups under one reader group are one class). A class of several groups is named by its
 * first group and the others ("or any of …"), so one warning stands for every pair it covers.
 */
function pairWaivers(resolved: Resolved, diags: Diagnostics): void {
  pairWaiverWork.readerSteps = 0;
  pairWaiverWork.classComparisons = 0;
  const bySignature = new Map<string, ResolvedTable[]>();
  for (const r of resolved.tables) {
    if (r.filters.length < 2) continue;
    const sig = r.filters.map((f) => f.policy.name).join('\u0000') + '|' + r.grants.map((g) => g.group).join(',');
    const list = bySignature.get(sig) ?? [];
    list.push(r);
    bySignature.set(sig, list);
  }
  const principals = resolved.principals;
  const exemptOf = new Map<FilterCandidate, ReadonlySet<string>>();
  const exempted = (f: FilterCandidate): ReadonlySet<string> => {
    let set = exemptOf.get(f);
    if (set) return set;
    const out = new Set<string>();
    for (const e of f.exempt) for (const g of principals.inheritorsOf(e)) out.add(g);
    exemptOf.set(f, (set = out));
    return set;
  };
  for (const tables of bySignature.values()) {
    const r = tables[0]!;
    const readerSet = new Set<string>();
    for (const gr of r.grants) for (const g of principals.inheritorsOf(gr.group)) readerSet.add(g);
    const exempt = r.filters.map(exempted);
    // Classes in the order of their first reader (readers sorted as before).
    const classes = new Map<string, { members: string[]; waived: ReadonlySet<string> }>();
    for (const g of [...readerSet].sort()) {
      pairWaiverWork.readerSteps += r.filters.length;
      const waived = new Set(r.filters.filter((_, i) => exempt[i]!.has(g)).map((f) => f.policy.name));
      const key = [...waived].sort().join('\u0000');
      const c = classes.get(key);
      if (c) c.members.push(g);
      else classes.set(key, { members: [g], waived });
    }
    const list = [...classes.values()];
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        pairWaiverWork.classComparisons++;
        const a = list[i]!.waived;
        const b = list[j]!.waived;
        if ([...a].some((x) => !b.has(x)) && [...b].some((x) => !a.has(x))) {
          const names = tables.map((t) => t.table.name).join(', ');
          diags.warn('pair-waives-more', `groups ${classLabel(list[i]!.members)} and ${classLabel(list[j]!.members)} together waive ${[...new Set([...a, ...b])].sort().join(' and ')} on ${names}: a person in both sees rows neither sees alone`, r.table.decl.at, 'if that is not intended, exempt one group from both filters or neither');
        }
      }
    }
  }
}

/** `'a'`, or `'a' (or any of 'b', 'c', 'd' and 7 more with the same waivers)` for a class. */
function classLabel(members: readonly string[]): string {
  const first = `'${members[0]}'`;
  if (members.length === 1) return first;
  const shown = members.slice(1, 4).map((m) => `'${m}'`).join(', ');
  const more = members.length - 4;
  return `${first} (or any of ${shown}${more > 0 ? ` and ${more} more` : ''} with the same waivers)`;
}
