import type { Diagnostics } from '../../config/diagnostics.js';
import type { SourcePos } from '../../model/neutral-types.js';
import type { Model, TargetDecl } from '../../model/types.js';
import { splitName } from '../../resolve/names.js';
import { governanceSchemaName, ownerRoleName } from './governance.js';
import { POSTGRES_NAME_RULES } from './naming.js';

/**
 * `validate` for a PostgreSQL target (issue 8, item 14): every name the target block configures,
 * and every model name PostgreSQL takes as written, must fit PostgreSQL's identifiers — 63 bytes,
 * no NUL — or every apply would fail. Group and schema roles are not checked: longer ones get
 * the hashed truncation of native-name.ts. Values from `${env:VAR}` are known at apply only.
 */

const MAX = POSTGRES_NAME_RULES.maxBytes;

/** What managed_prefix is combined with, longest first: a probe role (`probe_` + 12 hex), a hashed native name (one character, `_` and 8 hex), the owner role. */
const PREFIX_SUFFIXES: readonly (readonly [string, string])[] = [
  [`probe_${'0'.repeat(12)}`, 'the probe roles of query --as and test --target'],
  [`x_${'0'.repeat(8)}`, 'a hashed native name'],
  [ownerRoleName(''), 'the owner role'],
];

export function checkPostgresSettings(decl: TargetDecl, model: Model, diags: Diagnostics): void {
  checkDatabaseLabel(decl, model, diags);
  const settings = decl.settings;
  const at = (key: string): SourcePos => decl.settingAt[key] ?? decl.at;
  const literal = (key: string): string | undefined => {
    const v = settings[key];
    return typeof v === 'string' && v !== '' && !v.includes('${env:') ? v : undefined;
  };
  const where = `target '${decl.name}'`;

  const prefix = model.project.managedPrefix;
  for (const [suffix, what] of PREFIX_SUFFIXES) {
    if (bytes(prefix + suffix) > MAX) {
      diags.error('pg-name-too-long', `${where}: managed_prefix '${prefix}' leaves no room for ${what} (${bytes(prefix + suffix)} bytes; PostgreSQL keeps ${MAX})`, decl.at, `shorten managed_prefix to at most ${MAX - bytes(suffix)} bytes`);
      break;
    }
  }

  const governance = literal('governance_schema');
  if (governance !== undefined) {
    tooLong(diags, `${where}: governance_schema '${governance}'`, governance, at('governance_schema'));
    if (governance.toLowerCase().startsWith('pg_')) {
      diags.error('pg-reserved-name', `${where}: governance_schema '${governance}' starts with pg_, which PostgreSQL reserves for system schemas`, at('governance_schema'), `leave it out (default ${governanceSchemaName(prefix)}) or choose another name`);
    }
    const bases = new Set(model.domains.flatMap((d) => d.tables.map((t) => splitName(t.name)?.[1])));
    if (bases.has(governance)) {
      diags.error('pg-governance-collision', `${where}: governance_schema '${governance}' is also a schema of governed tables`, at('governance_schema'), 'give the governance schema a name of its own');
    }
  }

  const database = literal('database');
  if (database !== undefined) {
    tooLong(diags, `${where}: database '${database}'`, database, at('database'));
    if (database.includes('.')) diags.error('pg-database-label', `${where}: database label '${database}' contains '.'`, at('database'), 'the label is the first part of database.schema.table: write it without dots');
  }

  // Base schemas, tables and columns are PostgreSQL's own names: a longer one cannot exist there.
  for (const domain of model.domains) {
    for (const table of domain.tables) {
      const parts = splitName(table.name);
      if (parts?.length === 3) {
        tooLong(diags, `table ${table.name}: schema '${parts[1]}'`, parts[1]!, table.at);
        tooLong(diags, `table ${table.name}: table '${parts[2]}'`, parts[2]!, table.at);
      }
      for (const column of table.columns) tooLong(diags, `column ${table.name}.${column.name}`, column.name, column.at);
    }
  }
}

function tooLong(diags: Diagnostics, what: string, name: string, at: SourcePos): void {
  const n = bytes(name);
  if (n > MAX) diags.error('pg-name-too-long', `${what} is ${n} bytes; PostgreSQL keeps ${MAX} bytes of a name`, at, `shorten it to at most ${MAX} bytes`);
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A PostgreSQL target serves one neutral database label: tables must agree on it. */
function checkDatabaseLabel(target: TargetDecl, model: Model, diags: Diagnostics): void {
  const tables = model.domains.flatMap((d) => d.tables);
  {
    const label = target.settings.database as string | undefined;
    let first: { db: string; at: { file: string; line: number; col: number } } | undefined;
    const reported = new Set<string>(); // once per extra label, at its first table
    for (const t of tables) {
      const db = splitName(t.name)?.[0];
      if (db === undefined) continue;
      if (label !== undefined) {
        if (db.toLowerCase() !== label.toLowerCase()) {
          diags.error('pg-database-label', `table ${t.name} is in database '${db}', but PostgreSQL target '${target.name}' serves '${label}'`, t.at, `name it ${label}.… or give it a target of its own`);
        }
      } else if (!first) first = { db, at: t.at };
      else if (first.db.toLowerCase() !== db.toLowerCase() && !reported.has(db.toLowerCase())) {
        reported.add(db.toLowerCase());
        diags.error('pg-database-label', `PostgreSQL target '${target.name}' would serve two database labels: '${first.db}' (${first.at.file}:${first.at.line}:${first.at.col}) and '${db}'`, t.at, `use one label for every table, or set 'database:' on the target`);
      }
    }
  }
}
