import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { AnalysisError, ErrorName, errorMessage } from '../lib/domain/errors.ts';
import type { Outcome } from './run-script.ts';
import type { RunningServer } from './server-client.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The package's version, read from the package (not from the working directory). */
const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };

const program = new Command();
program.name('starbackup').description('StarRocks-compatible BACKUP and RESTORE, embedded or on AWS').version(version, '-V, --version').showHelpAfterError();

program
  .command('sql')
  .description('run SQL statements against a home (the embedded runtime)')
  .argument('[statements]', 'statements separated by ;')
  .option('--home <dir>', 'the home folder (created on first use)', './.starbackup')
  .option('--json', 'print one JSON array with one element per executed statement')
  .option('-f, --file <file>', 'read the statements from a file')
  .addHelpText('after', `
BACKUP and RESTORE wait for their job to end, with progress on stderr; Ctrl-C cancels the job (a second
Ctrl-C stops at once, and the next command on the home rolls the job back). While \`starbackup serve\` runs on
the home, the statements are sent to that server instead (it owns the home), and BACKUP and RESTORE
return as soon as the job is accepted: follow it with SHOW BACKUP / SHOW RESTORE, stop it with CANCEL.
Errors print as the mysql client prints them: ERROR <errno> (<sqlstate>): <message>, on stderr.`)
  .action(async (statements: string | undefined, opts: { home: string; json?: boolean; file?: string }) => {
    // Loaded here, not at the top: `--version`, `--help` and `serve` need none of the statement machinery.
    const { printOutsideError } = await import('./cli-output.ts');
    try {
      await sql(statements, opts);
    } catch (e) {
      printOutsideError(e, opts.json === true);
    }
  });

async function sql(statements: string | undefined, opts: { home: string; json?: boolean; file?: string }): Promise<void> {
  if ((statements === undefined) === (opts.file === undefined)) {
    if (!opts.json) program.error('give either statements or -f file');
    throw new AnalysisError('give either statements or -f file');
  }
  const text = opts.file ? readFileSync(opts.file, 'utf8') : statements!;
  const { JobDisplay, outcomeJson, printOutcome } = await import('./cli-output.ts');
  const { runningServer } = await import('./server-client.ts');
  const print = opts.json ? undefined : printOutcome;
  const server = runningServer(resolve(opts.home));
  let outcomes: Outcome[];
  if (server) {
    outcomes = await viaServer(server, text);
    if (print) outcomes.forEach(print);
  } else {
    const [{ describeRecovered, openEmbedded }, { INTERRUPTED_EXIT, Interrupt }, { runScript }] = await Promise.all([
      import('./embedded-runtime.ts'), import('./interrupt.ts'), import('./run-script.ts'),
    ]);
    const embedded = await openEmbedded(opts.home, { holder: 'starbackup sql' });
    const display = new JobDisplay(process.stderr);
    for (const line of describeRecovered(embedded.recovered)) display.note(line);
    const interrupt = new Interrupt(embedded.ctx, (line) => display.note(line));
    try {
      outcomes = await runScript(embedded.ctx, text, {
        progress: (p) => display.update(p),
        waiting: (job) => {
          interrupt.waiting(job);
          if (!job) display.end();
        },
        ...(print ? { onOutcome: print } : {}),
      });
    } finally {
      await embedded.close();
      interrupt.dispose();
    }
    if (interrupt.interrupted) process.exitCode = INTERRUPTED_EXIT;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(outcomes.map(outcomeJson), null, 2)}\n`);
  if (outcomes.some((o) => o.error)) process.exitCode ||= 1;
}

program
  .command('serve')
  .description('serve the HTTP API (POST /v1/sql, as the cloud stack) and the MySQL protocol (StarRocks\' query port) for a home')
  .option('--home <dir>', 'the home folder (created on first use)', './.starbackup')
  .option('--host <address>', 'the address both ports listen on', '127.0.0.1')
  .option('--port <n>', 'the HTTP port; 0 picks a free one', '8030')
  .option('--mysql-port <n>', 'the MySQL protocol port; 0 picks a free one', '9030')
  .addHelpText('after', `
HTTP callers send "Authorization: Bearer <token>"; the token is generated into <home>/server-token (mode 0600)
on the first start. MySQL clients connect as root with an empty password: mysql -h 127.0.0.1 -P 9030 -uroot.
TLS on the MySQL port: ssl_cert_file and ssl_key_file in <home>/starbackup.conf (ssl_force_secure_transport = true
refuses plain connections). <home>/server.json holds both ports ("port", "mysqlPort") while it runs.
BACKUP and RESTORE return once the job is accepted and run on in the server.
While it runs, \`starbackup sql --home <home>\` sends its statements here. Ctrl-C stops it after the running
jobs end; a second Ctrl-C stops it at once.`)
  .action(async (opts: { home: string; host: string; port: string; mysqlPort: string }) => {
    const portOf = (value: string, option: string) => {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n > 65535) program.error(`${option} must be a port number, not '${value}'`);
      return n;
    };
    const port = portOf(opts.port, '--port');
    const mysqlPort = portOf(opts.mysqlPort, '--mysql-port');
    const { serve } = await import('./serve.ts');
    await serve({ home: opts.home, host: opts.host, port, mysqlPort }, (line) => process.stderr.write(`${line}\n`));
  });

program
  .command('demo')
  .description('a guided tour in a fresh temporary home: create, load, back up, restore, verify')
  .action(async () => {
    const { runDemo } = await import('./demo.ts');
    process.exitCode = await runDemo((s) => process.stdout.write(s));
  });

/** The server's answer as the outcomes the embedded path produces, so both print the same. */
async function viaServer(server: RunningServer, sql: string): Promise<Outcome[]> {
  const [{ sendSql }, { mysqlErrorOf }] = await Promise.all([import('./server-client.ts'), import('../lib/domain/mysql-errors.ts')]);
  const { status, body } = await sendSql(server, sql);
  const outcomes: Outcome[] = (body.results ?? []).map((r) => ({
    statement: r.statement,
    result: { columns: r.columns, rows: r.rows, ...(r.message === undefined ? {} : { message: r.message }) },
    seconds: r.seconds,
  }));
  if (body.error?.statement !== undefined) {
    const { code, message } = body.error;
    // A server from before errno and SQLSTATE were on the wire: the same table, from the code.
    const { errno, sqlstate } = body.error.errno !== undefined && body.error.sqlstate !== undefined
      ? { errno: body.error.errno, sqlstate: body.error.sqlstate } : mysqlErrorOf(Object.assign(new Error(message), { name: code }));
    outcomes.push({ statement: body.error.statement, error: { code, errno, sqlstate, message }, seconds: 0 });
  } else if (body.error || status !== 200) {
    // The server's code names the refusal (PayloadTooLargeError, UnauthorizedError, …) in --json.
    throw Object.assign(new Error(`the server of this home refused the request (${status}): ${body.error?.message ?? 'no detail'}`), { name: body.error?.code ?? ErrorName.Internal });
  }
  return outcomes;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`starbackup: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
