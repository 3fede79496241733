/**
 * An esbuild plugin for the CLI's bundle: aws-local-stepfunctions imports, at its top, a state-machine
 * validator (asl-validator, with ajv) and the Lambda client it uses for a Task that has no local handler.
 * The embedded runtime runs with validation off and refuses a definition with a Task it has no handler for
 * (lib/adapters/local-sfn/local-orchestrator.ts), so neither is ever used there; loading them cost a fifth of
 * an empty BACKUP's start. In the bundle they are replaced by stubs that fail loudly if that ever changes.
 * Tests and the sources run through tsx keep the real packages (a test does validate).
 */
import type { Plugin } from 'esbuild';

const RUNNER = /[/\\]node_modules[/\\]aws-local-stepfunctions[/\\]/;
const NAMESPACE = 'runner-stub';

const fail = (what: string) => `throw new Error(${JSON.stringify(`${what} is not in starbackup's CLI bundle (scripts/runner-stubs-plugin.ts)`)});`;

const STUBS: Record<string, string> = {
  'asl-validator': `export default function aslValidator() { ${fail('asl-validator')} }`,
  '@aws-sdk/client-lambda': `export class LambdaClient { constructor() { ${fail('the Lambda client')} } }\nexport class InvokeCommand { constructor() { ${fail('the Lambda client')} } }`,
  '@aws-sdk/credential-providers': `export function fromCognitoIdentityPool() { ${fail('the Cognito credential provider')} }`,
};

export const runnerStubsPlugin: Plugin = {
  name: 'runner-stubs',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((s) => s.replace(/[/\\-]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => (RUNNER.test(args.importer) ? { path: args.path, namespace: NAMESPACE } : undefined));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: STUBS[args.path]!, loader: 'js' }));
  },
};
