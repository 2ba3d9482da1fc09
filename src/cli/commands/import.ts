import { relative } from 'node:path';
import { summaryText } from '../../import/report.js';
import { ImportError, runImport } from '../../import/run.js';
import { ExitError, printDiagnostics } from '../output.js';

export interface ImportCommandOptions {
  dir: string;
  target?: string;
  url?: string;
  database?: string;
  project?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** `meshward import`: drafts a policy repository from what the target already holds. */
export async function importCommand(options: ImportCommandOptions): Promise<void> {
  let result;
  try {
    result = await runImport({ dir: options.dir, target: options.target, url: options.url, database: options.database, project: options.project, out: options.out, force: options.force });
  } catch (e) {
    if (e instanceof ImportError) {
      if (e.diagnostics) printDiagnostics(e.diagnostics.sorted(), e.root ?? process.cwd());
      throw new ExitError(1, `meshward: ${e.message}`);
    }
    throw new ExitError(1, `meshward: ${(e as Error).message}`);
  }
  const { draft, outDir, written, estate } = result;
  const s = draft.summary;
  if (options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          format: 1,
          out: outDir,
          project: s.project,
          summary: { groups: s.groups, domains: s.domains, tables: s.tables, policies: s.policies, unrepresentable: s.unrepresentable.length, contradictions: s.contradictions },
          unrepresentable: s.unrepresentable,
          notes: s.notes,
          files: written,
          query_count: estate.queryCount,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const shown = relative(process.cwd(), outDir) || '.';
  process.stdout.write(summaryText(s, shown, written));
}
