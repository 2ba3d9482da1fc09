import type { Connection } from '../target.js';

/**
 * Rows read as one text each (`SELECT t::text FROM view AS t`) and turned back into exactly the
 * values `SELECT *` returns through the same driver: each field of the row's text is the
 * column's own text output, parsed by the driver's parser for the column's type. The exposure
 * probe reads this way because the drivers' per-cell decoding, not the engine, is most of what a
 * small `SELECT *` costs (PGlite: ~1.5 ms a read of the example's views, ~0.45 ms as row text,
 * prepared — measured in one process on the example).
 */

/** Parses a column's text output as the driver would for a column of that type (OID). */
export type TextParser = (text: string, typeOid: number) => unknown;

const parsers = new WeakMap<Connection, TextParser>();

/** Records the driver's text parser of a connection (embedded.ts and connect.ts, when they make one). */
export function registerTextParser(conn: Connection, parse: TextParser): Connection {
  parsers.set(conn, parse);
  return conn;
}

/**
 * The driver's text parser of `conn`; undefined for a connection that did not register one (e.g.
 * one wrapped by a test's fault injector), whose callers read with `SELECT *` instead.
 */
export function textParserOf(conn: Connection): TextParser | undefined {
  return parsers.get(conn);
}

/**
 * The fields of a row's text form (record_out): `(a,"b c",,"")` → ['a', 'b c', null, '']. An
 * unquoted empty field is NULL; inside double quotes `""` and `\x` stand for `"` and `x`.
 */
export function parseRecordText(text: string): (string | null)[] {
  if (text.length < 2 || text[0] !== '(' || text[text.length - 1] !== ')') throw new Error(`not a row's text: ${text.slice(0, 40)}`);
  const fields: (string | null)[] = [];
  const end = text.length - 1;
  let i = 1;
  for (;;) {
    let value = '';
    let quoted = false;
    let start = i;
    while (i < end && text[i] !== ',') {
      const c = text[i]!;
      if (c === '"') {
        quoted = true;
        value += text.slice(start, i);
        i++;
        for (;;) {
          if (i >= end) throw new Error(`unterminated quote in a row's text: ${text.slice(0, 40)}`);
          const q = text[i]!;
          if (q === '\\') {
            value += text[i + 1] ?? '';
            i += 2;
          } else if (q === '"' && text[i + 1] === '"') {
            value += '"';
            i += 2;
          } else if (q === '"') {
            i++;
            break;
          } else {
            const next = nextSpecial(text, i, end);
            value += text.slice(i, next);
            i = next;
          }
        }
        start = i;
      } else if (c === '\\') {
        value += text.slice(start, i) + (text[i + 1] ?? '');
        i += 2;
        start = i;
      } else i++;
    }
    value += text.slice(start, i);
    fields.push(value === '' && !quoted ? null : value);
    if (i >= end) return fields;
    i++; // the comma
  }
}

/** The next `"` or `\` at or after `from` (or `end`). */
function nextSpecial(text: string, from: number, end: number): number {
  for (let k = from; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 92) return k;
  }
  return end;
}

/** A view's columns in order, each with the type OID a driver is told for it (a domain's base type). */
export interface RowShape {
  readonly names: readonly string[];
  readonly types: readonly number[];
}

/**
 * The column names and result type OIDs of relations (qualified, quoted names), in one catalog
 * query. A domain is reported as its base type, as the server's row description does.
 */
export async function rowShapes(conn: Connection, relations: readonly string[]): Promise<Map<string, RowShape>> {
  const shapes = new Map<string, { names: string[]; types: number[] }>();
  if (relations.length === 0) return shapes;
  const { rows } = await conn.query(
    `WITH RECURSIVE rel AS (SELECT x.name, pg_catalog.to_regclass(x.name) AS oid FROM unnest($1::text[]) AS x(name)),
          col AS (SELECT rel.name, a.attnum, a.attname::text AS attname, a.atttypid AS typ, 0 AS depth
                    FROM rel JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
                  UNION ALL
                  SELECT col.name, col.attnum, col.attname, t.typbasetype, col.depth + 1
                    FROM col JOIN pg_catalog.pg_type t ON t.oid = col.typ AND t.typtype = 'd')
     SELECT DISTINCT ON (col.name, col.attnum) col.name, col.attnum, col.attname, col.typ::int AS typ
       FROM col ORDER BY col.name, col.attnum, col.depth DESC`,
    [relations],
  );
  for (const r of rows) {
    const name = String(r.name);
    let shape = shapes.get(name);
    if (!shape) shapes.set(name, (shape = { names: [], types: [] }));
    shape.names.push(String(r.attname));
    shape.types.push(Number(r.typ));
  }
  return shapes;
}

/** One row's text as the record `SELECT *` would have returned through the driver. */
export function rowFromText(text: string, shape: RowShape, parse: TextParser): Record<string, unknown> {
  const fields = parseRecordText(text);
  if (fields.length !== shape.names.length) throw new Error(`a row's text has ${fields.length} fields, its relation ${shape.names.length} columns`);
  const row: Record<string, unknown> = {};
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    row[shape.names[k]!] = f === null ? null : parse(f, shape.types[k]!);
  }
  return row;
}
