import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRepository } from '../../bench/generate.js';
import { nameKey, splitName } from '../../src/resolve/names.js';
import { matchesTags } from '../../src/resolve/selectors.js';
import { validateRepository } from '../../src/validate.js';

/**
 * resolve() looks only at the columns and tables carrying a selector's first tag key (an index
 * built once): what it reaches must be exactly what matching every column and table of the
 * policy's territory reaches.
 */
describe('tag selectors (resolve)', () => {
  it('reach exactly the columns and tables that match, in the policy territory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshward-tag-selectors-'));
    try {
      generateRepository(dir, 120, 6, 4);
      const result = validateRepository({ dir });
      expect(result.diagnostics.errors).toEqual([]);
      const resolved = result.resolved!;
      const model = resolved.model;
      const territory = new Map(model.domains.map((d) => [d.name, new Set(d.schemas.map((s) => nameKey(splitName(s.name) ?? [])))]));
      const policies = [...model.globalPolicies, ...model.domains.flatMap((d) => d.policies)];
      const inScope = (domain: string | undefined, schemaKey: string) => domain === undefined || (territory.get(domain)?.has(schemaKey) ?? false);
      let masked = 0;
      let filtered = 0;
      for (const p of policies) {
        const spec = p.spec;
        if (spec.kind === 'mask' && spec.tags && !spec.columns?.length) {
          for (const t of resolved.tables) {
            for (const c of t.table.columns) {
              const expected = inScope(p.domain, t.table.schemaKey) && matchesTags(c.tags, spec.tags, model.catalog);
              const got = (t.masks.get(c.key) ?? []).some((m) => m.policy === p);
              expect(got, `${p.name} on ${t.table.name}.${c.name}`).toBe(expected);
              if (got) masked++;
            }
          }
        }
        if (spec.kind !== 'mask' && spec.tablesTagged && !spec.tables?.length) {
          for (const t of resolved.tables) {
            const expected = inScope(p.domain, t.table.schemaKey) && matchesTags(t.table.tags, spec.tablesTagged, model.catalog);
            const got = t.filters.some((f) => f.policy === p);
            expect(got, `${p.name} on ${t.table.name}`).toBe(expected);
            if (got) filtered++;
          }
        }
      }
      expect(masked).toBeGreaterThan(0);
      expect(filtered).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
