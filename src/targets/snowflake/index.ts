import { canonicalJson, sha256 } from '../../plan/canonical.js';
import { specDrift } from '../../plan/drift.js';
import type { Step } from '../../plan/step.js';
import { joinName } from '../../resolve/names.js';
import type { Inventory } from '../../model/inventory.js';
import type { NeutralType } from '../../model/neutral-types.js';
import { ownershipOf } from '../../state/ownership.js';
import { plainErrors } from '../capabilities.js';
import type { Change, Connection, CurrentState, DriftItem, Finding, NativeObject, Target, TargetContext } from '../target.js';
import { snowflakeAccess } from './access.js';
import { compile, modelDatabases, scopeOf } from './compile.js';
import { connectSnowflake } from './connect.js';
import { readLive } from './introspect.js';
import { joinClass, joinFloor, renderJoined } from './join.js';
import { checkSnowflakeNames } from './names.js';
import { alterSql, createSql, dropSql } from './render.js';
import { quoteIdent } from './sql-text.js';
import { readRecorded, recordState, takeLease, type RecordedRow } from './state.js';

/**
 * The Snowflake target (issue 12): native roles, grants, tags, tag-routed masking policies and row
 * access policies on the governed tables themselves, applied statement by statement (every DDL
 * commits on its own: the auto-commit executor), read back in bulk, owned by the recorded state.
 */

/** INFORMATION_SCHEMA.COLUMNS' DATA_TYPE → the neutral type. */
export function neutralTypeOf(dataType: string): NeutralType {
  const t = dataType.toUpperCase();
  if (t === 'TEXT' || t === 'VARCHAR' || t === 'STRING' || t === 'CHAR') return 'string';
  if (t === 'NUMBER' || t === 'FLOAT' || t === 'DECIMAL' || t === 'INTEGER') return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'BINARY') return 'binary';
  if (t === 'VARIANT' || t === 'OBJECT' || t === 'ARRAY') return 'json';
  return 'other';
}

/** The type a policy signature writes for a column (TEXT is VARCHAR, as GET_DDL and DESCRIBE write it). */
const nativeTypeOf = (dataType: string): string => (dataType.toUpperCase() === 'TEXT' ? 'VARCHAR' : dataType.toUpperCase());

async function readInventory(conn: Connection, ctx: TargetContext): Promise<Inventory> {
  const databases = modelDatabases(ctx.model);
  const tables = new Map<string, { name: string; native: string; columns: { name: string; type: NeutralType; native_type: string }[] }>();
  for (const db of databases) {
    const { rows } = await conn.query(`SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM ${quoteIdent(db)}.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`);
    for (const r of rows) {
      const parts = [String(r.TABLE_CATALOG), String(r.TABLE_SCHEMA), String(r.TABLE_NAME)] as const;
      const name = joinName([...parts]);
      let t = tables.get(name);
      if (!t) tables.set(name, (t = { name, native: parts.map(quoteIdent).join('.'), columns: [] }));
      t.columns.push({ name: String(r.COLUMN_NAME), type: neutralTypeOf(String(r.DATA_TYPE)), native_type: nativeTypeOf(String(r.DATA_TYPE)) });
    }
  }
  return { format: 1, tables: [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/** The governed tables whose tags a read must see: those the desired and recorded tag values, attachments and table grants name. */
function governedParts(desired: readonly NativeObject[], recorded: ReadonlyMap<string, RecordedRow>): (readonly [string, string, string])[] {
  const seen = new Map<string, readonly [string, string, string]>();
  const objects = [...desired.map((o) => ({ kind: o.kind, spec: o.spec })), ...[...recorded.values()].map((r) => ({ kind: r.kind, spec: r.spec }))];
  for (const { kind, spec } of objects) {
    const t = kind === 'tag-value' || kind === 'row-policy-on' ? spec.table : kind === 'grant' && spec.on === 'table' ? spec.object : undefined;
    if (Array.isArray(t) && t.length === 3) seen.set(JSON.stringify(t), t as unknown as readonly [string, string, string]);
  }
  return [...seen.values()];
}

async function introspect(conn: Connection, ctx: TargetContext, desired: readonly NativeObject[]): Promise<CurrentState> {
  const scope = scopeOf(ctx);
  const recorded = await readRecorded(conn, scope);
  const live = await readLive((sql) => conn.query(sql).then((r) => r.rows), scope, governedParts(desired, recorded));
  const wanted = new Set(desired.map((o) => o.key));
  const liveKeys = new Set(live.objects.map((o) => o.key));
  const objects: NativeObject[] = [];
  const findings: Finding[] = [];
  for (const o of live.objects) {
    const rec = recorded.get(o.key);
    const withDomain = rec?.domain ? { ...o, domain: rec.domain, ...(rec.table ? { table: rec.table } : {}) } : o;
    if (ownershipOf({ recorded: rec !== undefined }) === 'ours') objects.push(withDomain);
    else
      findings.push({
        code: 'FOREIGN_OBJECT',
        object: o.label,
        key: o.key,
        message: `${o.label} exists in Snowflake but meshward did not record making it; meshward will not change it`,
        remedy: 'drop it if nobody made it on purpose, or leave it out of the model',
      });
  }
  const forgotten = [...recorded].filter(([key]) => !liveKeys.has(key) && !wanted.has(key)).map(([key, r]) => ({ key, kind: r.kind, label: r.label, ...(r.table ? { table: r.table } : {}), spec: r.spec }));
  return { objects, findings, stateHash: sha256(canonicalJson([live.objects, [...recorded]])), queryCount: live.statements + 3, ...(forgotten.length ? { forgotten } : {}) };
}

function render(change: Change): Step[] {
  const sql = (texts: readonly string[]): Step[] => texts.map((text) => ({ kind: 'sql', text }));
  if (change.action === 'add') return sql(createSql(change.kind, change.desired!.spec));
  if (change.action === 'remove') return sql(dropSql(change.kind, change.current!.spec));
  const inPlace = alterSql(change.kind, change.current!.spec, change.desired!.spec);
  // no in-place form (a policy's signature changed): a new object under the same key is a drop
  // and a create — two steps the plan marks REPLACE_GAP (the kind is not in atomicReplace)
  return sql(inPlace ?? [...dropSql(change.kind, change.current!.spec), ...createSql(change.kind, change.desired!.spec)]);
}

async function drift(conn: Connection, ctx: TargetContext): Promise<{ items: DriftItem[]; queryCount: number }> {
  const scope = scopeOf(ctx);
  const recorded = await readRecorded(conn, scope);
  const live = await readLive((sql) => conn.query(sql).then((r) => r.rows), scope, governedParts([], recorded));
  const byKey = new Map(live.objects.map((o) => [o.key, o]));
  return { items: specDrift(recorded, byKey), queryCount: live.statements + 3 };
}

export const snowflakeTarget: Target = {
  type: 'snowflake',
  checkSettings: (decl, model, diags) => checkSnowflakeNames(decl, model, diags),
  connect: connectSnowflake,
  readInventory,
  compile,
  introspect,
  access: snowflakeAccess,
  render: (change) => render(change),
  joinClass,
  renderJoined: (run) => renderJoined(run),
  joinFloor,
  drift,
  capabilities: {
    transactionalDdl: false,
    // one statement no reader sees half done (render.ts alterSql)
    atomicReplace: ['governance', 'role', 'tag', 'mask-policy', 'mask-route', 'tag-value', 'row-access-policy', 'row-policy-on'],
    impersonation: 'none',
    lock: 'lease',
  },
  errors: plainErrors,
  state: { record: recordState, lock: takeLease },
  consumerName: (_resolved, _settings, parts) => parts.map(quoteIdent).join('.'),
};
