import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/cli-inprocess.js';

/** The README's shell examples that print a fixed output are run, and must print exactly that. */
const readme = readFileSync('README.md', 'utf8');

/** Every ``` block that starts with `$ npx meshward …` and whose output is fixed (no timings). */
function examples(): { command: string[]; output: string }[] {
  const out: { command: string[]; output: string }[] = [];
  for (const m of readme.matchAll(/```\n\$ npx meshward (validate [^\n]*)\n([\s\S]*?)```/g)) out.push({ command: m[1]!.split(' '), output: m[2]! });
  return out;
}

describe('README examples', () => {
  it('has the validate example of examples/broken', () => {
    expect(examples().map((e) => e.command.join(' '))).toContain('validate --dir examples/broken');
  });

  it.each(examples().map((e) => [e.command.join(' '), e] as const))('meshward %s prints what the README shows', async (_name, e) => {
    const r = await runInProcess(e.command);
    expect(r.stdout + r.stderr).toBe(e.output);
  });
});
