import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema } from '../../src/cli/commands/schema.js';
import { Diagnostics } from '../../src/config/diagnostics.js';
import { expandTargetSettings } from '../../src/config/env.js';
import { listPolicyFiles } from '../../src/config/load.js';
import type { TargetDecl } from '../../src/model/types.js';

describe('meshward schema', () => {
  const schema = buildJsonSchema();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);

  it('publishes every document kind and the inventory', () => {
    expect(Object.keys(schema.$defs as object).sort()).toEqual(['AccessTests', 'Domain', 'GlobalPolicies', 'Inventory', 'Principals', 'Project', 'TagCatalog']);
  });

  it('accepts every document of the example repository', () => {
    for (const file of listPolicyFiles('policies')) {
      for (const doc of parseAllDocuments(readFileSync(`policies/${file}`, 'utf8')) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        const value = (doc as { toJS(): unknown }).toJS();
        expect(validate(value), `${file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      }
    }
    const inventory = ajv.compile((schema.$defs as Record<string, object>).Inventory!);
    expect(inventory(JSON.parse(readFileSync('policies/inventory.json', 'utf8')))).toBe(true);
  });

  it('rejects what the loader rejects: an unknown key and a wrong kind', () => {
    expect(validate({ kind: 'Domain', name: 'x', schemas: ['a.b'], grantz: [] })).toBe(false);
    expect(validate({ kind: 'Domian', name: 'x' })).toBe(false);
    expect(validate({ kind: 'GlobalPolicies', policies: [{ name: 'p', mask: { tags: { pii: 'email' }, method: 'sha1' } }] })).toBe(false);
  });
});

describe('${env:VAR} in target settings', () => {
  const target: TargetDecl = {
    name: 'staging',
    type: 'postgres',
    settings: { type: 'postgres', url: 'postgres://${env:PGUSER_X}@${env:PGHOST_X}:5432/db', database: 'analytics' },
    settingAt: { url: { file: 'meshward.yaml', line: 7, col: 10 } },
    at: { file: 'meshward.yaml', line: 5, col: 3 },
  };

  it('expands every reference', () => {
    const diags = new Diagnostics();
    expect(expandTargetSettings(target, { PGUSER_X: 'ci', PGHOST_X: '127.0.0.1' }, diags).url).toBe('postgres://ci@127.0.0.1:5432/db');
    expect(diags.items).toEqual([]);
  });

  it('says which variable is unset, where', () => {
    const diags = new Diagnostics();
    expandTargetSettings(target, { PGUSER_X: 'ci' }, diags);
    expect(diags.items).toEqual([
      { severity: 'error', code: 'env-unset', message: "environment variable PGHOST_X is not set (target 'staging', url)", at: { file: 'meshward.yaml', line: 7, col: 10 }, hint: 'export PGHOST_X=… before running meshward' },
    ]);
  });
});
