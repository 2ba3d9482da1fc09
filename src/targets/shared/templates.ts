import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { createRequire } from 'node:module';

/**
 * The handlebars environment every target renders its statements with (architecture.md, rule 9).
 *
 * Templates never emit a raw value. The only helpers are:
 * - `{{ident x}}`    one quoted identifier;
 * - `{{qname s n}}`  a quoted, schema-qualified name;
 * - `{{lit x}}`      a quoted string literal;
 * - `{{sql x}}`      a SQL fragment that the compiler itself produced (a view's SELECT text, an
 *                    already quoted object name it built). It takes compiler output ONLY — never
 *                    a value that came from YAML, an inventory or the live catalog unquoted.
 * A bare `{{name}}` is refused by a lint test.
 *
 * Each template renders one or more statements, each ending with `;` at the end of a line.
 * Helpers return placeholders while the template runs, so statements are split on the
 * template's own text: a `;` or a newline inside a quoted value can never split a statement.
 */

/** Dialect quoting a target provides. */
export interface TemplateQuoting {
  /** Quotes one identifier. */
  readonly ident: (name: string) => string;
  /** Quotes one string literal. */
  readonly lit: (value: string) => string;
}

export interface TemplateEnvOptions extends TemplateQuoting {
  /** Directory holding `<object>.<action>.sql.hbs` files. */
  readonly dir: string;
  /** Template names (`view.add`) that must exist; a missing one fails at load time, naming the file. */
  readonly required?: readonly string[];
}

export interface TemplateEnv {
  /** Template names found, e.g. `view.add`. */
  readonly names: readonly string[];
  /** The statements of one template, each ending with `;`. */
  render(name: string, data: Readonly<Record<string, unknown>>): string[];
  has(name: string): boolean;
}

const SUFFIX = '.sql.hbs';
const OPEN = '\u0001';
const CLOSE = '\u0002';
const KNOWN_HELPERS = { ident: true, qname: true, lit: true, sql: true } as const;

/** Loads and compiles every `*.sql.hbs` in `dir` with strict, escaping-free, known-helpers-only handlebars. */
export function createTemplateEnv(options: TemplateEnvOptions): TemplateEnv {
  if (!existsSync(options.dir)) throw new Error(`template directory ${options.dir} does not exist`);
  // loaded on first use: commands that render nothing (validate, explain) do not pay its load
  const hb = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
  const slot = (value: string, helperOptions: Handlebars.HelperOptions): string => {
    const slots = (helperOptions.data as { slots?: string[] } | undefined)?.slots;
    if (!slots) throw new Error('template helpers run only inside TemplateEnv.render');
    slots.push(value);
    return `${OPEN}${slots.length - 1}${CLOSE}`;
  };
  const text = (value: unknown, helper: string): string => {
    if (typeof value !== 'string') throw new Error(`{{${helper}}} takes a string, got ${value === undefined ? 'undefined' : typeof value}`);
    return value;
  };
  hb.registerHelper('ident', (name: unknown, o: Handlebars.HelperOptions) => slot(options.ident(text(name, 'ident')), o));
  hb.registerHelper('qname', (schema: unknown, name: unknown, o: Handlebars.HelperOptions) =>
    slot(`${options.ident(text(schema, 'qname'))}.${options.ident(text(name, 'qname'))}`, o),
  );
  hb.registerHelper('lit', (value: unknown, o: Handlebars.HelperOptions) => slot(options.lit(text(value, 'lit')), o));
  // Compiler output only (see the module comment).
  hb.registerHelper('sql', (fragment: unknown, o: Handlebars.HelperOptions) => slot(text(fragment, 'sql'), o));

  const templates = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of readdirSync(options.dir).sort()) {
    if (!file.endsWith(SUFFIX)) continue;
    const source = readFileSync(join(options.dir, file), 'utf8');
    const compileOptions = { strict: true, noEscape: true, knownHelpersOnly: true, knownHelpers: KNOWN_HELPERS };
    // compile() is lazy; precompile() runs the compiler now, so an unknown helper fails at load time.
    try {
      hb.precompile(source, compileOptions);
    } catch (e) {
      throw new Error(`template ${join(options.dir, file)}: ${(e as Error).message}`);
    }
    templates.set(file.slice(0, -SUFFIX.length), hb.compile(source, compileOptions));
  }
  const fileOf = (name: string): string => join(options.dir, name + SUFFIX);
  for (const name of options.required ?? []) if (!templates.has(name)) throw new Error(`missing template ${fileOf(name)}`);

  return {
    names: [...templates.keys()],
    has: (name) => templates.has(name),
    render(name, data) {
      const template = templates.get(name);
      if (!template) throw new Error(`missing template ${fileOf(name)}`);
      const slots: string[] = [];
      let out: string;
      try {
        out = template(data, { data: { slots } });
      } catch (e) {
        throw new Error(`template ${fileOf(name)}: ${(e as Error).message}`);
      }
      return splitStatements(out).map((s) => s.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_, i: string) => slots[Number(i)]!));
    },
  };
}

/** Splits template output (values still as placeholders) at a `;` that ends a line. */
function splitStatements(text: string): string[] {
  const statements: string[] = [];
  for (const part of text.split(/;[ \t]*(?:\r?\n|$)/)) {
    const s = part.trim();
    if (s !== '') statements.push(s + ';');
  }
  return statements;
}

/** `templates/<target>` of this package: found by walking up from this module to the directory holding package.json. */
export function templatesDir(target: string, from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'templates', target);
    const parent = resolvePath(dir, '..');
    if (parent === dir) throw new Error(`no package.json above ${dirname(fileURLToPath(from))}: cannot find templates/${target}`);
    dir = parent;
  }
}
