import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Deadline } from '../lib/cluster/deadline.ts';
import { ErrorName, InternalError, StarbackupError, errorCode, errorMessage } from '../lib/domain/errors.ts';
import { mysqlErrorOf } from '../lib/domain/mysql-errors.ts';
import { type ApiResponse, ApiErrorCode } from '../lib/domain/api-types.ts';
import { MAX_REQUEST_BYTES, errorResponse, handleSqlRequest } from '../lib/api/api-request.ts';
import { rootPrincipalsFromEnv, userOfCaller } from '../lib/api/iam-caller.ts';
import { type IamPrincipal, parseBindingArn } from '../lib/access/iam-principal.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { instrument, logger } from './instrument.ts';
import { getApiContext } from './wiring.ts';

type Event = APIGatewayProxyEventV2WithIAMAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;

/** API Gateway's HTTP API gives up on its integration after 30 s, whatever the function's timeout. */
export const API_GATEWAY_LIMIT_MS = 30_000;
/** Kept back from the deadline for what follows a stop: removing what a load wrote, and answering. */
export const DEADLINE_MARGIN_MS = 3_000;

/**
 * A request's deadline: the function's remaining time or API Gateway's limit, whichever ends first, less
 * the margin. Statements stop at it with DeadlineExceededError (504) instead of being killed mid-write.
 */
export function apiDeadline(now: number, remainingMs: number): Deadline {
  return {
    start: now,
    at: now + Math.min(remainingMs, API_GATEWAY_LIMIT_MS) - DEADLINE_MARGIN_MS,
    why: `the HTTP API answers within API Gateway's ${API_GATEWAY_LIMIT_MS / 1000} s limit`,
  };
}

/**
 * `POST /v1/sql` behind API Gateway (HTTP API, payload format 2.0, IAM authorization). The statements run
 * as the StarRocks user bound to the calling principal (lib/api/iam-caller.ts); the root principals (by
 * default the environment's ROOT_PRINCIPAL_ARNS, from `starbackup:rootPrincipalArns`) act as root.
 */
export function apiHandler(getCtx: () => Promise<ServiceContext>, rootPrincipalArns?: readonly string[]) {
  let roots: IamPrincipal[] | undefined;
  return async (event: Event, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<Result> => {
    // The IAM authorizer rejects unsigned calls before they get here; this catches a route left without it.
    const callerArn = event.requestContext?.authorizer?.iam?.userArn;
    if (typeof callerArn !== 'string' || callerArn === '') {
      return toResult(errorResponse(403, ApiErrorCode.Forbidden, 'This API requires IAM (SigV4) authorization'));
    }
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
    try {
      const ctx = await getCtx();
      const user = await userOfCaller(ctx, callerArn, (roots ??= rootPrincipalArns ? rootPrincipalArns.map(parseBindingArn) : rootPrincipalsFromEnv(process.env)));
      if ('status' in user) return toResult(user);
      const deadline = context ? apiDeadline(ctx.clock.now(), context.getRemainingTimeInMillis()) : undefined;
      return toResult(withoutForeignDetail(await handleSqlRequest(ctx, body, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES, deadline, user)));
    } catch (e) {
      logger.error('request failed outside any statement', { errorName: errorCode(e), errorMessage: errorMessage(e) });
      const message = e instanceof StarbackupError ? errorMessage(e) : internalMessage(errorCode(e));
      return toResult(errorResponse(500, ErrorName.Internal, message));
    }
  };
}

/** Codes whose messages starbackup wrote for the caller; anything else came from a library or a bug. */
const OUR_CODES = new Set<string>([...Object.values(ErrorName), ...Object.values(ApiErrorCode)]);

function internalMessage(code: string): string {
  const name = /^[A-Za-z][\w.]{0,63}$/.test(code) ? code : 'Error';
  return `Internal error (${name}); the function's log has the details`;
}

/**
 * A statement that failed with an error that is not one of ours (a TypeError, an SDK exception) answers
 * InternalError with a generic message, as the workflow functions do: such messages can carry ARNs, paths
 * or request details. The function's log keeps what was echoed (already secret-masked).
 */
function withoutForeignDetail(response: ApiResponse): ApiResponse {
  const error = response.body.error;
  if (!error || OUR_CODES.has(error.code)) return response;
  logger.error('statement failed with an unexpected error', { errorName: error.code, errorMessage: error.message });
  const internal = mysqlErrorOf(new InternalError(internalMessage(error.code)));
  return { ...response, body: { ...response.body, error: { ...error, code: ErrorName.Internal, ...internal } } };
}

function toResult(response: ApiResponse): Result {
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}

const api = apiHandler(getApiContext);

// instrument() hands its handler the event alone; the deadline needs the invocation's context too.
export const handler = (event: Event, context?: Context): Promise<Result> => instrument('api', (e: Event) => api(e, context))(event, context);
