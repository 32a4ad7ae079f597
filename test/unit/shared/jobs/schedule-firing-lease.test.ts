import { parseNcrontab } from '../../../../shared/cron/ncrontab';
import { scheduledJobId } from '../../../../shared/jobs/core/job-schedule-model';
import { DEFAULT_JOB_SETTINGS } from '../../../../shared/jobs/core/job-settings';
import type { Delays, JobOrchestrationInput } from '../../../../shared/jobs/core/ports';
import { LEASE_MS } from '../../../../shared/jobs/engine/lease';
import {
  createJobSchedulesService,
  type JobSchedulesService,
} from '../../../../shared/jobs/service/job-schedules';
import {
  InMemoryDeviceIdLists,
  InMemoryJobRepository,
  InMemoryJobScheduleRepository,
  RecordingOrchestrations,
  SequentialIds,
} from '../../../support/in-memory-ports';

/** Job starts that wait until the test lets them go (a host busy creating an occurrence's job). */
class HeldStarts extends RecordingOrchestrations {
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  startCalled = false;

  override async start(input: JobOrchestrationInput): Promise<void> {
    this.startCalled = true;
    await this.gate;
    await super.start(input);
  }

  letGo(): void {
    this.release();
  }
}

/** Waits that only yield to the event loop, so another host's work goes on meanwhile. */
const yielding: Delays = {
  sleep: () => new Promise<void>((resolve) => setImmediate(resolve)),
  after: () => () => undefined,
  every: () => () => undefined,
};

const untilTrue = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
};

describe('the schedule firing lease (the engine lease, on the schedule)', () => {
  const schedules = new InMemoryJobScheduleRepository();
  const jobs = new InMemoryJobRepository();
  const deviceIdLists = new InMemoryDeviceIdLists();
  const ids = new SequentialIds();
  const clock = { now: () => new Date() };

  /** One host: its own service and job starts over the shared storage. */
  function host(orchestrations = new RecordingOrchestrations()): JobSchedulesService {
    return createJobSchedulesService({
      schedules,
      jobs,
      deviceIdLists,
      orchestrations,
      timers: { wake: () => Promise.resolve() },
      ids,
      clock,
      settings: DEFAULT_JOB_SETTINGS,
      parseCron: parseNcrontab,
      delays: yielding,
    });
  }

  /** A schedule whose occurrence came a moment ago. */
  async function dueSchedule(scheduleId: string): Promise<string> {
    await host().putSchedule({
      scheduleId,
      body: {
        schedule: '0 0 0 * * *',
        timeZone: 'UTC',
        jobTemplate: {
          type: 'scheduleUpdateTwin',
          updateTwin: { tags: { checked: true } },
          deviceIds: ['d1'],
        },
      },
    });
    const row = schedules.rows.get(scheduleId);
    if (!row) throw new Error('schedule not stored');
    const occurrence = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    row.schedule.nextRunTime = occurrence.toISOString();
    return scheduledJobId(scheduleId, occurrence);
  }

  it('lets one host fire an occurrence; another finds it held and looks again soon', async () => {
    const jobId = await dueSchedule('nightly');
    const busy = new HeldStarts();
    const first = host(busy).fireSchedule('nightly');
    await untilTrue(() => busy.startCalled);

    const second = await host().fireSchedule('nightly');
    expect(second.result).toEqual({ created: [], skipped: [], failed: [] });
    expect(Date.parse(second.wakeAt ?? '') - Date.now()).toBeLessThan(5_000);
    expect(schedules.leases.held.has('nightly')).toBe(true);

    busy.letGo();
    expect((await first).result.created).toEqual([jobId]);
    expect(schedules.leases.held.has('nightly')).toBe(false);
    // Read again under the lease: the occurrence has moved on, so a late second firing creates nothing.
    expect((await host().fireSchedule('nightly')).result.created).toEqual([]);
    expect([...jobs.rows.keys()].filter((id) => id.startsWith('nightly-'))).toEqual([jobId]);
  });

  it('makes a delete wait for a firing in progress; nothing fires after it answers', async () => {
    const jobId = await dueSchedule('hourly');
    const busy = new HeldStarts();
    const firing = host(busy).fireSchedule('hourly');
    await untilTrue(() => busy.startCalled);

    let deleted = false;
    const deleting = host()
      .deleteSchedule('hourly')
      .then(() => (deleted = true));
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(deleted).toBe(false);

    busy.letGo();
    await Promise.all([firing, deleting]);
    expect(jobs.rows.has(jobId)).toBe(true);
    expect(schedules.rows.has('hourly')).toBe(false);
    expect(await host().fireDueSchedules()).toEqual({ created: [], skipped: [], failed: [] });
  });

  it('is taken over from a host that died holding it, once its lease expired', async () => {
    const jobId = await dueSchedule('weekly');
    await schedules.leaseFiring('weekly', 'dead-host', new Date(Date.now() + LEASE_MS));
    expect((await host().fireSchedule('weekly')).result.created).toEqual([]);

    schedules.leases.held.set('weekly', { holder: 'dead-host', expiresAt: Date.now() - 1 });
    expect((await host().fireSchedule('weekly')).result.created).toEqual([jobId]);
  });
});
