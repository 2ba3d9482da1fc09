import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ident, openBenchDb, option, type BenchDb } from './db.js';

/**
 * Child process of the benchmark for the work that is not meshward's: the floors it is compared
 * with and the out-of-band drift. Prints one JSON line.
 *
 *   catalog.js bulk   (--url URL | --pglite DIR)               floor (b): one bulk catalog read
 *   catalog.js peers  (--url URL | --pglite DIR) --prefix P    floor (c): one query per table, view and role
 *   catalog.js exec   --pglite DIR --file SQL                  floor (a) on PGlite: the statements in one exec
 *   catalog.js exec-each --pglite DIR --file JSON             floor (a′) on PGlite: one exec per statement, one transaction
 *   catalog.js version (--url URL | --pglite DIR)               SHOW server_version
 *   catalog.js inject (--url URL | --pglite DIR) --prefix P --fraction F   1 % out-of-band drift
 */
const [mode, ...args] = process.argv.slice(2);

async function run(which: string, db: BenchDb): Promise<Record<string, unknown>> {
  switch (which) {
    case 'bulk': {
      // Three times: the floor is the warm read (a session's catalog caches are warm by the time
      // meshward introspects); the cold first one is kept too.
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await timed(async () => ({ rows: (await db.query(BULK_READ)).length })));
      return { ...runs[0], ms: Math.min(...runs.map((r) => Number(r.ms))), coldMs: runs[0]!.ms, runsMs: runs.map((r) => r.ms) };
    }
    case 'version':
      return { version: (await db.query<{ server_version: string }>('SHOW server_version'))[0]?.server_version };
    case 'peers':
      return peers(db, required('--prefix'));
    case 'exec': {
      const sql = readFileSync(required('--file'), 'utf8');
      return timed(async () => {
        await db.exec(`BEGIN;\n${sql}\nCOMMIT;`);
        return { bytes: Buffer.byteLength(sql) };
      });
    }
    case 'exec-each': {
      const statements = JSON.parse(readFileSync(required('--file'), 'utf8')) as string[];
      return timed(async () => {
        await db.exec('BEGIN');
        for (const statement of statements) await db.exec(statement);
        await db.exec('COMMIT');
        return { statements: statements.length };
      });
    }
    case 'inject':
      return inject(db, required('--prefix'), Number(required('--fraction')));
    default:
      throw new Error(`unknown mode ${which}: bulk, peers, exec or inject`);
  }
}

function required(name: string): string {
  const value = option(args, name);
  if (value === undefined) throw new Error(`${mode} needs ${name}`);
  return value;
}

async function timed(f: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const started = performance.now();
  const value = await f();
  return { ...value, ms: performance.now() - started, queries: 1 };
}

/** User schemas: everything but the system's. */
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

/**
 * Floor (b): ONE statement reading what a plan must know of the estate — every relation of the
 * user schemas with its kind, owner, ACL and columns (name and type), a hash of each view's
 * rewrite rule (ev_action: compares a view without deparsing or locking it), and every role with
 * its memberships.
 */
const BULK_READ = `
SELECT 'relation' AS what, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, md5(r.ev_action::text) AS detail,
       (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::text AS columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_rewrite r ON r.ev_class = c.oid AND c.relkind = 'v' AND r.rulename = '_RETURN'
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND ${USER_SCHEMA}
UNION ALL
SELECT 'role', NULL, r.rolname, NULL, NULL, NULL, r.rolcanlogin::text,
       (SELECT json_agg(b.rolname ORDER BY b.rolname) FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid)::text
  FROM pg_roles r
 WHERE r.rolname NOT LIKE 'pg\\_%'`;

/**
 * Floor (c): the peers' strategy (Terraform's postgresql provider, Permifrost) — list the
 * objects, then one catalog query per table, per view (with its definition) and per role.
 */
async function peers(db: BenchDb, prefix: string): Promise<Record<string, unknown>> {
  const started = performance.now();
  const relations = await db.query<{ schema: string; name: string; kind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v') AND ${USER_SCHEMA} ORDER BY 1, 2`,
  );
  const roles = await db.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1 ORDER BY 1`, [prefix]);
  let queries = 2;
  for (const r of relations) {
    const definition = r.kind === 'v' ? ', pg_get_viewdef(c.oid) AS definition' : '';
    await db.query(
      `SELECT c.relacl::text AS acl${definition},
              (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [r.schema, r.name],
    );
    queries++;
  }
  for (const r of roles) {
    await db.query(
      `SELECT r.rolname, r.rolcanlogin, r.rolinherit, ARRAY(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid) AS member_of FROM pg_roles r WHERE r.rolname = $1`,
      [r.rolname],
    );
    queries++;
  }
  const views = relations.filter((r) => r.kind === 'v').length;
  return { ms: performance.now() - started, queries, tables: relations.length - views, views, roles: roles.length };
}

/**
 * The out-of-band drift: every 1/fraction-th managed view (in name order), in turn, is replaced
 * (same columns, no rows), loses a managed group's SELECT, or gains one — as a DBA would, in one
 * transaction as the superuser.
 */
async function inject(db: BenchDb, prefix: string, fraction: number): Promise<Record<string, unknown>> {
  // no pg_get_viewdef here: it locks each view and what it reads, and 10,000 of them fill a
  // default server's lock table — only the views to replace are deparsed, in slices, below
  const views = await db.query<{ schema: string; name: string; grantees: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            ARRAY(SELECT r.rolname::text FROM aclexplode(c.relacl) x JOIN pg_roles r ON r.oid = x.grantee WHERE x.privilege_type = 'SELECT' ORDER BY 1) AS grantees
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'v' AND left(n.nspname, length($1)) = $1 ORDER BY 1, 2`,
    [prefix],
  );
  const roles = (await db.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1 AND NOT rolcanlogin ORDER BY 1`, [prefix])).map((r) => r.rolname);
  const owner = `${prefix}owner`;
  const every = Math.max(1, Math.round(1 / fraction));
  const statements: string[] = [];
  const changed = { replaced: 0, revoked: 0, granted: 0 };
  const replaced = views.filter((_, i) => i % every === 0 && (i / every) % 3 === 0);
  const definitions = new Map<string, string>();
  for (let k = 0; k < replaced.length; k += 200) {
    const slice = replaced.slice(k, k + 200);
    const rows = await db.query<{ schema: string; name: string; definition: string }>(
      `SELECT w.schema, w.name, pg_get_viewdef(format('%I.%I', w.schema, w.name)::regclass) AS definition FROM unnest($1::text[], $2::text[]) AS w(schema, name)`,
      [slice.map((v) => v.schema), slice.map((v) => v.name)],
    );
    for (const r of rows) definitions.set(`${r.schema}.${r.name}`, r.definition);
  }
  views.forEach((v, i) => {
    if (i % every !== 0) return;
    const name = `${ident(v.schema)}.${ident(v.name)}`;
    const grantees = (v.grantees ?? []).filter((g) => g.startsWith(prefix) && g !== owner);
    const turn = (i / every) % 3;
    if (turn === 0) {
      statements.push(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM (${definitions.get(`${v.schema}.${v.name}`)!.replace(/;\s*$/, '')}) AS q WHERE false`);
      changed.replaced++;
    } else if (turn === 1 && grantees.length > 0) {
      statements.push(`REVOKE SELECT ON ${name} FROM ${ident(grantees[0]!)}`);
      changed.revoked++;
    } else {
      const outsider = roles.find((r, k) => k >= i % roles.length && r !== owner && !grantees.includes(r)) ?? roles.find((r) => r !== owner && !grantees.includes(r));
      if (!outsider) return;
      statements.push(`GRANT SELECT ON ${name} TO ${ident(outsider)}`);
      changed.granted++;
    }
  });
  const started = performance.now();
  if (statements.length) await db.exec(`BEGIN;\n${statements.join(';\n')};\nCOMMIT;`);
  return { ms: performance.now() - started, views: views.length, objects: statements.length, ...changed };
}

const db = await openBenchDb(args);
try {
  const result = await run(mode ?? '', db);
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await db.close();
}
