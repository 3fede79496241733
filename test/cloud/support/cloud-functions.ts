/**
 * The template's Lambda functions as the harness runs them: handler, memory, timeout and environment from
 * the template, the runtime's own variables, the role's fake credentials, and every AWS endpoint pointed
 * at the IAM gate (the SDK's AWS_ENDPOINT_URL_<SERVICE> variables, so the bundles are not changed at all).
 */
import { REGION, type CloudTemplate } from './cloud-template.ts';
import type { IamGate } from './iam-gate.ts';
import { LambdaFunction } from './lambda-pool.ts';

export interface GateEndpoints {
  dynamodb: string;
  s3: string;
  kms: string;
  sfn: string;
  sts: string;
}

export function cloudFunctions(
  t: CloudTemplate, assets: Map<string, string>, gate: IamGate, endpoints: GateEndpoints,
  overrides: (logicalId: string) => Record<string, string> = () => ({}),
): Map<string, LambdaFunction> {
  const functions = new Map<string, LambdaFunction>();
  for (const id of t.ofType('AWS::Lambda::Function')) {
    const props = t.resolve(t.resource(id).Properties ?? {}) as Record<string, any>;
    const name = t.ref(id);
    const arn = t.getAtt(id, 'Arn');
    const roleArn = String(props['Role']);
    if (!gate.policies.has(roleArn)) throw new Error(`function ${id} runs as ${roleArn}, which has no policy in the template`);
    const credentials = gate.credentialsFor({ name: id, roleArn });
    const memoryMb = Number(props['MemorySize'] ?? 128);
    const timeoutMs = Number(props['Timeout'] ?? 3) * 1000;
    const taskRoot = assets.get(id)!;
    if (props['Runtime'] !== 'nodejs22.x') throw new Error(`function ${id} has runtime ${props['Runtime']}; the harness models nodejs22.x`);
    const environment: Record<string, string> = {
      ...(props['Environment']?.['Variables'] ?? {}),
      // What the Lambda runtime sets for every function.
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: taskRoot,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
      // Where the harness differs from Lambda: every service is the gate, and nothing reaches out further.
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_KMS: endpoints.kms,
      AWS_ENDPOINT_URL_SFN: endpoints.sfn,
      AWS_ENDPOINT_URL_STS: endpoints.sts,
      AWS_EC2_METADATA_DISABLED: 'true',
      STARBACKUP_TEST_FUNCTION_ARN: arn,
      ...overrides(id),
    };
    const handler = String(props['Handler']);
    functions.set(id, new LambdaFunction({ logicalId: id, name, arn, taskRoot, handler, timeoutMs, memoryMb, environment }));
  }
  return functions;
}
