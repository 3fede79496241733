import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake AWS STS for tests: answers AssumeRole (query protocol) with fixed temporary credentials, and
 * records who asked for which role. It checks no signature; the test asserts on the access key id in
 * the request's Authorization header.
 */
export interface StsTestServer {
  endpoint: string;
  calls: { roleArn: string; externalId?: string; accessKeyId?: string }[];
  close(): Promise<void>;
}

export async function startStsServer(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<StsTestServer> {
  const calls: StsTestServer['calls'] = [];
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const form = new URLSearchParams(text);
      if (form.get('Action') !== 'AssumeRole') {
        res.writeHead(400, { 'Content-Type': 'text/xml' }).end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
        return;
      }
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
      calls.push({ roleArn: form.get('RoleArn') ?? '', ...(form.get('ExternalId') ? { externalId: form.get('ExternalId')! } : {}), ...(accessKeyId ? { accessKeyId } : {}) });
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>
      <SessionToken>${credentials.sessionToken}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser><AssumedRoleId>AROATEST:starbackup</AssumedRoleId><Arn>${form.get('RoleArn')}/starbackup</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
