import { ConnectionError, ServiceError } from '../errors';
import type { Connection } from './connection';
import type {
  BulkDeviceEntry,
  BulkRegistryResult,
  DeviceJobResponse,
  DryRunResponse,
  JobRequest,
  JobResponse,
  RegistryJobRequest,
  RegistryJobResponse,
  RerunRequest,
  ScheduleRequest,
  ScheduleResponse,
} from './wire-types';

const API_VERSION = '2021-04-12';

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
}

/** Filters of the job listing (`GET /jobs/v2/query`). */
export interface JobListFilter {
  status?: string;
  type?: string;
}

/**
 * The device jobs service over its public HTTP API: every request signed with a fresh SAS token, every error answer
 * turned into a `ServiceError` with the service's code and message, listings followed through all their pages.
 */
export class DeviceJobsClient {
  constructor(
    private readonly connection: Connection,
    private readonly pageSize: number,
  ) {}

  createJob(request: JobRequest): Promise<JobResponse> {
    return this.json('PUT', `/jobs/v2/${encodeURIComponent(request.jobId)}`, { body: request });
  }

  async dryRun(request: JobRequest): Promise<DryRunResponse> {
    const answer = await this.json<Partial<DryRunResponse> & { status?: string }>(
      'PUT',
      `/jobs/v2/${encodeURIComponent(request.jobId)}`,
      { body: request, query: { dryRun: 'true' } },
    );
    if (typeof answer.deviceCount !== 'number' || answer.status !== undefined) {
      throw new ConnectionError(
        `The service does not support dry runs: it answered with a job, so ${request.jobId} was created ` +
          `(cancel it with: device-jobs job cancel ${request.jobId}).`,
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
    return this.json('GET', `/jobs/v2/${encodeURIComponent(jobId)}`);
  }

  cancelJob(jobId: string): Promise<JobResponse> {
    return this.json('POST', `/jobs/v2/${encodeURIComponent(jobId)}/cancel`);
  }

  rerunJob(jobId: string, request: RerunRequest): Promise<JobResponse> {
    return this.json('POST', `/jobs/v2/${encodeURIComponent(jobId)}/rerun`, { body: request });
  }

  listJobs(filter: JobListFilter): AsyncGenerator<JobResponse[]> {
    return this.pages('GET', '/jobs/v2/query', { query: { jobType: filter.type, jobStatus: filter.status } });
  }

  /** Rows of `POST /devices/query`, page by page. */
  query<T = Record<string, unknown>>(sql: string): AsyncGenerator<T[]> {
    return this.pages<T>('POST', '/devices/query', { body: { query: sql } });
  }

  deviceJobs(jobId: string, status?: string): AsyncGenerator<DeviceJobResponse[]> {
    const where = [`devices.jobs.jobId = ${quote(jobId)}`];
    if (status) where.push(`devices.jobs.status = ${quote(status)}`);
    return this.query<DeviceJobResponse>(`SELECT * FROM devices.jobs WHERE ${where.join(' AND ')}`);
  }

  /** `POST /devices`: a 400 that lists per-device errors is a result (e.g. ids that exist), not a failure. */
  async bulkDevices(entries: readonly BulkDeviceEntry[]): Promise<BulkRegistryResult> {
    const response = await this.send('POST', '/devices', { body: entries });
    const text = await response.text();
    const parsed = parseJson(text);
    if (isBulkResult(parsed)) return parsed;
    throw toServiceError(response, text);
  }

  putSchedule(scheduleId: string, request: ScheduleRequest): Promise<ScheduleResponse> {
    return this.json('PUT', `/jobSchedules/${encodeURIComponent(scheduleId)}`, { body: request });
  }

  getSchedule(scheduleId: string): Promise<ScheduleResponse> {
    return this.json('GET', `/jobSchedules/${encodeURIComponent(scheduleId)}`);
  }

  listSchedules(): AsyncGenerator<ScheduleResponse[]> {
    return this.pages('GET', '/jobSchedules');
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.call('DELETE', `/jobSchedules/${encodeURIComponent(scheduleId)}`);
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { text } = await this.call(method, path, options);
    return parseJson(text) as T;
  }

  private async *pages<T>(method: string, path: string, options: RequestOptions = {}): AsyncGenerator<T[]> {
    let continuation: string | undefined;
    do {
      const headers: Record<string, string> = { 'x-ms-max-item-count': String(this.pageSize) };
      if (continuation) headers['x-ms-continuation'] = continuation;
      const { response, text } = await this.call(method, path, { ...options, headers });
      const page = parseJson(text);
      if (!Array.isArray(page))
        throw new ConnectionError(`${method} ${path} answered something other than a JSON array.`);
      yield page as T[];
      continuation = response.headers.get('x-ms-continuation') ?? undefined;
    } while (continuation);
  }

  private async call(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ response: Response; text: string }> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    if (!response.ok) throw toServiceError(response, text);
    return { response, text };
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(path, this.connection.baseUrl);
    url.searchParams.set('api-version', API_VERSION);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      Authorization: this.connection.authorization(),
      Accept: 'application/json',
      ...options.headers,
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    try {
      return await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error: unknown) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new ConnectionError(`Cannot reach ${url.origin}: ${cause}`);
    }
  }
}

/** A string literal of the IoT Hub query language. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConnectionError(`The service answered something other than JSON: ${text.slice(0, 200)}`);
  }
}

function isBulkResult(value: unknown): value is BulkRegistryResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as { errors?: unknown }).errors);
}

/** IoT Hub's error body is `{"Message":"ErrorCode:<Code>;<text>", …}` with the code also in `iothub-errorcode`. */
export function toServiceError(response: Response, text: string): ServiceError {
  let message = text.trim() || response.statusText || 'The request failed.';
  let code = response.headers.get('iothub-errorcode') ?? undefined;
  try {
    const body = JSON.parse(text) as { Message?: unknown };
    if (typeof body.Message === 'string') {
      const match = /^ErrorCode:([^;]*);(.*)$/s.exec(body.Message);
      code ??= match?.[1];
      message = match?.[2] ?? body.Message;
    }
  } catch {
    // Not IoT Hub's error body: keep the text as the message.
  }
  return new ServiceError(response.status, code ?? `HTTP${response.status}`, message);
}
