import type { PlannedChange } from '../src/plan/plan.js';
import type { NativeObject } from '../src/targets/target.js';

/**
 * A crude bound (the plan's summary.floor, counted by the target, is the one the bench reports) of the statements PostgreSQL needs to build the desired objects from nothing —
 * what "statements within 10 % of the minimum the engine allows" is measured against:
 *
 *   view: 3 (CREATE VIEW, its owner, its marker COMMENT) · role, schema: 2 (CREATE, marker COMMENT)
 *   grant: 1 per object, privilege and column list (one GRANT … TO every grantee at once)
 *   membership: 1 per role granted (GRANT r TO every member at once)
 *   tag: 1 in all (one multi-row INSERT) · role_admin, default_acl: 1 each
 *   governance, anything else: the statements the plan renders for it (fixed, whatever the size)
 */
export function minimumStatements(desired: readonly NativeObject[], changes: readonly PlannedChange[]): { minimum: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  const groups = new Map<string, Set<string>>();
  const group = (kind: string, key: string) => {
    const set = groups.get(kind) ?? new Set<string>();
    set.add(key);
    groups.set(kind, set);
  };
  const rendered = new Map(changes.map((c) => [c.key, c.steps.length]));
  for (const o of desired) {
    byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
    const spec = o.spec as Record<string, unknown>;
    if (o.kind === 'grant') group('grant', JSON.stringify([spec.on, spec.object, spec.privilege, spec.columns ?? null, spec.grantable ?? false]));
    else if (o.kind === 'membership') group('membership', String(spec.role));
    else if (o.kind === 'tag') group('tag', 'all');
  }
  const fixed = desired.filter((o) => !['view', 'role', 'schema', 'grant', 'membership', 'tag', 'role_admin', 'default_acl'].includes(o.kind)).reduce((n, o) => n + (rendered.get(o.key) ?? 1), 0);
  const minimum =
    3 * (byKind.view ?? 0) +
    2 * ((byKind.role ?? 0) + (byKind.schema ?? 0)) +
    (byKind.role_admin ?? 0) +
    (byKind.default_acl ?? 0) +
    [...groups.values()].reduce((n, s) => n + s.size, 0) +
    fixed;
  return { minimum, byKind };
}
