import { validateRepository, type ValidationResult } from '../../validate.js';
import { ExitError, paint, printDiagnostics, useColour } from '../output.js';

export interface RepoOptions {
  dir: string;
  inventory?: string;
}

/** Loads and checks the repository, printing every diagnostic; throws ExitError(1) on errors. */
export function loadOrExit(options: RepoOptions, quietWarnings = false): ValidationResult & { resolved: NonNullable<ValidationResult['resolved']> } {
  const result = validateRepository({ dir: options.dir, inventory: options.inventory });
  const sorted = result.diagnostics.sorted();
  printDiagnostics(quietWarnings ? sorted.filter((d) => d.severity === 'error') : sorted, result.root);
  if (result.diagnostics.hasErrors || !result.resolved) throw new ExitError(1);
  return result as never;
}

export function validateCommand(options: RepoOptions & { json?: boolean }): void {
  const result = validateRepository({ dir: options.dir, inventory: options.inventory });
  const sorted = result.diagnostics.sorted();
  if (options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          format: 1,
          ok: !result.diagnostics.hasErrors,
          diagnostics: sorted.map((d) => ({ severity: d.severity, code: d.code, message: d.message, hint: d.hint ?? null, file: d.at?.file ?? null, line: d.at?.line ?? null, col: d.at?.col ?? null })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    printDiagnostics(sorted, result.root);
    const p = paint(useColour());
    const errors = result.diagnostics.errors.length;
    const warnings = result.diagnostics.warnings.length;
    if (errors === 0 && result.resolved) {
      const r = result.resolved;
      const policies = r.model.globalPolicies.length + r.model.domains.reduce((n, d) => n + d.policies.length, 0);
      process.stdout.write(
        p.green('✓ valid') +
          ` · ${r.model.domains.length} domains · ${r.tables.length} governed tables · ${r.model.groups.size} groups · ${policies} policies` +
          (warnings ? p.yellow(` · ${warnings} warning${warnings === 1 ? '' : 's'}`) : '') +
          '\n',
      );
    } else {
      process.stderr.write(p.red(`✗ ${errors} error${errors === 1 ? '' : 's'}`) + (warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '') + '\n');
    }
  }
  if (result.diagnostics.hasErrors) throw new ExitError(1);
}
