import { randomBytes } from 'node:crypto';
import { ObservationCache, type StepPrints } from '../../safety/reuse.js';
import type { Resolved, ResolvedTable } from '../../resolve/resolve.js';
import type { BaseRows, ExposureProbe, ObservedRow } from '../../safety/exposure.js';
import { keyText, normalizeValue } from '../../safety/values.js';
import type { Connection, TargetContext } from '../target.js';
import { quoteIdent } from './naming.js';
import { namesForResolved, type PostgresNames } from './native-names.js';
import { qualified } from './objects.js';
import { primaryKeys, readBase } from './verify.js';
import { rowFromText, rowShapes, textParserOf, type RowShape } from './row-text.js';

/**
 * The exposure-window probe for PostgreSQL (src/safety/exposure.ts). The whole plan runs in ONE
 * transaction on the applying connection, statement by statement. After each statement every
 * principal is observed inside a SAVEPOINT: one temporary NOLOGIN probe role per principal, a
 * member of its groups' roles (`CREATE ROLE … IN ROLE …`), `SET LOCAL ROLE` to it, `SELECT *`
 * from the managed view(s) of each table, then `ROLLBACK TO SAVEPOINT` — so observing never
 * changes the state the next statement runs on. Inside the transaction other roles see the
 * uncommitted catalog, i.e. exactly what another session would see had every statement up to
 * here committed on its own.
 *
 * Readability is read first, for every probe role × view in one catalog query
 * (`has_schema_privilege` USAGE and `has_any_column_privilege` SELECT — the checks the executor
 * makes before reading a view; a view that does not exist yet is not readable); only what that
 * query allows is SELECTed. Should a SELECT still fail (the view's owner cannot read the base
 * table, a column-only grant), the step is observed again with a savepoint around every SELECT,
 * where permission denied (42501) and a missing relation (42P01) mean not readable.
 */
export interface PostgresExposureOptions {
  /** At the end: roll back (default) or commit the plan. A failed statement always rolls back. */
  readonly finish?: 'rollback' | 'commit';
  /** The caller already holds a transaction: run inside a SAVEPOINT instead of BEGIN … COMMIT. */
  readonly nested?: boolean;
  /** Statements run right after BEGIN: the target's apply preamble (lock budget, search_path). */
  readonly preamble?: readonly string[];
  /**
   * Re-read a view only when something its reads depend on changed since the last step (see
   * `fingerprints`); default true. False reads every view as every principal after every statement.
   */
  readonly reuseUnchanged?: boolean;
}

/** The probe, plus how much it read. */
export interface PostgresExposureProbe extends ExposureProbe {
  /** Principal × view × step observations made (`views`), and how many of them were read again (`read`). */
  readonly reads: { readonly views: number; readonly read: number };
}

const RUN = 'meshward_exposure';
const STEP = 'meshward_exposure_observe';
const READ = 'meshward_exposure_read';

/** The probe over the applying connection; `models` name the roles and views of both sides. */
export function postgresExposureProbe(
  conn: Connection,
  ctx: Pick<TargetContext, 'settings'>,
  models: { readonly old: Resolved | null; readonly new: Resolved },
  options: PostgresExposureOptions = {},
): PostgresExposureProbe {
  const sides = [models.new, models.old].filter((r): r is Resolved => r !== null);
  const names = new Map<Resolved, PostgresNames>(sides.map((r) => [r, namesForResolved(r, ctx.settings)]));
  const prefix = models.new.model.project.managedPrefix;
  const tag = randomBytes(4).toString('hex');
  const bases = new Map<string, BaseRows>();
  let superuser = true;
  /** The step savepoint is open (observing must end by rolling back to it). */
  let stepOpen = false;
  /** What each principal read through each view, and when to read it again: the core's change tracking (safety/reuse.ts), fed by catalog prints. */
  const cache = new ObservationCache();
  const tableOfView = new Map<string, string>();
  const reads = { views: 0, read: 0 };
  const parseText = textParserOf(conn);
  /** Names of the statements prepareReads made, and how many of them are deallocated. */
  const prepared: string[] = [];
  let deallocated = 0;

  /** A group's role: the new model's name, else the old model's (a group being removed). */
  const roleOf = (group: string): string | undefined => {
    for (const r of sides) {
      const role = names.get(r)!.roles.get(group);
      if (role !== undefined) return role;
    }
    return undefined;
  };
  /** The view(s) consumers query for a table: the new model's, and the old model's if it differs. */
  const viewsOf = (table: string): string[] => {
    const out = new Set<string>();
    for (const r of sides) {
      const t = r.table(table);
      if (t) out.add(qualified(names.get(r)!.schema(t.table.parts[1]), t.table.parts[2]));
    }
    return [...out];
  };
  const resolvedTable = (table: string): ResolvedTable => {
    for (const r of sides) {
      const t = r.table(table);
      if (t) return t;
    }
    throw new Error(`${table} is governed by neither model`);
  };
  /** The group attribute values every view using user.<attribute> reads (the same table on both sides unless a setting moved it). */
  const attributeTables = [...new Set(sides.map((r) => qualified(names.get(r)!.governance, 'attributes')))];
  const probeRole = (i: number): string => `${prefix.slice(0, 40)}probe_${tag}_${i}`;

  async function clearRows(table: string): Promise<BaseRows> {
    const cached = bases.get(table);
    if (cached) return cached;
    const rt = resolvedTable(table);
    const pk = (await primaryKeys(conn, [rt])).get(rt.table.key);
    if (!pk?.length) throw new Error(`${table} has no primary key: its rows cannot be identified`);
    const base = await readBase(conn, rt, pk);
    const rows: BaseRows = { table, pk, types: base.types, rows: base.rows };
    bases.set(table, rows);
    return rows;
  }

  function observedRows(base: BaseRows, rows: readonly Record<string, unknown>[]): ObservedRow[] {
    return rows.map((row) => {
      const cells: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) cells[k] = normalizeValue(v, base.types.get(k));
      return { pk: keyText(cells, base.pk), cells };
    });
  }

  /** Creates one probe role per principal (inside the step savepoint); returns their names. */
  async function createProbeRoles(principals: readonly (readonly string[])[]): Promise<string[]> {
    const wanted = [...new Set(principals.flatMap((p) => p.map(roleOf).filter((r): r is string => r !== undefined)))];
    await conn.exec(`SAVEPOINT ${STEP}`);
    stepOpen = true;
    const { rows } = await conn.query('SELECT rolname::text AS name FROM pg_catalog.pg_roles WHERE rolname = ANY ($1::text[])', [wanted]);
    const existing = new Set(rows.map((r) => String(r.name)));
    const roles = principals.map((_, i) => probeRole(i));
    const script = principals.map((p, i) => {
      // A group whose role does not exist (yet, or any more) cannot hold anyone at this step.
      const member = [...new Set(p.map(roleOf).filter((r): r is string => r !== undefined && existing.has(r)))];
      return `CREATE ROLE ${quoteIdent(roles[i]!)} NOLOGIN${member.length ? ` IN ROLE ${member.map(quoteIdent).join(', ')}` : ''};`;
    });
    // A superuser may SET ROLE to anything; anyone else must be a member of the probe role.
    if (!superuser && roles.length) script.push(`GRANT ${roles.map(quoteIdent).join(', ')} TO CURRENT_USER;`);
    if (script.length) await conn.exec(script.join('\n'));
    return roles;
  }

  /** Probe role index × view index pairs the catalog lets read. */
  async function readablePairs(roles: readonly string[], views: readonly string[]): Promise<Set<string>> {
    if (roles.length === 0 || views.length === 0) return new Set();
    const { rows } = await conn.query(
      `SELECT p.i::int AS p, v.j::int AS v
         FROM unnest($1::text[]) WITH ORDINALITY AS p(role, i)
        CROSS JOIN (SELECT x.j, pg_catalog.to_regclass(x.name) AS rel FROM unnest($2::text[]) WITH ORDINALITY AS x(name, j)) AS v
         JOIN pg_catalog.pg_class c ON c.oid = v.rel
        WHERE pg_catalog.has_schema_privilege(p.role, c.relnamespace, 'USAGE')
          AND pg_catalog.has_any_column_privilege(p.role, c.oid, 'SELECT')`,
      [roles, views],
    );
    return new Set(rows.map((r) => `${Number(r.p) - 1}:${Number(r.v) - 1}`));
  }

  /**
   * Reads, for each principal, the views `wanted` lists for it into `seen` (null: not readable);
   * `careful` wraps every SELECT in its own savepoint. Runs inside the step savepoint, which the
   * caller rolls back.
   */
  async function readViews(wanted: readonly { readonly principal: readonly string[]; readonly views: readonly string[] }[], careful: boolean): Promise<void> {
    await deallocateReads();
    const roles = await createProbeRoles(wanted.map((w) => w.principal));
    const views = [...new Set(wanted.flatMap((w) => w.views))];
    const viewIndex = new Map(views.map((v, i) => [v, i]));
    const readable = await readablePairs(roles, views);
    const someoneReads = views.filter((_, j) => roles.some((_r, p) => readable.has(`${p}:${j}`)));
    const fast = careful ? undefined : await prepareReads(someoneReads);
    for (const [p, role] of roles.entries()) {
      let roleSet = false;
      for (const view of wanted[p]!.views) {
        let rows: Record<string, unknown>[] | undefined;
        if (readable.has(`${p}:${viewIndex.get(view)!}`)) {
          if (!roleSet) {
            await conn.exec(`SET LOCAL ROLE ${quoteIdent(role)}`);
            roleSet = true;
          }
          const read = fast?.get(view);
          if (careful) rows = await selectCarefully(view);
          else if (read) rows = (await conn.query(`EXECUTE ${read.name}`)).rows.map((r) => rowFromText(String(r.r), read.shape, parseText!));
          else rows = (await conn.query(`SELECT * FROM ${view}`)).rows;
        }
        cache.put(wanted[p]!.principal, view, rows ? observedRows(bases.get(tableOfView.get(view)!)!, rows) : null);
      }
    }
  }

  /**
   * Each view's read, prepared once for the step as its row text (row-text.ts: the same values
   * as `SELECT *`, without the driver decoding every cell), when the driver can parse row text.
   * PREPARE runs as the applying identity; EXECUTE checks privileges as the role current when it
   * runs, like any SELECT. Prepared statements outlive ROLLBACK TO SAVEPOINT: deallocateReads.
   */
  async function prepareReads(views: readonly string[]): Promise<Map<string, { name: string; shape: RowShape }> | undefined> {
    if (parseText === undefined || views.length === 0) return undefined;
    const shapes = await rowShapes(conn, views);
    const reads = new Map<string, { name: string; shape: RowShape }>();
    const script: string[] = [];
    for (const view of views) {
      const shape = shapes.get(view);
      if (!shape) continue;
      const name = `meshward_exposure_${tag}_${prepared.length}`;
      prepared.push(name);
      script.push(`PREPARE ${name} AS SELECT t::text AS r FROM ${view} AS t;`);
      reads.set(view, { name, shape });
    }
    if (script.length) await conn.exec(script.join('\n'));
    return reads;
  }

  /** Drops the prepared reads of earlier steps (needs a transaction that has not failed, or none). */
  async function deallocateReads(): Promise<void> {
    if (deallocated === prepared.length) return;
    await conn.exec(prepared.slice(deallocated).map((n) => `DEALLOCATE ${n};`).join('\n'));
    deallocated = prepared.length;
  }

  /** SELECT in its own savepoint: rows, or undefined when not readable. */
  async function selectCarefully(view: string): Promise<Record<string, unknown>[] | undefined> {
    await conn.exec(`SAVEPOINT ${READ}`);
    try {
      const { rows } = await conn.query(`SELECT * FROM ${view}`);
      await conn.exec(`RELEASE SAVEPOINT ${READ}`);
      return rows;
    } catch (e) {
      const code = (e as { code?: string }).code;
      await conn.exec(`ROLLBACK TO SAVEPOINT ${READ}; RELEASE SAVEPOINT ${READ}`);
      if (code === '42501' || code === '42P01') return undefined;
      throw new Error(`reading ${view}: ${(e as Error).message}`, { cause: e });
    }
  }

  async function undoStep(): Promise<void> {
    stepOpen = false;
    await conn.exec(`ROLLBACK TO SAVEPOINT ${STEP}; RELEASE SAVEPOINT ${STEP}`);
  }

  return {
    reads,
    async begin() {
      await conn.exec(options.nested ? `SAVEPOINT ${RUN}` : 'BEGIN');
      for (const sql of options.preamble ?? []) await conn.exec(sql);
      const { rows } = await conn.query('SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user');
      superuser = rows[0]?.rolsuper === true;
    },
    clearRows,
    async execute(step) {
      if (step.kind !== 'sql') throw new Error(`a PostgreSQL plan has no API steps (${step.method} ${step.path})`);
      await conn.exec(step.text);
    },
    async observe(principals, tables) {
      for (const t of tables) await clearRows(t); // as the applying identity, before any SET ROLE
      const tableViews = tables.map(viewsOf);
      for (const [t, views] of tableViews.entries()) for (const v of views) tableOfView.set(v, tables[t]!);
      const views = [...new Set(tableViews.flat())];
      const catalog = options.reuseUnchanged === false ? undefined : await fingerprints(conn, views, attributeTables);
      // Per principal: what its reads depend on beyond the views (its probe role's closure).
      const printed = new Map<string, string>();
      const now: StepPrints | undefined = catalog && {
        objects: catalog.views,
        principal(p) {
          const key = p.join('\u0000');
          let print = printed.get(key);
          if (print === undefined) printed.set(key, (print = catalog.principal(p.map(roleOf).filter((r): r is string => r !== undefined))));
          return print;
        },
      };
      const wanted = cache.stale(principals, views, now).map((w) => ({ principal: w.principal, views: w.objects }));
      reads.read += wanted.reduce((n, w) => n + w.views.length, 0);
      if (wanted.length) {
        try {
          await readViews(wanted, false);
        } catch (e) {
          if (!stepOpen) throw e;
          // The catalog allowed a read the executor refused: read this step again, read by read.
          await undoStep();
          await readViews(wanted, true);
        }
        await undoStep();
      }
      cache.settle(principals, now);
      reads.views += views.length * principals.length;
      // An observation nothing re-read is returned as the same object, so the checker can skip it.
      return cache.observations(principals, tables, tableViews);
    },
    async end(ok) {
      const commit = ok && options.finish === 'commit';
      if (options.nested) await conn.exec(commit ? `RELEASE SAVEPOINT ${RUN}` : `ROLLBACK TO SAVEPOINT ${RUN}; RELEASE SAVEPOINT ${RUN}`);
      else await conn.exec(commit ? 'COMMIT' : 'ROLLBACK');
      await deallocateReads();
    },
  };
}

/** The catalog state reads depend on: per view everything its SELECT consults, and per principal its role closure. */
interface Fingerprint {
  readonly views: ReadonlyMap<string, string>;
  /** What a principal's reads depend on beyond the views, given its groups' role names. */
  principal(roles: readonly string[]): string;
}

/**
 * What `SELECT * FROM view` as a probe role can depend on, read in one catalog query per step:
 *
 * - per view: its stored rule (pg_rewrite.ev_action: the query tree the rewriter expands, with
 *   every relation, column and function by OID — what pg_get_viewdef would deparse, without the
 *   deparsing, which was a third of the probe's time), options, owner, ACL and column ACLs, its schema's owner and ACL, and
 *   for every relation it reads: owner, ACL, column ACLs, row-security flags and policies; and
 *   the closure of its owner (the view reads its relations with the owner's privileges);
 * - per principal: the closure of its probe role — every role it is a member of, directly or not,
 *   with the roles' flags (superuser, inherit, bypassrls) and every membership edge with its
 *   options — and the rows of the governance table of group attribute values for those roles
 *   (views read it with `pg_has_role(current_user, role, 'MEMBER')`: other roles' rows cannot
 *   matter).
 *
 * A plan never writes base data, never redefines functions and never changes settings, so two
 * steps with equal view and principal fingerprints read the same rows; a membership granted to
 * one group re-reads only the principals holding it. (An absent view fingerprints as ''.)
 */
async function fingerprints(conn: Connection, views: readonly string[], attributeTables: readonly string[]): Promise<Fingerprint> {
  const { rows } = await conn.query(
    `WITH v AS (SELECT x.j::int AS j, pg_catalog.to_regclass(x.name) AS rel FROM unnest($1::text[]) WITH ORDINALITY AS x(name, j))
     SELECT v.j, c.relowner::text AS owner, CASE WHEN c.oid IS NULL THEN '' ELSE pg_catalog.concat_ws('|',
              c.oid, c.relkind, c.relowner, c.relacl, c.reloptions, c.relrowsecurity, c.relforcerowsecurity,
              (SELECT rw.ev_action::text FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = c.oid AND rw.rulename = '_RETURN'), n.nspowner, n.nspacl,
              (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', a.attnum, a.attname, a.atttypid, a.attacl), ',' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
              (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', b.oid, b.relowner, b.relacl, b.relrowsecurity, b.relforcerowsecurity,
                        (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', ba.attnum, ba.attacl), ',' ORDER BY ba.attnum)
                           FROM pg_catalog.pg_attribute ba WHERE ba.attrelid = b.oid AND ba.attacl IS NOT NULL),
                        (SELECT pg_catalog.string_agg(pol::text, ',' ORDER BY pol.oid) FROM pg_catalog.pg_policy pol WHERE pol.polrelid = b.oid)), ',' ORDER BY b.oid)
                 FROM pg_catalog.pg_class b
                WHERE b.oid IN (SELECT d.refobjid FROM pg_catalog.pg_rewrite r
                                  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
                                 WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid))) END AS fp
       FROM v LEFT JOIN pg_catalog.pg_class c ON c.oid = v.rel LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`,
    [views],
  );
  // Roles, membership edges and which attributes tables exist at this step: one round trip.
  const { rows: catalogRows } = await conn.query(
    `SELECT 'r' AS k, r.oid::text AS a, r.rolname::text AS b, pg_catalog.concat_ws(':', r.oid, r.rolname, r.rolsuper, r.rolinherit, r.rolbypassrls) AS fp FROM pg_catalog.pg_roles r
     UNION ALL SELECT 'e', m.member::text, m.roleid::text, m::text FROM pg_catalog.pg_auth_members m
     UNION ALL SELECT 't', x.name, NULL, NULL FROM unnest($1::text[]) AS x(name) WHERE pg_catalog.to_regclass(x.name) IS NOT NULL`,
    [attributeTables],
  );
  const roleRows = catalogRows.filter((r) => r.k === 'r').map((r) => ({ oid: r.a, name: r.b, fp: r.fp }));
  const edgeRows = catalogRows.filter((r) => r.k === 'e').map((r) => ({ member: r.a, role: r.b, fp: r.fp }));
  const presentTables = catalogRows.filter((r) => r.k === 't').map((r) => String(r.a));
  const roleFp = new Map(roleRows.map((r) => [String(r.oid), String(r.fp)]));
  const oidOf = new Map(roleRows.map((r) => [String(r.name), String(r.oid)]));
  const nameOf = new Map(roleRows.map((r) => [String(r.oid), String(r.name)]));
  const edgesOf = new Map<string, { role: string; fp: string }[]>();
  for (const e of edgeRows) {
    const list = edgesOf.get(String(e.member)) ?? [];
    list.push({ role: String(e.role), fp: String(e.fp) });
    edgesOf.set(String(e.member), list);
  }
  const attributes = await attributeRows(conn, presentTables);
  /** Roles reachable from `start` (oids) and the edges walked, as one text. */
  const closure = (start: readonly string[]): { oids: Set<string>; text: string } => {
    const oids = new Set<string>();
    const parts: string[] = [];
    const queue = [...start];
    while (queue.length) {
      const oid = queue.pop()!;
      if (oids.has(oid)) continue;
      oids.add(oid);
      parts.push(`r${roleFp.get(oid) ?? oid}`);
      for (const e of edgesOf.get(oid) ?? []) {
        parts.push(`e${e.fp}`);
        queue.push(e.role);
      }
    }
    return { oids, text: parts.sort().join(',') };
  };
  const byIndex = new Map(rows.map((r) => [Number(r.j), { fp: String(r.fp ?? ''), owner: r.owner === null || r.owner === undefined ? null : String(r.owner) }]));
  const ownerClosure = new Map<string, string>();
  const viewPrint = (i: number): string => {
    const row = byIndex.get(i);
    if (!row) return '';
    if (row.owner === null) return row.fp;
    let owner = ownerClosure.get(row.owner);
    if (owner === undefined) ownerClosure.set(row.owner, (owner = closure([row.owner]).text));
    return `${row.fp}|owner:${owner}`;
  };
  return {
    views: new Map(views.map((v, i) => [v, viewPrint(i + 1)])),
    principal(roles) {
      const start = roles.map((r) => oidOf.get(r)).filter((o): o is string => o !== undefined);
      const { oids, text } = closure(start);
      const names = new Set([...oids].map((o) => nameOf.get(o)!));
      const rows = attributes.filter((a) => names.has(a.role)).map((a) => a.text);
      return `${start.sort().join(',')}|${text}|${rows.join(',')}`;
    },
  };
}

/** The rows of the attributes tables that exist at this step, each with the role it belongs to. */
async function attributeRows(conn: Connection, tables: readonly string[]): Promise<{ role: string; text: string }[]> {
  if (tables.length === 0) return [];
  // the names are qualified() output, read back from our own parameter: quoted already
  const { rows } = await conn.query(
    tables.map((t, i) => `SELECT ${i} AS i, a.role::text AS role, pg_catalog.json_build_array(a.role, a.attribute, a.type, a.value)::text AS v FROM ${t} AS a`).join(' UNION ALL ') + ' ORDER BY 1, 2, 3',
  );
  return rows.map((d) => ({ role: String(d.role), text: `${tables[Number(d.i)]}=${String(d.v)}` }));
}
