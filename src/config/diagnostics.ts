import type { SourcePos } from '../model/neutral-types.js';

export type Severity = 'error' | 'warning';

/**
 * A problem found in the policy repository. Errors are values with a position until the CLI
 * prints them (architecture.md); `hint` says what to write instead.
 */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. `unknown-group`; tests and `--json` consumers key on it. */
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly at?: SourcePos;
}

/** Collects diagnostics for one run; every stage appends, the CLI prints them once, sorted. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(code: string, message: string, at?: SourcePos, hint?: string): void {
    this.items.push({ severity: 'error', code, message, at, hint });
  }

  warn(code: string, message: string, at?: SourcePos, hint?: string): void {
    this.items.push({ severity: 'warning', code, message, at, hint });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  /** Sorted by file, line, column; positionless ones first. Duplicates are dropped. */
  sorted(): Diagnostic[] {
    const seen = new Set<string>();
    const unique = this.items.filter((d) => {
      const key = `${d.severity}|${d.code}|${formatPos(d.at)}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return unique.sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.at?.file ?? '';
  const fb = b.at?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.at?.line ?? 0;
  const lb = b.at?.line ?? 0;
  if (la !== lb) return la - lb;
  const ca = a.at?.col ?? 0;
  const cb = b.at?.col ?? 0;
  if (ca !== cb) return ca - cb;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function formatPos(at: SourcePos | undefined): string {
  return at ? `${at.file}:${at.line}:${at.col}` : '';
}

/** `file:line:col: message; hint` — the one line a person acts on. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.at ? `${formatPos(d.at)}: ` : '';
  const level = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}${level}${d.message}${d.hint ? `; ${d.hint}` : ''}`;
}
