import { withSession } from './session.js';

/** `meshward inventory --target T > inventory.json`: tables, columns and types, format 1. */
export async function inventoryCommand(options: { dir: string; target?: string }): Promise<void> {
  const inventory = await withSession({ dir: options.dir, target: options.target, connectOnly: true }, (s) => s.target.readInventory(s.conn, s.ctx));
  process.stdout.write(JSON.stringify(inventory, null, 2) + '\n');
}
