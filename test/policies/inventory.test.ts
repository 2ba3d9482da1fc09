import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Inventory } from '../../src/model/inventory.js';
import { generateExampleInventory, inventoryJson } from '../../src/targets/postgres/generate-example-inventory.js';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');

interface DomainDoc {
  kind: 'Domain';
  name: string;
  schemas: string[];
  tables?: Record<string, { tags?: Record<string, string>; columns?: Record<string, Record<string, string> | null> } | null>;
}
interface CatalogDoc {
  kind: 'TagCatalog';
  classifiers?: { tag: string; column?: string }[];
}

async function readYaml<T>(file: string): Promise<T> {
  return parse(await readFile(join(POLICIES, file), 'utf8')) as T;
}

async function domains(): Promise<DomainDoc[]> {
  const files = (await readdir(join(POLICIES, 'domains'))).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map((f) => readYaml<DomainDoc>(join('domains', f))));
}

describe('policies/inventory.json', () => {
  let generated: Inventory;
  let committed: Inventory;
  let declared: DomainDoc[];

  beforeAll(async () => {
    generated = await generateExampleInventory(POLICIES);
    committed = JSON.parse(await readFile(join(POLICIES, 'inventory.json'), 'utf8')) as Inventory;
    declared = await domains();
  });

  it('is exactly what warehouse/acme.sql produces (regenerate it with generate-example-inventory)', async () => {
    expect(committed).toEqual(generated);
    expect(await readFile(join(POLICIES, 'inventory.json'), 'utf8')).toBe(inventoryJson(generated));
  });

  it('holds every declared table with every tagged column', () => {
    const tables = new Map(generated.tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
    const missing: string[] = [];
    let count = 0;
    for (const d of declared) {
      for (const [table, decl] of Object.entries(d.tables ?? {})) {
        count++;
        const columns = tables.get(table);
        if (!columns) {
          missing.push(table);
          continue;
        }
        for (const column of Object.keys(decl?.columns ?? {})) if (!columns.has(column)) missing.push(`${table}.${column}`);
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThanOrEqual(12);
  });

  it('leaves exactly the two deliberate ungoverned tables in the territories', () => {
    const governed = new Set(declared.flatMap((d) => Object.keys(d.tables ?? {})));
    const territories = new Set(declared.flatMap((d) => d.schemas));
    const ungoverned = generated.tables
      .map((t) => t.name)
      .filter((n) => territories.has(n.split('.').slice(0, 2).join('.')) && !governed.has(n));
    expect(ungoverned).toEqual(['analytics.hr.legacy_badge_export', 'analytics.sales.tmp_order_import']);
  });

  it('tags every governed column a classifier matches by name (no classifier warning)', async () => {
    const catalog = await readYaml<CatalogDoc>('catalog.yaml');
    const byTable = new Map(generated.tables.map((t) => [t.name, t]));
    const untagged: string[] = [];
    for (const c of catalog.classifiers ?? []) {
      if (!c.column) continue;
      const re = c.column.startsWith('(?i)') ? new RegExp(c.column.slice(4), 'iu') : new RegExp(c.column, 'u');
      const key = c.tag.split('=')[0];
      for (const d of declared) {
        for (const [table, decl] of Object.entries(d.tables ?? {})) {
          for (const column of byTable.get(table)?.columns ?? []) {
            if (re.test(column.name) && !(key in (decl?.columns?.[column.name] ?? {}))) untagged.push(`${table}.${column.name} (${c.tag})`);
          }
        }
      }
    }
    expect(untagged).toEqual([]);
  });
});
