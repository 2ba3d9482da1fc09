import type { DraftProject, ImportSummary } from './draft.js';
import type { ImportedEstate, Unrepresentable } from './estate.js';

/** IMPORT-REPORT.md and the summary `meshward import` prints. */

const KIND_TITLES: Record<Unrepresentable['kind'], string> = {
  contradicting_grant: 'unmanaged SELECT on a governed table (contradicts the model)',
  public_grant: 'grant to PUBLIC',
  login_grant: 'grant to a role that is not a group',
  column_grant: 'column-level grant',
  privilege: 'privilege other than SELECT',
  rls_policy: 'row-level security policy',
  row_security: 'row-level security without a policy',
  view: 'hand-written view',
  function: 'function or procedure',
  ambiguous_name: 'name that differs only in case',
};

export function summaryLine(s: ImportSummary): string {
  return `${s.groups} group${s.groups === 1 ? '' : 's'}, ${s.domains} domain${s.domains === 1 ? '' : 's'}, ${s.tables} table${s.tables === 1 ? '' : 's'}, ${s.policies} polic${s.policies === 1 ? 'y' : 'ies'}, ${s.unrepresentable.length} unrepresentable`;
}

/** The summary for a terminal: counts, then every unrepresentable item and note. */
export function summaryText(s: ImportSummary, outDir: string, written: readonly string[]): string {
  const lines = [`Imported ${s.source} into ${outDir}: ${summaryLine(s)}`];
  if (s.project) lines.push(`  meshward project '${s.project.name}' found (prefix ${s.project.prefix}): its groups, tables, grants, tags and policies come from the state recorded at its last apply`);
  if (s.unrepresentable.length) {
    lines.push('  unrepresentable (left unmanaged, never touched):');
    for (const u of s.unrepresentable) lines.push(`    - ${u.kind} ${u.object}: ${u.detail}`);
  }
  if (s.contradictions) lines.push(`  ${s.contradictions} grant${s.contradictions === 1 ? '' : 's'} contradict${s.contradictions === 1 ? 's' : ''} the model: plan shows them; plan/apply --revoke-unmanaged revokes them (hazard UNMANAGED_REVOKE)`);
  for (const n of s.notes) lines.push(`  note: ${n}`);
  lines.push(`  wrote ${written.join(', ')}`);
  lines.push(`  next: meshward validate --dir ${outDir} — then read IMPORT-REPORT.md`);
  return lines.join('\n') + '\n';
}

export function reportMarkdown(estate: ImportedEstate, s: ImportSummary, project: DraftProject): string {
  const out: string[] = [];
  out.push('# meshward import report', '');
  out.push(`Drafted from ${s.source}. Neutral database label: \`${estate.database}\`.`, '');
  out.push(
    s.project
      ? `The target holds the meshward project **${s.project.name}** (prefix \`${s.project.prefix}\`, governance schema \`${s.project.governanceSchema}\`). Its groups, governed tables, grants, tags and policies were read from the specs recorded at its last apply (\`${s.project.governanceSchema}.state\`, \`${s.project.governanceSchema}.tags\`); the group attribute values its filters use were read back from the compiled views. Changes made since that apply (drift) are not in the draft: run \`meshward drift\`.`
      : `No meshward project was found on the target. The draft's groups are its existing roles; meshward will manage \`${project.prefix}<group>\` roles, schemas and views next to them and never touches the existing ones.`,
    '',
  );
  out.push(`**${summaryLine(s)}** (${estate.queryCount} catalog queries).`, '');
  out.push('| file | holds |', '| --- | --- |');
  out.push('| `meshward.yaml` | the project and the target it was read from |');
  out.push('| `principals.yaml` | groups, `member_of`, attributes; members as comments |');
  out.push('| `catalog.yaml` | tag keys and values seen (when the target has tags) |');
  out.push('| `global.yaml` | policies that reach several domains or that tags select exactly |');
  out.push('| `domains/<schema>.yaml` | one domain per schema: governed tables, tags, grants, local policies |');
  out.push('| `inventory.json` | tables, columns and types of the target |', '');

  out.push('## Unrepresentable (left unmanaged, never touched)', '');
  if (s.unrepresentable.length === 0) out.push('Nothing: the model holds everything that was found.', '');
  else {
    out.push('The neutral model cannot hold these. meshward leaves them exactly as they are; decide for each whether it stays, moves into the model, or goes.', '');
    out.push('| kind | object | detail |', '| --- | --- | --- |');
    for (const u of s.unrepresentable) out.push(`| ${KIND_TITLES[u.kind]} | \`${cell(u.object)}\` | ${cell(u.detail)} |`);
    out.push('');
  }
  if (estate.members.length) {
    out.push('## Members of the groups', '', 'Who holds a group is decided outside meshward; these memberships were found:', '');
    for (const m of estate.members) out.push(`- ${m.login ? 'login role' : 'role'} \`${m.role}\` is a member of ${m.groups.map((g) => `\`${g}\``).join(', ')}`);
    out.push('');
  }
  if (s.notes.length) {
    out.push('## Notes', '');
    for (const n of s.notes) out.push(`- ${n}`);
    out.push('');
  }
  out.push('## Next steps', '');
  const t = project.targetName;
  out.push(`1. Review the draft; add \`owners\`, descriptions, the order of ordered tags and classifiers. \`meshward validate\` must report no error.`);
  out.push(`2. \`meshward plan --target ${t}\` shows what meshward would create. Unmanaged SELECT grants on governed base tables are listed as *contradicting the model*.`);
  out.push(`3. \`meshward apply --target ${t}\`. The existing roles and their grants are not changed.`);
  if (!s.project) {
    out.push(`4. Give people the managed groups, e.g. \`GRANT "${project.prefix}<group>" TO "<group>";\` (every member of the existing role then also holds the managed one), and move consumers to the managed views.`);
    out.push(`5. Then revoke the old base-table grants: \`meshward plan --target ${t} --revoke-unmanaged\` lists them as \`UNMANAGED_REVOKE\` changes; \`meshward apply --target ${t} --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE\` revokes them.`);
  } else if (s.contradictions) {
    out.push(`4. Revoke the grants that contradict the model: \`meshward apply --target ${t} --revoke-unmanaged --allow-hazard UNMANAGED_REVOKE\`.`);
  }
  out.push('');
  return out.join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
