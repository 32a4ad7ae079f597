import { randomBytes } from 'node:crypto';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Response headers and body, ready for `@azure/functions`' HttpResponseInit. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** A JSON answer, always `application/json; charset=utf-8` (the Node SDK parses bodies only then). */
export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): WireResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(value) };
}

const pad = (value: number) => String(value).padStart(2, '0');

/** IoT Hub's timestamp in error bodies: `MM/dd/yyyy HH:mm:ss` in UTC. */
export function legacyTimestamp(at: Date): string {
  return (
    `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`
  );
}

/** A new tracking id, as IoT Hub's error bodies carry one (32 upper-case hex digits). */
export function newTrackingId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** IoT Hub's legacy error body and `iothub-errorcode` header, which every service SDK understands. */
export function errorResponse(
  status: number,
  code: string,
  text: string,
  at = new Date(),
  trackingId = newTrackingId(),
): WireResponse {
  // The SDKs split Message on ';' and ':' to find the code and the text, so the text must not hold a ';'.
  const safeText = text.replace(/;/g, ',');
  return jsonResponse(
    status,
    {
      Message: `ErrorCode:${code};${safeText}`,
      ExceptionMessage: `Tracking ID:${trackingId}-G:0-TimeStamp:${legacyTimestamp(at)}`,
    },
    { 'iothub-errorcode': code },
  );
}
