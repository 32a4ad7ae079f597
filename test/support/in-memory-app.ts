/**
 * The app's composition over in-memory ports (`createComposition(config, overrides)`), for unit tests of the HTTP
 * handlers, and requests signed for it. The stores keep the contracts of their Table Storage counterparts (etags,
 * conflicts, order); they are not mocks of the code under test.
 */
import { type HttpHandler, HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { type Composition, createComposition, type DurableClientPorts } from '../../shared/composition';
import { loadConfig } from '../../shared/config';
import type { DeviceRecord } from '../../shared/devices/device-model';
import {
  type BatchOutcome,
  type EndpointAnnouncement,
  type EndpointDirectory,
  type RegistryRepository,
  type ScanPosition,
  type StoredDevice,
} from '../../shared/devices/ports';
import { type AccessRight, createSasToken } from '../../shared/http/sas-authorizer';
import { ConcurrencyConflictError } from '../../shared/iothub-rules/concurrency-conflict';
import type { DurationObservation } from '../../shared/jobs/core/job-estimate';
import type { JobType } from '../../shared/jobs/core/job-model';
import type {
  DurationObservationRepository,
  JobEventOutbox,
  JobJoinRepository,
  JobJoinSignals,
  OpenContinuousJob,
  PendingJobEvent,
} from '../../shared/jobs/core/ports';
import type { RegistryJobRecord } from '../../shared/registry-jobs/registry-job-model';
import type { RegistryJobRepository, StoredRegistryJob } from '../../shared/registry-jobs/ports';
import {
  copy,
  InMemoryDeviceIdLists,
  InMemoryDeviceJobs,
  InMemoryJobRepository,
  InMemoryJobScheduleRepository,
  ManualClock,
  RecordingOrchestrations,
  ScriptedOrchestrationAdmin,
  SequentialIds,
} from './in-memory-ports';

/** The embedded registry's store in memory: one record per device, guarded by a storage etag. No twin index. */
export class InMemoryRegistryRepository implements RegistryRepository {
  readonly devices = new Map<string, StoredDevice>();
  private version = 0;

  private store(record: DeviceRecord): void {
    this.devices.set(record.deviceId, { record: copy(record), storageEtag: `s${++this.version}` });
  }
  get(deviceId: string): Promise<StoredDevice | undefined> {
    const stored = this.devices.get(deviceId);
    return Promise.resolve(stored && copy(stored));
  }
  getMany(deviceIds: readonly string[]): Promise<StoredDevice[]> {
    return Promise.resolve(
      deviceIds.flatMap((id) => (this.devices.has(id) ? [copy(this.devices.get(id)!)] : [])),
    );
  }
  insert(record: DeviceRecord): Promise<void> {
    if (this.devices.has(record.deviceId))
      return Promise.reject(new ConcurrencyConflictError(`Device ${record.deviceId}`, 'exists'));
    this.store(record);
    return Promise.resolve();
  }
  private check(deviceId: string, storageEtag: string): void {
    const stored = this.devices.get(deviceId);
    if (!stored) throw new ConcurrencyConflictError(`Device ${deviceId}`, 'missing');
    if (stored.storageEtag !== storageEtag)
      throw new ConcurrencyConflictError(`Device ${deviceId}`, 'changed');
  }
  async replace(record: DeviceRecord, storageEtag: string): Promise<void> {
    await Promise.resolve();
    this.check(record.deviceId, storageEtag);
    this.store(record);
  }
  async delete(deviceId: string, storageEtag: string): Promise<void> {
    await Promise.resolve();
    this.check(deviceId, storageEtag);
    this.devices.delete(deviceId);
  }
  async insertMany(records: readonly DeviceRecord[]): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = [];
    for (const record of records) {
      try {
        await this.insert(record);
        outcomes.push({ deviceId: record.deviceId, ok: true });
      } catch (error: unknown) {
        outcomes.push({ deviceId: record.deviceId, ok: false, error });
      }
    }
    return outcomes;
  }
  async *scan(options: { after?: ScanPosition; pageSize?: number } = {}): AsyncIterable<{
    device: StoredDevice;
    position: ScanPosition;
  }> {
    const ids = [...this.devices.keys()].sort();
    for (const deviceId of ids) {
      if (options.after && deviceId <= options.after.rowKey) continue;
      const stored = this.devices.get(deviceId);
      if (stored) yield { device: copy(stored), position: { partitionKey: deviceId, rowKey: deviceId } };
      await Promise.resolve();
    }
  }
}

/** No device endpoint runs: real devices are never online. */
export class InMemoryEndpointDirectory implements EndpointDirectory {
  readonly endpoints = new Map<string, EndpointAnnouncement>();
  announce(endpoint: EndpointAnnouncement): Promise<void> {
    this.endpoints.set(endpoint.endpointId, copy(endpoint));
    return Promise.resolve();
  }
  withdraw(endpointId: string): Promise<void> {
    this.endpoints.delete(endpointId);
    return Promise.resolve();
  }
  get(endpointId: string): Promise<EndpointAnnouncement | undefined> {
    return Promise.resolve(this.endpoints.get(endpointId));
  }
  latest(): Promise<EndpointAnnouncement | undefined> {
    const all = [...this.endpoints.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    return Promise.resolve(all.at(-1));
  }
}

export class InMemoryRegistryJobs implements RegistryJobRepository {
  readonly rows = new Map<string, StoredRegistryJob>();
  private version = 0;
  insert(job: RegistryJobRecord): Promise<void> {
    if (this.rows.has(job.jobId)) return Promise.reject(new Error(`registry job ${job.jobId} exists`));
    this.rows.set(job.jobId, { job: copy(job), etag: `r${++this.version}` });
    return Promise.resolve();
  }
  get(jobId: string): Promise<StoredRegistryJob | undefined> {
    const stored = this.rows.get(jobId);
    return Promise.resolve(stored && copy(stored));
  }
  list(): Promise<RegistryJobRecord[]> {
    const jobs = [...this.rows.values()].map((stored) => copy(stored.job));
    return Promise.resolve(
      jobs.sort((a, b) => b.createdTime.localeCompare(a.createdTime) || a.jobId.localeCompare(b.jobId)),
    );
  }
  delete(jobId: string): Promise<void> {
    this.rows.delete(jobId);
    return Promise.resolve();
  }
  replace(job: RegistryJobRecord, etag: string): Promise<string> {
    if (this.rows.get(job.jobId)?.etag !== etag)
      return Promise.reject(new ConcurrencyConflictError(`Job '${job.jobId}'`));
    const next = `r${++this.version}`;
    this.rows.set(job.jobId, { job: copy(job), etag: next });
    return Promise.resolve(next);
  }
}

/** The outbox of a job store that keeps no events (no queue is configured in unit tests). */
export class EmptyJobEventOutbox implements JobEventOutbox {
  pending(): Promise<PendingJobEvent[]> {
    return Promise.resolve([]);
  }
  remove(): Promise<void> {
    return Promise.resolve();
  }
  jobsWithPending(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

/** Continuous jobs' members and joined devices, as the join table keeps them (a device joins a job once). */
export class InMemoryJobJoins implements JobJoinRepository {
  readonly openJobs = new Map<string, OpenContinuousJob>();
  readonly members = new Map<string, Set<string>>();
  readonly queue = new Map<string, string[]>();
  private membersOf(jobId: string): Set<string> {
    const members = this.members.get(jobId) ?? new Set<string>();
    this.members.set(jobId, members);
    return members;
  }
  open(job: OpenContinuousJob): Promise<void> {
    this.openJobs.set(job.jobId, copy(job));
    return Promise.resolve();
  }
  close(jobId: string): Promise<void> {
    this.openJobs.delete(jobId);
    this.members.delete(jobId);
    this.queue.delete(jobId);
    return Promise.resolve();
  }
  listOpen(): Promise<OpenContinuousJob[]> {
    return Promise.resolve([...this.openJobs.values()].map(copy));
  }
  addSnapshotMembers(jobId: string, deviceIds: readonly string[]): Promise<void> {
    const members = this.membersOf(jobId);
    for (const deviceId of deviceIds) members.add(deviceId);
    return Promise.resolve();
  }
  joinMany(jobId: string, deviceIds: readonly string[]): Promise<string[]> {
    const members = this.membersOf(jobId);
    const joined = [...new Set(deviceIds)].filter((deviceId) => !members.has(deviceId));
    for (const deviceId of joined) members.add(deviceId);
    this.queue.set(jobId, [...(this.queue.get(jobId) ?? []), ...joined]);
    return Promise.resolve(joined);
  }
  queued(jobId: string, limit: number): Promise<string[]> {
    return Promise.resolve((this.queue.get(jobId) ?? []).slice(0, limit));
  }
  dequeue(jobId: string, deviceIds: readonly string[]): Promise<void> {
    const done = new Set(deviceIds);
    this.queue.set(
      jobId,
      (this.queue.get(jobId) ?? []).filter((deviceId) => !done.has(deviceId)),
    );
    return Promise.resolve();
  }
}

/** The wake-ups of continuous jobs' orchestrations, recorded (the app sends them on a Storage queue). */
export class RecordingJobJoinSignals implements JobJoinSignals {
  readonly sent: string[] = [];
  send(jobId: string): Promise<void> {
    this.sent.push(jobId);
    return Promise.resolve();
  }
}

export class InMemoryObservations implements DurationObservationRepository {
  readonly latestByType = new Map<JobType, DurationObservation>();
  latest(type: JobType): Promise<DurationObservation | undefined> {
    return Promise.resolve(this.latestByType.get(type));
  }
  record(type: JobType, observation: DurationObservation): Promise<void> {
    this.latestByType.set(type, copy(observation));
    return Promise.resolve();
  }
}

/** The durable client of every invocation: records starts, events and schedule wake-ups. */
export class RecordingDurableClient extends RecordingOrchestrations {
  readonly admin = new ScriptedOrchestrationAdmin();
  readonly woken: string[] = [];
  readonly registryJobsStarted: string[] = [];
  readonly registryJobsPurged: string[] = [];
  readonly ports: DurableClientPorts = {
    jobOrchestrations: () => ({
      start: (input) => this.start(input),
      raiseCancel: (jobId) => this.raiseCancel(jobId),
      raiseResume: (jobId) => this.raiseResume(jobId),
      getStatus: (jobId) => this.admin.getStatus(jobId),
      purge: (jobId) => this.admin.purge(jobId),
      wake: (scheduleId) => {
        this.woken.push(scheduleId);
        return Promise.resolve();
      },
    }),
    registryJobRunner: () => ({
      start: (jobId) => {
        this.registryJobsStarted.push(jobId);
        return Promise.resolve();
      },
      purge: (jobId) => {
        this.registryJobsPurged.push(jobId);
        return Promise.resolve();
      },
    }),
  };
}

/** The shared access policies of the in-memory app: one per right, and `owner` with all of them. */
const POLICY_RIGHTS: Record<string, AccessRight[]> = {
  owner: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
  registryRead: ['RegistryRead'],
  registryWrite: ['RegistryRead', 'RegistryWrite'],
  service: ['ServiceConnect'],
};
const policyKey = (name: string) => Buffer.alloc(32, name).toString('base64');
export type TestPolicy = keyof typeof POLICY_RIGHTS;

export const TEST_HOST = 'devicejobs.test';

/** The app's settings as a deployment with these app settings would have them (defaults otherwise). */
export function testConfig(settings: Record<string, string> = {}) {
  return loadConfig({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    JOBS_HOST_NAME: TEST_HOST,
    JOBS_ACCESS_POLICIES: JSON.stringify(
      Object.entries(POLICY_RIGHTS).map(([name, rights]) => ({ name, key: policyKey(name), rights })),
    ),
    JOB_EVENTS_QUEUE: '',
    ...settings,
  });
}

/** Every port of an in-memory app, to arrange state before a request and inspect it after. */
export function inMemoryPorts(now = new Date('2026-12-06T10:00:00.000Z')) {
  return {
    jobs: new InMemoryJobRepository(),
    deviceIdLists: new InMemoryDeviceIdLists(),
    deviceJobs: new InMemoryDeviceJobs(),
    observations: new InMemoryObservations(),
    schedules: new InMemoryJobScheduleRepository(),
    joins: new InMemoryJobJoins(),
    joinSignals: new RecordingJobJoinSignals(),
    registry: new InMemoryRegistryRepository(),
    endpoints: new InMemoryEndpointDirectory(),
    registryJobs: new InMemoryRegistryJobs(),
    durable: new RecordingDurableClient(),
    clock: new ManualClock(now),
    ids: new SequentialIds(),
  };
}

export type InMemoryPorts = ReturnType<typeof inMemoryPorts>;

/** The app composed over in-memory ports (settings from {@link testConfig}). */
export function inMemoryApp(settings: Record<string, string> = {}): {
  composition: Composition;
  ports: InMemoryPorts;
} {
  const ports = inMemoryPorts();
  const { jobs, deviceIdLists, deviceJobs, observations, schedules, joins } = ports;
  const composition = createComposition(testConfig(settings), {
    jobStorage: {
      jobs,
      deviceIdLists,
      deviceJobs,
      observations,
      schedules,
      joins,
      outbox: new EmptyJobEventOutbox(),
      ensureTables: () => Promise.resolve(),
    },
    deviceRegistry: { repository: ports.registry, endpoints: ports.endpoints },
    registryJobs: ports.registryJobs,
    jobJoinSignals: ports.joinSignals,
    durable: ports.durable.ports,
    clock: ports.clock,
    ids: ports.ids,
  });
  return { composition, ports };
}

export interface TestRequest {
  method: string;
  /** The path and query string, e.g. `/jobs/v2/job-1?dryRun=true`. */
  path: string;
  /** Route parameters as the host fills them from the function's route template. */
  params?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** The policy whose SAS token signs the request (default `owner`); `null` sends no Authorization header. */
  policy?: TestPolicy | null;
}

/** An HTTP request as the host hands it to a handler, signed with a SAS token of a policy of {@link testConfig}. */
export function signedRequest(request: TestRequest): HttpRequest {
  const headers: Record<string, string> = { ...request.headers };
  const policy = request.policy === undefined ? 'owner' : request.policy;
  if (policy !== null) {
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    headers.authorization = createSasToken(TEST_HOST, { name: policy, key: policyKey(policy) }, expiry);
  }
  const hasBody = request.body !== undefined;
  if (hasBody) headers['content-type'] ??= 'application/json';
  return new HttpRequest({
    method: request.method,
    url: `https://${TEST_HOST}${request.path}`,
    headers,
    params: request.params ?? {},
    ...(hasBody
      ? { body: { string: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) } }
      : {}),
  });
}

/** The invocation context a handler runs in. */
export function invocation(functionName: string): InvocationContext {
  return new InvocationContext({ functionName, invocationId: functionName });
}

/** A handler's answer: status, headers, the parsed JSON body, and the IoT Hub error code of an error answer. */
export interface TestAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  errorCode: string | undefined;
}

/** Runs a handler on a signed request (see {@link signedRequest}) as the host would. */
export async function answerOf(
  handler: HttpHandler,
  request: TestRequest,
  functionName = 'handler',
): Promise<TestAnswer> {
  const response = (await handler(signedRequest(request), invocation(functionName))) as HttpResponseInit;
  const headers = (response.headers ?? {}) as Record<string, string>;
  const text = typeof response.body === 'string' ? response.body : undefined;
  return {
    status: response.status ?? 200,
    headers,
    body: text === undefined || text === '' ? undefined : (JSON.parse(text) as unknown),
    errorCode: headers['iothub-errorcode'],
  };
}
