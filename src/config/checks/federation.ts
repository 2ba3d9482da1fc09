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
}
