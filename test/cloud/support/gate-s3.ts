/**
 * S3 behind the IAM gate (path-style requests, s3rver behind). Maps each request to its IAM action and
 * resource as S3 authorizes it, and answers as S3 does: AccessDenied 403 for a denied action, and 403
 * rather than 404 for a missing key when the caller lacks an unconditioned s3:ListBucket on the bucket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REGION } from './cloud-template.ts';
import { type GateServer, type IamGate, forward, parseSignature, readBody, startGateServer } from './iam-gate.ts';
import type { RequestContext } from './iam-policies.ts';

interface S3Request {
  bucket: string;
  key?: string;
  action: string;
  context: RequestContext;
}

/** What an S3 request (path style) asks for, in IAM's terms. */
export function s3Action(method: string, url: URL): S3Request {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.length ? rest.map(decodeURIComponent).join('/') : undefined;
  const q = url.searchParams;
  if (key === undefined || key === '') {
    if (method === 'GET' && q.has('location')) return { bucket, action: 's3:GetBucketLocation', context: {} };
    if (method === 'GET' || method === 'HEAD') {
      const prefix = q.get('prefix');
      return { bucket, action: 's3:ListBucket', context: prefix === null ? {} : { 's3:prefix': prefix } };
    }
    throw new Error(`the S3 gate does not model ${method} on a bucket (${url.search})`);
  }
  const object = (action: string): S3Request => ({ bucket, key, action, context: {} });
  if (method === 'GET' || method === 'HEAD') return object('s3:GetObject');
  if (method === 'PUT' || method === 'POST') return object('s3:PutObject'); // PutObject, multipart create/part/complete
  if (method === 'DELETE') return object(q.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject');
  throw new Error(`the S3 gate does not model ${method} on an object`);
}

export interface S3GateStats {
  /** GET/HEAD of a missing key answered 403, as S3 answers a caller without ListBucket. */
  missingKeyForbidden: number;
}

export async function startS3Gate(gate: IamGate, upstream: string, upstreamKey: string, failures: string[]): Promise<GateServer & { stats: S3GateStats }> {
  const stats: S3GateStats = { missingKeyForbidden: 0 };
  const server = await startGateServer('s3', async (req, res) => {
    const body = await readBody(req);
    const signature = parseSignature(req);
    const principal = gate.principalOf(signature);
    if (!principal || !signature) return s3Error(res, req, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    const url = new URL(req.url ?? '/', 'http://gate');
    const r = s3Action(req.method ?? 'GET', url);
    gate.checkRegion(principal, signature, [REGION]);
    const resource = r.key === undefined ? `arn:aws:s3:::${r.bucket}` : `arn:aws:s3:::${r.bucket}/${r.key}`;
    if (!gate.check(principal, r.action, resource, r.context)) return s3Error(res, req, 403, 'AccessDenied', 'Access Denied');
    // s3rver knows one account; SigV4 signatures are not verified there, only the key id.
    const authorization = (req.headers.authorization ?? '').replace(/Credential=[^/]+\//, `Credential=${upstreamKey}/`);
    const readsObject = r.key !== undefined && (req.method === 'GET' || req.method === 'HEAD');
    await forward(req, body, res, upstream, {
      headers: { authorization },
      onResponse: (status) => {
        if (!readsObject || status !== 404) return true;
        if (gate.quietlyAllows(principal, 's3:ListBucket', `arn:aws:s3:::${r.bucket}`)) return true;
        stats.missingKeyForbidden++;
        s3Error(res, req, 403, 'AccessDenied', 'Access Denied');
        return false;
      },
    });
  }, failures);
  return { ...server, stats };
}

function s3Error(res: ServerResponse, req: IncomingMessage, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>GATE</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'GATE' });
  res.end(req.method === 'HEAD' ? undefined : xml);
}
