import { canonicalJson } from '../../plan/canonical.js';
import { classifyDrift, sortDrift } from '../../plan/drift.js';
import type { Connection, DriftItem, TargetContext } from '../target.js';
import { ownerRoleName } from './governance.js';
import { basePrivilegeMessage, describeViewDrift, granteeText, neutralName, parseQualified, readLive, specFingerprint, type LiveObject, type LiveState } from './introspect.js';
import { quoteIdent } from './naming.js';
import { DEFAULT_ACL_OBJECTS, isOurMarker, keys, objects, type DefaultAclSpec, type GrantSpec, type MembershipSpec, type RoleAdminSpec, type RoleSpec, type SchemaSpec, type TagSpec, type ViewSpec, type AttributeValueSpec } from './objects.js';
import type { StateRow } from './queries.js';
import { viewMatches } from './view-print.js';

/**
 * Drift on PostgreSQL (the classes are the core's: src/plan/drift.ts):
 *   missing  recorded, not live (dropped view, removed membership, revoked grant)
 *   altered  live fingerprint differs from the recorded one (CREATE OR REPLACE VIEW keeping the
 *            marker, a changed comment or owner)
 *   extra    live in managed scope, not recorded (a GRANT on a managed view or schema, a
 *            membership between managed roles, a SELECT on a governed base table to a managed role,
 *            a managed role made a member of an unmanaged one)
 *   bypass   a SELECT on a governed base table to a role meshward does not manage (PUBLIC included)
 * Governed base tables come from the recorded state.
 */
export async function drift(conn: Connection, ctx: TargetContext): Promise<{ items: DriftItem[]; queryCount: number }> {
  const live = await readLive(conn, ctx);
  return { items: driftOf(live, ctx), queryCount: live.queryCount };
}

/** The pure half of drift: a live state read without desired objects (readLive(conn, ctx)) -> drift items. */
export function driftOf(live: LiveState, ctx: TargetContext): DriftItem[] {
  const gov = live.scope.governanceSchema;
  if (live.governanceUntrusted) {
    return [{ key: keys.governance(gov), kind: 'governance', object: `governance tables in ${quoteIdent(gov)}`, status: 'altered', detail: live.governanceUntrusted, repair: 'manual' }];
  }
  if (!live.recorded || live.recorded.size === 0) {
    const schema = live.snapshot.schemas.find((s) => s.name === gov);
    const foreign = schema !== undefined && !isOurMarker(schema.comment, live.scope.project);
    const item: DriftItem = {
      key: keys.governance(gov),
      kind: 'governance',
      object: `governance tables in ${quoteIdent(gov)}`,
      status: foreign ? 'altered' : 'missing',
      detail: foreign
        ? `the governance schema ${quoteIdent(gov)} does not carry the marker of project ${live.scope.project}, so the state recorded there is not trusted; restore its comment or check the governance_schema setting`
        : `target '${ctx.target.name}' was never applied: no state is recorded in ${quoteIdent(gov)}."state" (run meshward apply --target ${ctx.target.name})`,
    };
    return [item];
  }
  const govSchemaKey = keys.schema(gov);
  // missing / altered / extra: the core's classes (plan/drift.ts); how rows compare and read is PostgreSQL's
  const items: DriftItem[] = classifyDrift(live.recorded, live.objects, {
    same: (rec, lo) => (rec.kind === 'view' && lo.view ? viewMatches(rec.fingerprint, lo.view) : recordedFingerprint(rec) === lo.fingerprint),
    missing: (key, rec) => item(key, rec.kind, rec.spec, live, 'missing', missingDetail(rec, live)),
    altered: (key, rec, lo) => item(key, rec.kind, rec.spec, live, 'altered', alteredDetail(rec, lo)),
    extra: (key, lo) => (!lo.managed || key === govSchemaKey ? null : item(key, lo.object.kind, lo.object.spec, live, 'extra', extraDetail(lo, live))),
  });
  // A prefixed object with our marker that meshward did not record making: forged, or left by an interrupted apply.
  for (const f of live.forged) {
    if (!live.recorded.has(f.key)) items.push({ key: f.key, kind: f.kind, object: f.object, status: 'extra', detail: `${f.message}; to resolve it, ${f.remedy}`, repair: 'manual' });
  }
  // The governed base table changed under an intact view: the view returns something else.
  for (const c of live.baseTableChanges) items.push({ key: c.key, kind: 'table', object: `table ${c.object}`, table: c.table, status: 'altered', detail: c.message, repair: 'manual' });
  for (const m of live.foreignMemberships) {
    if (!live.recorded.has(m.key)) items.push({ key: m.key, kind: 'membership', object: `${m.member} member of ${m.role}`, status: 'extra', detail: m.message, repair: 'manual' });
  }
  for (const b of live.bypasses) {
    if (live.recorded.has(b.key)) continue;
    items.push({ key: b.key, kind: 'grant', object: `SELECT on table ${b.object} → ${granteeText(b.grantee)}`, table: b.table, status: 'bypass', detail: b.message, repair: 'revoke-unmanaged' });
  }
  return sortDrift(items);
}

/**
 * The fingerprint the recorded object should have live. A role's is that of its recorded spec
 * with the attributes a spec recorded before they existed leaves out (objects.role fills them
 * in), so an older record still means "NOLOGIN, no SUPERUSER, …".
 */
function recordedFingerprint(rec: StateRow): string | null {
  if (rec.kind === 'role' && rec.fingerprint !== null) return specFingerprint(objects.role(rec.spec as RoleSpec).spec);
  return rec.fingerprint;
}

function item(key: string, kind: string, spec: Readonly<Record<string, unknown>>, live: LiveState, status: DriftItem['status'], detail: string): DriftItem {
  const table = tableOf(kind, spec, live);
  return { key, kind, object: labelOf(kind, spec, key), ...(table ? { table } : {}), status, detail };
}

/** The label compile would give the object (objects.ts), from a spec. */
function labelOf(kind: string, spec: Readonly<Record<string, unknown>>, key: string): string {
  try {
    switch (kind) {
      case 'role':
        return objects.role(spec as RoleSpec).label;
      case 'role_admin':
        return objects.roleAdmin(spec as RoleAdminSpec).label;
      case 'membership':
        return objects.membership(spec as MembershipSpec).label;
      case 'schema':
        return objects.schema(spec as SchemaSpec).label;
      case 'view':
        return objects.view(spec as ViewSpec).label;
      case 'grant':
        return objects.grant(spec as GrantSpec).label;
      case 'tag':
        return objects.tag(spec as TagSpec).label;
      case 'attribute':
        return objects.attributeValue(spec as AttributeValueSpec).label;
      case 'governance':
        return objects.governance(spec as { schema: string; version: number }).label;
      case 'default_acl':
        return objects.defaultAcl(spec as DefaultAclSpec).label;
    }
  } catch {
    // a malformed recorded spec: fall back to the key
  }
  return key;
}

function tableOf(kind: string, spec: Readonly<Record<string, unknown>>, live: LiveState): string | undefined {
  if (kind === 'view') {
    const base = spec.base as { schema?: string; table?: string } | undefined;
    return base?.schema && base.table !== undefined ? neutralName(live.scope, live.governed, base.schema, base.table) : undefined;
  }
  if (kind === 'grant' && spec.on === 'table' && typeof spec.object === 'string') {
    const parts = parseQualified(spec.object);
    return parts ? neutralName(live.scope, live.governed, parts[0], parts[1]) : undefined;
  }
  return undefined;
}

/** The neutral name of the base table a grant is on (`table`, or `columns` outside managed schemas), else undefined. */
function onBaseTable(spec: Readonly<Record<string, unknown>>, live: LiveState): string | undefined {
  if (spec.on === 'table') return tableOf('grant', spec, live);
  if (spec.on !== 'columns' || typeof spec.object !== 'string') return undefined;
  const parts = parseQualified(spec.object);
  if (!parts || parts[0].startsWith(live.scope.prefix) || parts[0] === live.scope.governanceSchema) return undefined;
  return neutralName(live.scope, live.governed, parts[0], parts[1]);
}

function grantText(spec: Readonly<Record<string, unknown>>, live: LiveState): string {
  const g = spec as GrantSpec;
  const on =
    g.on === 'schema'
      ? `SCHEMA ${g.object}`
      : g.on === 'view'
        ? `view ${g.object}`
        : g.on === 'columns'
          ? `${g.object}`
          : g.on === 'relation'
            ? `the governance table ${g.object}`
            : `the base table ${tableOf('grant', spec, live) ?? g.object}`;
  const columns = g.on === 'columns' ? ` (${(g.columns ?? []).map(quoteIdent).join(', ')})` : '';
  return `GRANT ${g.privilege}${columns} ON ${on} TO ${granteeText(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''}`;
}

function missingDetail(rec: StateRow, live: LiveState): string {
  const s = rec.spec;
  switch (rec.kind) {
    case 'membership':
      return `${quoteIdent(String(s.member))} is no longer a member of ${quoteIdent(String(s.role))} (membership removed since the last apply)`;
    case 'grant':
      return `${grantText(s, live)} was revoked since the last apply`;
    case 'tag':
      return `tag ${String(s.tag)}=${String(s.value)} on ${String(s.object)} was deleted from ${quoteIdent(live.scope.governanceSchema)}."tags" since the last apply`;
    case 'attribute':
      return `the value ${JSON.stringify(String(s.value))} of user.${String(s.attribute)} for members of ${quoteIdent(String(s.role))} was deleted from ${quoteIdent(live.scope.governanceSchema)}."attributes" since the last apply: the views using user.${String(s.attribute)} show them fewer rows`;
    case 'governance':
      return `the governance tables in ${quoteIdent(live.scope.governanceSchema)} are incomplete or carry no layout version`;
    default:
      return `${labelOf(rec.kind, s, rec.key)} was dropped since the last apply${rec.fingerprint === null ? ' (it was already missing when the state was recorded)' : ''}`;
  }
}

function alteredDetail(rec: StateRow, lo: LiveObject): string {
  if (rec.fingerprint === null) return `${lo.object.label} exists now but did not when the last apply recorded the state`;
  if (rec.kind === 'view' && lo.view) return describeViewDrift(rec.spec as Partial<ViewSpec>, lo.view);
  const live = lo.object.spec;
  if (typeof live.drift === 'string') return `${lo.object.label}: ${live.drift} since the last apply`;
  const fields = [...new Set([...Object.keys(rec.spec), ...Object.keys(live)])].filter((k) => canonicalJson(rec.spec[k]) !== canonicalJson(live[k])).sort();
  if (fields.length === 0) return `${lo.object.label} differs from the definition recorded at the last apply`;
  return fields.map((f) => `${f} changed from ${JSON.stringify(rec.spec[f] ?? null)} to ${JSON.stringify(live[f] ?? null)}`).join('; ') + ' since the last apply';
}

function extraDetail(lo: LiveObject, live: LiveState): string {
  const spec = lo.object.spec;
  switch (lo.object.kind) {
    case 'grant': {
      const base = onBaseTable(spec, live);
      if (base && (spec.on === 'columns' || spec.privilege !== 'SELECT' || spec.grantable)) return basePrivilegeMessage(spec as GrantSpec, base);
      if (spec.on === 'table') return `${grantText(spec, live)} bypasses the managed view and was not made by meshward (not recorded at the last apply)`;
      return `${grantText(spec, live)} was made outside meshward (not recorded at the last apply)${spec.dependent ? `; it was granted through someone's grant option and goes with it` : ''}`;
    }
    case 'membership':
      if (spec.role === ownerRoleName(live.scope.prefix))
        return `${quoteIdent(String(spec.member))} was made a member of the owner role ${quoteIdent(String(spec.role))} outside meshward: it reads every governed base table in clear and writes the recorded state`;
      return `${quoteIdent(String(spec.member))} was made a member of ${quoteIdent(String(spec.role))} outside meshward (not recorded at the last apply)`;
    case 'role_admin':
      return `${quoteIdent(String(spec.member))} holds the ADMIN OPTION on ${quoteIdent(String(spec.role))}, which meshward never grants: it can grant the role to anyone`;
    case 'tag':
      return `tag ${String(spec.tag)}=${String(spec.value)} on ${String(spec.object)} was added to ${quoteIdent(live.scope.governanceSchema)}."tags" outside meshward`;
    case 'attribute':
      return `the value ${JSON.stringify(String(spec.value))} (${String(spec.type)}) of user.${String(spec.attribute)} for members of ${quoteIdent(String(spec.role))} was added to ${quoteIdent(live.scope.governanceSchema)}."attributes" outside meshward: every view using user.${String(spec.attribute)} shows them the rows it matches`;
    case 'default_acl': {
      const d = spec as DefaultAclSpec;
      return `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(d.role)}${d.schema ? ` IN SCHEMA ${quoteIdent(d.schema)}` : ''} GRANT ${d.privilege} ON ${DEFAULT_ACL_OBJECTS[d.objtype] ?? d.objtype} TO ${granteeText(d.grantee)} was run outside meshward: every new object of that type that ${quoteIdent(d.role)} creates${d.schema ? ` in ${quoteIdent(d.schema)}` : ''} — a ${d.objtype === 'n' ? 'schema' : 'view'} meshward makes, too — is granted to ${granteeText(d.grantee)} at once (meshward never gives default privileges)`;
    }
    default:
      return `${lo.object.label} carries the marker of project ${live.scope.project} but was not created by the last apply`;
  }
}
