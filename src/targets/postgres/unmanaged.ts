import type { Change, Finding, NativeObject, TargetContext } from '../target.js';
import { granteeText, parseQualified } from './introspect.js';

/**
 * `--revoke-unmanaged` (product.md, Safety rules): an unmanaged SELECT on a governed base table —
 * PUBLIC's included — is a bypass of the managed view that introspection reports as a
 * BYPASS_GRANT finding. Asked to, the target turns it into a `remove` change of kind
 * `unmanaged_grant`, whose hazards (hazards.ts) are AUTHZ_NARROW and the blocking
 * UNMANAGED_REVOKE, rendered by templates/postgres/unmanaged_grant.remove.sql.hbs:
 * `REVOKE SELECT ON TABLE "s"."t" FROM "role" | PUBLIC`. Revoking the table privilege also
 * revokes the grantee's column privileges on it, so a column-level bypass is revoked the same way.
 */

/** A grant meshward did not make, on a governed base table. Grantee '' is PUBLIC. */
export interface UnmanagedGrantSpec {
  readonly privilege: 'SELECT';
  readonly schema: string;
  readonly table: string;
  readonly grantee: string;
  readonly columnLevel: boolean;
  [k: string]: unknown;
}

export function unmanagedGrantKey(spec: Pick<UnmanagedGrantSpec, 'schema' | 'table' | 'grantee' | 'columnLevel'>): string {
  return `unmanaged_grant:SELECT:${spec.columnLevel ? 'columns' : 'table'}:${JSON.stringify([spec.schema, spec.table])}:${spec.grantee}`;
}

/** The change revoking a BYPASS_GRANT finding; undefined for any other finding. */
export function revokeFinding(finding: Finding, _ctx?: TargetContext): Omit<Change, 'hazards'> | undefined {
  if (finding.code !== 'BYPASS_GRANT' || finding.grantee === undefined) return undefined;
  const parts = parseQualified(finding.object);
  if (!parts) return undefined;
  const spec: UnmanagedGrantSpec = { privilege: 'SELECT', schema: parts[0], table: parts[1], grantee: finding.grantee, columnLevel: finding.columnLevel === true };
  const current: NativeObject = {
    key: unmanagedGrantKey(spec),
    kind: 'unmanaged_grant',
    label: `${spec.columnLevel ? 'column-level ' : ''}SELECT on table ${finding.object} → ${granteeText(spec.grantee)} (not made by meshward)`,
    ...(finding.table ? { table: finding.table } : {}),
    spec,
  };
  return {
    action: 'remove',
    key: current.key,
    kind: 'unmanaged_grant',
    current,
    reason: `contradicts the model: ${finding.message}; revoked because of --revoke-unmanaged`,
  };
}
