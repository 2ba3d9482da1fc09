import type { Diagnostics } from '../diagnostics.js';
import type { Model, Policy } from '../../model/types.js';
import { nameKey, splitName } from '../../resolve/names.js';

/**
 * Federated guard rails: a domain governs only its own territory and can add protection, never
 * remove it. Exemptions from or overrides of global policies live in GlobalPolicies only.
 */
export function checkFederation(model: Model, diags: Diagnostics): void {
  const claims = new Map<string, { domain: string; at: { file: string; line: number; col: number } }>();
  for (const d of model.domains) {
    for (const s of d.schemas) {
      const parts = splitName(s.name);
      if (!parts || parts.length !== 2 || parts.includes('*')) {
        diags.error('bad-schema-name', `'${s.name}' is not a database.schema name`, s.at, 'write database.schema, e.g. analytics.sales');
        continue;
      }
      const key = nameKey(parts);
      const first = claims.get(key);
      if (first && first.domain !== d.name) {
        diags.error('schema-claimed-twice', `schema ${s.name} is claimed by domains '${first.domain}' and '${d.name}'`, s.at, `one schema belongs to one domain; remove it from '${d.name}' or from '${first.domain}' (${first.at.file}:${first.at.line}:${first.at.col})`);
      } else claims.set(key, { domain: d.name, at: s.at });
    }
    for (const r of d.refusedKeys) {
      diags.error('domain-exempts-global', `domain '${d.name}' cannot exempt from or override global policies ('${r.key}')`, r.at, 'exemptions from global policies are declared in GlobalPolicies by the central team; remove this key');
    }
  }

  const globalNames = new Map(model.globalPolicies.map((p) => [p.name, p]));
  const seen = new Map<string, Policy>();
  for (const p of [...model.globalPolicies, ...model.domains.flatMap((d) => d.policies)]) {
    const first = seen.get(p.name);
    if (p.scope === 'domain' && globalNames.has(p.name)) {
      const g = globalNames.get(p.name)!;
      diags.error('shadows-global', `domain policy '${p.name}' is named like the global policy at ${g.at.file}:${g.at.line}:${g.at.col}`, p.at, 'a domain can add masks, never replace a global one; choose another name');
    } else if (first) {
      diags.error('duplicate-policy', `policy name '${p.name}' is used twice (first at ${first.at.file}:${first.at.line}:${first.at.col})`, p.at, 'policy names are unique across the repository');
    }
    if (!first) seen.set(p.name, p);
    for (const r of p.refusedKeys) {
      if (p.scope === 'domain') {
        diags.error('domain-exempts-global', `domain policy '${p.name}' cannot ${r.key === 'exempt_from' ? 'exempt from' : 'override'} ${JSON.stringify(r.value)}`, r.at, 'a domain can add masks and filters, never exempt from or override a global one; remove this key');
      } else {
        diags.error('unsupported-key', `'${r.key}' is not supported`, r.at, "use 'exempt: [groups]' inside mask or row_filter");
      }
    }
  }
  checkPostgresLabels(model, diags);
}

/** A PostgreSQL target serves one neutral database label: tables must agree on it. */
function checkPostgresLabels(model: Model, diags: Diagnostics): void {
  const pgTargets = model.project.targets.filter((t) => t.type === 'postgres');
  if (pgTargets.length === 0) return;
  const tables = model.domains.flatMap((d) => d.tables);
  for (const target of pgTargets) {
    const label = target.settings.database as string | undefined;
    let first: { db: string; at: { file: string; line: number; col: number } } | undefined;
    const reported = new Set<string>(); // once per extra label, at its first table
    for (const t of tables) {
      const db = splitName(t.name)?.[0];
      if (db === undefined) continue;
      if (label !== undefined) {
        if (db.toLowerCase() !== label.toLowerCase()) {
          diags.error('pg-database-label', `table ${t.name} is in database '${db}', but PostgreSQL target '${target.name}' serves '${label}'`, t.at, `name it ${label}.… or give it a target of its own`);
        }
      } else if (!first) first = { db, at: t.at };
      else if (first.db.toLowerCase() !== db.toLowerCase() && !reported.has(db.toLowerCase())) {
        reported.add(db.toLowerCase());
        diags.error('pg-database-label', `PostgreSQL target '${target.name}' would serve two database labels: '${first.db}' (${first.at.file}:${first.at.line}:${first.at.col}) and '${db}'`, t.at, `use one label for every table, or set 'database:' on the target`);
      }
    }
  }
}
