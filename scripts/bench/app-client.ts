/** The app's HTTP API as the benchmark scripts call it: the project's client, answers kept raw for timing. */
import {
  DeviceJobsClient,
  parseConnectionString,
  SasAuthorizer,
  type JobResponse,
} from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';

const API_VERSION = 'api-version=2021-04-12';

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
  readonly client: DeviceJobsClient;

  constructor(baseUrl: string, connectionString: string) {
    this.client = new DeviceJobsClient({
      baseUrl,
      authorizer: new SasAuthorizer(parseConnectionString(connectionString), nodeCryptoHmac),
      pageSize: 1000,
    });
  }

  /** A signed request; any status is an answer. */
  async send(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await this.client.send(method, route, { body, headers });
    const text = await response.text();
    const answer: Answer = {
      status: response.status,
      json: text ? parseBody(text) : null,
      continuation: response.headers.get('x-ms-continuation'),
    };
    return answer;
  }

  /** A signed request that must succeed. */
  async call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const answer = await this.send(method, route, body, headers);
    if (answer.status >= 300) {
      throw new Error(`${method} ${route} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    return answer;
  }

  /** A job as `GET /jobs/v2/{jobId}` answers it. */
  async readJob(jobId: string): Promise<JobResponse> {
    return (await this.call('GET', `/jobs/v2/${encodeURIComponent(jobId)}?${API_VERSION}`))
      .json as JobResponse;
  }

  /** Reads a job every `pollMs` until `until` holds; resolves with that reading. */
  async waitForJob(jobId: string, until: (job: JobResponse) => boolean, pollMs = 100): Promise<JobResponse> {
    for (;;) {
      const job = await this.readJob(jobId);
      if (until(job)) return job;
      await sleep(pollMs);
    }
  }

  /** Reads a job until it is final (completed, failed or cancelled). */
  waitForJobEnd(jobId: string, pollMs = 100): Promise<JobResponse> {
    return this.waitForJob(jobId, (job) => TERMINAL.includes(job.status), pollMs);
  }

  /** The pages of a twin or device-job query, 1,000 rows each, following continuations. */
  queryPages<T>(query: string): AsyncGenerator<T[]> {
    return this.client.query<T>(query);
  }

  /**
   * Every row of a twin or device-job query, page by page (or the pages up to `maxRows` rows); resolves with the
   * row count and seconds.
   */
  async queryAll(
    query: string,
    maxRows = Infinity,
  ): Promise<{ rows: number; pages: number; seconds: number }> {
    const started = performance.now();
    let rows = 0;
    let pages = 0;
    for await (const page of this.queryPages(query)) {
      rows += page.length;
      pages += 1;
      if (rows >= maxRows) break;
    }
    return { rows, pages, seconds: (performance.now() - started) / 1000 };
  }
}

export const TERMINAL = ['completed', 'failed', 'cancelled'];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
