import type { Target, TargetContext, Connection } from '../target.js';
import type { Inventory } from '../../model/inventory.js';
import { postgresLocks } from './budget.js';
import { compile } from './compile.js';
import { checkPostgresSettings } from './config-check.js';
import { postgresAudit } from './audit.js';
import { connect, embeddedDir } from './connect.js';
import { postgresErrors } from './errors.js';
import { postgresTransactions } from './transactions.js';
import { drift } from './drift.js';
import { postgresAccess } from './hazards.js';
import { importEstate } from './import.js';
import { introspect } from './introspect.js';
import { readInventory } from './inventory.js';
import { postgresProbe } from './live.js';
import { postgresApplyLock, unlockServer } from './lock.js';
import { unlockFile } from '../../state/lock-file.js';
import { asPrincipal } from './probe.js';
import { rewriteNeutralNames, runAsPrincipal } from './query-sandbox.js';
import { joinClass, joinFloor, renderJoined } from './join.js';
import { render } from './render.js';
import { recordState } from './state.js';
import { postgresStamps } from './stamp.js';
import { revokeFinding } from './unmanaged.js';
import { sqlSteps } from '../../plan/step.js';
import { namesForResolved } from './native-names.js';
import { qualified } from './objects.js';

/** The neutral database label this target serves: `database:`, else the governed tables' label. */
export function databaseLabel(ctx: TargetContext): string {
  const configured = ctx.settings.database;
  if (typeof configured === 'string' && configured) return configured;
  const first = ctx.model.domains.flatMap((d) => d.tables)[0]?.name.split('.')[0];
  return first ?? 'postgres';
}

async function inventoryOf(conn: Connection, ctx: TargetContext): Promise<Inventory> {
  return readInventory((sql, params) => conn.query(sql, params), { database: databaseLabel(ctx), excludeSchemaPrefix: ctx.model.project.managedPrefix });
}

/** PostgreSQL: embedded PGlite without `url`, a server through `pg` with one. */
export const postgresTarget: Target = {
  type: 'postgres',
  checkSettings: checkPostgresSettings,
  connect,
  readInventory: inventoryOf,
  compile,
  introspect,
  access: postgresAccess,
  render: (change, ctx) => sqlSteps(render(change, ctx)),
  joinClass,
  renderJoined,
  joinFloor,
  locks: postgresLocks,
  capabilities: {
    transactionalDdl: true,
    atomicReplace: ['view'], // CREATE OR REPLACE VIEW; a view whose columns change is dropped and created in the same transaction
    impersonation: 'role',
    lock: 'advisory',
  },
  transactions: postgresTransactions,
  errors: postgresErrors,
  drift,
  // the recorded state inside the apply transaction (state.ts); issue 5: apply lock, `meshward unlock`,
  // the audit trail's copy (lock.ts, audit.ts); issue 10: convergence stamps (stamp.ts)
  state: {
    record: recordState,
    lock: postgresApplyLock,
    unlock: async (ctx, { force }) => {
      const label = `target '${ctx.target.name}'`;
      if (ctx.settings.url === undefined) {
        const dir = embeddedDir(ctx.root, ctx.target.name); // never opened: breaking its lock must not need it
        return unlockFile(`${dir}.lock`, { label, dir, target: ctx.target.name, force });
      }
      const conn = await connect(ctx);
      try {
        return await unlockServer(conn, ctx, force);
      } finally {
        await conn.close();
      }
    },
    audit: postgresAudit,
    stamps: postgresStamps,
  },
  asPrincipal,
  probe: postgresProbe,
  rewriteNeutralNames,
  urlSchemes: ['postgres:', 'postgresql:'],
  consumerName: (resolved, settings, parts) => qualified(namesForResolved(resolved, settings).schema(parts[1]), parts[2]),
  queryAs: runAsPrincipal, // issue 8: one read-only SELECT, parsed with PostgreSQL's grammar (query-sandbox.ts)
  importEstate,
  revokeFinding,
};
