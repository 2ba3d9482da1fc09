import { randomBytes } from 'node:crypto';
import type { Connection, TargetContext } from '../target.js';
import { quoteIdent } from './naming.js';
import { postgresNames } from './native-names.js';

/**
 * Acts as a principal: inside a transaction, a temporary NOLOGIN role that is a member of the
 * groups' roles, SET ROLE to it, run, ROLL BACK. current_user is then exactly a person in those
 * groups (pg_has_role sees the union of their closures), and nothing remains afterwards.
 */
export async function asPrincipal<T>(conn: Connection, ctx: TargetContext, groups: readonly string[], fn: () => Promise<T>, options: { readsAttributes?: boolean; beforeRole?: () => Promise<void> } = {}): Promise<T> {
  const prefix = ctx.model.project.managedPrefix;
  const probe = `${prefix}probe_${randomBytes(6).toString('hex')}`;
  const names = postgresNames(ctx.model, [], ctx.settings);
  const roles = groups.map((g) => quoteIdent(names.role(g)));
  await conn.exec('BEGIN');
  try {
    await conn.exec(`CREATE ROLE ${quoteIdent(probe)} NOLOGIN${roles.length ? ` IN ROLE ${roles.join(', ')}` : ''}`);
    // A superuser may SET ROLE to anything; anyone else must be a member of the probe role.
    const { rows } = await conn.query('SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user');
    if (rows[0]?.rolsuper !== true) await conn.exec(`GRANT ${quoteIdent(probe)} TO CURRENT_USER`);
    // A row filter evaluated outside its definer view reads the group attribute values as the
    // principal: this probe role alone may, until the rollback (consumers never can).
    if (options.readsAttributes) await conn.exec(`GRANT USAGE ON SCHEMA ${quoteIdent(names.governance)} TO ${quoteIdent(probe)}; GRANT SELECT ON ${quoteIdent(names.governance)}."attributes" TO ${quoteIdent(probe)}`);
    // Inside the transaction, still as the connecting identity (e.g. query --as resolving its relations).
    if (options.beforeRole) await options.beforeRole();
    await conn.exec(`SET LOCAL ROLE ${quoteIdent(probe)}`);
    return await fn();
  } finally {
    await conn.exec('ROLLBACK').catch(() => undefined);
  }
}
