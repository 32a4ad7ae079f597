import { JobAlreadyExistsError, JobConcurrencyError } from '../../../../shared/jobs/job-errors';
import type { DeviceJobRecord, JobRecord } from '../../../../shared/jobs/job-model';
import { type ShardCounters, aggregateStatistics } from '../../../../shared/jobs/job-statistics';
import type {
  Clock,
  DeviceIdListRepository,
  DeviceJobFilter,
  DeviceJobRepository,
  AppliedTwinPatch,
  JobDeviceGateway,
  JobFilter,
  JobOrchestrationClient,
  JobOrchestrationInput,
  JobRepository,
  Page,
  PageRequest,
  StoredJob,
} from '../../../../shared/jobs/ports';
import type { OrchestrationRuntimeStatus } from '../../../../shared/jobs/job-maintenance';
import type { CloudToDeviceMethod, DeviceMethodResponse, TwinPatch } from '../../../../shared/jobs/job-model';

/** JSON copy: `structuredClone` under jest yields objects of another realm, which plain-object checks reject. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function pageOf<T>(items: T[], page: PageRequest): Page<T> {
  const start = page.continuationToken ? Number(page.continuationToken) : 0;
  const slice = items.slice(start, start + page.maxItems);
  const next = start + page.maxItems;
  return next < items.length ? { items: slice, continuationToken: String(next) } : { items: slice };
}

/** In-memory job store with etags, for unit tests of the use cases. */
export class InMemoryJobRepository implements JobRepository {
  readonly rows = new Map<string, StoredJob>();
  readonly counters = new Map<string, Map<number, ShardCounters>>();
  private version = 0;

  create(job: JobRecord): Promise<StoredJob> {
    if (this.rows.has(job.jobId)) return Promise.reject(new JobAlreadyExistsError(job.jobId));
    const stored = { job: copy(job), etag: `v${++this.version}` };
    this.rows.set(job.jobId, stored);
    return Promise.resolve(copy(stored));
  }
  get(jobId: string): Promise<StoredJob | undefined> {
    const stored = this.rows.get(jobId);
    return Promise.resolve(stored ? copy(stored) : undefined);
  }
  update(job: JobRecord, etag: string): Promise<string> {
    const stored = this.rows.get(job.jobId);
    if (!stored || stored.etag !== etag) return Promise.reject(new JobConcurrencyError(job.jobId));
    const next = { job: copy(job), etag: `v${++this.version}` };
    this.rows.set(job.jobId, next);
    return Promise.resolve(next.etag);
  }
  delete(jobId: string): Promise<void> {
    this.rows.delete(jobId);
    this.counters.delete(jobId);
    return Promise.resolve();
  }
  query(filter: JobFilter, page: PageRequest): Promise<Page<JobRecord>> {
    const items = [...this.rows.values()]
      .map((stored) => stored.job)
      .filter(
        (job) =>
          (!filter.type || job.type === filter.type) && (!filter.status || job.status === filter.status),
      )
      .sort((a, b) => a.jobId.localeCompare(b.jobId));
    return Promise.resolve(pageOf(copy(items), page));
  }
  writeShardCounters(jobId: string, shard: number, counters: ShardCounters): Promise<void> {
    const shards = this.counters.get(jobId) ?? new Map<number, ShardCounters>();
    shards.set(shard, { ...counters });
    this.counters.set(jobId, shards);
    return Promise.resolve();
  }
  deleteShardCounters(jobId: string): Promise<void> {
    this.counters.delete(jobId);
    return Promise.resolve();
  }
  getStatistics(jobId: string) {
    return Promise.resolve(aggregateStatistics(this.counters.get(jobId)?.values() ?? []));
  }
}

export class InMemoryDeviceIdLists implements DeviceIdListRepository {
  readonly lists = new Map<string, string[]>();
  save(listId: string, deviceIds: readonly string[]): Promise<void> {
    this.lists.set(listId, [...deviceIds]);
    return Promise.resolve();
  }
  load(listId: string): Promise<string[]> {
    return Promise.resolve([...(this.lists.get(listId) ?? [])]);
  }
  delete(listId: string): Promise<void> {
    this.lists.delete(listId);
    return Promise.resolve();
  }
}

export class InMemoryDeviceJobs implements DeviceJobRepository {
  readonly rows = new Map<string, DeviceJobRecord>();
  upsertCalls = 0;
  private key = (jobId: string, deviceId: string) => `${jobId}\u0000${deviceId}`;

  upsertMany(rows: readonly DeviceJobRecord[]): Promise<void> {
    this.upsertCalls += 1;
    for (const row of rows) this.rows.set(this.key(row.jobId, row.deviceId), copy(row));
    return Promise.resolve();
  }
  listShard(jobId: string, shard: number): Promise<DeviceJobRecord[]> {
    return Promise.resolve(
      copy([...this.rows.values()].filter((row) => row.jobId === jobId && row.shard === shard)),
    );
  }
  query(filter: DeviceJobFilter, page: PageRequest): Promise<Page<DeviceJobRecord>> {
    const items = [...this.rows.values()].filter(
      (row) =>
        (filter.jobId === undefined || row.jobId === filter.jobId) &&
        (filter.deviceId === undefined || row.deviceId === filter.deviceId) &&
        (filter.status === undefined || row.status === filter.status) &&
        (filter.jobType === undefined || row.jobType === filter.jobType),
    );
    return Promise.resolve(pageOf(copy(items), page));
  }
  deleteJob(jobId: string): Promise<void> {
    for (const [key, row] of this.rows) if (row.jobId === jobId) this.rows.delete(key);
    return Promise.resolve();
  }
}

/** A scripted fleet: per-device behaviours for methods and twin updates. */
export type DeviceBehaviour =
  { kind: 'answer'; status: number; payload?: unknown } | { kind: 'throw'; code: string; message: string };

export class ScriptedGateway implements JobDeviceGateway {
  readonly invoked: string[] = [];
  readonly patched: { deviceId: string; patch: TwinPatch }[] = [];
  readonly queries: string[] = [];
  /** Called before each device operation, e.g. to cancel the job or move the clock mid-shard. */
  onDevice: (deviceId: string) => void = () => undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly fleet: string[],
    private readonly behaviours: Record<string, DeviceBehaviour> = {},
  ) {}

  async *resolveTargets(queryCondition: string): AsyncIterable<string[]> {
    this.queries.push(queryCondition);
    for (let start = 0; start < this.fleet.length; start += 7) {
      await Promise.resolve();
      yield this.fleet.slice(start, start + 7);
    }
  }
  async invokeMethod(deviceId: string, _method: CloudToDeviceMethod): Promise<DeviceMethodResponse> {
    this.invoked.push(deviceId);
    return this.perform(deviceId, (b) => ({ status: b.status, payload: b.payload ?? null }));
  }
  async applyTwinPatch(deviceId: string, patch: TwinPatch): Promise<AppliedTwinPatch> {
    this.patched.push({ deviceId, patch });
    const version = this.patched.length;
    return this.perform(deviceId, () => ({ etag: `v${version}`, version }));
  }
  private async perform<T>(
    deviceId: string,
    answer: (b: { status: number; payload?: unknown }) => T,
  ): Promise<T> {
    this.onDevice(deviceId);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    const behaviour = this.behaviours[deviceId] ?? { kind: 'answer', status: 200 };
    if (behaviour.kind === 'throw')
      throw Object.assign(new Error(behaviour.message), { code: behaviour.code });
    return answer(behaviour);
  }
}

export class RecordingOrchestrations implements JobOrchestrationClient {
  readonly started: JobOrchestrationInput[] = [];
  readonly cancelled: string[] = [];
  failStart = false;
  start(input: JobOrchestrationInput): Promise<void> {
    if (this.failStart) return Promise.reject(new Error('task hub unavailable'));
    this.started.push(input);
    return Promise.resolve();
  }
  raiseCancel(jobId: string): Promise<void> {
    this.cancelled.push(jobId);
    return Promise.resolve();
  }
}

export class ManualClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class SequentialIds {
  private next = 0;
  newId(): string {
    this.next += 1;
    return `id${this.next}`;
  }
}

/** Durable client admin operations, scripted per job id. */
export class ScriptedOrchestrationAdmin {
  readonly statuses = new Map<string, OrchestrationRuntimeStatus>();
  readonly purged: string[] = [];
  getStatus(jobId: string): Promise<OrchestrationRuntimeStatus | undefined> {
    return Promise.resolve(this.statuses.get(jobId));
  }
  purge(jobId: string): Promise<void> {
    this.purged.push(jobId);
    this.statuses.delete(jobId);
    return Promise.resolve();
  }
}
