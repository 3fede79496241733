/**
 * An esbuild plugin for the CLI's bundle: dynalite and the LevelDB packages under it (level, classic-level,
 * abstract-level, memory-level, ...) are bundled, since resolving, reading and compiling their ~90 small
 * CommonJS files from node_modules was a sixth of every statement's start-up. Two things need help:
 * - classic-level's native addon cannot be bundled: its `binding.js` finds the prebuilt `.node` file from
 *   its own folder (node-gyp-build with `__dirname`). It is replaced by a require of that file from
 *   node_modules at run time, so the addon loads exactly as before and the JavaScript around it is bundled.
 * - dynalite requires its actions by computed name (`require('./actions/' + action)`); esbuild bundles
 *   that folder, but keys it by file name with the extension, so the extension is added to the expression.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const CLASSIC_LEVEL = /[/\\]node_modules[/\\]classic-level[/\\][^/\\]+$/;
const DYNALITE_INDEX = /[/\\]node_modules[/\\]dynalite[/\\]index\.js$/;
const NAMESPACE = 'native-binding';
/** Left to the bundle's require (the banner's createRequire), resolved from dist/bin/ at run time. */
const NATIVE_BINDING = 'classic-level/binding.js';
const COMPUTED = ["require('./actions/' + action)", "require('./validations/' + action)"];

export const dynaliteBundlePlugin: Plugin = {
  name: 'dynalite-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (args) => (CLASSIC_LEVEL.test(args.importer) ? { path: NATIVE_BINDING, namespace: NAMESPACE } : undefined));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({ contents: `module.exports = require(${JSON.stringify(NATIVE_BINDING)});`, loader: 'js' }));
    build.onResolve({ filter: /^classic-level\/binding\.js$/, namespace: NAMESPACE }, () => ({ path: NATIVE_BINDING, external: true }));
    build.onLoad({ filter: DYNALITE_INDEX }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const call of COMPUTED) {
        // A dynalite whose source changed would otherwise fail only at run time, in the bundle.
        if (!contents.includes(call)) throw new Error(`dynalite's index.js no longer has ${call} (scripts/dynalite-bundle-plugin.ts)`);
        contents = contents.replace(call, `${call.slice(0, -1)} + '.js')`);
      }
      return { contents, loader: 'js' };
    });
  },
};
