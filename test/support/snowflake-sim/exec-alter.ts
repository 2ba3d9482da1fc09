import type { Statement } from './ast.js';
import type { Ctx } from './context.js';
import { compileError } from './errors.js';
import { execAlterObject, execAlterRole, execAlterSchemaManaged, execAlterTable } from './exec-objects.js';
import type { ExecResult } from './result.js';

/** The remaining ALTER forms: ROLE, SCHEMA … MANAGED ACCESS, DATABASE/SCHEMA/TABLE tags and comments, ALTER TABLE. */
export function execAlterDatabaseSchemaTable(st: Statement, ctx: Ctx): ExecResult {
  switch (st.t) {
    case 'alterRole': return execAlterRole(st, ctx);
    case 'alterSchemaManaged': return execAlterSchemaManaged(st, ctx);
    case 'alterObjectTags': case 'alterObjectComment': return execAlterObject(st, ctx);
    case 'alterTableAddColumn': case 'alterTableDropColumn': case 'alterTableRename': case 'alterTableSet': case 'alterTableColumns': case 'alterTableRap': return execAlterTable(st, ctx);
  }
  throw compileError('001003', `syntax error line 1 at position 0 unexpected '${st.t}'.`, '42000');
}
