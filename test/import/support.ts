import { Diagnostics } from '../../src/config/diagnostics.js';
import { explainReport } from '../../src/explain/report.js';
import type { Draft, DraftProject } from '../../src/import/draft.js';
import { draftRepository } from '../../src/import/draft.js';
import type { ImportedEstate } from '../../src/import/estate.js';
import type { PolicyFile } from '../../src/config/load.js';
import type { Inventory } from '../../src/model/inventory.js';
import { canonicalJson } from '../../src/plan/canonical.js';
import { tableAccess } from '../../src/resolve/access.js';
import type { Resolved } from '../../src/resolve/resolve.js';
import { estateFromSnapshot, type ImportSnapshot } from '../../src/targets/postgres/import.js';
import { postgresTarget } from '../../src/targets/postgres/index.js';
import { postgresNames } from '../../src/targets/postgres/native-names.js';
import type { MembershipSpec, RoleSpec, SchemaSpec, TagSpec } from '../../src/targets/postgres/objects.js';
import type { NativeObject, TargetContext } from '../../src/targets/target.js';
import { validateRepository, type ValidationResult } from '../../src/validate.js';

/** Helpers shared by the import tests. */

/** The target context compile needs, for a resolved model's first target. */
export function contextOf(resolved: Resolved): TargetContext {
  const decl = resolved.model.project.targets[0]!;
  return { model: resolved.model, target: decl, settings: decl.settings, root: '/virtual', diagnostics: new Diagnostics() };
}

/** compile() of the PostgreSQL target: the desired objects, i.e. what an apply records in `<gov>.state`. */
export function desiredOf(resolved: Resolved): NativeObject[] {
  return postgresTarget.compile(resolved, contextOf(resolved));
}

/** Desired objects as comparable `key -> spec` (what a plan diffs). */
export function specs(objects: readonly NativeObject[]): Record<string, string> {
  return Object.fromEntries([...objects].sort((a, b) => (a.key < b.key ? -1 : 1)).map((o) => [o.key, canonicalJson(o.spec)]));
}

/**
 * The catalog rows a target would return right after applying `desired` (no other object): the
 * recorded state, the tags table, the managed roles and schemas, base tables readable by the owner.
 */
export function snapshotAfterApply(resolved: Resolved, desired: readonly NativeObject[], inventory: Inventory, database: string): ImportSnapshot {
  const ctx = contextOf(resolved);
  const names = postgresNames(resolved.model, [], ctx.settings);
  const roles = desired.filter((o) => o.kind === 'role').map((o) => o.spec as RoleSpec);
  const memberships = desired.filter((o) => o.kind === 'membership').map((o) => o.spec as MembershipSpec);
  return {
    database,
    roles: roles.map((r) => ({ name: r.name, login: false, super: false, comment: r.comment, memberOf: memberships.filter((m) => m.member === r.name).map((m) => m.role) })),
    schemas: desired.filter((o) => o.kind === 'schema').map((o) => ({ name: (o.spec as SchemaSpec).name, owner: (o.spec as SchemaSpec).owner, comment: (o.spec as SchemaSpec).comment })),
    relations: inventory.tables.map((t) => {
      const m = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/.exec(t.native)!;
      const governed = desired.some((o) => o.kind === 'grant' && o.spec.on === 'table' && o.spec.object === t.native);
      return { schema: m[1]!.replace(/""/g, '"'), name: m[2]!.replace(/""/g, '"'), kind: 'r', owner: 'postgres', comment: null, rls: false, acl: governed ? [[names.owner, 'SELECT'] as const] : [], columnAcl: [] };
    }),
    rls: [],
    functions: [],
    inventory,
    state: desired.map((o) => ({ key: o.key, kind: o.kind, spec: JSON.parse(JSON.stringify(o.spec)) as Record<string, unknown>, fingerprint: null })),
    tags: desired.filter((o) => o.kind === 'tag').map((o) => o.spec as TagSpec),
    project: { name: resolved.model.project.name, prefix: names.prefix, governanceSchema: names.governance, defaultGovernance: true },
  };
}

/** Snapshot -> estate -> draft, as `meshward import` does it after reading. */
export function importDraft(snapshot: ImportSnapshot, project: Partial<DraftProject> = {}): { estate: ImportedEstate; draft: Draft } {
  const estate = { ...estateFromSnapshot(snapshot), queryCount: 0 };
  const draft = draftRepository(
    estate,
    { name: snapshot.project?.name ?? 'imported', prefix: snapshot.project?.prefix ?? 'mw_', targetName: 'local', targetSettings: { type: 'postgres', database: snapshot.database }, ...project },
    'a test snapshot',
  );
  return { estate, draft };
}

/** Validates drafted files in memory. */
export function validateDraft(draft: Draft, inventory: Inventory): ValidationResult {
  const files: PolicyFile[] = [...draft.files].filter(([p]) => p.endsWith('.yaml')).map(([path, text]) => ({ path, text }));
  return validateRepository({ dir: '/virtual-import', files, inventoryValue: inventory });
}

/** What the import contract compares of an explain report: readable, each column's access and params, the row predicate text. */
export function explainProjection(resolved: Resolved, groups: readonly string[], table: string) {
  const t = resolved.table(table);
  if (!t) throw new Error(`${table} is not governed`);
  const r = explainReport(resolved, tableAccess(t, resolved.principals.principal(groups)), undefined);
  return { readable: r.readable, columns: r.columns.map((c) => ({ name: c.name, access: c.access, params: c.params })), row_predicate: r.row_predicate };
}

/** Every group × governed table (and, with `pairs`, every pair of groups) as explain projections. */
export function explainMatrix(resolved: Resolved, pairs = false): Record<string, unknown> {
  const groups = [...resolved.model.groups.keys()].sort();
  const principals = [...groups.map((g) => [g]), ...(pairs ? groups.flatMap((a, i) => groups.slice(i + 1).map((b) => [a, b])) : [])];
  const out: Record<string, unknown> = {};
  for (const t of [...resolved.tables].sort((a, b) => (a.table.name < b.table.name ? -1 : 1))) {
    for (const p of principals) out[`${p.join('+')} @ ${t.table.name}`] = explainProjection(resolved, p, t.table.name);
  }
  return out;
}

export function errorsOf(result: ValidationResult): string[] {
  return result.diagnostics.errors.map((e) => `${e.at?.file}:${e.at?.line}:${e.at?.col} ${e.message}`);
}
