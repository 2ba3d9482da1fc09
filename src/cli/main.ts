#!/usr/bin/env node
import { Command, Option } from 'commander';
import { explainCommand } from './commands/explain.js';
import { schemaCommand } from './commands/schema.js';
import { testCommand } from './commands/test.js';
import { validateCommand } from './commands/validate.js';
import { ExitError } from './output.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

function program(): Command {
  const cli = new Command('meshward')
    .description('Compile one platform-neutral data-mesh policy model into native warehouse access controls')
    .version('0.1.0')
    .showHelpAfterError();
  const repo = (c: Command) =>
    c.option('-d, --dir <dir>', 'policy repository (the directory holding meshward.yaml)', '.').option('-i, --inventory <file>', 'inventory.json (default: beside meshward.yaml)');

  repo(cli.command('validate').description('load, type-check, cross-check and apply the guard rails'))
    .option('--json', 'diagnostics as JSON')
    .action((o) => validateCommand(o));

  cli.command('schema').description('print the JSON Schema of every document kind, for editors').action(() => schemaCommand());

  repo(cli.command('explain').description('effective access from the model: readable, masks, row predicate'))
    .addOption(new Option('-g, --group <group...>', 'the principal: one or more groups').argParser(collect))
    .option('-t, --table <table>', 'a governed table, database.schema.table')
    .option('--target <name>', 'name native objects as this target does (default: first target)')
    .option('--json', 'stable JSON (format 1)')
    .action((o) => explainCommand(o));

  repo(cli.command('test').description('check the AccessTests documents against the model'))
    .option('--target <name>', 'also check against a live target')
    .option('--json', 'results as JSON')
    .action((o) => testCommand(o));
  return cli;
}

try {
  await program().parseAsync(process.argv);
} catch (e) {
  if (e instanceof ExitError) {
    if (e.message) process.stderr.write(e.message + '\n');
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`meshward: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
