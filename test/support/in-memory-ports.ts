import { JobAlreadyExistsError } from '../../shared/jobs/core/job-errors';
import { ConcurrencyConflictError } from '../../shared/iothub-rules';
import { isTerminalJobStatus } from '../../shared/jobs/core/job-lifecycle';
import type { DeviceJobRecord, JobRecord } from '../../shared/jobs/core/job-model';
import {
  EMPTY_SHARD_COUNTERS,
  type ShardCounters,
  aggregateStatistics,
} from '../../shared/jobs/core/job-statistics';
import type {
  AppliedTwinPatch,
  Clock,
  Delays,
  DeviceIdListRepository,
  DeviceJobFilter,
  DeviceJobRepository,
  JobDeviceGateway,
  JobFilter,
  JobOrchestrationClient,
  JobOrchestrationInput,
  JobRepository,
  JobScheduleRepository,
  Page,
  PageRequest,
  ShardState,
  StoredJob,
  TargetPage,
  TargetPageRequest,
  ReadTwin,
  TwinConditionCheck,
  TwinContent,
} from '../../shared/jobs/core/ports';
import type { JobScheduleRecord } from '../../shared/jobs/core/job-schedule-model';
import { twinConditionHolds } from '../../shared/devices/twin-condition';
import { systemDelays } from '../../shared/support/system-time';
import type { OrchestrationRuntimeStatus } from '../../shared/jobs/engine/job-maintenance';
import type {
  CloudToDeviceMethod,
  DeviceMethodResponse,
  JsonObject,
  TwinPatch,
} from '../../shared/jobs/core/job-model';

/** JSON copy: `structuredClone` under jest yields objects of another realm, which plain-object checks reject. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** One page of `items` (the continuation token is the next item's index). */
export function pageOf<T>(items: T[], page: PageRequest): Page<T> {
  const start = page.continuationToken ? Number(page.continuationToken) : 0;
  const slice = items.slice(start, start + page.maxItems);
  const next = start + page.maxItems;
  return next < items.length ? { items: slice, continuationToken: String(next) } : { items: slice };
}

/** Leases by resource id, as the table lease rows behave (expiry read on the host's clock). */
export class InMemoryLeases {
  readonly held = new Map<string, { holder: string; expiresAt: number }>();

  take(id: string, holder: string, expiresAt: Date): Promise<boolean> {
    const lease = this.held.get(id);
    if (lease && lease.holder !== holder && lease.expiresAt > Date.now()) return Promise.resolve(false);
    this.held.set(id, { holder, expiresAt: expiresAt.getTime() });
    return Promise.resolve(true);
  }

  release(id: string, holder: string): Promise<void> {
    if (this.held.get(id)?.holder === holder) this.held.delete(id);
    return Promise.resolve();
  }
}

/** In-memory job store with etags, for unit tests of the use cases. */
export class InMemoryJobRepository implements JobRepository {
  readonly rows = new Map<string, StoredJob>();
  readonly counters = new Map<string, Map<number, ShardCounters>>();
  readonly attempted = new Map<string, Set<number>>();
  readonly leases = new InMemoryLeases();
  private version = 0;

  leaseEngine(jobId: string, holder: string, expiresAt: Date): Promise<boolean> {
    return this.leases.take(jobId, holder, expiresAt);
  }
  releaseEngine(jobId: string, holder: string): Promise<void> {
    return this.leases.release(jobId, holder);
  }

  create(job: JobRecord): Promise<StoredJob> {
    if (this.rows.has(job.jobId)) return Promise.reject(new JobAlreadyExistsError(job.jobId));
    const stored = { job: copy(job), etag: `v${++this.version}` };
    this.rows.set(job.jobId, stored);
    return Promise.resolve(copy(stored));
  }
  countActive(limit: number): Promise<number> {
    const active = [...this.rows.values()].filter((stored) => !isTerminalJobStatus(stored.job.status));
    return Promise.resolve(Math.min(active.length, limit));
  }
  get(jobId: string): Promise<StoredJob | undefined> {
    const stored = this.rows.get(jobId);
    return Promise.resolve(stored ? copy(stored) : undefined);
  }
  update(job: JobRecord, etag: string): Promise<string> {
    const stored = this.rows.get(job.jobId);
    if (!stored || stored.etag !== etag)
      return Promise.reject(new ConcurrencyConflictError(`Job '${job.jobId}'`));
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
  markShardsAttempted(jobId: string, shards: readonly number[]): Promise<void> {
    const marked = this.attempted.get(jobId) ?? new Set<number>();
    for (const shard of shards) marked.add(shard);
    this.attempted.set(jobId, marked);
    return Promise.resolve();
  }
  listShardStates(jobId: string): Promise<ShardState[]> {
    const shards = new Set([
      ...(this.counters.get(jobId)?.keys() ?? []),
      ...(this.attempted.get(jobId) ?? []),
    ]);
    return Promise.resolve(
      [...shards].map((shard) => ({
        shard,
        counters: { ...(this.counters.get(jobId)?.get(shard) ?? EMPTY_SHARD_COUNTERS) },
        attempted: this.attempted.get(jobId)?.has(shard) ?? false,
      })),
    );
  }
  deleteShardCounters(jobId: string): Promise<void> {
    this.counters.delete(jobId);
    this.attempted.delete(jobId);
    return Promise.resolve();
  }
  getStatistics(jobId: string) {
    return Promise.resolve(aggregateStatistics(this.counters.get(jobId)?.values() ?? []));
  }
  async getWithStatistics(jobId: string) {
    const stored = await this.get(jobId);
    return stored && { ...stored, statistics: await this.getStatistics(jobId) };
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
  /** Chunks of 4 ids, so that pages cross chunk boundaries. */
  loadChunk(listId: string, chunk: number): Promise<string[] | undefined> {
    const ids = this.lists.get(listId) ?? [];
    return Promise.resolve(chunk * 4 < ids.length ? ids.slice(chunk * 4, chunk * 4 + 4) : undefined);
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
  get(jobId: string, _shard: number, deviceId: string): Promise<DeviceJobRecord | undefined> {
    const row = this.rows.get(this.key(jobId, deviceId));
    return Promise.resolve(row && copy(row));
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
  /** How long each device takes to answer (0: the next turn of the event loop). */
  delayMs = 0;
  /** Twins as the patches left them (tags and desired), with a version bumped by each patch. */
  readonly twins = new Map<string, TwinContent & { version: number }>();

  constructor(
    private readonly fleet: string[],
    private readonly behaviours: Record<string, DeviceBehaviour> = {},
  ) {}

  /** Pages of at most 7 (fewer than asked), resumable by position. */
  async resolveTargetsPage(queryCondition: string, page: TargetPageRequest): Promise<TargetPage> {
    this.queries.push(queryCondition);
    await Promise.resolve();
    const start = page.continuation === undefined ? 0 : Number(page.continuation);
    const end = start + Math.min(7, page.maxItems);
    const deviceIds = this.fleet.slice(start, end);
    return end < this.fleet.length ? { deviceIds, continuation: String(end) } : { deviceIds };
  }
  /** Reported properties by device (what `checkTwinCondition` reads beside the patched twin). */
  readonly reported = new Map<string, JsonObject>();
  async checkTwinCondition(deviceId: string, condition: string): Promise<TwinConditionCheck> {
    await Promise.resolve();
    const twin = this.twins.get(deviceId);
    const document = {
      deviceId,
      tags: twin?.tags ?? {},
      properties: { desired: twin?.desired ?? {}, reported: this.reported.get(deviceId) ?? {} },
    };
    return { holds: twinConditionHolds(condition, document) };
  }
  async readTwin(deviceId: string): Promise<ReadTwin> {
    await Promise.resolve();
    const twin = this.twins.get(deviceId);
    return {
      ...copy({ tags: twin?.tags ?? {}, desired: twin?.desired ?? {} }),
      etag: `v${twin?.version ?? 1}`,
    };
  }
  async invokeMethod(deviceId: string, _method: CloudToDeviceMethod): Promise<DeviceMethodResponse> {
    this.invoked.push(deviceId);
    return this.perform(deviceId, (b) => ({ status: b.status, payload: b.payload ?? null }));
  }
  async applyTwinPatch(deviceId: string, patch: TwinPatch): Promise<AppliedTwinPatch> {
    this.patched.push({ deviceId, patch });
    await this.perform(deviceId, () => undefined);
    const twin = this.twins.get(deviceId) ?? { tags: {}, desired: {}, version: 1 };
    if (patch.etag !== undefined && patch.etag !== '*' && patch.etag !== `v${twin.version}`) {
      throw Object.assign(new Error('The twin moved on.'), { code: 'PreconditionFailed' });
    }
    const version = twin.version + 1;
    this.twins.set(deviceId, {
      tags: { ...twin.tags, ...copy(patch.tags ?? {}) },
      desired: { ...twin.desired, ...copy(patch.properties?.desired ?? {}) },
      version,
    });
    return { etag: `v${version}`, version, previous: copy({ tags: twin.tags, desired: twin.desired }) };
  }
  private async perform<T>(
    deviceId: string,
    answer: (b: { status: number; payload?: unknown }) => T,
  ): Promise<T> {
    this.onDevice(deviceId);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) =>
      this.delayMs > 0 ? setTimeout(resolve, this.delayMs) : setImmediate(resolve),
    );
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
  readonly resumed: string[] = [];
  raiseResume(jobId: string): Promise<void> {
    this.resumed.push(jobId);
    return Promise.resolve();
  }
}

/** In-memory schedule store with etags and firing leases. */
export class InMemoryJobScheduleRepository implements JobScheduleRepository {
  readonly rows = new Map<string, { schedule: JobScheduleRecord; etag: string }>();
  readonly leases = new InMemoryLeases();
  private version = 0;

  get(scheduleId: string) {
    const stored = this.rows.get(scheduleId);
    return Promise.resolve(stored && { schedule: copy(stored.schedule), etag: stored.etag });
  }
  save(schedule: JobScheduleRecord, etag: string | undefined): Promise<string> {
    const current = this.rows.get(schedule.scheduleId);
    if (current?.etag !== etag) {
      return Promise.reject(new ConcurrencyConflictError(`Job schedule '${schedule.scheduleId}'`));
    }
    const stored = { schedule: copy(schedule), etag: `s${++this.version}` };
    this.rows.set(schedule.scheduleId, stored);
    return Promise.resolve(stored.etag);
  }
  delete(scheduleId: string, etag: string): Promise<void> {
    if (this.rows.get(scheduleId)?.etag !== etag) {
      return Promise.reject(new ConcurrencyConflictError(`Job schedule '${scheduleId}'`));
    }
    this.rows.delete(scheduleId);
    return Promise.resolve();
  }
  list(page: PageRequest): Promise<Page<JobScheduleRecord>> {
    return Promise.resolve(
      pageOf(
        [...this.rows.values()].map((stored) => stored.schedule),
        page,
      ),
    );
  }
  due(now: Date) {
    const due = [...this.rows.values()].filter(
      ({ schedule }) =>
        schedule.enabled &&
        schedule.nextRunTime !== undefined &&
        Date.parse(schedule.nextRunTime) <= now.getTime(),
    );
    return Promise.resolve(due.map((stored) => ({ schedule: copy(stored.schedule), etag: stored.etag })));
  }
  leaseFiring(scheduleId: string, holder: string, expiresAt: Date): Promise<boolean> {
    return this.leases.take(scheduleId, holder, expiresAt);
  }
  releaseFiring(scheduleId: string, holder: string): Promise<void> {
    return this.leases.release(scheduleId, holder);
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

/** Waits that take no time: each `sleep` is recorded and resolves at once; timers never fire. */
export class InstantDelays implements Delays {
  readonly slept: number[] = [];
  readonly timers: number[] = [];
  readonly sleep = (ms: number): Promise<void> => {
    this.slept.push(ms);
    return Promise.resolve();
  };
  readonly after = (ms: number): (() => void) => {
    this.timers.push(ms);
    return () => undefined;
  };
  readonly every = (ms: number): (() => void) => {
    this.timers.push(ms);
    return () => undefined;
  };
}

/** The engine's waits on real timers (the clock stays the test's) and sequential lease holders. */
export function realEngineTime(): { delays: typeof systemDelays; ids: SequentialIds } {
  return { delays: systemDelays, ids: new SequentialIds() };
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
