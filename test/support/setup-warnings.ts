/**
 * A vitest `setupFiles` entry: it runs in every test worker, before the worker's test files, which is
 * where the AWS SDK emits its warnings (a client made in a test, the embedded runtime's DynamoDB).
 *
 * The SDK warns once per process that its releases from 2027 will need Node 22
 * (NodeVersionSupportWarning). It says nothing about this project, which supports Node 20, so it is
 * dropped here exactly as bin/starbackup.js drops it for the CLI's users (whose processes the tests spawn,
 * so they stay quiet too); every other warning still goes through.
 */
const FILTERED = Symbol.for('starbackup.test.nodeVersionWarningFiltered');
const proc = process as NodeJS.Process & { [FILTERED]?: true };

if (!proc[FILTERED]) {
  proc[FILTERED] = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).startsWith('NodeVersionSupportWarning')) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
