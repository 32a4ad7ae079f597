import fs from 'node:fs';
import type { HostHttpResponse } from './extension';

/** Bodies beyond this are recorded without their text (`bodyOmitted`), to keep the log small. */
const MAX_RECORDED_BODY_BYTES = 1024 * 1024;

/** One answered HTTP request, as a JSON line of the response log. */
export interface LoggedResponse {
  method: string;
  /** The request's path, without the query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  body?: string;
  bodyOmitted?: true;
}

/**
 * Appends every HTTP answer of the host to a file as JSON lines (`FUNC_LOCAL_RESPONSE_LOG`), so that test tooling
 * can check what the app answered (e.g. against its OpenAPI document), whoever the client was.
 */
export function responseLogger(file: string | undefined) {
  if (!file) return undefined;
  return (method: string, url: string, response: HostHttpResponse): void => {
    const header = Object.entries(response.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'content-type',
    );
    const contentType = Array.isArray(header?.[1]) ? header[1][0] : header?.[1];
    const body = response.body ?? '';
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const entry: LoggedResponse = {
      method,
      path: url.split('?')[0] ?? url,
      status: response.status,
      contentType,
      ...(bytes > MAX_RECORDED_BODY_BYTES
        ? { bodyOmitted: true as const }
        : { body: typeof body === 'string' ? body : body.toString('utf8') }),
    };
    fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
  };
}
