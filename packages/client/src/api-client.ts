import { ApiError, apiErrorOf, TransportError } from './errors';
import type { Authorizer } from './sas';
import type {
  BulkDeviceEntry,
  BulkRegistryResult,
  DeviceJobResponse,
  DryRunResponse,
  JobRequest,
  JobResponse,
  JobScheduleResponse,
  RegistryJobRequest,
  RegistryJobResponse,
  RerunRequest,
  RollbackRequest,
  ScheduleRequest,
} from './wire-types';

/** The IoT Hub service API version every request names. */
export const API_VERSION = '2021-04-12';

/** A request beyond the typed calls: a body (sent as JSON unless a string), query parameters, extra headers. */
export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
}

/** One page of a listing and the continuation token of the next (undefined on the last page). */
export interface Page<T> {
  items: T[];
  continuation: string | undefined;
}

/** Filters of the job listing (`GET /jobs/v2/query`). */
export interface JobFilter {
  jobStatus?: string;
  jobType?: string;
}

export interface ClientOptions {
  /** Where the service is, e.g. `http://localhost:7071` (in a browser, `location.origin`). */
  baseUrl: string | URL;
  authorizer: Authorizer;
  /** Items per page of listings and queries (`x-ms-max-item-count`); default 100. */
  pageSize?: number;
}

/** A string literal of the IoT Hub query language (backslash escapes). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `SELECT * FROM devices.jobs` of one job, optionally of some device statuses. */
/** A job's devices whose operation succeeded and that wait for its `completionCondition` to hold on their twin. */
export function waitingDeviceJobsQuery(jobId: string): string {
  return `${deviceJobsQuery(jobId, ['running'])} AND IS_DEFINED(devices.jobs.waitingUntil)`;
}

export function deviceJobsQuery(jobId: string, statuses: readonly string[] = []): string {
  const base = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = ${quote(jobId)}`;
  if (statuses.length === 0) return base;
  if (statuses.length === 1) return `${base} AND devices.jobs.status = ${quote(statuses[0] as string)}`;
  return `${base} AND devices.jobs.status IN [${statuses.map(quote).join(', ')}]`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TransportError(`The service answered something other than JSON: ${text.slice(0, 200)}`);
  }
}

function isBulkResult(value: unknown): value is BulkRegistryResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as { errors?: unknown }).errors);
}

const jobPath = (jobId: string) => `/jobs/v2/${encodeURIComponent(jobId)}`;
const schedulePath = (scheduleId: string) => `/jobSchedules/${encodeURIComponent(scheduleId)}`;

/**
 * The device jobs service over its public HTTP API, in Node and the browser: every request signed by the
 * authorizer, every error answer an `ApiError` with the service's code and message, listings page by page.
 */
export class DeviceJobsClient {
  readonly pageSize: number;
  private readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.pageSize = options.pageSize ?? 100;
    this.baseUrl = String(options.baseUrl).replace(/\/$/, '');
  }

  /** A signed request, whatever it answers (status checks are the caller's). */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', API_VERSION);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      Authorization: await this.options.authorizer.authorization(),
      Accept: 'application/json',
      ...options.headers,
    };
    const { body } = options;
    if (body !== undefined) headers['Content-Type'] ??= 'application/json; charset=utf-8';
    try {
      return await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    } catch (error: unknown) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new TransportError(`Cannot reach ${url.origin}: ${cause}`);
    }
  }

  /** A signed request whose error answers throw `ApiError`; resolves with the answer and its text. */
  async call(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ response: Response; text: string }> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    if (!response.ok)
      throw apiErrorOf(response.status, response.statusText, response.headers.get('iothub-errorcode'), text);
    return { response, text };
  }

  /** A signed request answered with JSON. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return parseJson((await this.call(method, path, options)).text) as T;
  }

  /** One page of a listing or query. */
  async page<T>(
    method: string,
    path: string,
    options: RequestOptions & { continuation?: string; pageSize?: number } = {},
  ): Promise<Page<T>> {
    const headers: Record<string, string> = {
      'x-ms-max-item-count': String(options.pageSize ?? this.pageSize),
      ...options.headers,
    };
    if (options.continuation) headers['x-ms-continuation'] = options.continuation;
    const { response, text } = await this.call(method, path, { ...options, headers });
    const items = parseJson(text);
    if (!Array.isArray(items))
      throw new TransportError(`${method} ${path} answered something other than a JSON array.`);
    return { items: items as T[], continuation: response.headers.get('x-ms-continuation') ?? undefined };
  }

  /** Every page of a listing or query, following the continuation tokens. */
  async *pages<T>(
    method: string,
    path: string,
    options: RequestOptions & { pageSize?: number } = {},
  ): AsyncGenerator<T[]> {
    let continuation: string | undefined;
    do {
      const page = await this.page<T>(method, path, { ...options, continuation });
      yield page.items;
      continuation = page.continuation;
    } while (continuation);
  }

  /** Checks the credentials with a cheap read (a wrong key answers 401). */
  async verify(): Promise<void> {
    await this.page('GET', '/jobs/v2/query', { pageSize: 1 });
  }

  createJob(request: JobRequest): Promise<JobResponse> {
    return this.json('PUT', jobPath(request.jobId), { body: request });
  }

  /** `PUT /jobs/v2/{jobId}?dryRun=true`; throws when the service created the job instead (no dry-run support). */
  async dryRun(request: JobRequest): Promise<DryRunResponse> {
    const answer = await this.json<Partial<DryRunResponse> & { status?: string }>(
      'PUT',
      jobPath(request.jobId),
      {
        body: request,
        query: { dryRun: 'true' },
      },
    );
    if (typeof answer.deviceCount !== 'number' || answer.status !== undefined) {
      throw new TransportError(
        `The service does not support dry runs: it answered with a job, so ${request.jobId} was created.`,
      );
    }
    return answer as DryRunResponse;
  }

  createRegistryJob(request: RegistryJobRequest): Promise<RegistryJobResponse> {
    return this.json('POST', '/jobs/create', { body: request });
  }

  getRegistryJob(jobId: string): Promise<RegistryJobResponse> {
    return this.json('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  /** Every import/export job, newest first (`GET /jobs` answers them in one array). */
  listRegistryJobs(): Promise<RegistryJobResponse[]> {
    return this.json('GET', '/jobs');
  }

  cancelRegistryJob(jobId: string): Promise<RegistryJobResponse> {
    return this.json('DELETE', `/jobs/${encodeURIComponent(jobId)}`);
  }

  getJob(jobId: string): Promise<JobResponse> {
    return this.json('GET', jobPath(jobId));
  }

  cancelJob(jobId: string): Promise<JobResponse> {
    return this.json('POST', `${jobPath(jobId)}/cancel`);
  }

  /** `POST /jobs/v2/{jobId}/pause|resume`, with an optional reason. */
  controlJob(jobId: string, action: 'pause' | 'resume', reason?: string): Promise<JobResponse> {
    return this.json('POST', `${jobPath(jobId)}/${action}`, reason === undefined ? {} : { body: { reason } });
  }

  rerunJob(jobId: string, request: RerunRequest): Promise<JobResponse> {
    return this.json('POST', `${jobPath(jobId)}/rerun`, { body: request });
  }

  /** `POST /jobs/v2/{jobId}/rollback`: a twin job restoring what the job overwrote (cancels it first if open). */
  rollbackJob(jobId: string, request: RollbackRequest = {}): Promise<JobResponse> {
    return this.json('POST', `${jobPath(jobId)}/rollback`, { body: request });
  }

  listJobsPage(filter: JobFilter, continuation?: string, pageSize?: number): Promise<Page<JobResponse>> {
    return this.page('GET', '/jobs/v2/query', { query: { ...filter }, continuation, pageSize });
  }

  listJobs(filter: JobFilter = {}): AsyncGenerator<JobResponse[]> {
    return this.pages('GET', '/jobs/v2/query', { query: { ...filter } });
  }

  /** One page of `POST /devices/query`; an error answer carries the query text. */
  async queryPage<T = Record<string, unknown>>(
    query: string,
    continuation?: string,
    pageSize?: number,
  ): Promise<Page<T>> {
    try {
      return await this.page<T>('POST', '/devices/query', { body: { query }, continuation, pageSize });
    } catch (error: unknown) {
      if (error instanceof ApiError) error.queryText = query;
      throw error;
    }
  }

  /** Rows of `POST /devices/query`, page by page. */
  async *query<T = Record<string, unknown>>(query: string, pageSize?: number): AsyncGenerator<T[]> {
    let continuation: string | undefined;
    do {
      const page = await this.queryPage<T>(query, continuation, pageSize);
      yield page.items;
      continuation = page.continuation;
    } while (continuation);
  }

  /** Every page of a query, up to `limit` rows; `complete` says whether the limit cut it short. */
  async queryAll<T = Record<string, unknown>>(
    query: string,
    limit: number,
  ): Promise<{ items: T[]; complete: boolean }> {
    const items: T[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.queryPage<T>(query, continuation, Math.min(1000, limit - items.length));
      items.push(...page.items);
      continuation = page.continuation;
    } while (continuation && items.length < limit);
    return { items, complete: continuation === undefined };
  }

  /** The device results of a job, page by page, optionally of some statuses only. */
  deviceJobs(jobId: string, statuses: readonly string[] = []): AsyncGenerator<DeviceJobResponse[]> {
    return this.query<DeviceJobResponse>(deviceJobsQuery(jobId, statuses));
  }

  /** `POST /devices`: a 400 that lists per-device errors is a result (e.g. ids that exist), not a failure. */
  async bulkDevices(entries: readonly BulkDeviceEntry[]): Promise<BulkRegistryResult> {
    const response = await this.send('POST', '/devices', { body: entries });
    const text = await response.text();
    const parsed = response.ok || response.status === 400 ? safeJson(text) : undefined;
    if (isBulkResult(parsed)) return parsed;
    throw apiErrorOf(response.status, response.statusText, response.headers.get('iothub-errorcode'), text);
  }

  putSchedule(scheduleId: string, request: ScheduleRequest): Promise<JobScheduleResponse> {
    return this.json('PUT', schedulePath(scheduleId), { body: request });
  }

  getSchedule(scheduleId: string): Promise<JobScheduleResponse> {
    return this.json('GET', schedulePath(scheduleId));
  }

  listSchedules(): AsyncGenerator<JobScheduleResponse[]> {
    return this.pages('GET', '/jobSchedules');
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.call('DELETE', schedulePath(scheduleId));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
