import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemplateEnv, templatesDir } from '../../../src/targets/shared/templates.js';

/**
 * Templates never emit a raw value (architecture.md rule 9): every mustache is a quoting helper
 * (`ident`, `qname`, `lit`), `sql` (compiler output only), a comment, or an `#each`/`#if` block.
 */
const ALLOWED = /^(?:!--[\s\S]*--|![\s\S]*|(?:ident|qname|lit|sql) [^{}]+|#each [^{}]+|#if [^{}]+|\/each|\/if|else)$/;

/** Every `{{…}}` of a template, including triple-stash and whitespace-control forms. */
export function mustaches(source: string): string[] {
  const out: string[] = [];
  const re = /\{\{(\{?)(~?)([\s\S]*?)(~?)\}?\}\}/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1] ? `{${m[3]}` : m[3]!.trim());
  return out;
}

export function lint(source: string): string[] {
  return mustaches(source).filter((m) => !ALLOWED.test(m));
}

describe('template lint', () => {
  const dir = templatesDir('postgres');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql.hbs'));

  it('finds the PostgreSQL templates', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  it.each(files)('%s uses only quoting helpers and blocks', (file) => {
    expect(lint(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
  });

  it('catches a bare value, a triple-stash and an unknown helper', () => {
    expect(lint('GRANT {{name}} TO x;')).toEqual(['name']);
    expect(lint('SELECT {{{raw}}};')).toEqual(['{raw']);
    expect(lint('SELECT {{~ name ~}};')).toEqual(['name']);
    expect(lint('{{upper name}}')).toEqual(['upper name']);
    expect(lint('{{ident name}} {{qname a b}} {{lit c}} {{sql d}} {{#if x}}{{else}}{{/if}} {{#each xs}}{{/each}} {{!-- c --}}')).toEqual([]);
  });

  it('refuses unknown helpers at compile time and missing fields at render time', () => {
    const dir = join(import.meta.dirname, 'lint-fixtures');
    const quoting = { ident: (s: string) => `"${s}"`, lit: (s: string) => `'${s}'` };
    expect(() => createTemplateEnv({ dir, ...quoting })).toThrow(/unknown-helper\.sql\.hbs: .*upper/);
    const okOnly = mkdtempSync(join(tmpdir(), 'mw-lint-'));
    copyFileSync(join(dir, 'ok.sql.hbs'), join(okOnly, 'ok.sql.hbs'));
    const env = createTemplateEnv({ dir: okOnly, ...quoting });
    rmSync(okOnly, { recursive: true });
    expect(() => env.render('ok', {})).toThrow(/takes a string, got undefined/);
    expect(() => env.render('missing', {})).toThrow(/missing template .*missing\.sql\.hbs/);
    // A `;` at the end of a line inside a value never splits a statement.
    expect(env.render('ok', { name: 'a;\nb', comment: 'x;\n' })).toEqual(['DROP ROLE "a;\nb";', `COMMENT ON ROLE "a;\nb" IS 'x;\n';`]);
  });
});
