import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '../../src/model/inventory.js';
import type { NeutralType } from '../../src/model/neutral-types.js';
import { policyType } from '../../src/targets/snowflake/mask.js';
import { createSimulator, type Simulator } from './snowflake-sim/index.js';

/**
 * The example on a simulated Snowflake account, as the Snowflake tests and the conformance
 * harness set it up: an account with a public warehouse `WH` and the applying user `MESHWARD`
 * (ACCOUNTADMIN), the example's tables with Snowflake types, and a copy of the example repository
 * with a `snowflake` target block `sf`.
 */

export const EXAMPLE_ROOT = join(import.meta.dirname, '..', '..', 'policies');

/** A Snowflake type for a neutral one (numbers with a scale, so the example's decimals survive; `other` as text). */
export const snowflakeTypeOf = (t: NeutralType): string => (t === 'number' ? 'NUMBER(38,4)' : t === 'other' ? 'VARCHAR' : policyType(t));

/** The example's inventory as a Snowflake account holds it: `other` columns read as text. */
export function exampleInventory(): Inventory {
  const pg = JSON.parse(readFileSync(join(EXAMPLE_ROOT, 'inventory.json'), 'utf8')) as Inventory;
  return { format: 1, tables: pg.tables.map((t) => ({ ...t, native: '', columns: t.columns.map((c) => (c.type === 'other' ? { ...c, type: 'string' as const } : c)).map((c) => ({ ...c, native_type: snowflakeTypeOf(c.type) })) })) };
}

/** An account with the warehouse and the applying user. */
export function snowflakeAccount(name = 'ACME'): Simulator {
  const sim = createSimulator({ account: name });
  sim.createWarehouse('WH', { public: true });
  sim.createUser('MESHWARD', { defaultRole: 'ACCOUNTADMIN', roles: ['ACCOUNTADMIN'], defaultWarehouse: 'WH' });
  return sim;
}

/** Creates the inventory's databases, schemas and tables (rows from `rowsOf`, none by default). */
export function seedTables(sim: Simulator, inventory: Inventory, rowsOf: (table: Inventory['tables'][number]) => Record<string, unknown>[] = () => []): void {
  for (const db of new Set(inventory.tables.map((t) => t.name.split('.')[0]!))) {
    sim.seedDatabase(db, { schemas: [...new Set(inventory.tables.filter((t) => t.name.startsWith(`${db}.`)).map((t) => t.name.split('.')[1]!))] });
  }
  for (const t of inventory.tables) {
    const [database, schema, name] = t.name.split('.') as [string, string, string];
    sim.seedTable({ database, schema, name, columns: t.columns.map((c) => ({ name: c.name, type: c.native_type })), rows: rowsOf(t) as never });
  }
}

/** A copy of the example repository whose first target is `sf: <block>` (YAML flow or block text); inventory.json left out. */
export function exampleRepo(block: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-sf-example-'));
  cpSync(EXAMPLE_ROOT, dir, { recursive: true });
  rmSync(join(dir, 'inventory.json'));
  writeFileSync(join(dir, 'meshward.yaml'), readFileSync(join(dir, 'meshward.yaml'), 'utf8').replace(/^targets:\n/m, `targets:\n  sf:${block}\n`));
  return dir;
}
