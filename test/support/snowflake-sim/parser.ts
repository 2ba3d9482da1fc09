import type { Name, PolicyContextArg, Statement } from './ast.js';
import { Cursor } from './cursor.js';
import { plainError } from './errors.js';
import { statementCount, tokenize } from './lexer.js';
import { parseCreate, parseDrop, parseAlter } from './parse-ddl.js';
import { parseDelete, parseInsert, parseMerge, parseUpdate } from './parse-dml.js';
import { parseGrant } from './parse-grant.js';
import { parseQuery } from './parse-query.js';
import type { Value } from './values.js';

/**
 * Parses one statement. A text with several statements is refused the way the service refuses
 * it when MULTI_STATEMENT_COUNT is 1 (the driver's default — snowflake-sdk dist/lib/parameters.js):
 * error 000008 "Actual statement count N did not match the desired statement count 1."
 * (https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#executing-a-batch-of-sql-statements-multi-statement-support).
 * Anything not understood is a syntax error (001003) at the first token not understood.
 */
export function parseStatement(text: string, binds: readonly Value[], opts: { quotedIgnoreCase?: boolean } = {}): Statement {
  const toks = tokenize(text, opts);
  const count = statementCount(toks);
  if (count > 1) throw plainError('000008', `Actual statement count ${count} did not match the desired statement count 1.`, '0A000');
  const c = new Cursor(toks, text, binds);
  if (c.peek().kind === 'eof') throw plainError('000900', 'SQL compilation error:\nEmpty SQL statement.', '42000');
  let st = parseOne(c);
  if (c.isOp('->>')) {
    // The flow operator chains statements; $n in a later one is the result of the nth (https://docs.snowflake.com/en/sql-reference/operators-flow).
    const stages = [st];
    while (c.acceptOp('->>')) stages.push(parseOne(c));
    st = { t: 'pipe', stages };
  }
  c.acceptOp(';');
  if (c.peek().kind !== 'eof') c.fail();
  return st;
}

function parseOne(c: Cursor): Statement {
  const t = c.peek();
  if (c.isOp('(')) return { t: 'query', query: parseQuery(c) };
  if (t.kind !== 'ident') c.fail();
  switch (t.value) {
    case 'SELECT': case 'WITH': return { t: 'query', query: parseQuery(c) };
    case 'CREATE': return parseCreate(c);
    case 'DROP': return parseDrop(c);
    case 'ALTER': return parseAlter(c);
    case 'GRANT': case 'REVOKE': return parseGrant(c);
    case 'SHOW': return parseShow(c);
    case 'DESCRIBE': case 'DESC': return parseDescribe(c);
    case 'USE': return parseUse(c);
    case 'INSERT': return parseInsert(c);
    case 'UPDATE': return parseUpdate(c);
    case 'DELETE': return parseDelete(c);
    case 'MERGE': return parseMerge(c);
    case 'EXECUTE': return parseExecuteUsing(c);
    case 'TRUNCATE': {
      c.next();
      c.acceptKw('TABLE');
      const ifExists = c.acceptKw('IF', 'EXISTS');
      return { t: 'truncate', ifExists, table: c.name(3) };
    }
    case 'BEGIN': c.next(); c.acceptKw('TRANSACTION') || c.acceptKw('WORK'); return { t: 'txn', op: 'BEGIN' };
    case 'START': c.next(); c.expectKw('TRANSACTION'); return { t: 'txn', op: 'BEGIN' };
    case 'COMMIT': c.next(); c.acceptKw('WORK'); return { t: 'txn', op: 'COMMIT' };
    case 'ROLLBACK': c.next(); c.acceptKw('WORK'); return { t: 'txn', op: 'ROLLBACK' };
  }
  c.fail();
}

/** USE ROLE / USE SECONDARY ROLES / USE [DATABASE] / USE SCHEMA / USE WAREHOUSE (https://docs.snowflake.com/en/sql-reference/sql/use). */
function parseUse(c: Cursor): Statement {
  c.expectKw('USE');
  if (c.acceptKw('ROLE')) return { t: 'useRole', role: c.ident() };
  if (c.acceptKw('SECONDARY', 'ROLES')) {
    if (c.acceptKw('ALL')) return { t: 'useSecondary', all: true, roles: [] };
    if (c.acceptKw('NONE')) return { t: 'useSecondary', all: false, roles: [] };
    const roles = [c.ident()];
    while (c.acceptOp(',')) roles.push(c.ident());
    return { t: 'useSecondary', all: false, roles };
  }
  if (c.acceptKw('WAREHOUSE')) return { t: 'use', kind: 'WAREHOUSE', name: [c.ident()] };
  if (c.acceptKw('SCHEMA')) return { t: 'use', kind: 'SCHEMA', name: c.name(2) };
  c.acceptKw('DATABASE');
  return { t: 'use', kind: 'DATABASE', name: [c.ident()] };
}

/** DESCRIBE MASKING POLICY / ROW ACCESS POLICY / TABLE. */
function parseDescribe(c: Cursor): Statement {
  c.next();
  if (c.acceptKw('MASKING', 'POLICY')) return { t: 'describePolicy', kind: 'MASKING', name: c.name(3) };
  if (c.acceptKw('ROW', 'ACCESS', 'POLICY')) return { t: 'describePolicy', kind: 'ROW_ACCESS', name: c.name(3) };
  c.acceptKw('TABLE');
  return { t: 'describeTable', name: c.name(3) };
}

const SHOWABLE = ['ROLES', 'GRANTS', 'FUTURE GRANTS', 'TAGS', 'MASKING POLICIES', 'ROW ACCESS POLICIES', 'DATABASES', 'SCHEMAS', 'TABLES', 'COLUMNS', 'USERS', 'WAREHOUSES', 'OBJECTS', 'VIEWS'];

/**
 * SHOW <objects> [LIKE '<pattern>'] [IN …] [STARTS WITH '…'] [LIMIT n [FROM '…']]
 * (https://docs.snowflake.com/en/sql-reference/sql/show); SHOW GRANTS and SHOW FUTURE GRANTS take
 * ON / TO / OF / IN instead (.../show-grants).
 */
function parseShow(c: Cursor): Statement {
  c.expectKw('SHOW');
  const terse = c.acceptKw('TERSE');
  let what: string | null = null;
  for (const w of [...SHOWABLE].sort((a, b) => b.split(' ').length - a.split(' ').length)) if (c.acceptKw(...w.split(' '))) { what = w; break; }
  if (!what) c.fail();
  let like: string | null = null;
  let inClause: { kind: string; name: Name } | null = null;
  let startsWith: string | null = null;
  let limit: number | null = null;
  let from: string | null = null;
  let of: { kind: string; name: Name } | null = null;
  let to: { kind: string; name: Name } | null = null;
  let on: { kind: string; name: Name } | null = null;
  const history = false;
  if (what === 'GRANTS') {
    if (c.acceptKw('ON')) {
      if (c.acceptKw('ACCOUNT')) on = { kind: 'ACCOUNT', name: [] };
      else {
        const kind = objectKind(c);
        on = { kind, name: nameFor(c, kind) };
      }
    } else if (c.acceptKw('TO')) {
      const kind = c.oneOf('ROLE', 'USER', 'SHARE');
      if (!kind) c.fail();
      to = { kind, name: [c.ident()] };
    } else if (c.acceptKw('OF')) {
      const kind = c.oneOf('ROLE', 'SHARE');
      if (!kind) c.fail();
      of = { kind, name: [c.ident()] };
    }
    return { t: 'show', what, terse, like, in: null, startsWith, limit, from, of, to, on, history };
  }
  if (what === 'FUTURE GRANTS') {
    if (c.acceptKw('IN')) {
      const kind = c.oneOf('SCHEMA', 'DATABASE');
      if (!kind) c.fail();
      inClause = { kind, name: c.name(kind === 'SCHEMA' ? 2 : 1) };
    } else if (c.acceptKw('TO', 'ROLE')) to = { kind: 'ROLE', name: [c.ident()] };
    else c.fail();
    return { t: 'show', what, terse, like, in: inClause, startsWith, limit, from, of, to, on, history };
  }
  if (c.acceptKw('LIKE')) like = c.string();
  if (c.acceptKw('IN')) {
    if (c.acceptKw('ACCOUNT')) inClause = { kind: 'ACCOUNT', name: [] };
    else {
      const kind = c.oneOf('DATABASE', 'SCHEMA', 'TABLE', 'VIEW');
      if (kind) inClause = { kind, name: c.name(kind === 'DATABASE' ? 1 : kind === 'SCHEMA' ? 2 : 3) };
      else inClause = { kind: what === 'COLUMNS' ? 'TABLE' : 'SCHEMA', name: c.name(3) };
    }
  }
  if (c.acceptKw('STARTS', 'WITH')) startsWith = c.string();
  if (c.acceptKw('LIMIT')) {
    limit = c.integer();
    if (c.acceptKw('FROM')) from = c.string();
  }
  return { t: 'show', what, terse, like, in: inClause, startsWith, limit, from, of, to, on, history };
}

function objectKind(c: Cursor): string {
  for (const w of ['MASKING POLICY', 'ROW ACCESS POLICY', 'DATABASE ROLE', 'DATABASE', 'SCHEMA', 'TABLE', 'VIEW', 'ROLE', 'USER', 'WAREHOUSE', 'TAG']) if (c.acceptKw(...w.split(' '))) return w;
  c.fail();
}

function nameFor(c: Cursor, kind: string): Name {
  return c.name(kind === 'DATABASE' || kind === 'ROLE' || kind === 'USER' || kind === 'WAREHOUSE' ? 1 : kind === 'SCHEMA' ? 2 : 3);
}

/**
 * EXECUTE USING POLICY_CONTEXT(<arg> => '<value>' [, …]) AS SELECT …
 * (https://docs.snowflake.com/en/sql-reference/functions/policy_context): CURRENT_AVAILABLE_ROLES
 * takes a list in square brackets (`['R1','R2']`), also accepted as `('R1','R2')` or as the
 * string `'["R1","R2"]'`.
 */
function parseExecuteUsing(c: Cursor): Statement {
  c.expectKw('EXECUTE');
  c.expectKw('USING');
  c.expectKw('POLICY_CONTEXT');
  c.expectOp('(');
  const context: PolicyContextArg[] = [];
  do {
    const name = c.word();
    c.expectOp('=>');
    let values: string[];
    if (c.acceptOp('[') ) {
      values = [c.string()];
      while (c.acceptOp(',')) values.push(c.string());
      c.expectOp(']');
    } else if (c.acceptOp('(')) {
      values = [c.string()];
      while (c.acceptOp(',')) values.push(c.string());
      c.expectOp(')');
    } else {
      const s = c.string();
      const m = /^\s*\[(.*)\]\s*$/s.exec(s);
      values = m ? (m[1]!.trim() === '' ? [] : m[1]!.split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, ''))) : [s];
    }
    context.push({ name, values });
  } while (c.acceptOp(','));
  c.expectOp(')');
  c.expectKw('AS');
  if (!c.isKw('SELECT')) c.fail();
  return { t: 'executeUsing', context, query: parseQuery(c) };
}
