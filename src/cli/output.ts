import { relative } from 'node:path';
import { shellWord } from '../util/shell.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';

let colourOff = false;

/** `--no-color` (Terraform's spelling) for the rest of this command. */
export function disableColour(off: boolean): void {
  colourOff = off;
}

/** Colour only on a TTY, without `--no-color`, and when NO_COLOR is unset or empty (no-color.org); CI logs and pipes stay plain. */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !colourOff && Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** `1 statement`, `2 statements`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function paint(enabled: boolean): Paint {
  if (!enabled) {
    const id = (s: string) => s;
    return { red: id, yellow: id, green: id, dim: id, bold: id, cyan: id };
  }
  return { red: code(31, 39), yellow: code(33, 39), green: code(32, 39), dim: code(2, 22), bold: code(1, 22), cyan: code(36, 39) };
}

/**
 * Prints diagnostics to stderr as `file:line:col: message; hint`, paths relative to the current
 * directory so editors and terminals can open them.
 */
export function printDiagnostics(diagnostics: readonly Diagnostic[], root: string): void {
  const p = paint(useColour(process.stderr));
  for (const d of diagnostics) {
    const shown = d.at ? { ...d, at: { ...d.at, file: displayPath(root, d.at.file) } } : d;
    const line = formatDiagnostic(shown);
    process.stderr.write((d.severity === 'error' ? p.red(line) : p.yellow(line)) + '\n');
  }
}

export function displayPath(root: string, file: string): string {
  const rel = relative(process.cwd(), `${root}/${file}`);
  return rel.startsWith('..') && rel.split('/').filter((s) => s === '..').length > 2 ? `${root}/${file}` : rel;
}

/** Thrown by commands to leave with an exit code; only main.ts turns it into process.exit. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

/**
 * A command to paste where the user ran the previous one: `meshward <words>` plus the `--dir`
 * and `--target` that command was given (quoted for a POSIX shell when needed).
 */
export function commandHint(words: string, where: { readonly dir?: string; readonly target?: string } = {}): string {
  const parts = [`meshward ${words}`];
  if (where.target) parts.push(`--target ${shellWord(where.target)}`);
  if (where.dir && where.dir !== '.') parts.push(`--dir ${shellWord(where.dir)}`);
  return parts.join(' ');
}

export { shellWord } from '../util/shell.js';
