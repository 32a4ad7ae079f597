import { type JobCreationDependencies, storeAndStartJob } from './job-creation';
import {
  JobAlreadyExistsError,
  JobDomainError,
  JobScheduleNotFoundError,
  JobValidationError,
} from '../core/job-errors';
import { type ConditionParser, normalizeJobRequest } from '../core/job-request-validation';
import {
  type CronParser,
  type CronSchedule,
  type DueOccurrence,
  type JobScheduleRecord,
  type JobScheduleResponse,
  TIMER_LEAD_MS,
  dueOccurrence,
  scheduledJobId,
  toJobScheduleResponse,
} from '../core/job-schedule-model';
import { type RawPaging, retryOnConflict } from '../../iothub-rules';
import { type JobScheduleBody, jobScheduleBodySchema } from '../../schemas/job-schedule.schema';
import { parseJobField } from '../core/rollout-config';
import { JOB_ID_PATTERN } from '../core/name-rules';
import type { Clock, Delays, JobScheduleRepository, LeaseStore, Page } from '../core/ports';
import { withLease } from '../engine/lease';
import { pageRequest, sealed } from './jobs-service';

/**
 * The durable timer of each schedule (one orchestration per schedule, sleeping until its next occurrence). `wake`
 * makes it read the schedule again, starting it when it is not running.
 */
export interface ScheduleTimers {
  wake(scheduleId: string): Promise<void>;
}

export interface JobSchedulesDependencies extends JobCreationDependencies {
  schedules: JobScheduleRepository;
  timers: ScheduleTimers;
  clock: Clock;
  parseCron: CronParser;
  parseCondition?: ConditionParser;
  /** Waits: for an occurrence just ahead, for another host's firing lease. */
  delays: Delays;
}

export interface PutJobScheduleCommand {
  scheduleId: string;
  body: unknown;
}

/** What one pass over the due schedules did. */
export interface FireResult {
  created: string[];
  /** Occurrences passed over: older missed ones, or ones whose job template is no longer valid. */
  skipped: string[];
  /** Schedules whose firing failed (retried by a later pass, {@link FIRING_RETRY_MS} later). */
  failed: { scheduleId: string; error: string }[];
}

/** What the timer of one schedule did, and when it should look again. */
export interface ScheduleTimerStep {
  result: FireResult;
  /**
   * When the schedule next needs its timer (its `nextRunTime`, soon while another host holds its firing lease, or
   * a retry after a failure); `undefined` when it needs none: deleted, disabled, or never firing again.
   */
  wakeAt?: string;
}

/** The use cases behind `/jobSchedules` and the timers that fire them. */
export interface JobSchedulesService {
  putSchedule(command: PutJobScheduleCommand): Promise<JobScheduleResponse>;
  getSchedule(scheduleId: string): Promise<JobScheduleResponse>;
  listSchedules(paging: RawPaging): Promise<Page<JobScheduleResponse>>;
  /** Once this answers, no job of the schedule is created any more. */
  deleteSchedule(scheduleId: string): Promise<void>;
  /**
   * The backstop pass of the periodic timer: fires occurrences their own timer missed by more than
   * {@link TIMER_GRACE_MS} (no timer yet, or a lost one) and wakes those schedules' timers.
   */
  fireDueSchedules(): Promise<FireResult>;
  /** One step of a schedule's own timer: fires its occurrence when due, says when to look again. */
  fireSchedule(scheduleId: string): Promise<ScheduleTimerStep>;
}

/** The longest job id is 128 characters; a schedule's job ids add `-yyyyMMddTHHmmssZ` (17). */
export const MAX_SCHEDULE_ID_LENGTH = 128 - 17;
/** How long after a failed firing the schedule's timer tries again. */
export const FIRING_RETRY_MS = 15_000;
/** How soon a schedule's timer looks again while another host fires its occurrence. */
const BUSY_RETRY_MS = 1_000;
/** How late an occurrence may be before the periodic backstop fires it instead of the schedule's own timer. */
export const TIMER_GRACE_MS = 10_000;
/** Continuation tokens of `GET /jobSchedules` are accepted back by that listing only. */
const SCHEDULES_LISTING = 'jobSchedules';

type ValidSchedule = JobScheduleBody & { cron: CronSchedule };

function assertScheduleId(scheduleId: string): void {
  if (!JOB_ID_PATTERN.test(scheduleId) || scheduleId.length > MAX_SCHEDULE_ID_LENGTH) {
    throw new JobValidationError(
      'scheduleId',
      `must be 1–${MAX_SCHEDULE_ID_LENGTH} characters of A-Z a-z 0-9 - . _ ~`,
    );
  }
}

/** Checks a schedule's job template as a job body, naming its fields under `jobTemplate`. */
function checkTemplate(
  deps: JobSchedulesDependencies,
  scheduleId: string,
  template: Record<string, unknown>,
  now: Date,
): void {
  try {
    normalizeJobRequest(template, {
      urlJobId: scheduledJobId(scheduleId, now),
      now,
      ...(deps.parseCondition ? { parseCondition: deps.parseCondition } : {}),
      parseCron: deps.parseCron,
    });
  } catch (error: unknown) {
    if (error instanceof JobValidationError) {
      const [, reason] = /^[^:]*: (.*)$/s.exec(error.message) ?? [];
      throw new JobValidationError(`jobTemplate.${error.field}`, reason ?? error.message);
    }
    throw error;
  }
}

/** Validates a `PUT /jobSchedules/{scheduleId}` body; throws {@link JobValidationError} naming the field. */
export function parseScheduleRequest(
  deps: JobSchedulesDependencies,
  scheduleId: string,
  body: unknown,
  now: Date,
): ValidSchedule {
  assertScheduleId(scheduleId);
  const valid = parseJobField(jobScheduleBodySchema(scheduleId, deps.parseCron), body, '');
  checkTemplate(deps, scheduleId, valid.jobTemplate, now);
  return { ...valid, cron: deps.parseCron(valid.schedule, valid.timeZone) };
}

function cronOf(deps: JobSchedulesDependencies, record: JobScheduleRecord): CronSchedule {
  return deps.parseCron(record.schedule, record.timeZone);
}

function withNext(record: JobScheduleRecord, next: Date | undefined): JobScheduleRecord {
  const updated: JobScheduleRecord = { ...record };
  delete updated.nextRunTime;
  if (next && record.enabled) updated.nextRunTime = next.toISOString();
  return updated;
}

/**
 * The occurrence a firing runs: the pending one while it is at most {@link TIMER_GRACE_MS} late (a busy host
 * catches up one occurrence after another), else the latest that has come, older ones skipped (an outage).
 */
function occurrenceToRun(cron: CronSchedule, pending: Date, now: Date): DueOccurrence {
  if (now.getTime() - pending.getTime() > TIMER_GRACE_MS) return dueOccurrence(cron, pending, now);
  const next = cron.next(pending);
  return next ? { run: pending, next } : { run: pending };
}

export function createJobSchedulesService(deps: JobSchedulesDependencies): JobSchedulesService {
  async function load(scheduleId: string) {
    const stored = await deps.schedules.get(scheduleId);
    if (!stored) throw new JobScheduleNotFoundError(scheduleId);
    return stored;
  }

  /**
   * The schedule's firing lease (the engine's lease, on a row beside the schedule): one host at a time creates an
   * occurrence's job and moves the schedule on, and a delete waits for a firing in progress.
   */
  function firingLease(scheduleId: string): LeaseStore {
    return {
      take: (holder, expiresAt) => deps.schedules.leaseFiring(scheduleId, holder, expiresAt),
      release: (holder) => deps.schedules.releaseFiring(scheduleId, holder),
    };
  }

  /** Records the occurrence's job and moves on to the next occurrence; tolerates a concurrent replace. */
  async function moveOn(scheduleId: string, occurrence: Date, jobId: string | undefined, next?: Date) {
    await retryOnConflict(async () => {
      const stored = await deps.schedules.get(scheduleId);
      if (!stored) return;
      const record: JobScheduleRecord = { ...stored.schedule };
      const runTime = occurrence.toISOString();
      if (jobId && (record.lastRunTime === undefined || record.lastRunTime < runTime)) {
        record.lastJobId = jobId;
        record.lastRunTime = runTime;
      }
      // A replace meanwhile computed its own next run; only move ours along.
      const updated = record.nextRunTime === runTime ? withNext(record, next) : record;
      await deps.schedules.save(updated, stored.etag);
    });
  }

  async function createOccurrenceJob(
    record: JobScheduleRecord,
    occurrence: Date,
  ): Promise<string | undefined> {
    const jobId = scheduledJobId(record.scheduleId, occurrence);
    const now = deps.clock.now();
    try {
      const definition = normalizeJobRequest(record.jobTemplate, {
        urlJobId: jobId,
        now,
        ...(deps.parseCondition ? { parseCondition: deps.parseCondition } : {}),
        parseCron: deps.parseCron,
      });
      await storeAndStartJob(deps, definition, now);
      return jobId;
    } catch (error: unknown) {
      if (error instanceof JobAlreadyExistsError) return jobId;
      if (error instanceof JobDomainError) return undefined;
      throw error;
    }
  }

  /**
   * Fires the schedule's due occurrence under its firing lease, without waiting for it: a host that finds it held
   * leaves the occurrence to the holder (false). The schedule is read again under the lease, so an occurrence
   * another host has just fired is not fired twice.
   */
  async function fire(scheduleId: string, result: FireResult): Promise<boolean> {
    const now = deps.clock.now();
    const fired = await withLease(deps, firingLease(scheduleId), now.getTime(), async () => {
      const stored = await deps.schedules.get(scheduleId);
      const schedule = stored?.schedule;
      if (!schedule?.enabled || !schedule.nextRunTime) return;
      const at = deps.clock.now();
      if (Date.parse(schedule.nextRunTime) > at.getTime()) return;
      const due = occurrenceToRun(cronOf(deps, schedule), new Date(schedule.nextRunTime), at);
      if (due.run.toISOString() !== schedule.nextRunTime) {
        result.skipped.push(
          `${schedule.scheduleId} occurrences from ${schedule.nextRunTime} before the latest`,
        );
      }
      const jobId = await createOccurrenceJob(schedule, due.run);
      if (jobId) result.created.push(jobId);
      else result.skipped.push(scheduledJobId(schedule.scheduleId, due.run));
      await moveOn(schedule.scheduleId, due.run, jobId, due.next);
    });
    return fired !== undefined;
  }

  async function fireCatching(scheduleId: string, result: FireResult): Promise<boolean> {
    try {
      return await fire(scheduleId, result);
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      result.failed.push({ scheduleId, error: message });
      return true;
    }
  }

  /** When the schedule's timer should look again after a step (see {@link ScheduleTimerStep.wakeAt}). */
  async function nextWake(
    scheduleId: string,
    result: FireResult,
    busy: boolean,
  ): Promise<string | undefined> {
    const now = deps.clock.now().getTime();
    if (result.failed.length > 0) return new Date(now + FIRING_RETRY_MS).toISOString();
    const stored = await deps.schedules.get(scheduleId);
    if (!stored?.schedule.enabled || !stored.schedule.nextRunTime) return undefined;
    const { nextRunTime } = stored.schedule;
    // Another host fires it: look again soon, after it has moved the schedule on (the timer subtracts its lead).
    if (busy && Date.parse(nextRunTime) <= now)
      return new Date(now + BUSY_RETRY_MS + TIMER_LEAD_MS).toISOString();
    return nextRunTime;
  }

  return {
    async putSchedule({ scheduleId, body }) {
      return retryOnConflict(async () => {
        const now = deps.clock.now();
        const valid = parseScheduleRequest(deps, scheduleId, body, now);
        const existing = await deps.schedules.get(scheduleId);
        const at = now.toISOString();
        const record = withNext(
          {
            scheduleId,
            schedule: valid.schedule,
            timeZone: valid.timeZone,
            enabled: valid.enabled,
            jobTemplate: valid.jobTemplate,
            createdTime: existing?.schedule.createdTime ?? at,
            lastUpdatedTime: at,
            ...(existing?.schedule.lastJobId !== undefined ? { lastJobId: existing.schedule.lastJobId } : {}),
            ...(existing?.schedule.lastRunTime !== undefined
              ? { lastRunTime: existing.schedule.lastRunTime }
              : {}),
          },
          valid.cron.next(now),
        );
        await deps.schedules.save(record, existing?.etag);
        await deps.timers.wake(scheduleId);
        return toJobScheduleResponse(record);
      });
    },

    async getSchedule(scheduleId) {
      assertScheduleId(scheduleId);
      return toJobScheduleResponse((await load(scheduleId)).schedule);
    },

    async listSchedules(paging) {
      const result = await deps.schedules.list(pageRequest(paging, SCHEDULES_LISTING));
      return sealed(result.items.map(toJobScheduleResponse), result.continuationToken, SCHEDULES_LISTING);
    },

    async deleteSchedule(scheduleId) {
      assertScheduleId(scheduleId);
      // Under the firing lease (waiting for a firing in progress): once deleted, no occurrence's job is created.
      await withLease(deps, firingLease(scheduleId), Number.POSITIVE_INFINITY, () =>
        retryOnConflict(async () => {
          const stored = await load(scheduleId);
          await deps.schedules.delete(scheduleId, stored.etag);
        }),
      );
      await deps.timers.wake(scheduleId);
    },

    async fireDueSchedules() {
      const result: FireResult = { created: [], skipped: [], failed: [] };
      const overdue = new Date(deps.clock.now().getTime() - TIMER_GRACE_MS);
      for (const stored of await deps.schedules.due(overdue)) {
        await fireCatching(stored.schedule.scheduleId, result);
        await deps.timers.wake(stored.schedule.scheduleId);
      }
      return result;
    },

    async fireSchedule(scheduleId) {
      const result: FireResult = { created: [], skipped: [], failed: [] };
      const untilNext = (record?: JobScheduleRecord) =>
        record?.nextRunTime ? Date.parse(record.nextRunTime) - deps.clock.now().getTime() : Infinity;
      let stored = await deps.schedules.get(scheduleId);
      const early = untilNext(stored?.schedule);
      if (early > 0 && early <= TIMER_LEAD_MS + 1000) {
        await deps.delays.sleep(early);
        stored = await deps.schedules.get(scheduleId); // replaced or deleted meanwhile?
      }
      const busy =
        stored !== undefined && untilNext(stored.schedule) <= 0 && !(await fireCatching(scheduleId, result));
      return { result, wakeAt: await nextWake(scheduleId, result, busy) };
    },
  };
}
