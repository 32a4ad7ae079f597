import { DeviceResultWriter } from '../../../../shared/jobs/engine/device-result-writer';
import type { DeviceJobRecord } from '../../../../shared/jobs/core/job-model';
import type { DeviceJobRepository } from '../../../../shared/jobs/core/ports';
import { systemDelays } from '../../../../shared/support/system-time';
import { InMemoryDeviceJobs, InMemoryJobRepository } from '../../../support/in-memory-ports';

const T0 = '2026-11-30T00:00:00.000Z';

function pending(deviceId: string): DeviceJobRecord {
  return {
    jobId: 'job',
    deviceId,
    jobType: 'scheduleDeviceMethod',
    shard: 0,
    status: 'pending',
    createdDateTimeUtc: T0,
    lastUpdatedDateTimeUtc: T0,
  };
}

describe('DeviceResultWriter', () => {
  let now = 0;
  let deviceJobs: InMemoryDeviceJobs;
  let writer: DeviceResultWriter;
  let jobs: InMemoryJobRepository;
  const stored = () => [...deviceJobs.rows.values()].map((row) => `${row.deviceId}:${row.status}`).sort();

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    deviceJobs = new InMemoryDeviceJobs();
    jobs = new InMemoryJobRepository();
    writer = new DeviceResultWriter({ deviceJobs, jobs, delays: systemDelays }, 'job', {
      flushIntervalMs: 250,
      runningMarkDelayMs: 1_000,
      pendingWriteDelayMs: 1_000,
      maxBacklog: 4_000,
      now: () => now,
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const advance = async (ms: number) => {
    now += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('writes a device that ends soon after it was resolved once, as its result; the others pending once due', async () => {
    const rows = ['a', 'b', 'c'].map(pending);
    writer.track(0, []);
    await writer.put(rows, [null, null, null]);
    await advance(250);
    expect(stored()).toEqual([]);

    writer.started(rows[0] as DeviceJobRecord, now);
    await writer.finished({ ...(rows[0] as DeviceJobRecord), status: 'completed' });
    await advance(250);
    expect(stored()).toEqual(['a:completed']);

    await advance(750);
    expect(stored()).toEqual(['a:completed', 'b:pending', 'c:pending']);
    expect(writer.countersOf(0)).toMatchObject({ pending: 2, succeeded: 1 });
    await writer.close();
  });

  it('tells the repository which rows it stored before their end (a later state may be merged into them)', async () => {
    const upsert = jest.spyOn(deviceJobs as DeviceJobRepository, 'upsertMany');
    const rows = ['a', 'b'].map(pending);
    writer.track(0, []);
    await writer.put(rows, [null, null]);
    await advance(1_000);
    expect(stored()).toEqual(['a:pending', 'b:pending']);
    writer.started(rows[0] as DeviceJobRecord, now);
    await writer.finished({ ...(rows[0] as DeviceJobRecord), status: 'completed' });
    await advance(250);
    const [written, before] = upsert.mock.calls.at(-1) ?? [];
    expect(written?.map((row) => `${row.deviceId}:${row.status}`)).toEqual(['a:completed']);
    expect([...(before ?? [])]).toEqual([['a', rows[0]]]);
    // A final row is forgotten once stored: a rewrite of it is not a later state.
    await writer.put([{ ...(rows[0] as DeviceJobRecord), status: 'failed' }]);
    await writer.close();
    expect(upsert.mock.calls.at(-1)?.[1]).toEqual(new Map());
  });

  it('writes every pending row at close, however recent', async () => {
    writer.track(0, []);
    await writer.put([pending('a')], [null]);
    await writer.close();
    expect(stored()).toEqual(['a:pending']);
  });

  it('writes the counters of a shard it read back, though nothing in it changes (a run that died between rows and counters)', async () => {
    const done = ['a', 'b'].map((id) => ({ ...pending(id), status: 'completed' as const }));
    writer.track(0, done);
    await writer.close();
    expect(jobs.counters.get('job')?.get(0)).toMatchObject({ pending: 0, succeeded: 2 });
  });
});
