import type { AlterColumnAction, ColumnDef, Name, Statement, TagAssign } from './ast.js';
import type { Cursor } from './cursor.js';
import { compileError } from './errors.js';
import { parseExpr } from './parse-expr.js';
import { parseQuery } from './parse-query.js';
import { identList } from './parse-dml.js';
import { objectType } from './parse-grant.js';
import type { SqlType } from './types.js';
import type { Value } from './values.js';

/** CREATE … (https://docs.snowflake.com/en/sql-reference/sql/create): OR REPLACE and IF NOT EXISTS are mutually exclusive. */
export function parseCreate(c: Cursor): Statement {
  c.expectKw('CREATE');
  const orReplace = c.acceptKw('OR', 'REPLACE');
  if (c.isKw('OR')) c.fail();
  const transient = c.acceptKw('TRANSIENT');
  const ifne = (): boolean => {
    const v = c.acceptKw('IF', 'NOT', 'EXISTS');
    if (v && orReplace) throw compileError('002042', 'OR REPLACE and IF NOT EXISTS are incompatible.');
    return v;
  };
  if (c.acceptKw('DATABASE')) {
    const ifNotExists = ifne();
    const name = c.name(1);
    const { comment, tags } = objectProps(c, false);
    return { t: 'createDatabase', orReplace, ifNotExists, name, transient, comment, tags };
  }
  if (c.acceptKw('SCHEMA')) {
    const ifNotExists = ifne();
    const name = c.name(2);
    const { comment, tags, managed } = objectProps(c, true);
    return { t: 'createSchema', orReplace, ifNotExists, name, transient, managed, comment, tags };
  }
  if (c.acceptKw('TABLE')) return parseCreateTable(c, orReplace, transient, ifne());
  if (transient) c.fail();
  if (c.acceptKw('ROLE')) {
    const ifNotExists = ifne();
    const name = c.ident();
    let comment: string | null = null;
    if (c.acceptKw('COMMENT')) comment = c.propString();
    return { t: 'createRole', orReplace, ifNotExists, name, comment };
  }
  if (c.acceptKw('WAREHOUSE')) {
    const ifNotExists = ifne();
    const name = c.ident();
    c.acceptKw('WITH');
    while (!c.atEnd()) {
      const w = c.oneOf('WAREHOUSE_SIZE', 'WAREHOUSE_TYPE', 'AUTO_SUSPEND', 'AUTO_RESUME', 'INITIALLY_SUSPENDED', 'COMMENT');
      if (!w) c.fail();
      c.expectOp('=');
      const t = c.next();
      if (t.kind === 'op' || t.kind === 'eof') c.fail(t);
    }
    return { t: 'createWarehouse', orReplace, ifNotExists, name };
  }
  if (c.acceptKw('USER')) {
    const ifNotExists = ifne();
    const name = c.ident();
    return { t: 'createUser', orReplace, ifNotExists, name, props: userProps(c) };
  }
  if (c.acceptKw('TAG')) {
    const ifNotExists = ifne();
    const name = c.name(3);
    let allowed: string[] | null = null;
    let comment: string | null = null;
    let propagate: string | null = null;
    if (c.acceptKw('ALLOWED_VALUES')) allowed = stringList(c);
    if (c.acceptKw('PROPAGATE')) {
      c.expectOp('=');
      propagate = c.oneOf('ON_DEPENDENCY_AND_DATA_MOVEMENT', 'ON_DEPENDENCY', 'ON_DATA_MOVEMENT');
      if (!propagate) c.fail();
    }
    if (c.acceptKw('COMMENT')) comment = c.propString();
    return { t: 'createTag', orReplace, ifNotExists, name, allowed, comment, propagate };
  }
  const kind = c.acceptKw('MASKING', 'POLICY') ? 'MASKING' : c.acceptKw('ROW', 'ACCESS', 'POLICY') ? 'ROW_ACCESS' : null;
  if (kind) {
    const ifNotExists = ifne();
    const name = c.name(3);
    c.expectKw('AS');
    c.expectOp('(');
    const args: { name: string; type: SqlType }[] = [];
    if (!c.isOp(')')) {
      do args.push({ name: c.ident(), type: c.type() });
      while (c.acceptOp(','));
    }
    c.expectOp(')');
    c.expectKw('RETURNS');
    const returns = c.type();
    c.expectOp('->');
    const start = c.i;
    const body = parseExpr(c);
    const bodyText = c.textOf(start, c.i);
    let comment: string | null = null;
    let exempt: boolean | null = null;
    for (;;) {
      if (c.acceptKw('COMMENT')) comment = c.propString();
      else if (kind === 'MASKING' && c.acceptKw('EXEMPT_OTHER_POLICIES')) exempt = c.propBool();
      else break;
    }
    return { t: 'createPolicy', kind, orReplace, ifNotExists, name, args, returns, body, bodyText, comment, exempt };
  }
  c.fail();
}

function objectProps(c: Cursor, schema: boolean): { comment: string | null; tags: TagAssign[]; managed: boolean } {
  let comment: string | null = null;
  let tags: TagAssign[] = [];
  let managed = false;
  for (;;) {
    if (schema && c.acceptKw('WITH', 'MANAGED', 'ACCESS')) managed = true;
    else if (c.acceptKw('COMMENT')) comment = c.propString();
    else if (c.acceptKw('DATA_RETENTION_TIME_IN_DAYS')) { c.expectOp('='); c.integer(); }
    else if (c.isKw('WITH') && c.isKw('TAG', 1)) { c.next(); c.next(); tags = parenTags(c); }
    else if (c.acceptKw('TAG')) tags = parenTags(c);
    else break;
  }
  return { comment, tags, managed };
}

function parenTags(c: Cursor): TagAssign[] {
  c.expectOp('(');
  const tags = tagAssignList(c);
  c.expectOp(')');
  return tags;
}

export function tagAssignList(c: Cursor): TagAssign[] {
  const out: TagAssign[] = [];
  do {
    const tag = c.name(3);
    c.expectOp('=');
    out.push({ tag, value: c.string() });
    // `…, COLUMN c2 SET TAG …` starts the next column's action (alter-table-column: several
    // columns in one ALTER TABLE … MODIFY), not another tag
  } while (!(c.isOp(',') && c.isKw('COLUMN', 1)) && c.acceptOp(','));
  return out;
}

export function stringList(c: Cursor): string[] {
  const out = [c.string()];
  while (c.acceptOp(',')) out.push(c.string());
  return out;
}

function parseColumnDef(c: Cursor): ColumnDef {
  const name = c.ident();
  const type = c.type();
  let nullable = true;
  let def: ColumnDef['default'] = null;
  let comment: string | null = null;
  let masking: ColumnDef['masking'] = null;
  let tags: TagAssign[] = [];
  for (;;) {
    if (c.acceptKw('NOT', 'NULL')) nullable = false;
    else if (c.acceptKw('NULL')) nullable = true;
    else if (c.acceptKw('DEFAULT')) def = parseExpr(c);
    else if (c.acceptKw('COMMENT')) comment = c.string();
    else if (c.acceptKw('PRIMARY', 'KEY') || c.acceptKw('UNIQUE')) continue;
    else if (c.acceptKw('WITH', 'MASKING', 'POLICY') || c.acceptKw('MASKING', 'POLICY')) {
      const policy = c.name(3);
      let using: string[] | null = null;
      if (c.acceptKw('USING')) {
        c.expectOp('(');
        using = identList(c);
        c.expectOp(')');
      }
      masking = { policy, using };
    } else if (c.acceptKw('WITH', 'TAG') || c.acceptKw('TAG')) tags = parenTags(c);
    else break;
  }
  return { name, type, nullable, default: def, comment, masking, tags };
}

function parseCreateTable(c: Cursor, orReplace: boolean, transient: boolean, ifNotExists: boolean): Statement {
  const name = c.name(3);
  const columns: ColumnDef[] = [];
  let asQuery = null;
  if (c.acceptOp('(')) {
    do {
      if (c.isKw('PRIMARY') || c.isKw('CONSTRAINT') || c.isKw('UNIQUE')) c.fail();
      columns.push(parseColumnDef(c));
    } while (c.acceptOp(','));
    c.expectOp(')');
  }
  let changeTracking: boolean | null = null;
  let comment: string | null = null;
  let tags: TagAssign[] = [];
  let rap: { policy: Name; on: string[] } | null = null;
  for (;;) {
    if (c.acceptKw('CHANGE_TRACKING')) changeTracking = c.propBool();
    else if (c.acceptKw('COMMENT')) comment = c.propString();
    else if (c.acceptKw('DATA_RETENTION_TIME_IN_DAYS')) { c.expectOp('='); c.integer(); }
    else if (c.acceptKw('WITH', 'ROW', 'ACCESS', 'POLICY') || c.acceptKw('ROW', 'ACCESS', 'POLICY')) {
      const policy = c.name(3);
      c.expectKw('ON');
      c.expectOp('(');
      rap = { policy, on: identList(c) };
      c.expectOp(')');
    } else if (c.acceptKw('WITH', 'TAG') || c.acceptKw('TAG')) tags = parenTags(c);
    else break;
  }
  if (c.acceptKw('AS')) asQuery = parseQuery(c);
  if (columns.length === 0 && !asQuery) c.fail();
  return { t: 'createTable', orReplace, ifNotExists, name, transient, columns, changeTracking, comment, tags, rap, asQuery };
}

function userProps(c: Cursor): Record<string, Value | readonly string[]> {
  const props: Record<string, Value | readonly string[]> = {};
  while (!c.atEnd() && c.peek().kind === 'ident') {
    const key = c.next().value;
    c.expectOp('=');
    if (key === 'DEFAULT_SECONDARY_ROLES') {
      c.expectOp('(');
      const list = c.isOp(')') ? [] : stringList(c);
      c.expectOp(')');
      props[key] = list;
      continue;
    }
    const t = c.next();
    if (t.kind === 'string' || t.kind === 'number') props[key] = t.kind === 'number' ? Number(t.value) : t.value;
    else if (t.kind === 'ident' || t.kind === 'qident') props[key] = t.value === 'TRUE' && t.kind === 'ident' ? true : t.value === 'FALSE' && t.kind === 'ident' ? false : t.value;
    else c.fail(t);
  }
  return props;
}

/** DROP <type> [IF EXISTS] name [CASCADE|RESTRICT] (https://docs.snowflake.com/en/sql-reference/sql/drop). */
export function parseDrop(c: Cursor): Statement {
  c.expectKw('DROP');
  const kind = objectType(c, false);
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const max = kind === 'DATABASE' || kind === 'ROLE' || kind === 'USER' || kind === 'WAREHOUSE' ? 1 : kind === 'SCHEMA' ? 2 : 3;
  const name = max === 1 ? [c.ident()] : c.name(max);
  const cascade = c.acceptKw('CASCADE') ? true : c.acceptKw('RESTRICT') ? false : null;
  return { t: 'drop', kind, ifExists, name, cascade };
}

export function parseAlter(c: Cursor): Statement {
  c.expectKw('ALTER');
  if (c.acceptKw('ROLE')) {
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const name = c.ident();
    if (c.acceptKw('SET', 'COMMENT')) return { t: 'alterRole', ifExists, name, action: { k: 'comment', value: c.propString() } };
    if (c.acceptKw('UNSET', 'COMMENT')) return { t: 'alterRole', ifExists, name, action: { k: 'comment', value: null } };
    if (c.acceptKw('RENAME', 'TO')) return { t: 'alterRole', ifExists, name, action: { k: 'rename', to: c.ident() } };
    c.fail();
  }
  if (c.acceptKw('USER')) {
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const name = c.ident();
    if (c.acceptKw('SET')) return { t: 'alterUser', ifExists, name, set: userProps(c), unset: [] };
    if (c.acceptKw('UNSET')) {
      const unset = [c.word()];
      while (c.acceptOp(',')) unset.push(c.word());
      return { t: 'alterUser', ifExists, name, set: {}, unset };
    }
    c.fail();
  }
  if (c.acceptKw('SESSION')) {
    const set = c.acceptKw('SET') ? true : c.acceptKw('UNSET') ? false : c.fail();
    const params: { name: string; value: Value }[] = [];
    do {
      const name = c.word();
      let value: Value = null;
      if (set) {
        c.expectOp('=');
        const t = c.next();
        if (t.kind === 'string') value = t.value;
        else if (t.kind === 'number') value = Number(t.value);
        else if (t.kind === 'ident') value = t.value === 'TRUE' ? true : t.value === 'FALSE' ? false : t.value;
        else c.fail(t);
      }
      params.push({ name, value });
    } while (c.acceptOp(','));
    return { t: 'alterSession', set, params };
  }
  if (c.isKw('DATABASE') || c.isKw('SCHEMA')) {
    const kind = c.next().value as 'DATABASE' | 'SCHEMA';
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const name = c.name(kind === 'DATABASE' ? 1 : 2);
    if (kind === 'SCHEMA' && (c.isKw('ENABLE') || c.isKw('DISABLE'))) {
      const enable = c.next().value === 'ENABLE';
      c.expectKw('MANAGED', 'ACCESS');
      return { t: 'alterSchemaManaged', ifExists, name, enable };
    }
    return alterTagsOrComment(c, kind, ifExists, name);
  }
  if (c.acceptKw('TABLE')) return parseAlterTable(c);
  if (c.acceptKw('TAG')) return parseAlterTag(c);
  const kind = c.acceptKw('MASKING', 'POLICY') ? 'MASKING' : c.acceptKw('ROW', 'ACCESS', 'POLICY') ? 'ROW_ACCESS' : null;
  if (kind) {
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const name = c.name(3);
    if (c.acceptKw('SET', 'BODY')) {
      c.expectOp('->');
      const start = c.i;
      const body = parseExpr(c);
      return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'body', body, bodyText: c.textOf(start, c.i) } };
    }
    if (c.acceptKw('RENAME', 'TO')) return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'rename', to: c.name(3) } };
    if (c.acceptKw('SET', 'COMMENT')) return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'comment', value: c.propString() } };
    if (c.acceptKw('UNSET', 'COMMENT')) return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'comment', value: null } };
    if (c.acceptKw('SET', 'TAG')) return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'setTag', tags: tagAssignList(c) } };
    if (c.acceptKw('UNSET', 'TAG')) return { t: 'alterPolicy', kind, ifExists, name, action: { k: 'unsetTag', tags: nameList(c) } };
    c.fail();
  }
  c.fail();
}

function nameList(c: Cursor): Name[] {
  const out = [c.name(3)];
  while (c.acceptOp(',')) out.push(c.name(3));
  return out;
}

function alterTagsOrComment(c: Cursor, kind: 'DATABASE' | 'SCHEMA' | 'TABLE', ifExists: boolean, name: Name): Statement {
  if (c.acceptKw('SET', 'TAG')) return { t: 'alterObjectTags', kind, ifExists, name, set: tagAssignList(c), unset: null };
  if (c.acceptKw('UNSET', 'TAG')) return { t: 'alterObjectTags', kind, ifExists, name, set: null, unset: nameList(c) };
  if (c.acceptKw('SET', 'COMMENT')) return { t: 'alterObjectComment', kind, ifExists, name, comment: c.propString() };
  if (c.acceptKw('UNSET', 'COMMENT')) return { t: 'alterObjectComment', kind, ifExists, name, comment: null };
  c.fail();
}

/** ALTER TABLE (https://docs.snowflake.com/en/sql-reference/sql/alter-table, .../alter-table-column). */
function parseAlterTable(c: Cursor): Statement {
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const name = c.name(3);
  if (c.isKws('ADD', 'ROW', 'ACCESS', 'POLICY')) {
    c.i += 4;
    return { t: 'alterTableRap', ifExists, name, drop: null, add: rapOn(c) };
  }
  if (c.acceptKw('DROP', 'ALL', 'ROW', 'ACCESS', 'POLICIES')) return { t: 'alterTableRap', ifExists, name, drop: 'ALL', add: null };
  if (c.acceptKw('DROP', 'ROW', 'ACCESS', 'POLICY')) {
    const drop = c.name(3);
    let add = null;
    if (c.acceptOp(',')) {
      c.expectKw('ADD', 'ROW', 'ACCESS', 'POLICY');
      add = rapOn(c);
    }
    return { t: 'alterTableRap', ifExists, name, drop, add };
  }
  if (c.acceptKw('ADD')) {
    c.acceptKw('COLUMN');
    const ifNotExists = c.acceptKw('IF', 'NOT', 'EXISTS');
    const columns = [parseColumnDef(c)];
    while (c.acceptOp(',')) {
      c.acceptKw('COLUMN');
      columns.push(parseColumnDef(c));
    }
    return { t: 'alterTableAddColumn', ifExists, name, columns, ifNotExists };
  }
  if (c.acceptKw('DROP')) {
    c.acceptKw('COLUMN');
    return { t: 'alterTableDropColumn', ifExists, name, columns: identList(c) };
  }
  if (c.acceptKw('RENAME', 'TO')) return { t: 'alterTableRename', ifExists, name, to: c.name(3) };
  if (c.isKw('SET') && c.isKw('CHANGE_TRACKING', 1)) {
    c.i += 2;
    return { t: 'alterTableSet', ifExists, name, changeTracking: c.propBool(), comment: undefined };
  }
  if (c.isKw('MODIFY') || c.isKw('ALTER')) {
    c.next();
    const actions: AlterColumnAction[] = [];
    do {
      c.acceptKw('COLUMN');
      actions.push(columnAction(c));
    } while (c.acceptOp(','));
    return { t: 'alterTableColumns', ifExists, name, actions };
  }
  return alterTagsOrComment(c, 'TABLE', ifExists, name);
}

function rapOn(c: Cursor): { policy: Name; on: string[] } {
  const policy = c.name(3);
  c.expectKw('ON');
  c.expectOp('(');
  const on = identList(c);
  c.expectOp(')');
  return { policy, on };
}

function columnAction(c: Cursor): AlterColumnAction {
  const column = c.ident();
  if (c.acceptKw('SET', 'MASKING', 'POLICY')) {
    const policy = c.name(3);
    let using: string[] | null = null;
    if (c.acceptKw('USING')) {
      c.expectOp('(');
      using = identList(c);
      c.expectOp(')');
    }
    return { k: 'setMask', column, policy, using, force: c.acceptKw('FORCE') };
  }
  if (c.acceptKw('UNSET', 'MASKING', 'POLICY')) return { k: 'unsetMask', column };
  if (c.acceptKw('SET', 'TAG')) return { k: 'setTag', column, tags: tagAssignList(c) };
  if (c.acceptKw('UNSET', 'TAG')) return { k: 'unsetTag', column, tags: nameList(c) };
  if (c.acceptKw('COMMENT')) return { k: 'comment', column, comment: c.string() };
  if (c.acceptKw('UNSET', 'COMMENT')) return { k: 'comment', column, comment: null };
  if (c.acceptKw('SET', 'DATA', 'TYPE') || c.acceptKw('TYPE')) return { k: 'type', column, type: c.type() };
  if (c.acceptKw('DROP', 'NOT', 'NULL')) return { k: 'dropNotNull', column };
  if (c.acceptKw('SET', 'NOT', 'NULL')) return { k: 'setNotNull', column };
  c.fail();
}

/** ALTER TAG (https://docs.snowflake.com/en/sql-reference/sql/alter-tag). */
function parseAlterTag(c: Cursor): Statement {
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const name = c.name(3);
  if (c.acceptKw('ADD', 'ALLOWED_VALUES')) return { t: 'alterTag', ifExists, name, action: { k: 'addAllowed', values: stringList(c) } };
  if (c.acceptKw('DROP', 'ALLOWED_VALUES')) return { t: 'alterTag', ifExists, name, action: { k: 'dropAllowed', values: stringList(c) } };
  if (c.acceptKw('SET', 'ALLOWED_VALUES')) return { t: 'alterTag', ifExists, name, action: { k: 'setAllowed', values: stringList(c) } };
  if (c.acceptKw('SET', 'COMMENT')) return { t: 'alterTag', ifExists, name, action: { k: 'comment', value: c.propString() } };
  if (c.acceptKw('RENAME', 'TO')) return { t: 'alterTag', ifExists, name, action: { k: 'rename', to: c.name(3) } };
  if (c.isKws('SET', 'MASKING', 'POLICY')) {
    c.next();
    const policies: Name[] = [];
    do {
      c.expectKw('MASKING', 'POLICY');
      policies.push(c.name(3));
    } while (c.acceptOp(','));
    return { t: 'alterTag', ifExists, name, action: { k: 'setMask', policies, force: c.acceptKw('FORCE') } };
  }
  if (c.isKws('UNSET', 'MASKING', 'POLICY')) {
    c.next();
    const policies: Name[] = [];
    do {
      c.expectKw('MASKING', 'POLICY');
      policies.push(c.name(3));
    } while (c.acceptOp(','));
    return { t: 'alterTag', ifExists, name, action: { k: 'unsetMask', policies } };
  }
  if (c.acceptKw('UNSET')) {
    const what = c.oneOf('ALLOWED_VALUES', 'COMMENT', 'PROPAGATE', 'ON_CONFLICT');
    if (!what) c.fail();
    return { t: 'alterTag', ifExists, name, action: { k: 'unset', what } };
  }
  c.fail();
}
