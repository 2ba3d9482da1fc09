import { checkAccessTests } from '../../access-tests/check.js';
import { ExitError, displayPath, paint, useColour } from '../output.js';
import { loadOrExit, type RepoOptions } from './validate.js';

export interface TestOptions extends RepoOptions {
  json?: boolean;
  target?: string;
}

/** `meshward test`: AccessTests against the resolver; exit 1 on any failure. */
export function testCommand(options: TestOptions): void {
  if (options.target) {
    process.stderr.write('meshward test --target needs the live-engine support of the next release; run without --target to check the model\n');
    throw new ExitError(1);
  }
  const { resolved, root } = loadOrExit(options, true);
  const outcomes = checkAccessTests(resolved);
  const failed = outcomes.filter((o) => o.failures.length > 0);
  if (options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          format: 1,
          passed: outcomes.length - failed.length,
          failed: failed.length,
          tests: outcomes.map((o) => ({ name: o.label, file: o.test.at.file, line: o.test.at.line, col: o.test.at.col, ok: o.failures.length === 0, failures: o.failures.map((f) => ({ ...f.at, message: f.message })) })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const p = paint(useColour());
    for (const o of outcomes) {
      if (o.failures.length === 0) process.stdout.write(`${p.green('✓')} ${o.label}\n`);
      else {
        process.stdout.write(`${p.red('✗')} ${o.label}\n`);
        for (const f of o.failures) process.stdout.write(`    ${displayPath(root, f.at.file)}:${f.at.line}:${f.at.col}: ${f.message}\n`);
      }
    }
    const summary = `${outcomes.length - failed.length} passed, ${failed.length} failed`;
    process.stdout.write((failed.length ? p.red(summary) : p.green(summary)) + '\n');
  }
  if (outcomes.length === 0) process.stderr.write('no AccessTests documents found\n');
  if (failed.length) throw new ExitError(1);
}
