import pg from 'pg';

/** What the bench's own catalog work needs of a database: the embedded PGlite or a server. */
export interface BenchDb {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements as one simple query. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** `--url URL` (a server) or `--pglite DIR` (an embedded data directory no other process holds). */
export async function openBenchDb(args: readonly string[]): Promise<BenchDb> {
  const url = option(args, '--url');
  const dir = option(args, '--pglite');
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      query: async (sql, params) => (await client.query(sql, params ? [...params] : undefined)).rows,
      exec: async (sql) => void (await client.query(sql)),
      close: () => client.end(),
    };
  }
  if (dir) {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dir);
    return {
      query: async <R>(sql: string, params?: readonly unknown[]) => (await db.query<R>(sql, params ? [...params] : undefined)).rows,
      exec: async (sql) => void (await db.exec(sql)),
      close: () => db.close(),
    };
  }
  throw new Error('pass --url URL or --pglite DIR');
}

export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A quoted identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
