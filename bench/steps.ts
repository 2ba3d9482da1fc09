import { runNode, type ChildOptions, type ChildRun } from './child.js';

/** One row of a benchmark table. */
export interface Step {
  readonly name: string;
  /** cli: a meshward command in a child; stage: in process (dist/src) in a child; floor: what meshward is compared with; setup: not meshward's work. */
  readonly group: 'cli' | 'stage' | 'floor' | 'setup';
  readonly ok: boolean;
  /** Not run because a step it needs failed (`note` says which). */
  readonly skipped?: boolean;
  readonly ms: number | null;
  readonly rssMb: number | null;
  /** What the step reported (its summary line), or why it failed or was skipped. */
  readonly note: string;
  /** Figures the step produced (statements, queries, items …), for the JSON result. */
  readonly data?: Readonly<Record<string, unknown>>;
}

export function skipped(name: string, group: Step['group'], why: string): Step {
  return { name, group, ok: false, skipped: true, ms: null, rssMb: null, note: `skipped: ${why}` };
}

/** A step from a child run: ok with its note, or failed with its one-line cause. */
export function fromRun(name: string, group: Step['group'], run: ChildRun, note: string, data?: Record<string, unknown>): Step {
  return { name, group, ok: run.ok, ms: run.ms, rssMb: run.rssMb, note: run.ok ? note : `FAILED ${run.cause}`, data };
}

/**
 * A bench child that prints one JSON line (stages.js, session.js, catalog.js): the step, and the
 * parsed line (undefined when it failed).
 */
export function jsonChild(name: string, group: Step['group'], script: string, args: readonly string[], options: ChildOptions, note: (value: Record<string, unknown>) => string): { step: Step; value?: Record<string, unknown> } {
  const run = runNode(script, args, options);
  let value: Record<string, unknown> | undefined;
  if (run.ok) {
    try {
      value = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    } catch {
      return { step: { ...fromRun(name, group, run, ''), ok: false, note: `FAILED no result line: ${run.stdout.slice(0, 120)}` } };
    }
  }
  return { step: fromRun(name, group, run, value ? note(value) : '', value), value };
}
