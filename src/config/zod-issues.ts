import type { z } from 'zod';
import { targetTypes } from '../targets/settings.js';
import { didYouMean } from '../model/did-you-mean.js';
import { codePoint } from '../model/expr/tokenizer.js';
import type { Diagnostics } from './diagnostics.js';
import { NAME_MESSAGE, NAME_PATTERN, TEXT_MESSAGE, TEXT_PATTERN } from './schema/common.js';
import type { SourceDoc } from './source.js';

type AnySchema = z.ZodType;

/** Turns zod issues into positioned diagnostics that say what to write instead. */
export function reportZodIssues(issues: readonly z.core.$ZodIssue[], source: SourceDoc, schema: AnySchema, diags: Diagnostics): void {
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const where = path.length ? `'${printable(path.join('.'))}'` : 'the document';
    const character = badCharacter(issue);
    if (character) {
      diags.error('bad-character', `${where}: ${character}`, source.pos(path), 'remove it');
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A record key (a group, table, column, tag … name): reported at the key itself.
      const key = path[path.length - 1];
      for (const inner of issue.issues) {
        const bad = badCharacter({ ...inner, input: key } as z.core.$ZodIssue);
        diags.error(bad ? 'bad-character' : 'invalid-key', `key ${where}: ${bad ?? inner.message}`, source.keyPos(path), 'rename it');
      }
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const allowed = objectKeysAt(schema, path);
      for (const key of issue.keys) {
        const guess = allowed ? didYouMean(key, allowed) : undefined;
        const hint = guess ? `did you mean '${guess}'?` : allowed ? `allowed keys: ${allowed.join(', ')}` : 'remove it';
        diags.error('unknown-key', `unknown key '${printable(key)}' in ${where}`, source.keyPos([...path, key]), hint);
      }
      continue;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      const key = path[path.length - 1];
      diags.error('missing-key', `missing required '${String(key)}'`, source.pos(path.slice(0, -1)), `add '${String(key)}: …' (${issue.expected})`);
      continue;
    }
    if (issue.code === 'invalid_value' && 'values' in issue) {
      const got = issue.input;
      const options = issue.values.map(String);
      const guess = typeof got === 'string' ? didYouMean(got, options) : undefined;
      diags.error(
        'invalid-value',
        `${JSON.stringify(got)} is not allowed for ${where}`,
        source.pos(path),
        guess ? `did you mean '${guess}'?` : `write one of: ${options.join(', ')}`,
      );
      continue;
    }
    if (issue.code === 'invalid_union' && path[path.length - 1] === 'type') {
      diags.error('invalid-value', `unknown target type at ${where}`, source.pos(path), `write one of: ${targetTypes().join(', ')}`);
      continue;
    }
    const message = issue.code === 'invalid_type' ? `${where}: expected ${issue.expected}` : `${where}: ${issue.message}`;
    diags.error(`schema-${issue.code}`, message, source.pos(path));
  }
}

/** For a string that failed the name or text pattern: what is wrong, naming the character. */
function badCharacter(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'invalid_format' || typeof issue.input !== 'string') return undefined;
  const pattern = (issue as { pattern?: unknown }).pattern;
  const which = pattern === NAME_PATTERN.source || pattern === String(NAME_PATTERN) ? ([NAME_PATTERN, NAME_MESSAGE] as const) : pattern === TEXT_PATTERN.source || pattern === String(TEXT_PATTERN) ? ([TEXT_PATTERN, TEXT_MESSAGE] as const) : undefined;
  if (!which) return undefined;
  const found = [...issue.input].find((ch) => !which[0].test(ch));
  const shown = issue.input.length > 60 ? `${issue.input.slice(0, 57)}...` : issue.input;
  return `${which[1]} (found ${found === undefined ? 'one' : codePoint(found)} in ${JSON.stringify(shown)})`;
}

/** A path or name as it may be printed: control characters and lone surrogates escaped. */
export function printable(s: string): string {
  return s.replace(/[\p{Cc}\p{Cs}]/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Keys of the object schema found at `path`, unwrapping optional/default/record/array/union. */
function objectKeysAt(schema: AnySchema, path: readonly (string | number)[]): string[] | undefined {
  let current: AnySchema[] = [schema];
  for (const segment of [...path, undefined]) {
    current = current.flatMap(unwrap);
    if (segment === undefined) break;
    current = current.flatMap((s) => child(s, segment));
  }
  const keys = new Set<string>();
  for (const s of current) {
    const def = defOf(s);
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
  }
  return keys.size ? [...keys] : undefined;
}

function defOf(s: AnySchema): Record<string, any> {
  return (s as any)._zod.def;
}

function unwrap(s: AnySchema): AnySchema[] {
  const def = defOf(s);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.in);
    case 'union':
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [s];
  }
}

function child(s: AnySchema, segment: string | number): AnySchema[] {
  const def = defOf(s);
  if (def.type === 'object' && typeof segment === 'string' && def.shape[segment]) return [def.shape[segment]];
  if (def.type === 'record') return [def.valueType];
  if (def.type === 'array' && typeof segment === 'number') return [def.element];
  return [];
}
