import type { Model } from '../../model/types.js';
import type { Resolved } from '../../resolve/resolve.js';
import { nativeName } from '../shared/native-name.js';
import { governanceSchemaName, ownerRoleName } from './governance.js';
import { POSTGRES_NAME_RULES } from './naming.js';

/**
 * Every native name meshward gives a PostgreSQL object of one model, computed together so that
 * they are unique: roles share one namespace (the owner role and every group role), schemas
 * another (the governance schema, the managed schemas, and the governed base schemas, which a
 * managed schema must never land on). A name taken by something else gets the hash suffix of
 * product.md's native-name function. Deterministic: names are assigned in sorted order.
 */
export interface PostgresNames {
  readonly prefix: string;
  readonly project: string;
  /** Owner of every managed view and schema. */
  readonly owner: string;
  readonly governance: string;
  /** Role of a model group; throws for a group the model does not declare. */
  role(group: string): string;
  /** Managed schema holding the views of governed base schema `schema`; throws for an ungoverned one. */
  schema(schema: string): string;
  /** Every group role, group -> role, sorted by group. */
  readonly roles: ReadonlyMap<string, string>;
  /** Every managed schema, base schema -> managed schema, sorted by base schema. */
  readonly schemas: ReadonlyMap<string, string>;
}

const RESERVED = '\u0000reserved';

/** Names for a model and the base schemas of its governed tables. */
export function postgresNames(model: Model, baseSchemas: Iterable<string>, settings: Readonly<Record<string, unknown>> = {}): PostgresNames {
  const prefix = model.project.managedPrefix;
  const configured = typeof settings.governance_schema === 'string' && settings.governance_schema !== '' ? settings.governance_schema : undefined;
  const owner = ownerRoleName(prefix);
  const governance = governanceSchemaName(prefix, configured);

  const roleTaken = new Map<string, string>([[owner, RESERVED]]);
  const roles = assign(prefix, [...model.groups.keys()], roleTaken);

  const bases = [...new Set(baseSchemas)].sort(compare);
  const schemaTaken = new Map<string, string>([[governance, RESERVED]]);
  for (const b of bases) if (!schemaTaken.has(b)) schemaTaken.set(b, RESERVED + b);
  const schemas = assign(prefix, bases, schemaTaken);

  return {
    prefix,
    project: model.project.name,
    owner,
    governance,
    roles,
    schemas,
    role(group) {
      const r = roles.get(group);
      if (r === undefined) throw new Error(`no role for group '${group}': it is not declared in the model`);
      return r;
    },
    schema(schema) {
      const s = schemas.get(schema);
      if (s === undefined) throw new Error(`no managed schema for '${schema}': no governed table lives there`);
      return s;
    },
  };
}

/** Names for the governed tables of a resolved model. */
export function namesForResolved(resolved: Resolved, settings: Readonly<Record<string, unknown>> = {}): PostgresNames {
  return postgresNames(resolved.model, resolved.tables.map((t) => t.table.parts[1]), settings);
}

function assign(prefix: string, names: readonly string[], taken: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of [...names].sort(compare)) {
    const native = nativeName(prefix, name, name, POSTGRES_NAME_RULES, taken);
    const holder = taken.get(native);
    if (holder !== undefined && holder !== name) throw new Error(`native name ${native} of '${name}' is already taken; rename one of them`);
    taken.set(native, name);
    out.set(name, native);
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
