/** Whether a storage call failed with this HTTP status (the Tables and Queues clients both throw RestError). */
export function isStatus(error: unknown, status: number): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === status
  );
}

/** Whether a storage call failed without an answer from storage (refused, reset, timed out) or with a 5xx. */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode >= 500;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|REQUEST_SEND_ERROR|UND_ERR_\w+)$/.test(
      code,
    )
  );
}
