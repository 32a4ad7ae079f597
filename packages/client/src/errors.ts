/** An error answer of the service: its HTTP status, IoT Hub error code and message, as the service wrote them. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The query text the request carried, when there was one (an error's `position N` points into it). */
  queryText: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service could not be reached, or answered something the API does not define. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/**
 * Reads IoT Hub's error answer: the body `{"Message":"ErrorCode:<Code>;<text>", …}` (or `{"message", "code"}`), the
 * code also in the `iothub-errorcode` header; any other body is the message itself.
 */
export function apiErrorOf(
  status: number,
  statusText: string,
  headerCode: string | null,
  text: string,
): ApiError {
  let code = headerCode ?? undefined;
  let message = text.trim() === '' ? statusText || 'The request failed.' : text.trim();
  try {
    const body = JSON.parse(text) as { Message?: unknown; message?: unknown; code?: unknown };
    const raw =
      typeof body.Message === 'string'
        ? body.Message
        : typeof body.message === 'string'
          ? body.message
          : undefined;
    const parsed = raw === undefined ? undefined : /^ErrorCode:([^;]*);([\s\S]*)$/.exec(raw);
    if (parsed) {
      code ??= parsed[1];
      message = parsed[2] ?? message;
    } else if (raw !== undefined) {
      message = raw;
      if (typeof body.code === 'string') code ??= body.code;
    }
  } catch {
    // Not JSON: the text is the message.
  }
  return new ApiError(status, code ?? `HTTP${status}`, message);
}
