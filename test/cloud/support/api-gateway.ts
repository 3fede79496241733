/**
 * API Gateway's side of the HTTP API for a client that signs its own requests (the smoke test): the
 * `POST /v1/sql` route with IAM authorization. The request's SigV4 signature is computed again with the
 * caller's secret and must match, the caller's identity policy must allow execute-api:Invoke on the route,
 * and the body then goes to the function as the v2 event `callApi` builds. Answers as API Gateway does:
 * `{"message": …}` with 403 or 404.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../../lib/adapters/http/signed-sql-client.ts';
import type { CloudStack } from './cloud-stack.ts';
import { ACCOUNT, REGION } from './cloud-template.ts';
import { callApi } from './entry-points.ts';
import { type GateServer, parseSignature, readBody, startGateServer } from './iam-gate.ts';

export interface ApiUser {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The route's ARN, as an execute-api:Invoke policy names it. */
export const SQL_ROUTE_ARN = `arn:aws:execute-api:${REGION}:${ACCOUNT}:local/$default/POST/v1/sql`;

export async function startApiGateway(stack: CloudStack, users: ApiUser[]): Promise<GateServer> {
  return startGateServer('apigateway', async (req, res) => {
    const answer = (status: number, message: string) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/sql') return answer(404, 'Not Found');
    const signature = parseSignature(req);
    const user = users.find((u) => u.accessKeyId === signature?.accessKeyId);
    if (!signature || !user) return answer(403, 'The security token included in the request is invalid.');
    if (signature.service !== 'execute-api' || signature.region !== REGION) return answer(403, `Credential should be scoped to a valid region and service execute-api, not ${signature.region}/${signature.service}.`);
    const signedNames = /SignedHeaders=([^,]+)/.exec(req.headers.authorization ?? '')?.[1]?.split(';') ?? [];
    const headers = Object.fromEntries(signedNames.map((name) => [name, String(req.headers[name] ?? '')]));
    const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(req.headers['x-amz-date'] ?? ''));
    if (!date) return answer(403, 'Missing X-Amz-Date');
    const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, sha256: NodeSha256 });
    const [host, port] = String(req.headers.host).split(':');
    const expected = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: host!, ...(port ? { port: Number(port) } : {}), path: '/v1/sql', query: {}, headers, body: body.toString('utf8') },
      { signingDate: new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!)) },
    );
    const sig = (h: string | undefined) => /Signature=([0-9a-f]+)/.exec(h ?? '')?.[1];
    if (!sig(req.headers.authorization) || sig(req.headers.authorization) !== sig(expected.headers['authorization'])) {
      return answer(403, 'The request signature we calculated does not match the signature you provided.');
    }
    if (!stack.gate.check({ name: user.arn, roleArn: user.arn }, 'execute-api:Invoke', SQL_ROUTE_ARN)) {
      return answer(403, `User: ${user.arn} is not authorized to perform: execute-api:Invoke on resource: ${SQL_ROUTE_ARN}`);
    }
    const result = await callApi(stack, body.toString('utf8'), user.arn);
    res.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
  }, stack.failures);
}
