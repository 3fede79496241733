import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../support/run-process.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * `npm run lint` on small trees in a temporary folder (never in the checkout, so tests running beside it see
 * nothing): the import rules with a copy of .dependency-cruiser.cjs, the line limit with scripts/check-file-lines.ts.
 * Each tree holds edges the rules allow and edges they forbid; the lint must name exactly the forbidden ones.
 */
const REPO = path.join(import.meta.dirname, '../..');
const temp = useTempDirs('starbackup-lint');

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

/** A stand-in npm package: enough for the resolver to place it in node_modules. */
function fakePackage(name: string): Record<string, string> {
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
    [`node_modules/${name}/index.js`]: 'export const x = 1;\n',
  };
}

/** `npm run lint:imports` as package.json has it, run in `root`; the violations it names, one per line. */
async function lintImports(root: string): Promise<{ status: number | null; violations: string[]; output: string }> {
  const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8'));
  const [command, ...args] = (pkg.scripts['lint:imports'] as string).split(' ');
  expect(command).toBe('depcruise');
  await copyFile(path.join(REPO, '.dependency-cruiser.cjs'), path.join(root, '.dependency-cruiser.cjs'));
  const tsconfig = JSON.parse(await readFile(path.join(REPO, 'tsconfig.json'), 'utf8'));
  await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['lib', 'cdk'] }));
  const result = await runProcess(path.join(REPO, 'node_modules/.bin/depcruise'), args, { cwd: root });
  const output = result.stdout + result.stderr;
  const violations = output
    .split('\n')
    .filter((l) => l.startsWith('  error '))
    .map((l) => l.slice('  error '.length).trim());
  return { status: result.status, violations: violations.sort(), output };
}

/** Every folder the lint names must exist; a file in each that imports nothing. */
const FOLDERS = ['lib/domain', 'functions', 'cdk', 'bin', 'scripts', 'bench', 'test'];
const base = Object.fromEntries(FOLDERS.map((f) => [`${f}/placeholder.ts`, 'export const placeholder = 1;\n']));

const allowed: Record<string, string> = {
  'lib/domain/errors.ts': "export class IntegrityError extends Error {}\n",
  'lib/domain/states.ts': "import { IntegrityError } from './errors.ts';\nexport type State = 'A';\nexport const e = IntegrityError;\n",
  'lib/sql/parse.ts': "import type { State } from '../domain/states.ts';\nexport const s: State = 'A';\n",
  'lib/ports/clock.ts': "import type { State } from '../domain/states.ts';\nexport interface Clock { s: State }\n",
  // the exceptions in .dependency-cruiser.cjs, as the tree has them today (when one goes, its file goes from here)
  'lib/ports/object-store.ts': "import type { Readable } from 'node:stream';\nexport type Body = Readable;\n",
  'lib/ports/object-io.ts':
    "import { createHash } from 'node:crypto';\nimport type { Readable } from 'node:stream';\n" +
    "import { IntegrityError } from '../domain/errors.ts';\nexport const x = [createHash, IntegrityError];\nexport type R = Readable;\n",
  'lib/cluster/scan.ts': "import { s } from '../sql/parse.ts';\nimport type { Clock } from '../ports/clock.ts';\nexport const c: Clock | string = s;\n",
  'lib/access/policy.ts': "import { c } from '../cluster/scan.ts';\nexport const p = c;\n",
  'lib/repository/reader.ts': "import { p } from '../access/policy.ts';\nexport const r = p;\n",
  'lib/jobs/backup.ts': "import { r } from '../repository/reader.ts';\nimport { createHash } from 'node:crypto';\nexport const j = [r, createHash];\n",
  'lib/statements/run.ts': "import { j } from '../jobs/backup.ts';\nexport const st = j;\n",
  'lib/api/request.ts': "import { st } from '../statements/run.ts';\nimport { c } from '../cluster/scan.ts';\nexport const a = [st, c];\n",
  'lib/adapters/s3/store.ts':
    "import { x } from '@aws-sdk/client-s3';\nimport * as http from 'node:http';\nimport { p } from '../../access/policy.ts';\n" +
    "import { s } from '../../sql/parse.ts';\nexport const st = [x, http, p, s];\n",
  'functions/api.ts': "import { a } from '../lib/api/request.ts';\nimport { st } from '../lib/adapters/s3/store.ts';\nexport const f = [a, st];\n",
  'bin/serve.ts': "import * as net from 'node:net';\nimport { f } from '../functions/api.ts';\nexport const b = [net, f];\n",
  'cdk/stack.ts': "import { x } from 'aws-cdk-lib';\nimport * as fs from 'node:fs';\nimport type { State } from '../lib/domain/states.ts';\nexport const k: unknown[] = [x, fs];\nexport type S = State;\n",
  'test/anything.test.ts': "import { undiciThing } from 'undici';\nimport { b } from '../bin/serve.ts';\nexport const t = [undiciThing, b];\n",
  ...fakePackage('@aws-sdk/client-s3'),
  ...fakePackage('aws-cdk-lib'),
  ...fakePackage('undici'),
};

/** Each probe: a file, its source, and the violations (rule: from → to) the lint must name for it. */
const probes: { file: string; text: string; expected: string[] }[] = [
  {
    file: 'lib/domain/__lint_probe__.ts',
    text: "import { x } from '@aws-sdk/client-s3';\nexport const y = x;\n",
    expected: [
      'domain-imports-only-domain: lib/domain/__lint_probe__.ts → node_modules/@aws-sdk/client-s3/index.js',
      'sdk-and-wire-only-in-adapters: lib/domain/__lint_probe__.ts → node_modules/@aws-sdk/client-s3/index.js',
    ],
  },
  {
    file: 'lib/sql/probe-fs.ts',
    text: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    expected: ['sql-imports-only-sql-and-domain: lib/sql/probe-fs.ts → fs'],
  },
  {
    file: 'lib/cluster/probe-upward.ts',
    text: "import type { j } from '../jobs/backup.ts';\nexport type J = typeof j;\n",
    expected: ['no-upward-import-from-cluster: lib/cluster/probe-upward.ts → lib/jobs/backup.ts'],
  },
  {
    file: 'lib/repository/probe-jobs.ts',
    text: "import { j } from '../jobs/backup.ts';\nexport const r = j;\n",
    expected: ['no-upward-import-from-repository: lib/repository/probe-jobs.ts → lib/jobs/backup.ts'],
  },
  {
    file: 'lib/statements/probe-api.ts',
    text: "import type { a } from '../api/request.ts';\nexport type A = typeof a;\n",
    expected: ['no-upward-import-from-statements: lib/statements/probe-api.ts → lib/api/request.ts'],
  },
  {
    file: 'lib/phases/probe-gone.ts', // lib/phases is gone: coming back, it has no layer
    text: "import { st } from '../statements/run.ts';\nexport const p = st;\n",
    expected: ['lib-folder-has-a-layer: lib/phases/probe-gone.ts → lib/statements/run.ts'],
  },
  {
    file: 'lib/jobs/probe-statements.ts',
    text: "import { st } from '../statements/run.ts';\nimport { f } from '../../functions/api.ts';\nexport const r = [st, f];\n",
    expected: [
      'lib-imports-no-outer-folder: lib/jobs/probe-statements.ts → functions/api.ts',
      'no-upward-import-from-jobs: lib/jobs/probe-statements.ts → lib/statements/run.ts',
    ],
  },
  {
    file: 'lib/adapters/probe-jobs.ts',
    text: "import { j } from '../jobs/backup.ts';\nexport const r = j;\n",
    expected: ['adapters-import-only-domain-sql-ports-access: lib/adapters/probe-jobs.ts → lib/jobs/backup.ts'],
  },
  {
    file: 'lib/statements/probe-wire.ts',
    text: "import * as http from 'node:http';\nimport { st } from '../adapters/s3/store.ts';\nexport const r = [http, st];\n",
    expected: [
      'lib-does-not-import-adapters: lib/statements/probe-wire.ts → lib/adapters/s3/store.ts',
      'sdk-and-wire-only-in-adapters: lib/statements/probe-wire.ts → http',
    ],
  },
  {
    file: 'lib/ports/probe-value.ts',
    text: "import { IntegrityError } from '../domain/errors.ts';\nexport const e = IntegrityError;\n",
    expected: ['ports-import-domain-types-only: lib/ports/probe-value.ts → lib/domain/errors.ts'],
  },
  {
    file: 'lib/ports/object-io.ts', // its exceptions cover crypto and stream, nothing else
    text: allowed['lib/ports/object-io.ts'] + "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    expected: ['ports-import-only-domain: lib/ports/object-io.ts → fs'],
  },
  {
    file: 'lib/ports/object-store.ts', // stream as types only
    text: "import { Readable } from 'node:stream';\nexport const R = Readable;\n",
    expected: ['ports-import-only-domain: lib/ports/object-store.ts → stream'],
  },
  {
    file: 'lib/utils/probe-unknown.ts',
    text: "import { j } from '../jobs/backup.ts';\nexport const u = j;\n",
    expected: ['lib-folder-has-a-layer: lib/utils/probe-unknown.ts → lib/jobs/backup.ts'],
  },
  {
    file: 'test/probe-unknown.test.ts',
    text: "import { u } from '../lib/utils/probe-unknown.ts';\nexport const t = u;\n",
    expected: ['lib-folder-has-a-layer: test/probe-unknown.test.ts → lib/utils/probe-unknown.ts'],
  },
  {
    file: 'cdk/probe-cluster.ts',
    text: "import { c } from '../lib/cluster/scan.ts';\nexport const k = c;\n",
    expected: ['cdk-imports-only-domain: cdk/probe-cluster.ts → lib/cluster/scan.ts'],
  },
];

describe('npm run lint: import rules (dependency-cruiser)', () => {
  it('passes a tree that keeps the layout, then names exactly each forbidden import by rule, file and module', async () => {
    const [clean, broken] = [await temp.make(), await temp.make()];
    await writeTree(clean, { ...base, ...allowed });
    await writeTree(broken, { ...base, ...allowed, ...Object.fromEntries(probes.map((p) => [p.file, p.text])) });
    const [ok, bad] = await Promise.all([lintImports(clean), lintImports(broken)]);
    expect(ok.violations, ok.output).toEqual([]);
    expect(ok.status, ok.output).toBe(0);
    expect(bad.violations, bad.output).toEqual(probes.flatMap((p) => p.expected).sort());
    expect(bad.status).not.toBe(0);
  });
});

describe('npm run lint: at most 300 lines a file', () => {
  const lines = (n: number, end = '\n') => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n') + end;

  it('names each file over 300 lines with its count; test/ exceptions may shrink, not grow', async () => {
    // The script's own exceptions (test/ files with their ceilings), so the test holds as they go.
    const script = await readFile(path.join(REPO, 'scripts/check-file-lines.ts'), 'utf8');
    const exceptions = [...script.matchAll(/^\s+'((?:test|bench)\/[^']+)': (\d+),$/gm)].map((m) => ({ file: m[1]!, max: Number(m[2]) }));
    const [grew, shrank, backUnder] = exceptions;
    const root = await temp.make();
    await writeTree(root, {
      'lib/domain/at-limit.ts': lines(300),
      'lib/domain/at-limit-no-final-newline.ts': lines(300, ''),
      'lib/domain/too-long.ts': lines(301),
      'cdk/workflows/deep/too-long.ts': lines(302),
      'bin/notes.txt': lines(400), // not a source file
      'test/other.test.ts': lines(301),
      ...(grew ? { [grew.file]: lines(grew.max + 1) } : {}),
      ...(shrank ? { [shrank.file]: lines(shrank.max - 1) } : {}), // still over 300, and that is allowed
      ...(backUnder ? { [backUnder.file]: lines(120) } : {}),
    });
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8'));
    const [command, ...args] = (pkg.scripts['lint:lines'] as string).split(' ');
    const result = await runProcess(command === 'node' ? process.execPath : command, [...args, root], { cwd: REPO });
    const prefix = '  error max-lines: ';
    const problems = result.stderr.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
    expect(problems.sort(), result.stderr).toEqual(
      [
        'lib/domain/too-long.ts: 301 lines (limit 300)',
        'cdk/workflows/deep/too-long.ts: 302 lines (limit 300)',
        'test/other.test.ts: 301 lines (limit 300)',
        ...(grew ? [`${grew.file}: ${grew.max + 1} lines (limit 300; its exception allows ${grew.max}, it may not grow)`] : []),
        ...(backUnder
          ? [`${backUnder.file}: 120 lines, back under 300: remove its exception from scripts/check-file-lines.ts`]
          : []),
      ].sort(),
    );
    expect(result.status).toBe(1);
  });
});
