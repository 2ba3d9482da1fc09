import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The core never knows a dialect (architecture.md): no PostgreSQL name, keyword or SQLSTATE in
 * src/ outside src/targets/postgres/. Code is read token by token with TypeScript's own scanner,
 * comments skipped (a comment may name PostgreSQL as an example; code may not act on it). The
 * registry (targets/index.ts, targets/settings.ts) is the one place that names a target type.
 */
const SRC = join(import.meta.dirname, '..', '..', 'src');
const REGISTRY = new Set(['targets/index.ts', 'targets/settings.ts']);

const FORBIDDEN: readonly [string, RegExp][] = [
  ['a PostgreSQL catalog or function', /\bpg_[a-z_]+/i],
  ['the embedded PostgreSQL', /\bpglite\b/i],
  ['PostgreSQL by name', /\bpostgres(ql)?\b/i],
  // a five-character code of one of PostgreSQL's SQLSTATE classes (Appendix A of its manual)
  ['a SQLSTATE', /\bSQLSTATE\b|^(?:0[0-9ABFLPZ]|2[0-9BDF]|3[489BDF]|4[024]|5[3-8]|72|F0|HV|P0)[0-9A-Z]{3}$|^XX00[0-2]$/],
  ['a PostgreSQL keyword', /\b(jsonb|regclass|regrole|search_path|SET\s+LOCAL|SAVEPOINT|ROLLBACK|BEGIN)\b|::(text|int|bigint|oid|jsonb)\b/],
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Identifiers and string/template texts of a file, with their lines; comments are trivia the scanner skips. */
function tokens(text: string): { text: string; line: number }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: { text: string; line: number }[] = [];
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  const braces: number[] = []; // per open template literal: the braces open inside its current `${…}`
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.OpenBraceToken && braces.length) braces[braces.length - 1]!++;
    if (kind === ts.SyntaxKind.CloseBraceToken && braces.length) {
      if (braces[braces.length - 1] === 0) kind = scanner.reScanTemplateToken(false); // the rest of the template literal
      else braces[braces.length - 1]!--;
    }
    if (kind === ts.SyntaxKind.TemplateHead) braces.push(0);
    if (kind === ts.SyntaxKind.TemplateTail) braces.pop();
    if (kind === ts.SyntaxKind.Identifier || kind === ts.SyntaxKind.StringLiteral || (kind >= ts.SyntaxKind.NoSubstitutionTemplateLiteral && kind <= ts.SyntaxKind.TemplateTail)) {
      out.push({ text: scanner.getTokenValue() ?? scanner.getTokenText(), line: lineOf(scanner.getTokenStart()) });
    }
  }
  return out;
}

describe('the core knows no dialect', () => {
  it('no PostgreSQL name, keyword or SQLSTATE in src/ outside src/targets/postgres/', () => {
    const found: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      if (rel.startsWith('targets/postgres/')) continue;
      for (const t of tokens(readFileSync(file, 'utf8'))) {
        for (const [what, re] of FORBIDDEN) {
          if (!re.test(t.text)) continue;
          if (REGISTRY.has(rel) && what === 'PostgreSQL by name') continue;
          found.push(`src/${rel}:${t.line}: ${what}: ${JSON.stringify(t.text.slice(0, 80))}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('the core does not reach into the CLI: cli/ is wiring and views only', () => {
    const reaching = files(SRC)
      .map((f) => relative(SRC, f).split('\\').join('/'))
      .filter((rel) => !rel.startsWith('cli/'))
      .filter((rel) => /from '(\.\.\/)+cli\//.test(readFileSync(join(SRC, rel), 'utf8')));
    expect(reaching).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    const hits = (code: string) => tokens(code).flatMap((t) => FORBIDDEN.filter(([, re]) => re.test(t.text)).map(([what]) => what));
    expect(hits("const a = '42501'; const b = 'SELECT x::text'; const c = 'jsonb';")).toEqual(['a SQLSTATE', 'a PostgreSQL keyword', 'a PostgreSQL keyword']);
    expect(hits('const pg_roles = 1; const d = `${pg_roles} pglite`;')).toEqual(['a PostgreSQL catalog or function', 'a PostgreSQL catalog or function', 'the embedded PostgreSQL']);
    expect(hits("const n = '10000'; const t = 'XXXXX'; // 42501 in a comment")).toEqual([]);
  });

  it('the scanner sees code and skips comments', () => {
    const seen = tokens("// pg_class in a comment\nconst a = 'pg_roles'; /* SQLSTATE */ const b = `x ${a} pg_x`;").map((t) => t.text);
    expect(seen).toContain('pg_roles');
    expect(seen.some((t) => t.includes('pg_x'))).toBe(true);
    expect(seen.join(' ')).not.toMatch(/pg_class|SQLSTATE/);
  });
});
