import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPos } from '../../src/config/diagnostics.js';
import { BASE, errorsOf, replace, seen, validateFixture, type RepoFixture } from '../support/repo-fixture.js';

/**
 * Issue 8, items 13 and 14: every name the model accepts is one every target can express, and
 * every configured native name fits the target — `validate` says so at `file:line:col` instead
 * of `compile` dying on a NUL or every `apply` failing on a 64-byte name.
 */

const nameError = (ch: string, value: string) => `a name cannot contain control characters (found ${ch} in ${JSON.stringify(value)})`;

describe('control characters in neutral names', () => {
  it('a NUL in a group name is an error at the key (it used to validate, then crash compile)', () => {
    const fixture = replace(BASE, 'principals.yaml', 'groups:\n', 'groups:\n  "bad\\0name": {}\n');
    const result = validateFixture(fixture);
    expect(result.diagnostics.errors.map(seen)).toEqual([
      { severity: 'error', code: 'bad-character', at: 'principals.yaml:6:3', message: `key 'groups.bad\\u0000name': ${nameError('U+0000', 'bad\u0000name')}`, hint: 'rename it' },
    ]);
    expect(result.resolved).toBeUndefined();
  });

  // [what, file, find, replacement (with ␀ where the character goes), position of the name]
  const SLOTS: readonly (readonly [string, string, string, string, string])[] = [
    ['group', 'principals.yaml', '  sales_leads:', '  "sales_le␀ads":', 'principals.yaml:9:3'],
    ['member_of reference', 'principals.yaml', 'member_of: [sales_analysts]', 'member_of: ["sales_an␀alysts"]', 'principals.yaml:9:30'],
    ['attribute', 'principals.yaml', '  clearance: { type', '  "clear␀ance": { type', 'principals.yaml:4:3'],
    ['group attribute key', 'principals.yaml', 'attributes: { region: [EMEA] }', 'attributes: { "reg␀ion": [EMEA] }', 'principals.yaml:7:35'],
    ['tag key', 'catalog.yaml', '  pii:', '  "p␀ii":', 'catalog.yaml:3:3'],
    ['tag value', 'catalog.yaml', 'values: [email, phone', 'values: ["em␀ail", phone', 'catalog.yaml:4:14'],
    ['classifier tag', 'catalog.yaml', 'tag: pii=email', 'tag: "pii=em␀ail"', 'catalog.yaml:9:10'],
    ['policy name', 'global.yaml', 'name: pii-hash', 'name: "pii␀hash"', 'global.yaml:3:11'],
    ['mask exempt', 'global.yaml', 'exempt: [privacy_officers]', 'exempt: ["privacy␀officers"]', 'global.yaml:4:67'],
    ['tag selector key', 'global.yaml', 'tags: { pii: [email, phone] }', 'tags: { "p␀ii": [email, phone] }', 'global.yaml:4:21'],
    ['tag selector value', 'global.yaml', 'tags: { pii: [email, phone] }', 'tags: { pii: ["em␀ail", phone] }', 'global.yaml:4:27'],
    ['domain name', 'domains/sales.yaml', 'name: sales', 'name: "sa␀les"', 'domains/sales.yaml:2:7'],
    ['owner', 'domains/sales.yaml', 'owners: [sales_leads]', 'owners: ["sales␀leads"]', 'domains/sales.yaml:3:10'],
    ['schema', 'domains/sales.yaml', 'schemas: [analytics.sales]', 'schemas: ["analytics.sa␀les"]', 'domains/sales.yaml:4:11'],
    ['table', 'domains/sales.yaml', '  analytics.sales.orders: {}', '  "analytics.sales.ord␀ers": {}', 'domains/sales.yaml:11:3'],
    ['column', 'domains/sales.yaml', '      phone: { pii: phone }', '      "pho␀ne": { pii: phone }', 'domains/sales.yaml:10:7'],
    ['column tag value', 'domains/sales.yaml', '      phone: { pii: phone }', '      phone: { pii: "pho␀ne" }', 'domains/sales.yaml:10:21'],
    ['table tag key', 'domains/sales.yaml', 'tags: { sensitivity: confidential }', 'tags: { "sensi␀tivity": confidential }', 'domains/sales.yaml:7:13'],
    ['grant group', 'domains/sales.yaml', 'groups: [sales_analysts, sales_analysts_us]', 'groups: ["sales␀analysts", sales_analysts_us]', 'domains/sales.yaml:13:14'],
    ['grant table', 'domains/sales.yaml', 'read: [analytics.sales.*]', 'read: ["analytics.sales.␀*"]', 'domains/sales.yaml:14:12'],
    ['filter table', 'domains/sales.yaml', 'tables: [analytics.sales.customers]\n      allow', 'tables: ["analytics.sales.cus␀tomers"]\n      allow', 'domains/sales.yaml:18:16'],
    ['mask column', 'domains/sales.yaml', 'columns: [analytics.sales.customers.phone]', 'columns: ["analytics.sales.customers.ph␀one"]', 'domains/sales.yaml:22:23'],
    ['target name', 'meshward.yaml', '  local:', '  "lo␀cal":', 'meshward.yaml:5:3'],
    ['database label', 'meshward.yaml', 'database: analytics', 'database: "analy␀tics"', 'meshward.yaml:7:15'],
  ];

  const withChar = (slot: (typeof SLOTS)[number], ch: string): RepoFixture => {
    const escaped = JSON.stringify(ch).slice(1, -1); // as a YAML double-quoted escape
    return replace(BASE, slot[1], slot[2], slot[3].replace('␀', escaped));
  };

  it.each(SLOTS.map((s) => [s[0], s] as const))('a NUL in a %s is an error at its file:line:col', (_, slot) => {
    const errors = errorsOf(withChar(slot, '\u0000')).filter((d) => d.code === 'bad-character');
    expect(errors.map((d) => d.at)).toEqual([slot[4]]);
    expect(errors[0]!.message).toContain('U+0000');
  });

  it('every control character class is refused: C0, DEL, C1; and an unpaired surrogate', () => {
    for (const ch of ['\u0001', '\t', '\n', '\u001f', '\u007f', '\u0085', '\u009f', '\ud800']) {
      const errors = errorsOf(withChar(SLOTS[0]!, ch));
      expect(errors.map((d) => `${d.code} ${d.at}`), JSON.stringify(ch)).toEqual(['bad-character principals.yaml:9:3']);
    }
  });

  it('other characters are fine in names: spaces, quotes, non-Latin letters, emoji', () => {
    for (const ch of [' ', '"', "'", 'é', '用', '🙂', '\u00a0']) {
      const fixture = withChar(SLOTS[14]!, ch); // a governed table nobody refers to
      expect(errorsOf(fixture).filter((d) => d.code === 'bad-character'), JSON.stringify(ch)).toEqual([]);
    }
  });

  it('generated: a control character in any name slot is always an error there, never a throw', () => {
    const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.constantFrom(...SLOTS), control, (slot, ch) => {
        const result = validateFixture(withChar(slot, ch));
        const bad = result.diagnostics.errors.filter((d) => d.code === 'bad-character');
        expect(bad.map((d) => formatPos(d.at))).toEqual([slot[4]]);
        expect(result.resolved === undefined || result.diagnostics.hasErrors).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('an attribute value with a NUL (it becomes a SQL literal) is refused; a tab is not', () => {
    const nul = replace(BASE, 'principals.yaml', 'attributes: { region: [EMEA] }', 'attributes: { region: ["EM\\0EA"] }');
    expect(errorsOf(nul).map((d) => `${d.code} ${d.at} ${d.message}`)).toEqual([
      `bad-character principals.yaml:7:44 'groups.sales_analysts.attributes.region.0': a value cannot contain NUL or an unpaired surrogate (found U+0000 in "EM\\u0000EA")`,
    ]);
    const tab = replace(BASE, 'principals.yaml', 'region: { type: string, values: [EMEA, AMER, APAC] }', 'region: { type: string, values: [EMEA, AMER, APAC, "A\\tB"] }');
    expect(errorsOf(tab)).toEqual([]);
  });

  it('a NUL inside a filter string or quoted column is a filter-syntax error at its column', () => {
    const fixture = replace(BASE, 'domains/finance.yaml', `allow: "status = 'paid'"`, `allow: "status = 'pa\\0id'"`);
    expect(errorsOf(fixture).map((d) => `${d.code} ${d.at}`)).toEqual(['filter-syntax domains/finance.yaml:17:24']);
  });

  it('a target name that would leave .meshward/ is refused', () => {
    for (const name of ['"../x"', '"a/b"', '"."', '".."', '"a\\\\b"']) {
      const errors = errorsOf(replace(BASE, 'meshward.yaml', '  local:', `  ${name}:`));
      expect(errors.map((d) => `${d.code} ${d.at}`), name).toEqual(['invalid-key meshward.yaml:5:3']);
    }
  });
});

describe('PostgreSQL limits of configured names (Target.checkSettings)', () => {
  const setting = (line: string): RepoFixture => replace(BASE, 'meshward.yaml', '    database: analytics\n', `    database: analytics\n    ${line}\n`);

  it('governance_schema over 63 bytes is an error at the setting (it used to validate, then fail every apply)', () => {
    expect(errorsOf(setting(`governance_schema: ${'g'.repeat(64)}`))).toEqual([
      {
        severity: 'error',
        code: 'pg-name-too-long',
        at: 'meshward.yaml:8:24',
        message: `target 'local': governance_schema '${'g'.repeat(64)}' is 64 bytes; PostgreSQL keeps 63 bytes of a name`,
        hint: 'shorten it to at most 63 bytes',
      },
    ]);
  });

  it('63 bytes is fine; the limit counts UTF-8 bytes, not characters', () => {
    expect(errorsOf(setting(`governance_schema: ${'g'.repeat(63)}`))).toEqual([]);
    expect(errorsOf(setting(`governance_schema: ${'é'.repeat(32)}`)).map((d) => d.message)).toEqual([
      `target 'local': governance_schema '${'é'.repeat(32)}' is 64 bytes; PostgreSQL keeps 63 bytes of a name`,
    ]);
  });

  it('a governance_schema starting with pg_ is reserved by PostgreSQL', () => {
    expect(errorsOf(setting('governance_schema: pg_meshward')).map((d) => `${d.code} ${d.at}`)).toEqual(['pg-reserved-name meshward.yaml:8:24']);
  });

  it('a governance_schema that is a schema of governed tables is refused', () => {
    expect(errorsOf(setting('governance_schema: sales')).map((d) => `${d.code} ${d.at}`)).toEqual(['pg-governance-collision meshward.yaml:8:24']);
  });

  it('a value from ${env:VAR} is known at apply only: not checked here', () => {
    expect(errorsOf(setting('governance_schema: ${env:MESHWARD_GOVERNANCE}'))).toEqual([]);
  });

  it('a database label over 63 bytes, or with a dot, is an error at the setting', () => {
    const long = replace(BASE, 'meshward.yaml', 'database: analytics', `database: ${'d'.repeat(64)}`);
    expect(errorsOf(long).filter((d) => d.code === 'pg-name-too-long').map((d) => d.at)).toEqual(['meshward.yaml:7:15']);
    const dotted = replace(BASE, 'meshward.yaml', 'database: analytics', 'database: ana.lytics');
    expect(errorsOf(dotted).filter((d) => d.at === 'meshward.yaml:7:15').map((d) => d.message)).toEqual([
      "target 'local': database label 'ana.lytics' contains '.'",
    ]);
  });

  it('a table or column name over 63 bytes (PostgreSQL could not have created it) is an error at its key', () => {
    const long = 't'.repeat(64);
    const fixture = replace(BASE, 'domains/sales.yaml', '  analytics.sales.orders: {}', `  analytics.sales.${long}:\n    columns:\n      ${'c'.repeat(64)}: { pii: email }`);
    expect(errorsOf(fixture).filter((d) => d.code === 'pg-name-too-long')).toEqual([
      { severity: 'error', code: 'pg-name-too-long', at: 'domains/sales.yaml:11:3', message: `table analytics.sales.${long}: table '${long}' is 64 bytes; PostgreSQL keeps 63 bytes of a name`, hint: 'shorten it to at most 63 bytes' },
      { severity: 'error', code: 'pg-name-too-long', at: 'domains/sales.yaml:13:7', message: `column analytics.sales.${long}.${'c'.repeat(64)} is 64 bytes; PostgreSQL keeps 63 bytes of a name`, hint: 'shorten it to at most 63 bytes' },
    ]);
  });

  it('a group name of any length is fine: its role name is truncated with a hash', () => {
    const fixture = replace(BASE, 'principals.yaml', 'groups:\n', `groups:\n  ${'g'.repeat(150)}: {}\n`);
    expect(errorsOf(fixture)).toEqual([]);
  });
});
