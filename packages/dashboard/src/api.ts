import { createSasToken, type SigningIdentity } from './connection.js';
import type { DeviceJob, DryRunResult, Job, RegistryJob } from './model.js';

const API_VERSION = 'api-version=2021-04-12';
const TOKEN_LIFETIME_SECONDS = 3600;
const TOKEN_RENEW_MARGIN_SECONDS = 300;

/** An error answer of the service: its IoT Hub error code and message, as the service wrote them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads IoT Hub's error body (`{"Message":"ErrorCode:Code;text"}`) or the `iothub-errorcode` header. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let code = response.headers.get('iothub-errorcode') ?? `HTTP${response.status}`;
  let message = text.trim() === '' ? response.statusText : text;
  try {
    const body = JSON.parse(text) as { Message?: unknown; message?: unknown; code?: unknown };
    const raw =
      typeof body.Message === 'string'
        ? body.Message
        : typeof body.message === 'string'
          ? body.message
          : undefined;
    const parsed = raw === undefined ? undefined : /^ErrorCode:([^;]+);([\s\S]*)$/.exec(raw);
    if (parsed) {
      code = parsed[1] ?? code;
      message = parsed[2] ?? message;
    } else if (raw !== undefined) {
      message = raw;
      if (typeof body.code === 'string') code = body.code;
    }
  } catch {
    // Not JSON: keep the text as the message.
  }
  return new ApiError(response.status, code, message);
}

export interface Page<T> {
  items: T[];
  continuation: string | undefined;
}

export interface JobFilter {
  jobStatus?: string;
  jobType?: string;
}

/** The public API, called with SAS tokens computed in the browser from the signed-in connection string. */
export class JobsApi {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly identity: SigningIdentity,
    private readonly baseUrl: string = '',
  ) {}

  private async authorization(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    if (!this.token || this.token.expiresAt - now < TOKEN_RENEW_MARGIN_SECONDS) {
      const expiresAt = now + TOKEN_LIFETIME_SECONDS;
      this.token = { value: await createSasToken(this.identity, expiresAt), expiresAt };
    }
    return this.token.value;
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const separator = path.includes('?') ? '&' : '?';
    const headers: Record<string, string> = { Authorization: await this.authorization(), ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}${separator}${API_VERSION}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw await apiErrorOf(response);
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, path, { body })).json()) as T;
  }

  /** Checks the credentials with a cheap read (a wrong key answers 401). */
  async verify(): Promise<void> {
    await this.send('GET', '/jobs/v2/query', { headers: { 'x-ms-max-item-count': '1' } });
  }

  /** Every import and export job, newest first. */
  listRegistryJobs(): Promise<RegistryJob[]> {
    return this.json('GET', '/jobs');
  }

  async listJobs(filter: JobFilter, continuation?: string, pageSize = 100): Promise<Page<Job>> {
    const query = new URLSearchParams();
    if (filter.jobStatus) query.set('jobStatus', filter.jobStatus);
    if (filter.jobType) query.set('jobType', filter.jobType);
    const headers: Record<string, string> = { 'x-ms-max-item-count': String(pageSize) };
    if (continuation) headers['x-ms-continuation'] = continuation;
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const response = await this.send('GET', `/jobs/v2/query${suffix}`, { headers });
    return {
      items: (await response.json()) as Job[],
      continuation: response.headers.get('x-ms-continuation') ?? undefined,
    };
  }

  getJob(jobId: string): Promise<Job> {
    return this.json('GET', `/jobs/v2/${encodeURIComponent(jobId)}`);
  }

  createJob(jobId: string, body: Record<string, unknown>): Promise<Job> {
    return this.json('PUT', `/jobs/v2/${encodeURIComponent(jobId)}`, body);
  }

  dryRun(jobId: string, body: Record<string, unknown>): Promise<DryRunResult> {
    return this.json('PUT', `/jobs/v2/${encodeURIComponent(jobId)}?dryRun=true`, body);
  }

  cancelJob(jobId: string): Promise<Job> {
    return this.json('POST', `/jobs/v2/${encodeURIComponent(jobId)}/cancel`);
  }

  rerunJob(
    jobId: string,
    body: { jobId: string; deviceStatuses: string[]; startTime?: string },
  ): Promise<Job> {
    return this.json('POST', `/jobs/v2/${encodeURIComponent(jobId)}/rerun`, body);
  }

  /** One page of a `POST /devices/query`. */
  async queryDevices<T = DeviceJob>(
    query: string,
    pageSize: number,
    continuation?: string,
  ): Promise<Page<T>> {
    const headers: Record<string, string> = { 'x-ms-max-item-count': String(pageSize) };
    if (continuation) headers['x-ms-continuation'] = continuation;
    const response = await this.send('POST', '/devices/query', { body: { query }, headers });
    return {
      items: (await response.json()) as T[],
      continuation: response.headers.get('x-ms-continuation') ?? undefined,
    };
  }

  /** Every page of a query, up to `limit` items; `complete` says whether the limit cut it short. */
  async queryAll<T = DeviceJob>(query: string, limit: number): Promise<{ items: T[]; complete: boolean }> {
    const items: T[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.queryDevices<T>(query, Math.min(1000, limit - items.length), continuation);
      items.push(...page.items);
      continuation = page.continuation;
    } while (continuation && items.length < limit);
    return { items, complete: continuation === undefined };
  }
}

/** A string literal of the query language (backslash escapes). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `SELECT * FROM devices.jobs` of one job, optionally of some device statuses. */
export function deviceJobsQuery(jobId: string, statuses: readonly string[] = []): string {
  const base = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = ${quote(jobId)}`;
  if (statuses.length === 0) return base;
  return `${base} AND devices.jobs.status IN [${statuses.map(quote).join(', ')}]`;
}
