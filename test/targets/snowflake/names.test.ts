import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import type { Group, Model, TargetDecl } from '../../../src/model/types.js';
import { checkSnowflakeNames, groupRoleName, governanceSchemaName } from '../../../src/targets/snowflake/names.js';

const at = { file: 'principals.yaml', line: 3, col: 5 };
const group = (name: string, line = 3): Group => ({ name, memberOf: [], attributes: new Map(), at: { ...at, line } }) as unknown as Group;
const model = (groups: Group[], managedPrefix = 'mw_'): Model => ({ project: { managedPrefix }, groups: new Map(groups.map((g) => [g.name, g])) }) as unknown as Model;
const decl = { name: 'sf', type: 'snowflake', settings: {}, settingAt: {}, at } as unknown as TargetDecl;

describe('Snowflake names', () => {
  it('managed names are the prefix and the name in Snowflake’s stored (upper) case', () => {
    expect(groupRoleName('mw_', 'sales_analysts')).toBe('MW_SALES_ANALYSTS');
    expect(groupRoleName('mw_', 'équipe-ops')).toBe('MW_ÉQUIPE-OPS');
    expect(governanceSchemaName('mw_')).toBe('MW_META');
    expect(governanceSchemaName('mw_', 'Gov')).toBe('Gov');
  });

  it('two groups that fold to one role, and a role too long for an identifier, are errors at the group', () => {
    const diags = new Diagnostics();
    checkSnowflakeNames(decl, model([group('sales', 3), group('SALES', 9), group('x'.repeat(300), 12)]), diags);
    const errors = diags.errors.map((d) => `${d.code}@${d.at?.line}: ${d.message}`);
    expect(errors).toEqual([
      "sf-role-collision@9: target 'sf': groups 'sales' and 'SALES' would both be role MW_SALES (Snowflake stores unquoted names in upper case)",
      expect.stringMatching(/^sf-name@12: .*longer than 255 characters/),
    ]);
  });
});
