import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { quoteIdent as exprIdent, quoteString as exprString } from '../../src/model/expr/print.js';
import { joinName } from '../../src/resolve/names.js';
import { openTarget } from '../../src/session/open-target.js';
import { q } from '../support/e2e-session.js';
import type { E2eTarget } from '../support/e2e-target.js';

/**
 * A PostgreSQL repository whose schema, table, columns, groups, tag value and attribute value
 * are hostile (quotes, spaces, `/`, `%`, comment and statement starters, combining marks,
 * emoji, a group name whose role would exceed 63 bytes), with the bootstrap that creates its
 * table. Written in the example's layout (`warehouse/acme.sql`, `name:` / `managed_prefix:` /
 * `targets:` lines) so that makeTarget('server', dir) can bind it to a new database as it does
 * the example.
 */
export interface HostileTable {
  readonly schema: string;
  readonly table: string;
}

/**
 * Hostile schema and table names, `"` and `.` included (the live inventory quotes the parts of a
 * name that need it, as the model writes them: src/resolve/names.ts joinName).
 */
export const HOSTILE: HostileTable = { schema: `sales "dept".x/% 'q' ünï`, table: `o'rders "2024".v %s $1 -- 😀` };
export const HOSTILE_EMAIL = 'e-mail %20/"work"';
const EMAIL = HOSTILE_EMAIL;
export const HOSTILE_REGION = 'région';
const REGION = HOSTILE_REGION;
const GROUPS = [`o'neil / "ops" 100%`, 'ünïcödé e\u0301 😀 %2F', `x /* y */ "z"; --${'g'.repeat(60)}`] as const;
const REGION_VALUE = "EMEA'); --";
const TAG_VALUE = '{{name}}';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function hostileFiles(names: HostileTable): Record<string, string> {
  const table = joinName(['analytics', names.schema, names.table]);
  const base = `${q(names.schema)}.${q(names.table)}`;
  const [reader, member, exempt] = GROUPS;
  const doc = (value: unknown) => YAML.stringify(value, { lineWidth: 0 });
  return {
    'meshward.yaml': doc({ kind: 'Project', name: 'hostile', managed_prefix: 'mw_', targets: { local: { type: 'postgres', database: 'analytics' } } }),
    'catalog.yaml': doc({ kind: 'TagCatalog', tags: { pii: { values: [TAG_VALUE] } } }),
    'principals.yaml': doc({ kind: 'Principals', attributes: { region: { type: 'string' } }, groups: { [reader]: { attributes: { region: [REGION_VALUE] } }, [member]: { member_of: [reader] }, [exempt]: {} } }),
    'global.yaml': doc({ kind: 'GlobalPolicies', policies: [{ name: 'hash-pii', mask: { tags: { pii: TAG_VALUE }, method: 'hash', exempt: [exempt] } }] }),
    'domain.yaml': doc({
      kind: 'Domain',
      name: 'd',
      schemas: [joinName(['analytics', names.schema])],
      tables: { [table]: { columns: { [EMAIL]: { pii: TAG_VALUE } } } },
      grants: [{ groups: [reader, exempt], read: [table] }],
      policies: [{ name: 'own-region', row_filter: { tables: [table], allow: `${exprIdent(REGION)} IN user.region OR in_group(${exprString(exempt)})`, exempt: [member] } }],
    }),
    'warehouse/acme.sql': [
      `CREATE SCHEMA ${q(names.schema)};`,
      `CREATE TABLE ${base} (id integer PRIMARY KEY, ${q(EMAIL)} text, ${q(REGION)} text);`,
      `INSERT INTO ${base} VALUES (1, 'a@x.example', ${lit(REGION_VALUE)}), (2, ${lit("x;'--\\")}, 'AMER'), (3, NULL, NULL);`,
      '',
    ].join('\n'),
  };
}

/** The repository in a directory of its own (copied by makeTarget, or into a cloned target). */
export function hostileSource(names: HostileTable): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'meshward-conformance-hostile-'));
  for (const [name, text] of Object.entries(hostileFiles(names))) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Replaces a cloned PGlite target's repository by the hostile one and runs its bootstrap there:
 * creating an embedded database takes seconds, a clone a fraction of one, and the example's own
 * tables left in it are not governed by this model.
 */
export async function loadHostile(t: E2eTarget, source: { dir: string }, names: HostileTable): Promise<void> {
  for (const entry of readdirSync(t.dir)) if (entry !== '.meshward') rmSync(join(t.dir, entry), { recursive: true, force: true });
  cpSync(source.dir, t.dir, { recursive: true });
  const session = await openTarget({ dir: t.dir, target: t.target, env: t.env, connectOnly: true });
  try {
    await session.conn.exec(hostileFiles(names)['warehouse/acme.sql']!);
  } finally {
    await session.close();
  }
}
