import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ESTATE_ARGS, estateOptions, generateEstate } from './generate.js';

/**
 * Writes a generated estate (bench/generate.ts) into a directory:
 *
 *   node dist/bench/estate.js --out /tmp/estate --tables 10000 [--columns 20] [--groups 500] [--domains 50] [--seed 1]
 *
 * Then `meshward validate --dir /tmp/estate`, or `plan --dir /tmp/estate` (the embedded target
 * is created from warehouse/estate.sql; `psql -f` the same file into a server database).
 */
const { values } = parseArgs({
  options: { out: { type: 'string' }, ...ESTATE_ARGS },
});
if (!values.out) {
  process.stderr.write('usage: node dist/bench/estate.js --out DIR [--tables N] [--columns N] [--groups N] [--domains N] [--seed N]\n');
  process.exit(1);
}
const summary = generateEstate(resolve(values.out), estateOptions(values, Number(values.tables)));
process.stdout.write(`${JSON.stringify(summary)}\n`);
