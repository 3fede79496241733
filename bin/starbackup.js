#!/usr/bin/env node
// Users run the JavaScript that `npm ci` builds into dist/ (npm's `prepare` script): compiling TypeScript at
// every start cost more than the statement. Only a development checkout that was never built runs the
// sources through tsx's loader; after changing sources, `npm run build` (the tests build before they spawn
// this file, see test/support/global-setup.ts).
import { existsSync } from 'node:fs';

// The AWS SDK warns on every start that its 2027 releases will need Node 22; it says nothing about this
// tool, and the embedded runtime runs on Node 20, so keep it off the user's terminal.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

const built = new URL('../dist/bin/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
