import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ErrorName, errorMessage } from '../lib/domain/errors.ts';
import { type ApiResponse, ApiErrorCode, errorResponse, handleSqlRequest } from '../lib/phases/api-request.ts';
import type { ServiceContext } from '../lib/phases/context.ts';
import { instrument, logger } from './instrument.ts';
import { getApiContext } from './wiring.ts';

/** `POST /v1/sql` behind API Gateway (HTTP API, payload format 2.0, IAM authorization). */
export function apiHandler(getCtx: () => Promise<ServiceContext>) {
  return async (event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
    // The IAM authorizer rejects unsigned calls before they get here; this catches a route left without it.
    if (!event.requestContext?.authorizer?.iam) {
      return toResult(errorResponse(403, ApiErrorCode.Forbidden, 'This API requires IAM (SigV4) authorization'));
    }
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
    try {
      return toResult(await handleSqlRequest(await getCtx(), body));
    } catch (e) {
      logger.error('request failed outside any statement', { errorMessage: errorMessage(e) });
      return toResult(errorResponse(500, ErrorName.Internal, errorMessage(e)));
    }
  };
}

function toResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}

export const handler = instrument('api', apiHandler(getApiContext));
