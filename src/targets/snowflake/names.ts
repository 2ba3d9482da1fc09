import type { Diagnostics } from '../../config/diagnostics.js';
import type { Model, TargetDecl } from '../../model/types.js';
import { identifierProblem } from './sql-text.js';

/**
 * The Snowflake names meshward makes (issue 12): every managed object is named by the project's
 * managed_prefix in upper case — Snowflake's stored case for unquoted names, so a user's
 * `GRANT ROLE MW_SALES_ANALYSTS …` typed by hand names the same role — and quoted when written
 * (sql-text.ts). Group roles are `<PREFIX><GROUP>`; the governance objects live in
 * `<database>.<governance schema>` (default `<PREFIX>META`).
 */

/** Upper case as Snowflake folds an unquoted identifier (identifiers-syntax); other characters are kept. */
export function stored(name: string): string {
  return name.toUpperCase();
}

export function groupRoleName(prefix: string, group: string): string {
  return stored(`${prefix}${group}`);
}

export function governanceSchemaName(prefix: string, configured?: string): string {
  return configured ?? stored(`${prefix}meta`);
}

/**
 * `validate` for a Snowflake target: every name meshward would make must be an identifier
 * Snowflake can hold (≤ 255 characters, no NUL), and two groups must not fold to one role
 * (`sales` and `SALES` would be the same role). Reported at the group's or setting's position.
 */
export function checkSnowflakeNames(decl: TargetDecl, model: Model, diags: Diagnostics): void {
  const prefix = model.project.managedPrefix;
  const where = `target '${decl.name}'`;
  const byRole = new Map<string, string>();
  for (const g of model.groups.values()) {
    const role = groupRoleName(prefix, g.name);
    const problem = identifierProblem(role);
    if (problem) diags.error('sf-name', `${where}: group '${g.name}' would be role ${JSON.stringify(role)}, which Snowflake cannot hold (${problem})`, g.at, 'shorten the group name or managed_prefix');
    const twin = byRole.get(role);
    if (twin !== undefined) diags.error('sf-role-collision', `${where}: groups '${twin}' and '${g.name}' would both be role ${role} (Snowflake stores unquoted names in upper case)`, g.at, 'rename one of the groups');
    else byRole.set(role, g.name);
  }
  const configured = typeof decl.settings.governance_schema === 'string' && !decl.settings.governance_schema.includes('${env:') ? decl.settings.governance_schema : undefined;
  const schema = governanceSchemaName(prefix, configured);
  const problem = identifierProblem(schema);
  if (problem) diags.error('sf-name', `${where}: governance schema ${JSON.stringify(schema)} cannot be a Snowflake identifier (${problem})`, decl.settingAt.governance_schema ?? decl.at, 'choose a shorter governance_schema');
}
