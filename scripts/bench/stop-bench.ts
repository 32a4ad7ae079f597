/**
 * Stop benchmark: how promptly a job at full speed honours a cancel and its maxExecutionTimeInSeconds. The app
 * runs on the real func-local CLI over an in-memory Azurite with devices that answer at once; a method job over
 * the whole fleet is cancelled once a tenth of it ran, and another job gets a deadline shorter than its run.
 * Figures: seconds from the request (or the deadline) to the last device start and to the job's final status,
 * and how many devices started after it. Prints them and writes them to BENCHMARKS.md.
 * Usage: npm run bench:stop [-- --devices N]
 */
import type { JobResponse } from '@device-jobs/client';
import * as bench from './bench-start';
import { benchOptions, wholeNumberFrom } from './bench-options';

const API = 'api-version=2021-04-12';
const DEADLINE_SECONDS = 5;

interface DeviceRow {
  status: string;
  startTimeUtc?: string;
}

interface StopFigures {
  /** Seconds from the stop (request or deadline) to the last device that started. */
  lastStartSeconds: number;
  /** Devices that started after the stop. */
  startedAfter: number;
  /** Devices that ran (started) in all. */
  started: number;
  /** Seconds from the stop to the job's final status (after every device never started was settled). */
  endedSeconds: number;
  /** Seconds from the stop until every target had a final row. */
  allFinalSeconds: number;
  /** Devices the job settled without starting them (`canceled` or `failed`). */
  settled: number;
  status: string;
}

/** The job once `until` holds, and when that reading came back. */
async function waitForJob(client: bench.AppClient, jobId: string, until: (job: JobResponse) => boolean) {
  const job = await client.waitForJob(jobId, until);
  return { job, at: Date.now() };
}

async function deviceRows(client: bench.AppClient, jobId: string): Promise<DeviceRow[]> {
  const rows: DeviceRow[] = [];
  const query = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'`;
  for await (const page of client.queryPages<DeviceRow>(query)) rows.push(...page);
  return rows;
}

interface Statistics {
  deviceCount: number;
  pendingCount?: number;
  runningCount?: number;
}

async function figuresAfter(
  client: bench.AppClient,
  jobId: string,
  devices: number,
  stopAt: number,
  endedAt: number,
) {
  // Every target has a final row (a cancelled job settles the devices it never started after it is cancelled).
  const { job, at: allFinalAt } = await waitForJob(client, jobId, (view) => {
    const stats = view.deviceJobStatistics as Statistics;
    const open = (stats.pendingCount ?? 0) + (stats.runningCount ?? 0);
    return bench.TERMINAL.includes(view.status) && stats.deviceCount === devices && open === 0;
  });
  const starts = (await deviceRows(client, jobId))
    .map((row) => (row.startTimeUtc ? Date.parse(row.startTimeUtc) : NaN))
    .filter((start) => Number.isFinite(start));
  const last = Math.max(...starts);
  const figures: StopFigures = {
    lastStartSeconds: (last - stopAt) / 1000,
    startedAfter: starts.filter((start) => start > stopAt).length,
    started: starts.length,
    endedSeconds: (endedAt - stopAt) / 1000,
    allFinalSeconds: (allFinalAt - stopAt) / 1000,
    settled: job.deviceJobStatistics.deviceCount - starts.length,
    status: job.status,
  };
  return figures;
}

async function cancelAtSpeed(client: bench.AppClient, devices: number): Promise<StopFigures> {
  const jobId = `stop-cancel-${Date.now()}`;
  await client.call('PUT', `/jobs/v2/${jobId}?${API}`, {
    jobId,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
    queryCondition: "tags.fleet = 'stop'",
    maxExecutionTimeInSeconds: 3600,
  });
  await waitForJob(client, jobId, (job) => {
    const stats = job.deviceJobStatistics;
    return stats.succeededCount + stats.failedCount >= devices / 10 || bench.TERMINAL.includes(job.status);
  });
  const cancelAt = Date.now();
  await client.call('POST', `/jobs/v2/${jobId}/cancel?${API}`);
  const { at } = await waitForJob(client, jobId, (job) => bench.TERMINAL.includes(job.status));
  return figuresAfter(client, jobId, devices, cancelAt, at);
}

async function deadlineAtSpeed(client: bench.AppClient, devices: number): Promise<StopFigures> {
  const jobId = `stop-deadline-${Date.now()}`;
  await client.call('PUT', `/jobs/v2/${jobId}?${API}`, {
    jobId,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
    queryCondition: "tags.fleet = 'stop'",
    maxExecutionTimeInSeconds: DEADLINE_SECONDS,
  });
  const { job, at } = await waitForJob(client, jobId, (view) => bench.TERMINAL.includes(view.status));
  // The engine counts the time from when the run started, a little after `startTime`: this deadline is the
  // earliest it can be, so the figures lean against the engine.
  const deadline = Date.parse(job.startTime) + DEADLINE_SECONDS * 1000;
  return figuresAfter(client, jobId, devices, deadline, at);
}

const { devices } = benchOptions(
  'How promptly a job at full speed honours a cancel and its maxExecutionTimeInSeconds; writes BENCHMARKS.md.',
  {
    devices: {
      value: wholeNumberFrom(1),
      default: 20_000,
      placeholder: 'N',
      description: 'devices of each job',
    },
  },
);

bench.runAppBenchmark(async ({ startApp }) => {
  const { client } = await startApp('StopBench');
  for (let start = 0; start < devices; start += 5_000) {
    const entries = Array.from({ length: Math.min(5_000, devices - start) }, (_, i) => ({
      id: `stop-${String(start + i).padStart(6, '0')}`,
      importMode: 'create',
      status: 'enabled',
      tags: { fleet: 'stop' },
    }));
    await client.call('POST', `/devices?${API}`, entries);
  }
  const loadBefore = bench.loadAverage();
  const cancel = await cancelAtSpeed(client, devices);
  console.log(`Cancel: ${JSON.stringify(cancel)}`);
  const deadline = await deadlineAtSpeed(client, devices);
  console.log(`Deadline: ${JSON.stringify(deadline)}`);
  const s = (value: number) => `${value.toFixed(2)} s`;
  const row = (what: string, f: StopFigures) =>
    `| ${what} | ${s(f.lastStartSeconds)} | ${f.startedAfter} of ${f.started} | ${s(f.endedSeconds)} (\`${f.status}\`) | ${s(f.allFinalSeconds)} (${f.settled.toLocaleString('en-US')} settled unstarted) |`;
  await bench.writeBenchmarkSection(
    'stop-bench',
    [
      '## Cancel and deadline at full speed',
      '',
      bench.measuredOn('npm run bench:stop', loadBefore),
      `The real \`func-local\` CLI serves the app on an in-memory Azurite with the development settings; a method job over ${devices.toLocaleString('en-US')} devices that answer at once is cancelled once a tenth of them ran, and a second one gets \`maxExecutionTimeInSeconds: ${DEADLINE_SECONDS}\` (its deadline taken as \`startTime\` + ${DEADLINE_SECONDS} s, the earliest the engine could count it from). The engine checks for a stop every 500 ms inside the work (\`STOP_CHECK_INTERVAL_MS\`), not per device.`,
      '',
      '| Stop | last device start after it | devices started after it | job status final after it | every device final after it |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('Cancel request', cancel),
      row(`Deadline (${DEADLINE_SECONDS} s)`, deadline),
      '',
      'A negative figure: the last device started before the stop. A cancel request answers with the job already `cancelled` (as IoT Hub does); the devices it never started are then settled `canceled` in the background, targets the run had not reached included. A deadline job becomes `failed` only once every device it never started has its settled row (so the statistics of a final job add up). Settling resolves the targets the run never reached (through the twin index, each candidate twin read to re-check the condition): that, not the stop, is the last two columns.',
    ].join('\n'),
  );
});
