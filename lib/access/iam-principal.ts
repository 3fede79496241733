import { semanticError } from './user-identity.ts';

/**
 * IAM principals that can be bound to a StarRocks user (`IDENTIFIED WITH aws_iam AS '<arn>'`) and how a
 * caller's ARN, as API Gateway's IAM authorizer gives it, finds its binding.
 */
export const AWS_IAM_PLUGIN = 'AWS_IAM';

export interface IamPrincipal {
  partition: string;
  account: string;
  kind: 'user' | 'role';
  /** The user or role name, without its path. */
  name: string;
}

// IAM's own character sets (IAM API reference: CreateUser/CreateRole UserName, RoleName, Path), without
// `*` and `?`, so a binding can never be a pattern.
const PARTITION = '(aws|aws-cn|aws-us-gov)';
const NAME = '[A-Za-z0-9_+=,.@-]{1,64}';
const PATH = '/(?:[A-Za-z0-9_+=,.@-]+/)*';
const IAM_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(user|role)${PATH}(${NAME})$`);
// STS' assumed-role session: arn:aws:sts::<account>:assumed-role/<role name>/<session name>; no path.
const ASSUMED_ROLE = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):assumed-role/(${NAME})/[A-Za-z0-9_+=,.@-]{2,64}$`);
const MAX_ARN = 1600;

const EXPECTED = 'expected arn:<aws|aws-cn|aws-us-gov>:iam::<12-digit account>:user/<name> or …:role/<name> (an optional /path/ before the name)';

/** The principal a binding names: one IAM user or role, checked strictly. */
export function parseBindingArn(arn: string): IamPrincipal {
  if (arn.length > MAX_ARN) throw semanticError(`IAM principal ARN is longer than ${MAX_ARN} characters`);
  if (/[*?]/.test(arn)) throw semanticError(`IAM principal ARN '${arn}' has a wildcard: a binding names exactly one IAM user or role`);
  const session = ASSUMED_ROLE.exec(arn);
  if (session) {
    throw semanticError(`IAM principal ARN '${arn}' is a role session: bind the role itself, arn:${session[1]}:iam::${session[2]}:role/${session[3]}`);
  }
  const p = principalOf(arn);
  if (!p) throw semanticError(`invalid IAM principal ARN '${arn}': ${EXPECTED}`);
  return p;
}

function principalOf(arn: string): IamPrincipal | undefined {
  const m = IAM_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, kind: m[3] as IamPrincipal['kind'], name: m[4]! } : undefined;
}

/**
 * The principal a caller is: an IAM user as itself; a role session (`…:sts::<acct>:assumed-role/<Role>/<session>`)
 * as its role. An assumed-role ARN has no path, and IAM role names are unique in an account whatever their
 * path, so a role matches on partition, account and name (as IAM's `aws:PrincipalArn` does). Anything else
 * (the account's root, a federated user, a service) is no principal a user can be bound to.
 */
export function callerPrincipal(callerArn: string): IamPrincipal | undefined {
  if (callerArn.length > MAX_ARN) return undefined;
  const session = ASSUMED_ROLE.exec(callerArn);
  if (session) return { partition: session[1]!, account: session[2]!, kind: 'role', name: session[3]! };
  return principalOf(callerArn);
}

/** The ARN to bind for a principal: without a path, which a binding may add but need not. */
export function principalArn(p: IamPrincipal): string {
  return `arn:${p.partition}:iam::${p.account}:${p.kind}/${p.name}`;
}

/** Whether a stored binding ARN names the principal (its path, if any, is not compared). */
export function bindsPrincipal(bindingArn: string | undefined, p: IamPrincipal): boolean {
  const bound = bindingArn === undefined ? undefined : principalOf(bindingArn);
  return bound !== undefined && principalArn(bound) === principalArn(p);
}
