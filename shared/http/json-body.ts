import { parseOrThrow, plainObject } from '@device-jobs/client/schemas';
import { argumentInvalid, ArgumentInvalidError, IotHubError } from './iothub-errors';

/** A body that must be a JSON object; the answer names the body (`The twin must be a JSON object.`). */
const JsonObjectBodySchema = plainObject('must be a JSON object');

/**
 * The deepest nesting of objects and arrays a request body may have. Json.NET, which IoT Hub is built on, refuses
 * more than 64 levels by default; twins allow only 10. Checked before parsing, without recursion, so no body can
 * exhaust the stack of the validators that walk it afterwards.
 */
export const MAX_JSON_DEPTH = 64;

/** Body size caps by endpoint family (bytes); larger bodies answer 413 `RequestEntityTooLarge`. */
export const MAX_BODY_BYTES = {
  /** Twins, method calls, device identities, queries: IoT Hub's own limits inside them are far smaller. */
  standard: 1024 * 1024,
  /** Job creation (up to 1,000,000 device ids) and bulk registry imports: Azure Functions' request limit. */
  bulk: 100 * 1024 * 1024,
} as const;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** 413: the request body is larger than the endpoint accepts. */
export class RequestEntityTooLargeError extends IotHubError {
  override name = 'RequestEntityTooLargeError';
  constructor(what: string, bytes: number, maxBytes: number) {
    super('RequestEntityTooLarge', 413, `The ${what} is ${bytes} bytes: at most ${maxBytes} are accepted.`);
  }
}

/** Decodes a body as UTF-8, refusing byte sequences that are not UTF-8 (rather than turning them into U+FFFD). */
export function decodeUtf8Body(bytes: Uint8Array, what = 'request body'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ArgumentInvalidError(`The ${what} is not valid UTF-8.`);
  }
}

/** The deepest nesting of `{`/`[` in JSON text (outside strings), counted in one pass without recursion. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (code === 0x7d || code === 0x5d) depth--;
  }
  return deepest;
}

/** Parses a request body as JSON; malformed or too deeply nested JSON is a 400 ArgumentInvalid saying why. */
export function parseJsonBody(text: string, what = 'request body'): unknown {
  if (text.trim() === '')
    throw new ArgumentInvalidError(`The ${what} is empty: a JSON document is required.`);
  const depth = jsonNestingDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ArgumentInvalidError(
      `The ${what} nests objects and arrays ${depth} levels deep: at most ${MAX_JSON_DEPTH} are allowed.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArgumentInvalidError(`The ${what} is not valid JSON: ${reason}`);
  }
}

/** What the JSON readers need of a request (`@azure/functions`' HttpRequest has it). */
export interface BodySource {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Reads a request body as JSON: at most `maxBytes` (413 beyond), strict UTF-8, nesting within
 * {@link MAX_JSON_DEPTH}, valid JSON; each failure is IoT Hub's error with a message that names the body.
 */
export async function readJsonBody(
  request: BodySource,
  what = 'request body',
  maxBytes: number = MAX_BODY_BYTES.standard,
): Promise<unknown> {
  return parseJsonBody(await readBodyText(request, what, maxBytes), what);
}

async function readBodyText(request: BodySource, what: string, maxBytes: number): Promise<string> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw new RequestEntityTooLargeError(what, bytes.byteLength, maxBytes);
  return decodeUtf8Body(bytes, what);
}

/** Like {@link readJsonBody}, for endpoints whose body is optional: an empty body is `undefined`. */
export async function readOptionalJsonBody(
  request: BodySource,
  what = 'request body',
  maxBytes: number = MAX_BODY_BYTES.standard,
): Promise<unknown> {
  const text = await readBodyText(request, what, maxBytes);
  return text.trim() === '' ? undefined : parseJsonBody(text, what);
}

/** Reads a request body that must be a JSON object (see {@link readJsonBody}). */
export async function readJsonObject(
  request: BodySource,
  what = 'request body',
  maxBytes: number = MAX_BODY_BYTES.standard,
): Promise<Record<string, unknown>> {
  return parseOrThrow(
    JsonObjectBodySchema,
    await readJsonBody(request, what, maxBytes),
    `The ${what}`,
    argumentInvalid,
  );
}
