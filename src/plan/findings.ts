import type { DriftItem, Finding } from '../targets/target.js';

/**
 * One rule for `plan` and `drift` (issue 9): a finding that contradicts the model means the
 * target is not in sync — `plan --detailed-exitcode` and `drift` both exit 2 — and each says
 * exactly what removes it. A finding that only reports something meshward does not manage (an
 * object of another project, say) leaves the target in sync.
 */

const BY_CODE: Record<Finding['code'], boolean> = {
  BYPASS_GRANT: true,
  UNMANAGED_GRANT: true,
  BASE_TABLE_RLS: true,
  BASE_TABLE_COLUMNS: true,
  BASE_TABLE_GRANT: true,
  FOREIGN_OBJECT: false,
};

export function contradictsModel(f: Finding): boolean {
  return f.contradicts ?? BY_CODE[f.code];
}

/** What removes a contradicting finding, as a sentence with the command to run. */
export function findingRemedy(f: Finding, hint: (words: string) => string): string {
  switch (f.code) {
    case 'BYPASS_GRANT':
      return `meshward revokes unmanaged grants only when asked: ${hint('apply --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE')}`;
    case 'UNMANAGED_GRANT':
      return 'meshward never revokes a membership in a role it does not manage: revoke it by hand';
    case 'BASE_TABLE_RLS':
      return 'meshward never changes base tables: disable row-level security on the table, or drop its policies';
    case 'BASE_TABLE_COLUMNS':
      return 'meshward never changes base tables: bring the model (and the inventory) in line with the table, then meshward apply';
    case 'BASE_TABLE_GRANT':
      return `the grantee is a role meshward manages, so ${hint('apply')} revokes it`;
    case 'FOREIGN_OBJECT':
      return f.contradicts
        ? 'meshward never changes an object it did not record making: drop it if nobody made it on purpose'
        : 'meshward never changes it';
  }
}

/** What removes a drift item (DriftItem.repair), as a sentence. */
export function driftRemedy(item: DriftItem, hint: (words: string) => string): string {
  switch (item.repair ?? 'apply') {
    case 'apply':
      return `put back by ${hint('apply')}`;
    case 'revoke-unmanaged':
      return `revoked only when asked: ${hint('apply --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE')}`;
    case 'manual':
      return 'meshward never changes it: fix it by hand';
  }
}
