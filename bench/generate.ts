import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a synthetic policy repository of `tables` governed tables (20 columns each) spread over
 * `domains` domains, with an inventory, for benchmarks. Deterministic for a given size.
 */
export function generateRepository(dir: string, tables: number, domains = 50, groupsPerDomain = 4): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'domains'), { recursive: true });
  writeFileSync(join(dir, 'meshward.yaml'), 'kind: Project\nname: bench\nmanaged_prefix: mw_\ntargets:\n  local: { type: postgres, database: wh }\n');
  writeFileSync(
    join(dir, 'catalog.yaml'),
    `kind: TagCatalog
tags:
  pii: { values: [email, phone, name, birth_date] }
  sensitivity: { values: [public, internal, confidential, restricted], ordered: true }
classifiers:
  - { tag: pii=email, column: '(?i)(^|_)e_?mail($|_)' }
`,
  );
  const groups: string[] = ['privacy_officers', 'auditors'];
  for (let d = 0; d < domains; d++) for (let g = 0; g < groupsPerDomain; g++) groups.push(`d${d}_g${g}`);
  writeFileSync(
    join(dir, 'principals.yaml'),
    `kind: Principals
attributes:
  region: { type: string, values: [EMEA, AMER, APAC] }
  clearance: { type: string, values: [standard, high] }
groups:
  privacy_officers: { attributes: { clearance: [high] } }
  auditors: { member_of: [privacy_officers] }
${groups
  .slice(2)
  .map((g, i) => `  ${g}: { attributes: { region: [${['EMEA', 'AMER', 'APAC'][i % 3]}] }${i % groupsPerDomain === 1 ? `, member_of: [${groups[i + 1]}]` : ''} }`)
  .join('\n')}
`,
  );
  writeFileSync(
    join(dir, 'global.yaml'),
    `kind: GlobalPolicies
policies:
  - name: pii-hash
    mask: { tags: { pii: [email, phone] }, method: hash, exempt: [privacy_officers] }
  - name: names-partial
    mask: { tags: { pii: name }, method: partial, keep_last: 3 }
  - name: birth-year
    mask: { tags: { pii: birth_date }, method: year_only }
  - name: restricted-rows
    row_filter: { tables_tagged: { sensitivity: { at_least: restricted } }, allow: "user.clearance = 'high'" }
`,
  );
  const inventory: { name: string; native: string; columns: { name: string; type: string; native_type: string }[] }[] = [];
  const perDomain = Math.ceil(tables / domains);
  let n = 0;
  for (let d = 0; d < domains && n < tables; d++) {
    const lines = [`kind: Domain`, `name: d${d}`, `owners: [d${d}_g0]`, `schemas: [wh.s${d}]`, `tables:`];
    const start = n;
    for (let t = 0; t < perDomain && n < tables; t++, n++) {
      const table = `wh.s${d}.t${t}`;
      lines.push(`  ${table}:`, `    tags: { sensitivity: ${t % 10 === 0 ? 'restricted' : 'internal'} }`, `    columns:`, `      email: { pii: email }`, `      full_name: { pii: name }`, `      born: { pii: birth_date }`);
      const columns = [
        { name: 'id', type: 'number', native_type: 'bigint' },
        { name: 'email', type: 'string', native_type: 'text' },
        { name: 'full_name', type: 'string', native_type: 'text' },
        { name: 'born', type: 'date', native_type: 'date' },
        { name: 'region', type: 'string', native_type: 'text' },
        { name: 'amount', type: 'number', native_type: 'numeric(12,2)' },
      ];
      for (let c = columns.length; c < 20; c++) columns.push({ name: `c${c}`, type: 'string', native_type: 'text' });
      inventory.push({ name: table, native: `"s${d}"."t${t}"`, columns });
    }
    lines.push(
      'grants:',
      `  - groups: [d${d}_g0, d${d}_g1, auditors]`,
      `    read: [wh.s${d}.*]`,
      `  - groups: [d${d}_g2]`,
      `    read: [wh.s${d}.t0]`,
      'policies:',
      `  - name: d${d}-own-region`,
      `    row_filter: { tables: [wh.s${d}.*], allow: "region IN user.region OR amount < 10", exempt: [d${d}_g0] }`,
      `  - name: d${d}-amount`,
      `    mask: { columns: [wh.s${d}.t${Math.min(1, n - start - 1)}.amount], method: redact }`,
    );
    writeFileSync(join(dir, 'domains', `d${d}.yaml`), lines.join('\n') + '\n');
  }
  writeFileSync(join(dir, 'inventory.json'), JSON.stringify({ format: 1, tables: inventory }));
}
