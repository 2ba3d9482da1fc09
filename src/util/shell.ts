import { relative } from 'node:path';

/** One word for a POSIX shell: as it is when it needs no quoting, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `--dir D` for a hint pasted in the current directory (empty when D is it), relative when below it. */
export function dirOption(root: string, cwd = process.cwd()): string {
  const rel = relative(cwd, root);
  if (rel === '') return '';
  return ` --dir ${shellWord(rel.startsWith('..') ? root : rel)}`;
}
