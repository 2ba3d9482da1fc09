import type { Diagnostics } from '../config/diagnostics.js';
import { compileClassifierRegex } from '../config/checks/references.js';
import type { Inventory } from '../model/inventory.js';
import { strictnessRank } from './mask-methods.js';
import { nameKey, splitName } from './names.js';
import type { Resolved, ResolvedTable } from './resolve.js';

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
    bySchema.set(schemaKey, [...(bySchema.get(schemaKey) ?? []), { name: t.name, key: nameKey(parts) }]);
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

/**
 * Two groups that can both read a table and whose waived filters are incomparable together see
 * rows neither sees alone. Tables are grouped by their filter set so the pair scan runs once per
 * distinct set, not once per table.
 */
function pairWaivers(resolved: Resolved, diags: Diagnostics): void {
  const bySignature = new Map<string, ResolvedTable[]>();
  for (const r of resolved.tables) {
    if (r.filters.length < 2) continue;
    const sig = r.filters.map((f) => f.policy.name).join('\u0000') + '|' + r.grants.map((g) => g.group).join(',');
    const list = bySignature.get(sig) ?? [];
    list.push(r);
    bySignature.set(sig, list);
  }
  const groups = [...resolved.model.groups.keys()].sort();
  for (const tables of bySignature.values()) {
    const r = tables[0]!;
    const readers = groups.filter((g) => r.grants.some((gr) => resolved.principals.closureOf(g).has(gr.group)));
    const waived = new Map(readers.map((g) => {
      const closure = resolved.principals.closureOf(g);
      return [g, new Set(r.filters.filter((f) => f.exempt.some((e) => closure.has(e))).map((f) => f.policy.name))] as const;
    }));
    for (let i = 0; i < readers.length; i++) {
      for (let j = i + 1; j < readers.length; j++) {
        const a = waived.get(readers[i]!)!;
        const b = waived.get(readers[j]!)!;
        if ([...a].some((x) => !b.has(x)) && [...b].some((x) => !a.has(x))) {
          const names = tables.map((t) => t.table.name).join(', ');
          diags.warn('pair-waives-more', `groups '${readers[i]}' and '${readers[j]}' together waive ${[...new Set([...a, ...b])].sort().join(' and ')} on ${names}: a person in both sees rows neither sees alone`, r.table.decl.at, 'if that is not intended, exempt one group from both filters or neither');
        }
      }
    }
  }
}
