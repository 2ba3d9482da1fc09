import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { Diagnostics } from './config/diagnostics.js';
import { checkFederation } from './config/checks/federation.js';
import { checkReferences } from './config/checks/references.js';
import { loadFromFiles, loadRepository, type PolicyFile } from './config/load.js';
import { parseInventory } from './config/inventory.js';
import type { Inventory } from './model/inventory.js';
import type { Model } from './model/types.js';
import { resolve, type Resolved } from './resolve/resolve.js';
import { resolvedWarnings } from './resolve/warnings.js';
import { targetFor } from './targets/index.js';

export interface ValidationResult {
  readonly root: string;
  readonly model?: Model;
  readonly inventory?: Inventory;
  readonly inventoryFile?: string;
  readonly resolved?: Resolved;
  readonly diagnostics: Diagnostics;
}

export interface ValidateOptions {
  readonly dir: string;
  /** In-memory files instead of reading `dir` (tests); `inventory` is then taken as given. */
  readonly files?: readonly PolicyFile[];
  readonly inventoryValue?: Inventory;
  /** `--inventory FILE`; else inventory.json beside meshward.yaml. */
  readonly inventory?: string;
}

/** load -> cross-check -> resolve -> warnings: everything `validate` does, without printing. */
export function validateRepository(options: ValidateOptions): ValidationResult {
  const loaded = options.files ? loadFromFiles(options.dir, options.files) : loadRepository(options.dir);
  if (!loaded.model) return { root: loaded.root, diagnostics: loaded.diagnostics };
  const diags = loaded.diagnostics;
  const inventoryFile = options.inventory ? resolvePath(options.inventory) : join(loaded.root, 'inventory.json');
  let inventory: Inventory | undefined = options.inventoryValue;
  if (!inventory && !options.files && (options.inventory || existsSync(inventoryFile))) {
    inventory = parseInventory(inventoryFile, readFileIfAny(inventoryFile, diags), diags);
  }
  if (!inventory && !diags.items.some((d) => d.code.startsWith('inventory'))) {
    diags.warn('no-inventory', 'no inventory: column names and types are not checked', undefined, `pass --inventory FILE, or write ${join(loaded.root, 'inventory.json')} with 'meshward inventory --target T'`);
  }
  const result = checkModel(loaded.root, loaded.model, inventory, diags);
  return { ...result, inventoryFile: inventory && !options.inventoryValue ? inventoryFile : undefined };
}

/** Cross-checks, resolution and warnings of a loaded model against an inventory (if any). */
export function checkModel(root: string, model: Model, inventory: Inventory | undefined, diags: Diagnostics): ValidationResult {
  checkReferences(model, diags);
  checkFederation(model, diags);
  for (const decl of model.project.targets) targetFor(decl.type)?.checkSettings?.(decl, model, diags);
  const resolved = resolve(model, inventory, diags);
  resolvedWarnings(resolved, inventory, diags);
  return { root, model, inventory, resolved, diagnostics: diags };
}

function readFileIfAny(file: string, diags: Diagnostics): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    diags.error('inventory-unreadable', `cannot read inventory ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, 'check the --inventory path');
    return undefined;
  }
}

export { Diagnostics };
