/**
 * One Lambda function: a file of functions/ bundled by esbuild, Node 22 on arm64, X-Ray on, its own log
 * group, and the environment functions/wiring.ts builds the service context from.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { PhaseSize } from '../lib/domain/phase-registry.ts';

export const PROJECT_ROOT = join(import.meta.dirname, '..');

/**
 * Sizes by what a phase does (the registry names a phase's size): memory also buys network bandwidth, which
 * the batch phases live on.
 */
export const FunctionSize = {
  /** PENDING: checks and one conditional write. */
  light: { memoryMb: 512, timeout: Duration.minutes(2) },
  /** Catalog and repository metadata: snapshot, plan, save meta, commit. */
  step: { memoryMb: 1024, timeout: Duration.minutes(10) },
  /** Must finish whatever it takes (it releases the lock): CANCEL, and COMMITTING, which is rolled forward. */
  finish: { memoryMb: 1024, timeout: Duration.minutes(15) },
  /** One Map iteration streams up to 512 MiB of segments through sha256. */
  batch: { memoryMb: 2048, timeout: Duration.minutes(15) },
  /** API Gateway gives an integration at most 30 s. */
  api: { memoryMb: 1024, timeout: Duration.seconds(29) },
} as const satisfies Record<PhaseSize | 'api', { memoryMb: number; timeout: Duration }>;
export type FunctionSizeName = keyof typeof FunctionSize;

export interface StarbackupFunctionProps {
  /** The file in functions/, without `.ts`. */
  entry: string;
  size: FunctionSizeName;
  description: string;
  environment: Record<string, string>;
  removalPolicy: RemovalPolicy;
  logRetention?: logs.RetentionDays;
}

/**
 * Packages with native binaries: esbuild cannot bundle a `.node` file, so each stays external and is
 * installed into the asset from package-lock.json. npm picks a package's platform binaries by the machine it
 * runs on; the npm_config_* settings make it pick Lambda's (linux, arm64, glibc), whatever machine bundles.
 */
export const NATIVE_MODULES = ['@mongodb-js/zstd'];
export const NATIVE_INSTALL_ENV = { npm_config_os: 'linux', npm_config_cpu: 'arm64', npm_config_libc: 'glibc' } as const;

export class StarbackupFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: StarbackupFunctionProps) {
    const entry = join(PROJECT_ROOT, 'functions', `${props.entry}.ts`);
    if (!existsSync(entry)) throw new Error(`no handler file ${entry}`);
    const size = FunctionSize[props.size];
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });
    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: size.memoryMb,
      timeout: size.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: 'starbackup',
        POWERTOOLS_METRICS_NAMESPACE: 'Starbackup',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // The SDK is pinned (package.json) and bundled rather than taken from the runtime, whose version drifts.
        bundleAwsSDK: true,
        // Some CommonJS dependencies call require(); an ESM bundle has to provide it.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        nodeModules: NATIVE_MODULES,
        environment: { ...NATIVE_INSTALL_ENV },
      },
    });
    const acknowledge = Validations.of(this);
    acknowledge.acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the handlers are built and tested for (the embedded runtime runs them on Node 20+); a newer runtime is a deliberate upgrade',
    });
    acknowledge.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs',
    });
    acknowledge.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions',
    });
  }
}
