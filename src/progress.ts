/**
 * Progress of long work, and what an interruption would leave behind. Stages report here
 * (`step`, `phase`) without knowing who listens; the CLI installs a sink that draws one status
 * line on a terminal (nothing when piped or with --json), and its signal handler reads `phase`
 * to say what state things are in when the user presses Ctrl-C.
 */

export interface ProgressSink {
  /** A step began (`label`), or reports how far it is (`detail`, e.g. `12/250`). */
  show(label: string, detail?: string): void;
  /** The step ended: clear the line. */
  clear(): void;
}

const NO_SINK: ProgressSink = { show: () => undefined, clear: () => undefined };
let sink: ProgressSink = NO_SINK;

export function setProgressSink(next: ProgressSink | null): void {
  sink.clear();
  sink = next ?? NO_SINK;
  open.length = 0;
}

/** A step of long work: `update` reports how far, `done` ends it. */
export interface Step {
  update(detail: string): void;
  done(): void;
}

/** MESHWARD_TIMINGS=1 prints each step's wall time to stderr when it ends (for profiling; README, Performance). */
const TIMINGS = process.env.MESHWARD_TIMINGS === '1';

/** Open steps, innermost last: when an inner step ends, the outer one is shown again. */
const open: { label: string; detail?: string }[] = [];

export function step(label: string): Step {
  const entry: { label: string; detail?: string } = { label };
  const started = TIMINGS ? performance.now() : 0;
  open.push(entry);
  sink.show(label);
  return {
    update: (detail) => {
      entry.detail = detail;
      if (open[open.length - 1] === entry) sink.show(label, detail);
    },
    done: () => {
      const at = open.indexOf(entry);
      if (at < 0) return;
      if (TIMINGS) process.stderr.write(`timing ${'  '.repeat(at)}${label}: ${Math.round(performance.now() - started)} ms\n`);
      open.splice(at, 1);
      const outer = open[open.length - 1];
      if (outer) sink.show(outer.label, outer.detail);
      else sink.clear();
    },
  };
}

/** Runs `fn` as one step. */
export async function inStep<T>(label: string, fn: (s: Step) => Promise<T>): Promise<T> {
  const s = step(label);
  try {
    return await fn(s);
  } finally {
    s.done();
  }
}

/**
 * What an interruption right now would leave: `idle` and `reading` change nothing; `transaction`
 * means an open transaction that is rolled back; `committing` means steps commit one by one, so
 * those before the interruption stay applied.
 */
export type Phase = 'idle' | 'reading' | 'transaction' | 'committing';

let current: Phase = 'idle';

export function setPhase(p: Phase): void {
  current = p;
}

export function phase(): Phase {
  return current;
}

/** One line for an interrupted command: what is applied now, and what to run next. */
export function interruptedMessage(signal: string): string {
  const what =
    current === 'transaction'
      ? 'the open apply transaction is rolled back: nothing of it is applied'
      : current === 'committing'
        ? 'what committed before the interruption stays applied, the rest is not'
        : 'nothing was changed';
  return `meshward: interrupted (${signal}): ${what}; run meshward plan to see the state of the target`;
}
