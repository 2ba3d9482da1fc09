import type { GrantTarget, Statement } from './ast.js';
import type { Cursor } from './cursor.js';

/**
 * GRANT / REVOKE (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
 * .../grant-role, .../revoke-privilege, .../revoke-role, .../grant-ownership).
 */
export function parseGrant(c: Cursor): Statement {
  const revoke = c.next().value === 'REVOKE';
  if (c.isKw('ROLE')) {
    c.next();
    const role = c.ident();
    revoke ? c.expectKw('FROM') : c.expectKw('TO');
    const type = c.oneOf('ROLE', 'USER');
    if (!type) c.fail();
    return { t: 'grantRole', revoke, role, grantee: { type, name: c.ident() } };
  }
  if (!revoke && c.isKw('OWNERSHIP')) {
    c.next();
    c.expectKw('ON');
    const target = parseTarget(c);
    c.expectKw('TO');
    c.acceptKw('ROLE');
    const role = c.ident();
    let currentGrants: 'COPY' | 'REVOKE' | null = null;
    const cg = c.oneOf('COPY', 'REVOKE');
    if (cg) {
      c.expectKw('CURRENT', 'GRANTS');
      currentGrants = cg;
    }
    return { t: 'grantOwnership', target, role, currentGrants };
  }
  const grantOptionFor = revoke && c.acceptKw('GRANT', 'OPTION', 'FOR');
  const privileges: string[] = [];
  do {
    const words: string[] = [];
    while (!c.isKw('ON') && !c.isOp(',')) {
      if (c.peek().kind !== 'ident') c.fail();
      words.push(c.next().value);
    }
    if (words.length === 0) c.fail();
    let p = words.join(' ');
    if (p === 'ALL PRIVILEGES') p = 'ALL';
    privileges.push(p);
  } while (c.acceptOp(','));
  c.expectKw('ON');
  const target = parseTarget(c);
  revoke ? c.expectKw('FROM') : c.expectKw('TO');
  let type: 'ROLE' | 'USER' | 'DATABASE ROLE' | 'SHARE' = 'ROLE';
  if (c.acceptKw('DATABASE', 'ROLE')) type = 'DATABASE ROLE';
  else if (c.acceptKw('USER')) type = 'USER';
  else if (c.acceptKw('SHARE')) type = 'SHARE';
  else c.acceptKw('ROLE');
  const name = c.ident();
  let grantOption = false;
  let cascade: boolean | null = null;
  if (!revoke && c.acceptKw('WITH', 'GRANT', 'OPTION')) grantOption = true;
  if (revoke) {
    if (c.acceptKw('CASCADE')) cascade = true;
    else if (c.acceptKw('RESTRICT')) cascade = false;
  }
  return { t: 'grantPriv', revoke, privileges, target, grantee: { type, name }, grantOption, grantOptionFor, cascade };
}

const PLURALS: Record<string, string> = { TABLES: 'TABLE', VIEWS: 'VIEW', SCHEMAS: 'SCHEMA', 'MASKING POLICIES': 'MASKING POLICY', 'ROW ACCESS POLICIES': 'ROW ACCESS POLICY', TAGS: 'TAG', 'MATERIALIZED VIEWS': 'MATERIALIZED VIEW', 'EXTERNAL TABLES': 'EXTERNAL TABLE', 'DYNAMIC TABLES': 'DYNAMIC TABLE', FUNCTIONS: 'FUNCTION', PROCEDURES: 'PROCEDURE', SEQUENCES: 'SEQUENCE', STAGES: 'STAGE' };

/** An object type word, singular: TABLE, VIEW, SCHEMA, DATABASE, MASKING POLICY, ROW ACCESS POLICY, TAG, WAREHOUSE, ROLE, USER… */
export function objectType(c: Cursor, plural: boolean): string {
  const candidates = plural ? Object.keys(PLURALS) : ['DATABASE', 'SCHEMA', 'TABLE', 'VIEW', 'WAREHOUSE', 'ROLE', 'USER', 'TAG', 'MASKING POLICY', 'ROW ACCESS POLICY', 'MATERIALIZED VIEW', 'EXTERNAL TABLE', 'DYNAMIC TABLE', 'INTEGRATION', 'DATABASE ROLE'];
  const sorted = [...candidates].sort((a, b) => b.split(' ').length - a.split(' ').length);
  for (const w of sorted) if (c.acceptKw(...w.split(' '))) return plural ? PLURALS[w]! : w;
  c.fail();
}

function parseTarget(c: Cursor): GrantTarget {
  if (c.acceptKw('ACCOUNT')) return { k: 'ACCOUNT' };
  const all = c.oneOf('ALL', 'FUTURE');
  if (all) {
    const type = objectType(c, true);
    c.expectKw('IN');
    const inType = c.oneOf('SCHEMA', 'DATABASE');
    if (!inType) c.fail();
    return { k: all, type, inType, name: c.name(inType === 'SCHEMA' ? 2 : 1) };
  }
  const type = objectType(c, false);
  const max = type === 'DATABASE' || type === 'WAREHOUSE' || type === 'ROLE' || type === 'USER' || type === 'INTEGRATION' ? 1 : type === 'SCHEMA' || type === 'DATABASE ROLE' ? 2 : 3;
  return { k: 'OBJECT', type, name: c.name(max) };
}
