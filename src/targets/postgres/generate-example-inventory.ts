/**
 * Regenerates `policies/inventory.json` from the example warehouse: loads the `local` target's
 * bootstrap SQL (policies/warehouse/acme.sql) into a fresh in-memory PGlite and prints the
 * inventory, 2-space JSON with a trailing newline.
 *
 *   npm run build && node dist/src/targets/postgres/generate-example-inventory.js [policies] > policies/inventory.json
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { parse } from 'yaml';
import type { Inventory } from '../../model/inventory.js';
import { readInventory } from './inventory.js';

interface LocalTarget {
  readonly bootstrap: readonly string[];
  readonly database: string;
  readonly managedPrefix: string;
}

/** The `local` target of the example project: its bootstrap files and its database label. */
async function localTarget(policiesDir: string): Promise<LocalTarget> {
  const project = parse(await readFile(resolve(policiesDir, 'meshward.yaml'), 'utf8')) as {
    managed_prefix?: string;
    targets?: Record<string, { bootstrap?: string | string[]; database?: string }>;
  };
  const local = project.targets?.local;
  if (!local?.bootstrap) throw new Error(`${policiesDir}/meshward.yaml: targets.local.bootstrap is not set`);
  const files = Array.isArray(local.bootstrap) ? local.bootstrap : [local.bootstrap];
  return {
    bootstrap: files.map((f) => resolve(policiesDir, f)),
    database: local.database ?? 'analytics',
    managedPrefix: project.managed_prefix ?? 'mw_',
  };
}

/** The inventory of the example warehouse, as `meshward inventory --target local` would read it. */
export async function generateExampleInventory(policiesDir: string): Promise<Inventory> {
  const target = await localTarget(policiesDir);
  const db = await PGlite.create();
  try {
    for (const file of target.bootstrap) {
      try {
        await db.exec(await readFile(file, 'utf8'));
      } catch (e) {
        // The error object carries the whole script text: report only its message.
        throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return await readInventory((sql, params) => db.query(sql, params), {
      database: target.database,
      excludeSchemaPrefix: target.managedPrefix,
    });
  } finally {
    await db.close();
  }
}

/** The exact text of `inventory.json`. */
export function inventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  generateExampleInventory(process.argv[2] ?? 'policies').then(
    (inventory) => process.stdout.write(inventoryJson(inventory)),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
