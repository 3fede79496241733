/**
 * STS behind the IAM gate: AssumeRole (query protocol) into a role outside the stack, such as a
 * repository bucket owner's role in another account. The caller's own policy must allow sts:AssumeRole
 * on it and the role's trust policy must name the caller (and the external id, when it asks for one);
 * the credentials it hands out act with that role's policies.
 */
import { REGION } from './cloud-template.ts';
import { type GateServer, type IamGate, parseSignature, readBody, startGateServer } from './iam-gate.ts';
import type { PolicyStatement } from './iam-policies.ts';

export interface ExternalRole {
  roleArn: string;
  /** Principals its trust policy names: role ARNs, or `arn:aws:iam::<account>:root` for a whole account. */
  trusts: string[];
  externalId?: string;
  policies: PolicyStatement[];
}

export async function startStsGate(gate: IamGate, roles: ExternalRole[], failures: string[]): Promise<GateServer & { assumed: { by: string; roleArn: string }[] }> {
  for (const role of roles) gate.policies.add(role.roleArn, role.policies);
  const assumed: { by: string; roleArn: string }[] = [];
  const server = await startGateServer('sts', async (req, res) => {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const signature = parseSignature(req);
    const principal = gate.principalOf(signature);
    const fail = (status: number, code: string, message: string): void =>
      void res.writeHead(status, { 'content-type': 'text/xml' }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`);
    if (!principal || !signature) return fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    // The global endpoint is signed for us-east-1; a regional one for its region.
    gate.checkRegion(principal, signature, [REGION, 'us-east-1']);
    if (form.get('Action') !== 'AssumeRole') throw new Error(`the STS gate does not model ${form.get('Action')}`);
    const roleArn = form.get('RoleArn') ?? '';
    const notAuthorized = `User: ${principal.roleArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
    if (!gate.check(principal, 'sts:AssumeRole', roleArn)) return fail(403, 'AccessDenied', notAuthorized);
    const role = roles.find((r) => r.roleArn === roleArn);
    const account = /^arn:aws:iam::(\d{12}):/.exec(principal.roleArn)?.[1];
    const trusted = role !== undefined && (role.trusts.includes(principal.roleArn) || role.trusts.includes(`arn:aws:iam::${account}:root`));
    if (!role || !trusted || (role.externalId !== undefined && form.get('ExternalId') !== role.externalId)) {
      gate.denials.push({ role: principal.name, action: 'sts:AssumeRole (trust policy)', resource: roleArn });
      return fail(403, 'AccessDenied', notAuthorized);
    }
    assumed.push({ by: principal.name, roleArn });
    const c = gate.credentialsFor({ name: `assumed ${roleArn.split('/').pop()}`, roleArn });
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    res.writeHead(200, { 'content-type': 'text/xml' }).end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey><SessionToken>${c.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>
    <AssumedRoleUser><AssumedRoleId>AROAGATE:${form.get('RoleSessionName') ?? ''}</AssumedRoleId><Arn>${roleArn}/${form.get('RoleSessionName') ?? ''}</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
  }, failures);
  return { ...server, assumed };
}
