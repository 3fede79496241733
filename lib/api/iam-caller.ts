/**
 * Who a call of the cloud API is: the IAM principal API Gateway's IAM authorizer verified, mapped to the
 * StarRocks user bound to it (`CREATE USER … IDENTIFIED WITH aws_iam AS '<arn>'`), or to root for the
 * principals the stack names (`starbackup:rootPrincipalArns`, how a new deployment gets its first
 * user_admin). A principal with neither gets nothing.
 */
import { AccountStore } from '../access/account-store.ts';
import { type IamPrincipal, callerPrincipal, parseBindingArn, principalArn } from '../access/iam-principal.ts';
import { ANY_HOST, ROOT_USER, identityText } from '../access/user-identity.ts';
import { InternalError, errorMessage } from '../domain/errors.ts';
import { type ApiResponse, ApiErrorCode } from '../domain/api-types.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { Session } from '../statements/session.ts';
import { errorResponse } from './api-request.ts';

export type CallerUser = NonNullable<Session['user']>;

/** The environment variable the stack fills from `starbackup:rootPrincipalArns`: a JSON array of ARNs. */
export const ROOT_PRINCIPALS_ENV = 'ROOT_PRINCIPAL_ARNS';

/** The root principals of the environment, each checked as a binding is; a bad value stops the function. */
export function rootPrincipalsFromEnv(env: Record<string, string | undefined>): IamPrincipal[] {
  const text = env[ROOT_PRINCIPALS_ENV];
  if (text === undefined || text === '') return [];
  try {
    const arns: unknown = JSON.parse(text);
    if (!Array.isArray(arns) || !arns.every((a) => typeof a === 'string')) throw new Error('not a JSON array of strings');
    return arns.map(parseBindingArn);
  } catch (e) {
    throw new InternalError(`environment variable ${ROOT_PRINCIPALS_ENV} must be a JSON array of IAM user or role ARNs: ${errorMessage(e)}`);
  }
}

/** The user a caller runs as, or the 403 that says why it has none (naming its ARN, which is no secret). */
export async function userOfCaller(ctx: ServiceContext, callerArn: string, rootPrincipals: readonly IamPrincipal[] = []): Promise<CallerUser | ApiResponse> {
  const principal = callerPrincipal(callerArn);
  if (!principal) {
    return forbidden(`IAM principal ${callerArn} cannot be a StarRocks user: only IAM users and roles (their assumed-role sessions) can be bound to one`);
  }
  const arn = principalArn(principal);
  if (rootPrincipals.some((r) => principalArn(r) === arn)) return { name: ROOT_USER, host: ANY_HOST };
  const bound = await new AccountStore(ctx.catalog.table).boundTo(principal);
  if (bound.length === 1) return { name: bound[0]!.user, host: bound[0]!.host };
  if (bound.length > 1) {
    return forbidden(`IAM principal ${arn} is bound to more than one user (${bound.map(identityText).join(', ')}); a user_admin must ALTER or DROP all but one`);
  }
  const as = arn === callerArn ? '' : ` (the caller ${callerArn})`;
  return forbidden(`IAM principal ${arn}${as} is not bound to any StarRocks user, so it may run nothing; `
    + `a user_admin binds it with CREATE USER '<name>' IDENTIFIED WITH aws_iam AS '${arn}' (or ALTER USER '<name>' IDENTIFIED WITH aws_iam AS '${arn}')`);
}

const forbidden = (message: string): ApiResponse => errorResponse(403, ApiErrorCode.Forbidden, message);
