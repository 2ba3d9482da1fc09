import { Command, CommanderError, Option } from 'commander';
import { maskSecrets } from '../audit/secrets.js';
import { disableColour, ExitError } from './output.js';
import { setPhase, setProgressSink } from '../progress.js';
import { terminalProgress } from './progress-line.js';
import { MESHWARD_VERSION } from '../version.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

export function program(): Command {
  // each command's module is imported when it runs: `validate` never loads the apply, plan-file or import code
  const cli = new Command('meshward')
    .description('Compile one platform-neutral data-mesh policy model into native warehouse access controls')
    .version(MESHWARD_VERSION)
    .showHelpAfterError()
    .option('--no-color', 'plain output even on a terminal (so does the NO_COLOR environment variable)')
    .hook('preAction', (root) => disableColour(root.opts().color === false))
    .exitOverride();
  const repo = (c: Command) =>
    c.option('-d, --dir <dir>', 'policy repository (the directory holding meshward.yaml)', '.').option('-i, --inventory <file>', 'inventory.json (default: beside meshward.yaml)');

  repo(cli.command('validate').description('load, type-check, cross-check and apply the guard rails'))
    .option('--json', 'diagnostics as JSON')
    .action(async (o) => (await import('./commands/validate.js')).validateCommand(o));

  cli
    .command('schema [what]')
    .description('print a JSON Schema: of every policy document kind (default, for editors), or of plan.json (`schema plan`)')
    .action(async (what?: string) => (await import('./commands/schema.js')).schemaCommand(what));

  repo(cli.command('explain').description('effective access from the model: readable, masks, row predicate'))
    .addOption(new Option('-g, --group <group...>', 'the principal: one or more groups').argParser(collect))
    .option('-t, --table <table>', 'a governed table, database.schema.table')
    .option('--target <name>', 'name native objects as this target does (default: first target)')
    .option('--json', 'stable JSON (format 1)')
    .action(async (o) => (await import('./commands/explain.js')).explainCommand(o));

  repo(cli.command('test').description('check the AccessTests documents against the model'))
    .option('--target <name>', 'also check against a live target')
    .option('--json', 'results as JSON')
    .action(async (o) => (await import('./commands/test.js')).testCommand(o));
  const live = (c: Command) => c.option('-d, --dir <dir>', 'policy repository (the directory holding meshward.yaml)', '.').option('--target <name>', 'target from meshward.yaml (default: the only one)');

  live(cli.command('plan').description('read the target, diff it with the model, print the ordered changes and their SQL'))
    .option('--out <file>', 'save the plan for a later apply')
    .option('--json', 'stable JSON (format 1)')
    .option('--detailed-exitcode', 'exit 2 when there are changes')
    .option('--no-sql', 'leave the statements out of the human output')
    .option('--full-sql', 'print every statement whole (view changes are folded to their first line by default)')
    .option('--revoke-unmanaged', 'revoke unmanaged SELECT grants on governed base tables (hazard UNMANAGED_REVOKE, blocks apply unless allowed)')
    .option('--no-stamp', 'read the live state in full even when the stamp of the last apply proves it unchanged')
    .action(async (o) => (await import('./commands/plan.js')).planCommand(o));

  live(cli.command('apply').description('apply the changes in one transaction (in batches when over the lock budget); asks on a TTY unless --yes or a saved plan').argument('[plan]', 'a plan saved with plan --out'))
    .option('-y, --yes', 'apply without asking')
    .addOption(new Option('--allow-hazard <code...>', 'accept a blocking hazard (UNMANAGED_REVOKE, REPLACE_GAP)').argParser(collect))
    .option('--lock-timeout <ms>', 'how long a statement may wait for a lock', '10000')
    .option('--no-transaction', 'commit each change on its own, with its recorded state (a failure leaves the changes before it applied)')
    .option('--lock-budget <entries>', 'lock-table entries one transaction may use; over it the plan runs in batches (default: MESHWARD_LOCK_BUDGET, else half the server\'s lock table)')
    .option('--json', 'the apply report as JSON')
    .option('--revoke-unmanaged', 'also revoke unmanaged SELECT grants on governed base tables (needs --allow-hazard UNMANAGED_REVOKE)')
    .option('--no-stamp', 'neither trust nor write a convergence stamp: read the live state in full, and do not re-read it after applying')
    .action(async (plan, o) => (await import('./commands/apply.js')).applyCommand(plan, o));

  live(cli.command('drift').description('compare the live target with what the last apply recorded; exit 2 on drift'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--no-stamp', 'read the live state in full even when the stamp of the last apply proves it unchanged')
    .action(async (o) => (await import('./commands/drift.js')).driftCommand(o));

  repo(cli.command('compile').description('the desired native SQL, without a connection'))
    .option('--target <name>', 'target from meshward.yaml (default: the first)')
    .option('--domain <name>', 'only what this domain causes')
    .action(async (o) => (await import('./commands/compile.js')).compileCommand(o));

  live(cli.command('inventory').description('tables, columns and types of the target, as inventory.json')).action(async (o) => (await import('./commands/inventory.js')).inventoryCommand(o));

  cli
    .command('import')
    .description('draft a policy repository from what the target already holds (roles, grants, tags, meshward\'s own objects)')
    .option('-d, --dir <dir>', 'policy repository whose target to read (its target block is copied)', '.')
    .option('--target <name>', 'target from meshward.yaml (default: the only one); with --url, the name of the drafted target')
    .option('--url <url>', 'import from the server at this URL instead of a repository target')
    .option('--database <label>', 'neutral database label for the tables (default: the target\'s database:, else the database name)')
    .option('--project <name>', 'the meshward project to import when the target holds several; else the drafted project\'s name')
    .option('-o, --out <dir>', 'where to write the draft (refused when not empty)', 'imported')
    .option('--force', 'write into a non-empty --out (files a previous import drafted are replaced)')
    .option('--json', 'the summary as JSON')
    .action(async (o) => (await import('./commands/import.js')).importCommand(o));

  live(cli.command('query').description('run SQL as a principal of these groups: what a consumer sees').argument('<sql>', 'SQL using neutral table names, e.g. analytics.sales.customers'))
    .addOption(new Option('--as <groups>', 'the principal: a group, or several comma-separated (repeatable)').argParser(collect))
    .option('--json', 'rows as JSON')
    .action(async (sql, o) => (await import('./commands/query.js')).queryCommand(sql, o));
  live(cli.command('unlock').description("show who holds the target's lock; break a stale one (a live one only with --force)"))
    .option('--force', 'break the lock even though its holder may still run (embedded) / end the holding server session')
    .action(async (o) => (await import('./commands/unlock.js')).unlockCommand(o));

  live(cli.command('audit').description('the apply audit trail of the target; --verify checks its hash chains, head and local journal'))
    .option('--since <date>', 'only records from this date or time on (e.g. 2026-01-31)')
    .option('--verify', 'check both copies: exit 0 intact, 1 naming the first broken seq')
    .option('--acknowledge <seq>', 'record that the gap at this seq (an apply that left no record) is understood; needs --reason')
    .option('--reason <text>', 'with --acknowledge: what the unrecorded apply was')
    .option('--json', 'stable JSON (format 1)')
    .action(async (o) => (await import('./commands/audit.js')).auditCommand(o));
  return cli;
}

/**
 * Runs one command line (argv without `node main.js`) and returns its exit code. Never throws and
 * never calls process.exit: main.ts sets the code, and tests run commands in-process through it.
 * An error that is not an ExitError is a bug in meshward: it is named as one, in one line (the
 * stack only with MESHWARD_DEBUG=1), because every error a user can cause has its own message.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  // A status line on a terminal only: never in a pipe, a CI log, or JSON output.
  const machine = argv.includes('--json') || argv.some((a, i) => a === '--format' && argv[i + 1] === 'json') || argv.includes('--format=json');
  setProgressSink(process.stderr.isTTY && !machine ? terminalProgress() : null);
  try {
    disableColour(false);
    await program().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(maskSecrets(e.message) + '\n'); // no credential ever reaches the terminal (audit/secrets.ts)
      return e.exitCode;
    }
    if (e instanceof CommanderError) return e.exitCode; // commander has printed the usage error or the help
    const err = e instanceof Error ? e : new Error(String(e));
    const detail = process.env.MESHWARD_DEBUG ? `\n${err.stack ?? ''}` : '';
    process.stderr.write(`meshward: internal error (a bug in meshward; please report it, with the output of MESHWARD_DEBUG=1): ${maskSecrets(err.message.split('\n')[0]!)}${maskSecrets(detail)}\n`);
    return 1;
  } finally {
    setProgressSink(null);
    setPhase('idle');
  }
}
