/**
 * How AWS calls the stack's functions from outside: API Gateway's HTTP API (route, IAM authorization,
 * payload format 2.0), and EventBridge Scheduler (the schedule's role invokes the target with the
 * schedule's input). Each checks in the template what the real service would rely on.
 */
import { randomUUID } from 'node:crypto';
import type { CloudStack } from './cloud-stack.ts';
import { ACCOUNT } from './cloud-template.ts';
import type { LambdaFunction } from './lambda-pool.ts';

export interface ApiAnswer {
  status: number;
  body: any;
}

/** The HTTP API's `POST /v1/sql` route: IAM-authorized, integrated with a function at payload format 2.0. */
export function sqlRoute(stack: CloudStack): LambdaFunction {
  const t = stack.t;
  const route = t.ofType('AWS::ApiGatewayV2::Route').map((id) => t.resolve(t.resource(id).Properties ?? {}) as Record<string, any>).find((r) => r['RouteKey'] === 'POST /v1/sql');
  if (!route) throw new Error('the HTTP API has no POST /v1/sql route');
  if (route['AuthorizationType'] !== 'AWS_IAM') throw new Error(`POST /v1/sql is authorized by ${route['AuthorizationType']}, not AWS_IAM`);
  const integrationRef = String(route['Target']).replace(/^integrations\//, '');
  const integrationId = t.ofType('AWS::ApiGatewayV2::Integration').find((id) => t.ref(id) === integrationRef)!;
  const integration = t.resolve(t.resource(integrationId).Properties ?? {}) as Record<string, any>;
  if (integration['PayloadFormatVersion'] !== '2.0') throw new Error(`the integration uses payload format ${integration['PayloadFormatVersion']}`);
  const fn = [...stack.functions.values()].find((f) => f.spec.arn === integration['IntegrationUri']);
  if (!fn) throw new Error(`the integration calls ${integration['IntegrationUri']}, no function of the stack`);
  const permitted = t.ofType('AWS::Lambda::Permission').some((id) => {
    const p = t.resolve(t.resource(id).Properties ?? {}) as Record<string, any>;
    return p['Principal'] === 'apigateway.amazonaws.com' && p['Action'] === 'lambda:InvokeFunction' && p['FunctionName'] === fn.spec.arn;
  });
  if (!permitted) throw new Error('API Gateway has no permission to invoke the SQL function');
  return fn;
}

/** POST /v1/sql as API Gateway hands it to the function, for a caller its IAM authorizer let in. */
export async function callApi(stack: CloudStack, body: string, caller = `arn:aws:iam::${ACCOUNT}:user/operator`): Promise<ApiAnswer> {
  const now = new Date();
  const event = {
    version: '2.0', routeKey: 'POST /v1/sql', rawPath: '/v1/sql', rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), host: 'api.example.com' },
    requestContext: {
      accountId: ACCOUNT, apiId: 'local', domainName: 'api.example.com', domainPrefix: 'api', requestId: randomUUID(), routeKey: 'POST /v1/sql',
      stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
      http: { method: 'POST', path: '/v1/sql', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'starbackup-cloud-test' },
      authorizer: { iam: { accessKey: 'AKIAOPERATOR', accountId: ACCOUNT, callerId: 'AIDAOPERATOR', cognitoIdentity: null, principalOrgId: null, userArn: caller, userId: 'AIDAOPERATOR' } },
    },
    body, isBase64Encoded: false,
  };
  const result = (await sqlRoute(stack).invoke(event)) as { statusCode: number; body: string };
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

/** Runs SQL and fails with the API's own error when a statement fails. */
export async function sql(stack: CloudStack, statements: string): Promise<any[]> {
  const answer = await callApi(stack, JSON.stringify({ sql: statements }));
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body.error ?? answer.body)}`);
  return answer.body.results;
}

/**
 * One firing of a schedule: its role must be allowed to invoke the target, and to send to its dead-letter
 * queue when it has one. The function's result comes back (Scheduler itself does not wait for it).
 */
export async function fireSchedule(stack: CloudStack, logicalId: string, scheduledTime: string): Promise<unknown> {
  const t = stack.t;
  const props = t.resolve(t.resource(logicalId).Properties ?? {}) as Record<string, any>;
  const target = props['Target'];
  const role = { name: `${logicalId} (scheduler role)`, roleArn: String(target['RoleArn']) };
  if (!stack.gate.check(role, 'lambda:InvokeFunction', String(target['Arn']))) throw new Error(`schedule ${logicalId} may not invoke its target`);
  const dlq = target['DeadLetterConfig']?.['Arn'];
  if (dlq !== undefined) stack.gate.check(role, 'sqs:SendMessage', String(dlq));
  const fn = [...stack.functions.values()].find((f) => f.spec.arn === target['Arn']);
  if (!fn) throw new Error(`schedule ${logicalId} targets ${target['Arn']}, no function of the stack`);
  const input = String(target['Input'] ?? '{}').replaceAll('<aws.scheduler.scheduled-time>', scheduledTime);
  return fn.invoke(JSON.parse(input));
}

/** The schedules of the stack whose description mentions `text`. */
export function scheduleIds(stack: CloudStack, text: string): string[] {
  return stack.t.ofType('AWS::Scheduler::Schedule').filter((id) => String(stack.t.resource(id).Properties?.['Description'] ?? '').includes(text));
}
