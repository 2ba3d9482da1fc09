import { createHash, randomUUID } from 'node:crypto';
import type { Expr } from './ast.js';
import { castValue, toDate } from './cast.js';
import { closure } from './access.js';
import { effectiveTags, findColumn, tagByName } from './catalog.js';
import type { Ctx } from './context.js';
import { SimError, compileError, unknownFunction } from './errors.js';
import { evalExpr, walk, type Scope } from './eval.js';
import { getDdl } from './describe.js';
import { parseNameString } from './names.js';
import { BOOLEAN, DATE, FLOAT, NUMBER, TIMESTAMP_LTZ, TIMESTAMP_NTZ, VARCHAR, VARIANT, type SqlType } from './types.js';
import { compare, equalValues, isObject, toText, truth, type Value } from './values.js';

const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'ANY_VALUE', 'ARRAY_AGG', 'LISTAGG', 'BOOLAND_AGG', 'BOOLOR_AGG']);
export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name);
}

type Fn = Extract<Expr, { k: 'fn' }>;

/** Date/time parts as DATEADD, DATEDIFF and DATE_TRUNC take them (https://docs.snowflake.com/en/sql-reference/functions-date-time#label-supported-date-time-parts). */
const PARTS: Record<string, string> = {
  YEAR: 'year', Y: 'year', YY: 'year', YYYY: 'year', YEARS: 'year', YR: 'year', YRS: 'year',
  MONTH: 'month', MM: 'month', MON: 'month', MONS: 'month', MONTHS: 'month',
  WEEK: 'week', W: 'week', WK: 'week', WEEKS: 'week',
  DAY: 'day', D: 'day', DD: 'day', DAYS: 'day', DAYOFMONTH: 'day',
  HOUR: 'hour', H: 'hour', HH: 'hour', HR: 'hour', HOURS: 'hour', HRS: 'hour',
  MINUTE: 'minute', M: 'minute', MI: 'minute', MIN: 'minute', MINUTES: 'minute', MINS: 'minute',
  SECOND: 'second', S: 'second', SEC: 'second', SECONDS: 'second', SECS: 'second',
  MILLISECOND: 'ms', MS: 'ms', MSEC: 'ms', MILLISECONDS: 'ms',
  QUARTER: 'quarter', Q: 'quarter', QTR: 'quarter', QUARTERS: 'quarter',
};

function partArg(e: Expr, scope: Scope, ctx: Ctx): string {
  const word = e.k === 'col' && e.parts.length === 1 ? e.parts[0]! : toText(evalExpr(e, scope, ctx)).toUpperCase();
  const p = PARTS[word];
  if (!p) throw compileError('001065', `Invalid date/time part '${word}'`, '22023');
  return p;
}

/** The result type of a function call, where it is fixed. */
export function functionType(name: string): SqlType | null {
  switch (name) {
    case 'CURRENT_TIMESTAMP': case 'SYSDATE': case 'LOCALTIMESTAMP': case 'TO_TIMESTAMP_LTZ': return name === 'SYSDATE' ? TIMESTAMP_NTZ : TIMESTAMP_LTZ;
    case 'TO_TIMESTAMP': case 'TO_TIMESTAMP_NTZ': return TIMESTAMP_NTZ;
    case 'CURRENT_DATE': case 'TO_DATE': case 'DATE_FROM_PARTS': return DATE;
    case 'COUNT': case 'ROW_NUMBER': case 'RANK': case 'DENSE_RANK': case 'LENGTH': case 'LEN': case 'POSITION': case 'CHARINDEX': case 'YEAR': case 'MONTH': case 'DAY': case 'DATEDIFF': case 'ARRAY_SIZE': return NUMBER;
    case 'PARSE_JSON': case 'TRY_PARSE_JSON': case 'GET': case 'GET_PATH': case 'OBJECT_CONSTRUCT': return VARIANT;
    case 'ARRAY_CONSTRUCT': case 'SPLIT': case 'ARRAY_AGG': return { base: 'ARRAY' };
    case 'IS_ROLE_IN_SESSION': case 'IS_GRANTED_TO_INVOKER_ROLE': case 'ARRAY_CONTAINS': case 'REGEXP_LIKE': case 'STARTSWITH': case 'ENDSWITH': case 'CONTAINS': case 'EQUAL_NULL': case 'TO_BOOLEAN': return BOOLEAN;
    case 'AVG': return FLOAT;
    case 'CURRENT_ROLE': case 'CURRENT_USER': case 'CURRENT_ACCOUNT': case 'CURRENT_AVAILABLE_ROLES': case 'CURRENT_SECONDARY_ROLES': case 'LOWER': case 'UPPER': case 'CONCAT': case 'SUBSTR': case 'SUBSTRING': case 'LEFT': case 'RIGHT': case 'REPEAT': case 'REPLACE': case 'REGEXP_REPLACE': case 'SPLIT_PART': case 'SHA2': case 'SHA2_HEX': case 'MD5': case 'MD5_HEX': case 'TO_VARCHAR': case 'TO_CHAR': case 'GET_DDL': case 'LAST_QUERY_ID': case 'INVOKER_ROLE': case 'TRIM': case 'LTRIM': case 'RTRIM': case 'UUID_STRING': case 'CURRENT_DATABASE': case 'CURRENT_SCHEMA': case 'CURRENT_WAREHOUSE': case 'SYSTEM$GET_TAG_ON_CURRENT_COLUMN': case 'SYSTEM$GET_TAG_ON_CURRENT_TABLE': case 'SYSTEM$GET_TAG': case 'LISTAGG': case 'ARRAY_TO_STRING': case 'LPAD': case 'RPAD': case 'INITCAP': case 'REGEXP_SUBSTR': return VARCHAR;
  }
  return null;
}

function arity(f: Fn, min: number, max = min): void {
  if (f.args.length < min || f.args.length > max) {
    throw compileError('000938', `error line ${f.line} at position ${f.pos}\nnot enough arguments for function [${f.name}(${f.args.map(() => '?').join(', ')})], expected ${min}, got ${f.args.length}`, '42601');
  }
}

function hex(alg: string, s: string): string {
  return createHash(alg).update(s, 'utf8').digest('hex');
}

/** A JS RegExp from a POSIX pattern and Snowflake's parameters ('c' case-sensitive, 'i', 'm', 's', 'e'). */
function regex(pattern: string, params: string, global: boolean): RegExp {
  let flags = global ? 'gu' : 'u';
  if (params.includes('i') && !params.endsWith('c')) flags += 'i';
  if (params.includes('m')) flags += 'm';
  if (params.includes('s')) flags += 's';
  try {
    return new RegExp(pattern, flags);
  } catch {
    throw new SimError('100048', '2201B', `Invalid regular expression: '${pattern}', no argument for repetition operator: ?`);
  }
}

function addTo(d: Date, part: string, n: number): Date {
  const x = new Date(d.getTime());
  switch (part) {
    case 'year': x.setUTCFullYear(x.getUTCFullYear() + n); break;
    case 'quarter': x.setUTCMonth(x.getUTCMonth() + 3 * n); break;
    case 'month': x.setUTCMonth(x.getUTCMonth() + n); break;
    case 'week': return new Date(d.getTime() + n * 7 * 86400000);
    case 'day': return new Date(d.getTime() + n * 86400000);
    case 'hour': return new Date(d.getTime() + n * 3600000);
    case 'minute': return new Date(d.getTime() + n * 60000);
    case 'second': return new Date(d.getTime() + n * 1000);
    case 'ms': return new Date(d.getTime() + n);
  }
  return x;
}

function truncTo(d: Date, part: string): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (part) {
    case 'year': return new Date(Date.UTC(y, 0, 1));
    case 'quarter': return new Date(Date.UTC(y, m - (m % 3), 1));
    case 'month': return new Date(Date.UTC(y, m, 1));
    case 'week': { const day = (d.getUTCDay() + 6) % 7; return new Date(Date.UTC(y, m, d.getUTCDate() - day)); }
    case 'day': return new Date(Date.UTC(y, m, d.getUTCDate()));
    case 'hour': return new Date(Math.floor(d.getTime() / 3600000) * 3600000);
    case 'minute': return new Date(Math.floor(d.getTime() / 60000) * 60000);
    case 'second': return new Date(Math.floor(d.getTime() / 1000) * 1000);
  }
  return d;
}

function dateDiff(a: Date, b: Date, part: string): number {
  switch (part) {
    case 'year': return b.getUTCFullYear() - a.getUTCFullYear();
    case 'quarter': return (b.getUTCFullYear() - a.getUTCFullYear()) * 4 + Math.floor(b.getUTCMonth() / 3) - Math.floor(a.getUTCMonth() / 3);
    case 'month': return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
    case 'week': return Math.round((truncTo(b, 'week').getTime() - truncTo(a, 'week').getTime()) / (7 * 86400000));
    case 'day': return Math.round((truncTo(b, 'day').getTime() - truncTo(a, 'day').getTime()) / 86400000);
    case 'hour': return Math.floor(b.getTime() / 3600000) - Math.floor(a.getTime() / 3600000);
    case 'minute': return Math.floor(b.getTime() / 60000) - Math.floor(a.getTime() / 60000);
    case 'second': return Math.floor(b.getTime() / 1000) - Math.floor(a.getTime() / 1000);
    default: return b.getTime() - a.getTime();
  }
}

function parseJson(s: string, strict: boolean): Value {
  try {
    return JSON.parse(s) as Value;
  } catch {
    if (!strict) return null;
    throw new SimError('100069', '22P02', `Error parsing JSON: ${s.slice(0, 40)}`);
  }
}

/** Evaluates a scalar function call (https://docs.snowflake.com/en/sql-reference/functions-all). Unknown names → 002140 "Unknown function X". */
export function callFunction(f: Fn, scope: Scope, ctx: Ctx): Value {
  const name = f.name;
  const a = (i: number): Value => evalExpr(f.args[i]!, scope, ctx);
  const all = (): Value[] => f.args.map((x) => evalExpr(x, scope, ctx));
  const s = (i: number): string | null => { const v = a(i); return v === null ? null : toText(v); };
  const id = ctx.identity;
  switch (name) {
    // Context functions (https://docs.snowflake.com/en/sql-reference/functions-context).
    case 'CURRENT_ROLE': arity(f, 0); return id.role;
    case 'CURRENT_USER': arity(f, 0); return id.user;
    case 'CURRENT_ACCOUNT': case 'CURRENT_ACCOUNT_NAME': arity(f, 0); return id.account;
    case 'CURRENT_AVAILABLE_ROLES': arity(f, 0); return JSON.stringify(id.availableRoles);
    // https://docs.snowflake.com/en/sql-reference/functions/current_secondary_roles — {"roles":"ROLE1,ROLE2","value":"ALL"}: activated roles granted directly to the user; the requested value.
    case 'CURRENT_SECONDARY_ROLES': arity(f, 0); return JSON.stringify({ roles: id.secondary.filter((r) => r !== 'PUBLIC').join(','), value: ctx.session.secondary === 'ALL' ? 'ALL' : ctx.session.secondary.join(',') });
    case 'CURRENT_DATABASE': arity(f, 0); return ctx.policyFrame ? ctx.policyFrame.table.schema.database.name : ctx.session.database;
    case 'CURRENT_SCHEMA': arity(f, 0); return ctx.policyFrame ? ctx.policyFrame.table.schema.name : ctx.session.schema;
    case 'CURRENT_WAREHOUSE': arity(f, 0); return ctx.session.warehouse;
    case 'CURRENT_SESSION': arity(f, 0); return String(ctx.session.id);
    case 'CURRENT_REGION': arity(f, 0); return 'AWS_US_WEST_2';
    case 'INVOKER_ROLE': arity(f, 0); return id.role;
    case 'IS_ROLE_IN_SESSION': {
      // https://docs.snowflake.com/en/sql-reference/functions/is_role_in_session — primary + secondary + inherited; exact (stored) case.
      arity(f, 1);
      const r = s(0);
      if (r === null) return null;
      return id.activeRoles.has(r);
    }
    case 'IS_GRANTED_TO_INVOKER_ROLE': {
      arity(f, 1);
      const r = s(0);
      if (r === null) return null;
      return id.role !== null && closure(ctx.account, [id.role]).has(r);
    }
    case 'LAST_QUERY_ID': {
      arity(f, 0, 1);
      const n = f.args.length ? Number(a(0)) : -1;
      const mine = ctx.account.queryHistory.filter((q) => q.SESSION_ID === ctx.session.id);
      const q = n < 0 ? mine[mine.length + n] : mine[n - 1];
      return q?.QUERY_ID ?? null;
    }
    case 'CURRENT_TIMESTAMP': case 'LOCALTIMESTAMP': case 'SYSDATE': case 'GETDATE': arity(f, 0, 1); return ctx.now;
    case 'CURRENT_DATE': arity(f, 0); return new Date(Date.UTC(ctx.now.getUTCFullYear(), ctx.now.getUTCMonth(), ctx.now.getUTCDate()));
    case 'UUID_STRING': return randomUUID();
    // Tag functions in policy bodies (https://docs.snowflake.com/en/sql-reference/functions/system_get_tag_on_current_column, …_table).
    case 'SYSTEM$GET_TAG_ON_CURRENT_COLUMN': case 'SYSTEM$GET_TAG_ON_CURRENT_TABLE': {
      arity(f, 1);
      const frame = ctx.policyFrame;
      const onColumn = name === 'SYSTEM$GET_TAG_ON_CURRENT_COLUMN';
      if (!frame || (onColumn && (frame.kind !== 'MASKING_POLICY' || frame.column === null))) {
        throw compileError('002140', `${name} can only be used in the body of ${onColumn ? 'a masking policy' : 'a masking policy or row access policy'}.`, '42601');
      }
      const parts = parseNameString(s(0) ?? '');
      const tag = parts ? tagByName(ctx, parts) : undefined;
      if (!tag) throw compileError('002003', `Tag '${s(0)}' does not exist or not authorized.`, '02000');
      const col = onColumn ? findColumn(frame.table, frame.column!) ?? null : null;
      return effectiveTags(frame.table, col).get(tag)?.value ?? null;
    }
    case 'GET_DDL': {
      arity(f, 2, 3);
      return getDdl(ctx, toText(a(0)), toText(a(1)));
    }
    // Conditional (https://docs.snowflake.com/en/sql-reference/expressions-conditional).
    case 'IFF': arity(f, 3); return truth(a(0)) === true ? a(1) : a(2);
    case 'COALESCE': { if (f.args.length < 1) arity(f, 1); for (const x of f.args) { const v = evalExpr(x, scope, ctx); if (v !== null) return v; } return null; }
    case 'NVL': case 'IFNULL': { arity(f, 2); const v = a(0); return v !== null ? v : a(1); }
    case 'NVL2': arity(f, 3); return a(0) !== null ? a(1) : a(2);
    case 'NULLIF': { arity(f, 2); const x = a(0); const y = a(1); return x !== null && y !== null && equalValues(x, y) ? null : x; }
    case 'ZEROIFNULL': { arity(f, 1); const v = a(0); return v === null ? 0 : v; }
    case 'EQUAL_NULL': { arity(f, 2); const x = a(0); const y = a(1); return x === null || y === null ? x === y : equalValues(x, y); }
    case 'DECODE': {
      const v = a(0);
      for (let i = 1; i + 1 < f.args.length; i += 2) { const w = a(i); if ((v === null && w === null) || (v !== null && w !== null && equalValues(v, w))) return a(i + 1); }
      return f.args.length % 2 === 0 ? a(f.args.length - 1) : null;
    }
    case 'GREATEST': case 'LEAST': {
      const vs = all();
      if (vs.some((v) => v === null)) return null;
      return vs.reduce((b, v) => ((compare(v, b) ?? 0) * (name === 'GREATEST' ? 1 : -1) > 0 ? v : b));
    }
    // Strings (https://docs.snowflake.com/en/sql-reference/functions-string).
    case 'CONCAT': { const vs = all(); return vs.some((v) => v === null) ? null : vs.map((v) => toText(v)).join(''); }
    case 'LOWER': { arity(f, 1); const v = s(0); return v === null ? null : v.toLowerCase(); }
    case 'UPPER': { arity(f, 1); const v = s(0); return v === null ? null : v.toUpperCase(); }
    case 'INITCAP': { arity(f, 1, 2); const v = s(0); return v === null ? null : v.toLowerCase().replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_, p, c: string) => p + c.toUpperCase()); }
    case 'LENGTH': case 'LEN': { arity(f, 1); const v = s(0); return v === null ? null : [...v].length; }
    case 'SUBSTR': case 'SUBSTRING': {
      arity(f, 2, 3);
      const v = s(0);
      const st = a(1);
      const ln = f.args.length > 2 ? a(2) : undefined;
      if (v === null || st === null || ln === null) return null;
      const chars = [...v];
      let from = Number(st);
      from = from > 0 ? from - 1 : from < 0 ? Math.max(chars.length + from, 0) : 0;
      const len = ln === undefined ? chars.length : Math.max(Number(ln), 0);
      return chars.slice(from, from + len).join('');
    }
    case 'LEFT': { arity(f, 2); const v = s(0); const n = a(1); if (v === null || n === null) return null; return [...v].slice(0, Math.max(Number(n), 0)).join(''); }
    case 'RIGHT': { arity(f, 2); const v = s(0); const n = a(1); if (v === null || n === null) return null; const c = [...v]; const k = Math.max(Number(n), 0); return k === 0 ? '' : c.slice(-k).join(''); }
    case 'REPEAT': { arity(f, 2); const v = s(0); const n = a(1); if (v === null || n === null) return null; return v.repeat(Math.max(Number(n), 0)); }
    case 'REPLACE': { arity(f, 2, 3); const v = s(0); const p = s(1); const r = f.args.length > 2 ? s(2) : ''; if (v === null || p === null || r === null) return null; return p === '' ? v : v.split(p).join(r); }
    case 'TRIM': case 'LTRIM': case 'RTRIM': {
      arity(f, 1, 2);
      const v = s(0);
      if (v === null) return null;
      const chars = f.args.length > 1 ? (s(1) ?? '') : ' ';
      let st = 0;
      let en = v.length;
      if (name !== 'RTRIM') while (st < en && chars.includes(v[st]!)) st++;
      if (name !== 'LTRIM') while (en > st && chars.includes(v[en - 1]!)) en--;
      return v.slice(st, en);
    }
    case 'LPAD': case 'RPAD': {
      arity(f, 2, 3);
      const v = s(0); const n = a(1); const pad = f.args.length > 2 ? s(2) : ' ';
      if (v === null || n === null || pad === null) return null;
      const len = Number(n);
      if (v.length >= len) return v.slice(0, len);
      const fill = pad.repeat(Math.ceil((len - v.length) / Math.max(pad.length, 1))).slice(0, len - v.length);
      return name === 'LPAD' ? fill + v : v + fill;
    }
    case 'SPLIT_PART': {
      arity(f, 3);
      const v = s(0); const d = s(1); const n = a(2);
      if (v === null || d === null || n === null) return null;
      const parts = d === '' ? [v] : v.split(d);
      let i = Number(n);
      if (i === 0) i = 1;
      const p = i > 0 ? parts[i - 1] : parts[parts.length + i];
      return p ?? '';
    }
    case 'SPLIT': { arity(f, 2); const v = s(0); const d = s(1); if (v === null || d === null) return null; return d === '' ? [v] : v.split(d); }
    case 'POSITION': case 'CHARINDEX': {
      arity(f, 2, 3);
      const needle = s(0); const hay = s(1);
      const from = f.args.length > 2 ? Number(a(2)) : 1;
      if (needle === null || hay === null) return null;
      return hay.indexOf(needle, Math.max(from - 1, 0)) + 1;
    }
    case 'STARTSWITH': { arity(f, 2); const v = s(0); const p = s(1); return v === null || p === null ? null : v.startsWith(p); }
    case 'ENDSWITH': { arity(f, 2); const v = s(0); const p = s(1); return v === null || p === null ? null : v.endsWith(p); }
    case 'CONTAINS': { arity(f, 2); const v = s(0); const p = s(1); return v === null || p === null ? null : v.includes(p); }
    case 'REGEXP_LIKE': case 'RLIKE': {
      // Implicitly anchored: the pattern must match the whole subject (https://docs.snowflake.com/en/sql-reference/functions/regexp_like).
      arity(f, 2, 3);
      const v = s(0); const p = s(1);
      if (v === null || p === null) return null;
      return regex(`^(?:${p})$`, f.args.length > 2 ? (s(2) ?? 'c') : 'c', false).test(v);
    }
    case 'REGEXP_REPLACE': {
      arity(f, 2, 6);
      const v = s(0); const p = s(1);
      const r = f.args.length > 2 ? s(2) : '';
      if (v === null || p === null || r === null) return null;
      const position = f.args.length > 3 ? Number(a(3)) : 1;
      const occurrence = f.args.length > 4 ? Number(a(4)) : 0;
      const params = f.args.length > 5 ? (s(5) ?? 'c') : 'c';
      const head = v.slice(0, position - 1);
      const tail = v.slice(position - 1);
      const repl = r.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
      if (occurrence === 0) return head + tail.replace(regex(p, params, true), repl);
      let k = 0;
      return head + tail.replace(regex(p, params, true), (m: string, ...rest: unknown[]) => {
        k++;
        if (k !== occurrence) return m;
        const groups = rest.slice(0, -2) as string[];
        return repl.replace(/\$(\d)/g, (_x, g: string) => (g === '0' ? m : groups[Number(g) - 1] ?? '')).replace(/\$\$/g, '$');
      });
    }
    case 'REGEXP_SUBSTR': {
      arity(f, 2, 6);
      const v = s(0); const p = s(1);
      if (v === null || p === null) return null;
      const m = regex(p, f.args.length > 5 ? (s(5) ?? 'c') : 'c', false).exec(v.slice(f.args.length > 2 ? Number(a(2)) - 1 : 0));
      return m ? m[0] : null;
    }
    case 'SHA2': case 'SHA2_HEX': {
      // https://docs.snowflake.com/en/sql-reference/functions/sha2 — hex, lower case; digest size 224/256/384/512 (default 256).
      arity(f, 1, 2);
      const v = s(0);
      const bits = f.args.length > 1 ? Number(a(1)) : 256;
      if (v === null) return null;
      if (![224, 256, 384, 512].includes(bits)) throw new SimError('100156', '22023', `Invalid value [${bits}] for function 'SHA2', parameter 2: must be one of 224, 256, 384, 512`);
      return hex(`sha${bits}`, v);
    }
    case 'SHA1': case 'SHA1_HEX': { arity(f, 1); const v = s(0); return v === null ? null : hex('sha1', v); }
    case 'MD5': case 'MD5_HEX': { arity(f, 1); const v = s(0); return v === null ? null : hex('md5', v); }
    case 'TO_VARCHAR': case 'TO_CHAR': {
      arity(f, 1, 2);
      const v = a(0);
      if (v === null) return null;
      return toText(v, f.args[0]!.k === 'col' || f.args[0]!.k === 'cast' ? staticOf(f.args[0]!, scope) : null);
    }
    // Numbers.
    case 'ABS': { arity(f, 1); const v = a(0); return v === null ? null : Math.abs(Number(v)); }
    case 'ROUND': { arity(f, 1, 2); const v = a(0); if (v === null) return null; const d = f.args.length > 1 ? Number(a(1)) : 0; const m = 10 ** d; return Math.sign(Number(v)) * Math.round(Math.abs(Number(v)) * m) / m; }
    case 'FLOOR': { arity(f, 1); const v = a(0); return v === null ? null : Math.floor(Number(v)); }
    case 'CEIL': case 'CEILING': { arity(f, 1); const v = a(0); return v === null ? null : Math.ceil(Number(v)); }
    case 'MOD': { arity(f, 2); const x = a(0); const y = a(1); if (x === null || y === null) return null; if (Number(y) === 0) throw new SimError('100051', '22012', 'Division by zero'); return Number(x) % Number(y); }
    case 'TO_NUMBER': case 'TO_DECIMAL': case 'TO_NUMERIC': case 'TRY_TO_NUMBER': case 'TRY_TO_DECIMAL': {
      arity(f, 1, 4);
      const p = f.args.length > 1 ? Number(a(f.args.length > 2 ? 1 : 1)) : 38;
      const sc = f.args.length > 2 ? Number(a(2)) : 0;
      return castValue(a(0), { base: 'NUMBER', precision: p, scale: sc }, null, name.startsWith('TRY_'));
    }
    case 'TO_DOUBLE': arity(f, 1); return castValue(a(0), FLOAT);
    case 'TO_BOOLEAN': case 'TRY_TO_BOOLEAN': arity(f, 1); return castValue(a(0), BOOLEAN, null, name.startsWith('TRY_'));
    // Dates (https://docs.snowflake.com/en/sql-reference/functions-date-time).
    case 'DATEADD': case 'TIMESTAMPADD': case 'TIMEADD': {
      arity(f, 3);
      const part = partArg(f.args[0]!, scope, ctx);
      const n = a(1); const d = a(2);
      if (n === null || d === null) return null;
      const base = toDate(d);
      if (!base) throw new SimError('100035', '22007', `Timestamp '${toText(d)}' is not recognized`);
      return addTo(base, part, Number(n));
    }
    case 'DATEDIFF': case 'TIMESTAMPDIFF': case 'TIMEDIFF': {
      arity(f, 3);
      const part = partArg(f.args[0]!, scope, ctx);
      const x = a(1); const y = a(2);
      if (x === null || y === null) return null;
      return dateDiff(toDate(x)!, toDate(y)!, part);
    }
    case 'DATE_TRUNC': {
      arity(f, 2);
      const part = partArg(f.args[0]!, scope, ctx);
      const d = a(1);
      if (d === null) return null;
      return truncTo(toDate(d)!, part);
    }
    case 'YEAR': case 'MONTH': case 'DAY': case 'DAYOFMONTH': case 'HOUR': case 'MINUTE': case 'SECOND': case 'QUARTER': {
      arity(f, 1);
      const d = a(0);
      if (d === null) return null;
      const x = toDate(d)!;
      return name === 'YEAR' ? x.getUTCFullYear() : name === 'MONTH' ? x.getUTCMonth() + 1 : name === 'QUARTER' ? Math.floor(x.getUTCMonth() / 3) + 1 : name === 'HOUR' ? x.getUTCHours() : name === 'MINUTE' ? x.getUTCMinutes() : name === 'SECOND' ? x.getUTCSeconds() : x.getUTCDate();
    }
    case 'DATE_FROM_PARTS': {
      arity(f, 3);
      const [y, m, d] = all();
      if (y === null || m === null || d === null) return null;
      return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    }
    case 'TO_DATE': case 'DATE': case 'TRY_TO_DATE': arity(f, 1, 2); return castValue(a(0), DATE, null, name === 'TRY_TO_DATE');
    case 'TO_TIMESTAMP': case 'TO_TIMESTAMP_NTZ': case 'TO_TIMESTAMP_LTZ': case 'TO_TIMESTAMP_TZ': case 'TRY_TO_TIMESTAMP':
      arity(f, 1, 2); return castValue(a(0), name === 'TO_TIMESTAMP_LTZ' ? TIMESTAMP_LTZ : TIMESTAMP_NTZ, null, name.startsWith('TRY_'));
    // Semi-structured (https://docs.snowflake.com/en/sql-reference/functions-semistructured).
    case 'PARSE_JSON': case 'TRY_PARSE_JSON': { arity(f, 1); const v = s(0); return v === null ? null : parseJson(v, name === 'PARSE_JSON'); }
    case 'TO_JSON': { arity(f, 1); const v = a(0); return v === null ? null : JSON.stringify(v); }
    case 'TO_VARIANT': arity(f, 1); return a(0);
    case 'TO_ARRAY': { arity(f, 1); const v = a(0); return v === null ? null : Array.isArray(v) ? v : [v]; }
    case 'ARRAY_CONSTRUCT': return all().map((v) => (v instanceof Date ? toText(v) : v));
    case 'OBJECT_CONSTRUCT': {
      const vs = all();
      const o: Record<string, Value> = {};
      for (let i = 0; i + 1 < vs.length; i += 2) if (vs[i] !== null && vs[i + 1] !== null) o[toText(vs[i]!)] = vs[i + 1]!;
      return o;
    }
    case 'ARRAY_CONTAINS': {
      // https://docs.snowflake.com/en/sql-reference/functions/array_contains — ARRAY_CONTAINS(value, array).
      arity(f, 2);
      const v = a(0); const arr = a(1);
      if (arr === null) return null;
      if (!Array.isArray(arr)) throw compileError('002016', `Function ARRAY_CONTAINS argument 2 is not an array`, '22023');
      return arr.some((x) => (v === null ? x === null : x !== null && equalValues(x, v)));
    }
    case 'ARRAY_SIZE': { arity(f, 1); const v = a(0); return Array.isArray(v) ? v.length : null; }
    case 'ARRAY_TO_STRING': { arity(f, 2); const v = a(0); const d = s(1); if (!Array.isArray(v) || d === null) return null; return v.map((x) => toText(x)).join(d); }
    case 'GET': { arity(f, 2); const v = a(0); const k = a(1); if (v === null || k === null) return null; return walk(v, [typeof k === 'number' ? k : toText(k)]); }
    case 'GET_PATH': { arity(f, 2); const v = a(0); const p = s(1); if (v === null || p === null) return null; return walk(v, p.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x))); }
    case 'IS_NULL_VALUE': { arity(f, 1); return a(0) === null; }
    case 'TYPEOF': { arity(f, 1); const v = a(0); return v === null ? 'NULL_VALUE' : typeof v === 'string' ? 'VARCHAR' : typeof v === 'number' ? (Number.isInteger(v) ? 'INTEGER' : 'DOUBLE') : typeof v === 'boolean' ? 'BOOLEAN' : Array.isArray(v) ? 'ARRAY' : isObject(v) ? 'OBJECT' : 'TIMESTAMP_NTZ'; }
    case 'HASH': throw unknownFunction(name);
    case '$DEFAULT': return null;
  }
  throw unknownFunction(name);
}

function staticOf(e: Expr, scope: Scope): SqlType | null {
  if (e.k === 'cast') return e.type;
  for (let sc: Scope | null = scope; sc; sc = sc.parent) {
    if (e.k !== 'col') return null;
    const i = sc.cols.findIndex((c) => c.name === e.parts[e.parts.length - 1]);
    if (i >= 0) return sc.cols[i]!.type;
  }
  return null;
}
