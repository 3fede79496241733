/**
 * The JSON-protocol services behind the IAM gate: DynamoDB (dynalite behind), KMS (the KMS stand-in
 * behind) and Step Functions (served here by the local executions). Each request's X-Amz-Target names
 * the operation; the body names the resource.
 */
import type { ServerResponse } from 'node:http';
import { ACCOUNT, REGION } from './cloud-template.ts';
import { type GateServer, type IamGate, type Principal, forward, parseSignature, readBody, startGateServer } from './iam-gate.ts';
import type { RequestContext } from './iam-policies.ts';

type Body = Record<string, any>;

/** Every table a DynamoDB request touches, with the action each needs. */
export function dynamoActions(operation: string, body: Body): { action: string; resource: string }[] {
  const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  const one = (action: string) => [{ action: `dynamodb:${action}`, resource: table(body['TableName']) + (body['IndexName'] ? `/index/${body['IndexName']}` : '') }];
  switch (operation) {
    case 'GetItem': case 'PutItem': case 'UpdateItem': case 'DeleteItem': case 'Query': case 'Scan': case 'DescribeTable': case 'CreateTable':
      return one(operation);
    case 'ListTables':
      return [{ action: 'dynamodb:ListTables', resource: '*' }];
    case 'TransactWriteItems':
      return (body['TransactItems'] as Body[]).map((item) => {
        const [kind, spec] = Object.entries(item)[0] as [string, Body];
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind];
        if (!action) throw new Error(`unknown transact item ${kind}`);
        return { action: `dynamodb:${action}`, resource: table(spec['TableName']) };
      });
    default:
      throw new Error(`the DynamoDB gate does not model ${operation}`);
  }
}

function jsonError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ __type: type, message, Message: message }));
}

interface JsonRequest {
  principal: Principal;
  operation: string;
  body: Body;
  raw: Buffer;
}

/** Parses what every JSON-protocol request has; answers the unknown caller itself. */
async function jsonRequest(gate: IamGate, req: Parameters<Parameters<typeof startGateServer>[1]>[0], res: ServerResponse, regions: readonly string[]): Promise<JsonRequest | undefined> {
  const raw = await readBody(req);
  const signature = parseSignature(req);
  const principal = gate.principalOf(signature);
  if (!principal || !signature) {
    jsonError(res, 400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    return undefined;
  }
  gate.checkRegion(principal, signature, regions);
  const target = String(req.headers['x-amz-target'] ?? '');
  return { principal, operation: target.slice(target.indexOf('.') + 1), body: JSON.parse(raw.toString('utf8') || '{}') as Body, raw };
}

export async function startDynamoGate(gate: IamGate, upstream: string, failures: string[]): Promise<GateServer> {
  return startGateServer('dynamodb', async (req, res) => {
    const r = await jsonRequest(gate, req, res, [REGION]);
    if (!r) return;
    for (const { action, resource } of dynamoActions(r.operation, r.body)) {
      if (!gate.check(r.principal, action, resource)) {
        return jsonError(res, 400, 'com.amazonaws.dynamodb.v20120810#AccessDeniedException', `User: ${r.principal.roleArn} is not authorized to perform: ${action} on resource: ${resource}`);
      }
    }
    await forward(req, r.raw, res, upstream);
  }, failures);
}

export async function startKmsGate(gate: IamGate, upstream: string, failures: string[]): Promise<GateServer> {
  return startGateServer('kms', async (req, res) => {
    const r = await jsonRequest(gate, req, res, [REGION]);
    if (!r) return;
    const keyId = r.body['KeyId'];
    if (typeof keyId !== 'string') {
      // IAM would judge the key inside the ciphertext; the stack always names its key, so this is a bug.
      return jsonError(res, 400, 'AccessDeniedException', `${r.operation} without KeyId: the harness expects every call to name the sealing key`);
    }
    const resource = keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
    const context: RequestContext = {};
    for (const [k, v] of Object.entries((r.body['EncryptionContext'] ?? {}) as Record<string, string>)) context[`kms:EncryptionContext:${k}`] = v;
    if (!gate.check(r.principal, `kms:${r.operation}`, resource, context)) {
      return jsonError(res, 400, 'AccessDeniedException', `User: ${r.principal.roleArn} is not authorized to perform: kms:${r.operation} on resource: ${resource}`);
    }
    await forward(req, r.raw, res, upstream);
  }, failures);
}

/** The Step Functions API the functions call, served by the harness's executions. */
export interface StepFunctionsService {
  startExecution(stateMachineArn: string, name: string | undefined, input: string, principal: Principal): { executionArn: string; startDate: number };
  describeExecution(executionArn: string): Body;
}

export async function startSfnGate(gate: IamGate, sfn: StepFunctionsService, failures: string[]): Promise<GateServer> {
  return startGateServer('sfn', async (req, res) => {
    const r = await jsonRequest(gate, req, res, [REGION]);
    if (!r) return;
    const resource = String(r.body['stateMachineArn'] ?? r.body['executionArn'] ?? '');
    if (!gate.check(r.principal, `states:${r.operation}`, resource)) {
      return jsonError(res, 400, 'AccessDeniedException', `User: ${r.principal.roleArn} is not authorized to perform: states:${r.operation} on resource: ${resource}`);
    }
    try {
      const out = r.operation === 'StartExecution'
        ? sfn.startExecution(resource, r.body['name'], r.body['input'] ?? '{}', r.principal)
        : r.operation === 'DescribeExecution' ? sfn.describeExecution(resource) : undefined;
      if (!out) throw Object.assign(new Error(`the Step Functions stand-in does not serve ${r.operation}`), { type: 'UnknownOperationException' });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(out));
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (!type) throw e;
      jsonError(res, 400, type, (e as Error).message);
    }
  }, failures);
}
