/** The app's HTTP API as the benchmark scripts call it: SAS-signed requests, paged queries, job views. */
import { createSasToken } from '../../shared/http/sas-authorizer';
import { parseConnectionString } from '../local-connection';

export interface Answer {
  status: number;
  json: unknown;
  continuation: string | null;
}

/** JSON, or the text itself when an answer is not JSON (so a failure is reported, not thrown). */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class AppClient {
  private readonly credentials: { host: string; name: string; key: string };

  constructor(
    private readonly baseUrl: string,
    connectionString: string,
  ) {
    this.credentials = parseConnectionString(connectionString);
  }

  async send(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const { host, name, key } = this.credentials;
    const response = await fetch(new URL(route, this.baseUrl), {
      method,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Authorization: createSasToken(host, { name, key }, Math.ceil(Date.now() / 1000) + 3600),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const answer: Answer = {
      status: response.status,
      json: text ? parseBody(text) : null,
      continuation: response.headers.get('x-ms-continuation'),
    };
    return answer;
  }

  async call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const answer = await this.send(method, route, body, headers);
    if (answer.status >= 300) {
      throw new Error(`${method} ${route} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    return answer;
  }

  /** The pages of a twin or device-job query, 1,000 rows each, following continuations. */
  async *queryPages<T>(query: string): AsyncGenerator<T[]> {
    let continuation: string | null = null;
    do {
      const headers: Record<string, string> = { 'x-ms-max-item-count': '1000' };
      if (continuation) headers['x-ms-continuation'] = continuation;
      const page = await this.call('POST', '/devices/query', { query }, headers);
      yield page.json as T[];
      continuation = page.continuation;
    } while (continuation);
  }

  /** Every row of a twin or device-job query, page by page; resolves with the row count and seconds. */
  async queryAll(query: string): Promise<{ rows: number; pages: number; seconds: number }> {
    const started = performance.now();
    let rows = 0;
    let pages = 0;
    for await (const page of this.queryPages(query)) {
      rows += page.length;
      pages += 1;
    }
    return { rows, pages, seconds: (performance.now() - started) / 1000 };
  }
}

export interface JobView {
  jobId: string;
  status: string;
  createdTime: string;
  startTime: string;
  endTime?: string;
  deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number };
}

export const TERMINAL = ['completed', 'failed', 'cancelled'];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
