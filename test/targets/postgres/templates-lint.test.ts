import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objects } from '../../../src/targets/postgres/objects.js';
import { POSTGRES_TEMPLATES, render, RENDERED } from '../../../src/targets/postgres/render.js';
import { createTemplateEnv, templatesDir } from '../../../src/targets/shared/templates.js';
import type { NativeObject } from '../../../src/targets/target.js';
import { validateRepository } from '../../../src/validate.js';
import { contextFor, resolvedOrThrow } from './support.js';

/** One object of every constructor in objects.ts, to render every kind × action. */
const SAMPLES: Record<keyof typeof objects, NativeObject> = {
  role: objects.role({ name: 'mw_x', comment: 'meshward:acme:group:x' }),
  roleAdmin: objects.roleAdmin({ role: 'mw_x', member: 'alice' }),
  membership: objects.membership({ role: 'mw_x', member: 'mw_y' }),
  schema: objects.schema({ name: 'mw_s', owner: 'mw_owner', comment: 'meshward:acme:schema:db.s' }),
  view: objects.view({ schema: 'mw_s', name: 't', base: { schema: 's', table: 't' }, owner: 'mw_owner', comment: 'meshward:acme:view:db.s.t', select: 'SELECT 1 AS "a"', columns: [{ name: 'a', type: 'integer' }], masks: {}, filters: [] }),
  grant: objects.grant({ privilege: 'SELECT', on: 'view', object: '"mw_s"."t"', grantee: 'mw_x' }),
  tag: objects.tag({ object: 'db.s.t', tag: 'pii', value: 'email' }),
  attributeValue: objects.attributeValue({ role: 'mw_x', attribute: 'region', type: 'string', value: "it's" }),
  governance: objects.governance({ schema: 'mw_meta', version: 2 }),
  defaultAcl: objects.defaultAcl({ role: 'mw_owner', schema: 'mw_s', objtype: 'r', privilege: 'SELECT', grantee: 'alice' }),
};

/**
 * Templates never emit a raw value (architecture.md rule 9): every mustache is a known quoting
 * helper with exactly its arguments (`ident x`, `qname s n`, `lit x`, `sql x` — compiler output
 * only), a comment, or an `#each`/`#if` block; an argument is a field path or a string literal.
 */
const HELPERS: Readonly<Record<string, number>> = { ident: 1, qname: 2, lit: 1, sql: 1 };
const BLOCKS = /^(?:#each|#if) (?:@index|this|(?:\.\.\/)*[A-Za-z_][A-Za-z0-9_]*)$|^(?:\/each|\/if|else)$/;
const ARGUMENT = /^(?:this|(?:\.\.\/)*[A-Za-z_][A-Za-z0-9_]*|"[A-Za-z_][A-Za-z0-9_]*")$/;

/** Whether one mustache (as `mustaches` returns it) is allowed. */
function allowed(m: string): boolean {
  if (m.startsWith('!')) return true;
  if (BLOCKS.test(m)) return true;
  const [helper, ...args] = m.split(/\s+/);
  return helper !== undefined && Object.hasOwn(HELPERS, helper) && args.length === HELPERS[helper] && args.every((a) => ARGUMENT.test(a));
}

/** Every `{{…}}` of a template, including triple-stash and whitespace-control forms. */
export function mustaches(source: string): string[] {
  const out: string[] = [];
  const re = /\{\{(\{?)(~?)([\s\S]*?)(~?)\}?\}\}/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1] ? `{${m[3]}` : m[3]!.trim());
  return out;
}

export function lint(source: string): string[] {
  return mustaches(source).filter((m) => !allowed(m));
}

describe('template lint', () => {
  const dir = templatesDir('postgres');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql.hbs'));

  it('has exactly one template per kind × action the target renders, and renders no other', () => {
    expect(files.map((f) => f.slice(0, -'.sql.hbs'.length)).sort()).toEqual([...POSTGRES_TEMPLATES].sort());
    expect(POSTGRES_TEMPLATES.length).toBe(new Set(POSTGRES_TEMPLATES).size);
    // every kind an object constructor makes (and the --revoke-unmanaged change) is rendered
    const made = new Set([...Object.values(SAMPLES).map((o) => o.kind), 'unmanaged_grant']);
    expect([...made].sort()).toEqual(Object.keys(RENDERED).sort());
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(objects).sort());
    const ctx = { ...contextFor(resolvedOrThrow(validateRepository({ dir: 'policies' })).model), desired: [] };
    for (const o of Object.values(SAMPLES)) {
      for (const action of ['add', 'change', 'remove'] as const) {
        const change = { action, key: o.key, kind: o.kind, reason: 'test', hazards: [], ...(action !== 'remove' ? { desired: o } : {}), ...(action !== 'add' ? { current: o } : {}) };
        if (RENDERED[o.kind]!.includes(action)) expect(render(change, ctx).every((sql) => sql.endsWith(';')), `${o.kind}.${action}`).toBe(true);
        else expect(() => render(change, ctx), `${o.kind}.${action}`).toThrow(`does not ${action} a ${o.kind}`);
      }
    }
  });

  it.each(files)('%s uses only quoting helpers and blocks', (file) => {
    expect(lint(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
  });

  it('catches a bare value, a triple-stash and an unknown helper', () => {
    expect(lint('GRANT {{name}} TO x;')).toEqual(['name']);
    expect(lint('SELECT {{{raw}}};')).toEqual(['{raw']);
    expect(lint('SELECT {{~ name ~}};')).toEqual(['name']);
    expect(lint('{{upper name}}')).toEqual(['upper name']);
    expect(lint('{{ident}} {{ident a b}} {{qname a}} {{lit "raw text"}} {{ident (lit a)}} {{#unless x}} {{> partial}} {{&raw}}')).toEqual(['ident', 'ident a b', 'qname a', 'lit "raw text"', 'ident (lit a)', '#unless x', '> partial', '&raw']);
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
