import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { wireErrorOf } from './iothub-errors';
import type { RightsRequirement, SasAuthorizer } from './sas-authorizer';
import { errorResponse, newTrackingId, type WireResponse } from './wire-format';

/** One IoT Hub endpoint: the rights a caller's policy needs and the use case it runs. */
export interface IotHubEndpoint {
  /** The rights, or the rights per HTTP method when one function serves reads and writes. */
  rights: RightsRequirement | ((method: string) => RightsRequirement);
  /** The authorizer, resolved on the first request (the composition root builds it lazily). */
  authorizer: () => SasAuthorizer;
  /** `caller.policyName`: the shared access policy the request was signed with (for audit fields). */
  handle: (request: HttpRequest, context: InvocationContext, caller: Caller) => Promise<WireResponse>;
}

/** Who sent an authorized request. */
export interface Caller {
  policyName: string;
}

/**
 * Turns an error into IoT Hub's wire error (with `Retry-After` when the error says how long to wait). Only known
 * error classes ({@link wireErrorOf}) answer with their code and message; anything else becomes a 500
 * `ServerError` without internals, whose tracking id is logged with the real error so support can find it.
 */
export function toErrorResponse(error: unknown, context?: InvocationContext): WireResponse {
  const wire = wireErrorOf(error);
  if (wire) {
    const response = errorResponse(wire.status, wire.code, wire.message);
    if (wire.retryAfterSeconds !== undefined)
      response.headers['Retry-After'] = String(Math.ceil(wire.retryAfterSeconds));
    return response;
  }
  const trackingId = newTrackingId();
  context?.error(
    `Unhandled error (tracking id ${trackingId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return errorResponse(500, 'ServerError', 'An internal error occurred.', new Date(), trackingId);
}

/**
 * Headers of every API answer: device and twin reads carry keys, so no cache (browser or proxy) may keep one, and
 * a JSON body is never sniffed into something a browser would run.
 */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function withApiHeaders(response: WireResponse): WireResponse {
  return { ...response, headers: { ...response.headers, ...API_RESPONSE_HEADERS } };
}

/**
 * Wraps a use case as an `@azure/functions` HTTP handler: authorizes the SharedAccessSignature for the
 * endpoint's rights, runs it, and maps domain errors (anything carrying an IoT Hub `code`) to the wire format.
 */
export function iothubHandler(endpoint: IotHubEndpoint): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const path = new URL(request.url).pathname;
      const rights =
        typeof endpoint.rights === 'function' ? endpoint.rights(request.method) : endpoint.rights;
      const policyName = endpoint.authorizer().authorize(request.headers.get('authorization'), path, rights);
      return withApiHeaders(await endpoint.handle(request, context, { policyName }));
    } catch (error: unknown) {
      return withApiHeaders(toErrorResponse(error, context));
    }
  };
}
