import { type Expression, evaluate, parseCondition } from '../../query';
import type { Clock, JobJoinRepository, JobJoinSignals, OpenContinuousJob } from '../core/ports';
import { CoalescedJoinSignals } from './coalesced-join-signals';

/**
 * A registry write as the joiner sees it: the device's twin after the write and before it (absent for a new
 * device). Twins are built only when some continuous job is open.
 */
export interface TwinWrite {
  deviceId: string;
  before?: () => unknown;
  after: () => unknown;
}

/**
 * How long a host keeps its list of open continuous jobs. A continuous job's snapshot starts this long after the
 * job began running (it was listed before that): a write the list missed is one the snapshot still reads.
 */
export const CONTINUOUS_JOBS_CACHE_MS = 2000;

export interface ContinuousJoinerDependencies {
  joins: JobJoinRepository;
  signals: JobJoinSignals;
  clock: Clock;
  /** How long a host keeps the list of open continuous jobs before reading it again. */
  cacheMs: number;
}

interface MatchableJob {
  jobId: string;
  /** `null`: every device (`*`). */
  condition: Expression | null;
}

function matchable(job: OpenContinuousJob): MatchableJob | undefined {
  try {
    return {
      jobId: job.jobId,
      condition: job.queryCondition === '*' ? null : parseCondition(job.queryCondition),
    };
  } catch {
    return undefined; // validated when the job was created: a row that no longer parses is not matched
  }
}

/**
 * Joins devices to open continuous jobs from the registry's own write path: each write is matched in memory
 * against a cached list of the open continuous jobs (their conditions parsed once per refresh), never by a scan of
 * the fleet. A device that comes to match (new, or not matching before the write) becomes a member of the job —
 * at most once, by a transactional insert — and the job's orchestration is signalled.
 */
export class ContinuousJoiner {
  private cache: { until: number; jobs: Promise<MatchableJob[]> } | undefined;
  private readonly signals: JobJoinSignals;

  constructor(private readonly deps: ContinuousJoinerDependencies) {
    // A bulk write reaches the joiner device by device: one wake per job for a burst, not one per device.
    this.signals = new CoalescedJoinSignals(deps.signals);
  }

  /** The open continuous jobs, read at most once per `cacheMs` per host. */
  private openJobs(): Promise<MatchableJob[]> {
    const now = this.deps.clock.now().getTime();
    if (!this.cache || now >= this.cache.until) {
      const jobs = this.deps.joins
        .listOpen()
        .then((open) => open.map(matchable).filter((job): job is MatchableJob => job !== undefined));
      this.cache = { until: now + this.deps.cacheMs, jobs };
      jobs.catch(() => (this.cache = undefined));
    }
    return this.cache.jobs;
  }

  /** Matches written devices against the open continuous jobs; answers how many joined a job. */
  async written(writes: readonly TwinWrite[]): Promise<number> {
    if (writes.length === 0) return 0;
    const jobs = await this.openJobs();
    if (jobs.length === 0) return 0;
    const at = this.deps.clock.now().toISOString();
    const candidates = new Map<string, string[]>();
    for (const write of writes) {
      const after = write.after();
      const before = write.before?.();
      for (const job of jobs) {
        if (!evaluate(job.condition, after)) continue;
        if (before !== undefined && evaluate(job.condition, before)) continue;
        const devices = candidates.get(job.jobId) ?? [];
        devices.push(write.deviceId);
        candidates.set(job.jobId, devices);
      }
    }
    const outcomes = await Promise.allSettled(
      [...candidates].map(async ([jobId, deviceIds]) => {
        let joinedNow: string[];
        try {
          joinedNow = await this.deps.joins.joinMany(jobId, deviceIds, at);
        } catch (error: unknown) {
          // Some of them may have joined before the failure: their job is woken all the same.
          await this.signals.send(jobId);
          throw error;
        }
        if (joinedNow.length > 0) await this.signals.send(jobId);
        return joinedNow.length;
      }),
    );
    // One job's failure neither stops another's joins nor its wake-up; it is reported once the others are done.
    let joined = 0;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      joined += outcome.value;
    }
    return joined;
  }
}
