import { checkAccessTests, type TestOutcome } from '../../access-tests/check.js';
import { checkAccessTestsLive } from '../../access-tests/live.js';
import { contradictsModel, findingRemedy } from '../../plan/findings.js';
import type { Finding } from '../../targets/target.js';
import { withSession } from './session.js';
import { ExitError, commandHint, displayPath, paint, useColour } from '../output.js';
import { planFor } from '../../session/plan-for.js';
import { loadOrExit, type RepoOptions } from './validate.js';

export interface TestOptions extends RepoOptions {
  json?: boolean;
  target?: string;
}

/**
 * `meshward test`: AccessTests against the resolver (and, with --target, the live engine); exit 1
 * on any failure. Live, a finding that contradicts the model — a grant around the views, RLS or a
 * changed column on a governed base table — fails the run too: the engine then does not enforce
 * exactly what the model says, whatever the AccessTests happened to sample.
 */
export async function testCommand(options: TestOptions): Promise<void> {
  let root: string;
  let outcomes: TestOutcome[];
  let bypasses: readonly Finding[] = [];
  if (options.target) {
    ({ root, outcomes, bypasses } = await withSession({ dir: options.dir, target: options.target }, async (s) => {
      if (s.target.capabilities.impersonation === 'none' || !s.target.probe) throw new ExitError(1, `target type ${s.decl.type} cannot run access tests live (it cannot act as a principal)`);
      const { plan } = await planFor(s);
      const where = { dir: options.dir, target: s.decl.name };
      if (s.desired.length > 0 && plan.summary.add === s.desired.length) {
        // every desired object is still to be made: no apply has happened here
        throw new ExitError(1, `meshward: nothing is applied on target '${s.decl.name}' yet, so there is nothing live to test; run ${commandHint('apply', where)} first`);
      }
      if (plan.changes.length > 0) {
        process.stderr.write(`meshward: target '${s.decl.name}' has ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} not applied yet (${commandHint('plan', where)} lists them); the live checks test what is applied\n`);
      }
      const probe = s.target.probe(s.conn, s.ctx, s.resolved);
      const model = checkAccessTests(s.resolved);
      const live = await checkAccessTestsLive(s.resolved, probe).catch((e: unknown) => {
        throw new ExitError(1, `meshward: the live checks on target '${s.decl.name}' could not run: ${(e as Error).message}; run ${commandHint('plan', where)} to see what is not applied`);
      });
      // A test passes only if both the model and the engine keep its promise.
      const merged = model.map((m, i) => ({ ...m, failures: [...m.failures, ...live[i]!.failures] }));
      return { root: s.root, outcomes: merged, bypasses: await probe.bypasses() };
    }));
  } else {
    const loaded = loadOrExit(options, true);
    root = loaded.root;
    outcomes = checkAccessTests(loaded.resolved);
  }
  const failed = outcomes.filter((o) => o.failures.length > 0);
  const contradicting = bypasses.filter(contradictsModel);
  if (options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          format: 1,
          passed: outcomes.length - failed.length,
          failed: failed.length,
          target: options.target ?? null,
          bypasses,
          contradicting: contradicting.length,
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
    const where = { dir: options.dir, target: options.target };
    for (const b of bypasses) {
      const mark = contradictsModel(b) ? p.red('✗') : p.yellow('!');
      process.stdout.write(`${mark} ${b.code}: ${b.message}${contradictsModel(b) ? `; ${findingRemedy(b, (w) => commandHint(w, where))}` : ''}\n`);
    }
    const findings = contradicting.length ? `, ${contradicting.length} finding${contradicting.length === 1 ? '' : 's'} contradict${contradicting.length === 1 ? 's' : ''} the model` : '';
    const summary = `${outcomes.length - failed.length} passed, ${failed.length} failed${findings}${options.target ? ` (model and live target '${options.target}')` : ''}`;
    process.stdout.write((failed.length || contradicting.length ? p.red(summary) : p.green(summary)) + '\n');
  }
  if (outcomes.length === 0) process.stderr.write('no AccessTests documents found\n');
  if (failed.length || contradicting.length) throw new ExitError(1);
}
