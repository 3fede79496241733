import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { errorMessage } from '../lib/domain/errors.ts';
import { openEmbedded } from './embedded-runtime.ts';
import { formatResult } from './format-table.ts';
import { type Outcome, runScript } from './run-script.ts';

const program = new Command();
program.name('starbackup').description('StarRocks-compatible BACKUP and RESTORE, embedded or on AWS').showHelpAfterError();

program
  .command('sql')
  .description('run SQL statements against a home (the embedded runtime)')
  .argument('[statements]', 'statements separated by ;')
  .option('--home <dir>', 'the home folder (created on first use)', './.starbackup')
  .option('--json', 'print one JSON array with one element per executed statement')
  .option('-f, --file <file>', 'read the statements from a file')
  .action(async (statements: string | undefined, opts: { home: string; json?: boolean; file?: string }) => {
    if ((statements === undefined) === (opts.file === undefined)) program.error('give either statements or -f file');
    const sql = opts.file ? readFileSync(opts.file, 'utf8') : statements!;
    const embedded = await openEmbedded(opts.home);
    let outcomes: Outcome[];
    try {
      outcomes = await runScript(embedded.ctx, sql, {
        progress: (line) => process.stderr.write(`${line}\n`),
        onOutcome: opts.json ? undefined : (o) => process.stdout.write(o.error ? `ERROR (${o.error.code}): ${o.error.message}\n` : formatResult(o.result!, o.seconds)),
      });
    } finally {
      await embedded.close();
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(outcomes.map(toJson), null, 2)}\n`);
    if (outcomes.some((o) => o.error)) process.exitCode = 1;
  });

program
  .command('demo')
  .description('a guided tour in a fresh temporary home: create, load, back up, restore, verify')
  .action(async () => {
    const { runDemo } = await import('./demo.ts');
    process.exitCode = await runDemo((s) => process.stdout.write(s));
  });

function toJson(o: Outcome) {
  if (o.error) return { statement: o.statement, error: o.error };
  return { statement: o.statement, columns: o.result!.columns, rows: o.result!.rows };
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`starbackup: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
