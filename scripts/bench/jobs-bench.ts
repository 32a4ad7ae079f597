/**
 * Registry and jobs benchmark, through the app served by the real func-local CLI on an in-memory Azurite:
 * Azurite's own batched-upsert rate on a fresh Azurite (the storage limit: 20,000 entities, 100 per transaction, 8
 * in flight, measured first in the same run), bulk creation of a fleet (default 100,000 devices), twin queries
 * (a tag every device holds against a plain scan of the same rows; a selective one against a plain scan of the fleet,
 * and against the same query made to scan), a method job over the whole fleet targeted by a tag condition and a twin
 * job over up to 100,000 devices (by tag), devices that answer at once (rate as a ratio to the storage limit, first
 * result, storage requests per device), a latency-bound job (4,000 devices answering in 500 ms, 200 in flight), a
 * burst of 200 creates with 1,000 reads, the host's peak memory and a CPU profile of the host. Prints the figures
 * and writes them to BENCHMARKS.md.
 * Usage: npm run bench:jobs [-- --devices N --slow-devices N --host-heap-mb N --azurite-heap-mb N --report FILE
 * --profile-azurite --only queries,method,twin,slow,burst] (with --only, the figures are printed and BENCHMARKS.md
 * is left alone). Every step's end rewrites the report file (default: in the run's temporary folder) with the
 * section as it stands, so a long run that stops early leaves its steps recorded (`record-section.js` copies it
 * into BENCHMARKS.md).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import {
  ROOT,
  developmentApp,
  loadAverage,
  machineDescription,
  peakRssMb,
  runBenchmark,
  type BenchmarkContext,
  writeBenchmarkSection,
} from './bench-support';
import { readStorageRequestCounts, type RequestKind } from './count-storage-requests';
import { SignalProfiler as WindowProfiler, type WindowProfile } from './cpu-profile';
import type { JobResponse } from '@device-jobs/client';
import { AppClient, TERMINAL, sleep } from './app-client';
import { commitId } from './bench-start';
import { REGISTRY_TABLE } from '../../shared/storage/device-registry-storage';
import { Timeline } from './bench-timeline';
import { BURST_CREATES, BURST_DEVICES_PER_JOB, BURST_READS, type Burst, burst } from './job-burst';
import { DEFAULT_DEVICES, jobsBenchOptions, type Part } from './jobs-bench-options';

/** The demo fleet's regions (`shared/devices/simulated/demo-fleet.ts`): every device holds one of them. */
const EVERY_REGION = "tags.region IN ['eu-west', 'eu-north', 'us-east', 'us-west', 'asia-east']";
/** The demo fleet's buildings, `'1'`…`'50'`, spread evenly over the fleet. */
const BUILDINGS = 50;
/** The twin job's size at most: a twin job over a million devices would time Azurite's replace, not the service. */
const TWIN_DEVICES = 100_000;

/** A tag condition selecting about `devices` of a demo fleet of `fleet` devices (whole buildings). */
function buildingsHolding(devices: number, fleet: number): { condition: string; devices: number } {
  const buildings = Math.max(1, Math.min(BUILDINGS, Math.round((BUILDINGS * devices) / fleet)));
  const list = Array.from({ length: buildings }, (_, i) => `'${i + 1}'`).join(', ');
  return { condition: `tags.building IN [${list}]`, devices: Math.round((fleet * buildings) / BUILDINGS) };
}

const SLOW_LATENCY_MS = 500;
const IN_FLIGHT = 200;

/** The host's node: its heap limit, the storage request counter and the per-job CPU profiler preloaded. */
function hostNodeArgs(heapMb: number): string[] {
  return [
    `--max-old-space-size=${heapMb}`,
    '--require',
    path.join(ROOT, 'dist/scripts/bench/count-storage-requests.js'),
    '--require',
    path.join(ROOT, 'dist/scripts/bench/profile-on-signal.js'),
  ];
}

/**
 * Azurite's batched-upsert rate: entities shaped like device job rows, 100 per transaction (one partition each),
 * 8 transactions in flight — the way the engine writes. Entities per second.
 */
async function measureUpsertRate(connectionString: string, entities = 20_000): Promise<number> {
  const table = TableClient.fromConnectionString(connectionString, `upsertbench${Date.now()}`, {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const batches: TransactionAction[][] = [];
  for (let start = 0; start < entities; start += 100) {
    const partitionKey = `bench|${String(start / 100).padStart(6, '0')}`;
    batches.push(
      Array.from({ length: 100 }, (_, i): TransactionAction => [
        'upsert',
        {
          partitionKey,
          rowKey: `device-${String(start + i).padStart(6, '0')}`,
          jobId: 'bench',
          deviceId: `device-${String(start + i).padStart(6, '0')}`,
          jobType: 'scheduleDeviceMethod',
          shard: start / 100,
          status: 'completed',
          createdDateTimeUtc: new Date().toISOString(),
          lastUpdatedDateTimeUtc: new Date().toISOString(),
          startTimeUtc: new Date().toISOString(),
          endTimeUtc: new Date().toISOString(),
          outcome0: '{"deviceMethodResponse":{"status":200,"payload":{"methodName":"reboot","echo":{}}}}',
          outcomeParts: 1,
        },
        'Replace',
      ]),
    );
  }
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await table.submitTransaction(batches[next++] ?? []);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await table.deleteTable();
  return entities / seconds;
}

/** Registry rows the replace microbenchmark rewrites (a sample: Azurite's cost per replace depends on the table). */
const REPLACE_SAMPLE = 10_000;

/**
 * Azurite's own entity rewrite on the registry table as the fleet made it: `REPLACE_SAMPLE` registry rows read and
 * written back unchanged (`update` etag-checked, 100 per transaction of one partition, 8 in flight) as a Replace
 * (the issue's bound for the twin job) or a Merge (what the twin job sends; docs/devices.md). Entities per second.
 */
async function measureRewriteRate(
  connectionString: string,
  mode: 'Replace' | 'Merge',
): Promise<{ rate: number; rows: number }> {
  const table = TableClient.fromConnectionString(connectionString, REGISTRY_TABLE, {
    allowInsecureConnection: true,
  });
  const byPartition = new Map<string, TransactionAction[]>();
  let rows = 0;
  for await (const entity of table.listEntities<Record<string, unknown>>()) {
    const { etag, timestamp: _timestamp, partitionKey = '', rowKey = '', ...fields } = entity;
    const actions = byPartition.get(partitionKey) ?? [];
    actions.push(['update', { ...fields, partitionKey, rowKey }, mode, { etag }]);
    byPartition.set(partitionKey, actions);
    if (++rows >= REPLACE_SAMPLE) break;
  }
  const batches = [...byPartition.values()].flatMap((actions) =>
    Array.from({ length: Math.ceil(actions.length / 100) }, (_, i) => actions.slice(i * 100, i * 100 + 100)),
  );
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await table.submitTransaction(batches[next++] ?? []);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { rate: rows / ((performance.now() - started) / 1000), rows };
}

/**
 * Devices per bulk call of the seed: at load 28 a call of 5,000 (six entities each with the twin index) outlasted
 * the host's 5-minute functionTimeout, and its retry started over.
 */
const SEED_BATCH = 1_000;

/** Devices per block of the seed's timing: the seconds of each block show whether seeding slows as the fleet grows. */
const SEED_BLOCK = 100_000;

/**
 * Runs the seed script against the app and returns its own measurement; `onBlock` hears the seconds of each
 * `SEED_BLOCK` devices as the seed's progress lines report them.
 */
async function seedFleet(
  baseUrl: string,
  connectionString: string,
  devices: number,
  onBlock: (done: number, seconds: number) => void,
): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'dist/scripts/seed.js'),
      ...['--devices', String(devices), '--url', baseUrl, '--connection-string', connectionString],
      ...['--batch', String(SEED_BATCH)],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let lastBlock = { done: 0, seconds: 0 };
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    console.error(line);
    const progress = /^seed: (\d+) of \d+ devices after (\d+) s/.exec(line);
    if (!progress) return;
    const done = Number(progress[1]);
    const seconds = Number(progress[2]);
    if (Math.floor(done / SEED_BLOCK) === Math.floor(lastBlock.done / SEED_BLOCK)) return;
    onBlock(done, seconds - lastBlock.seconds);
    lastBlock = { done, seconds };
  });
  let summary = '';
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('Seeded')) summary = line;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !summary) throw new Error(`Seeding failed (exit code ${String(code)}).`);
  return summary;
}

type QueryRun = Awaited<ReturnType<AppClient['queryAll']>>;

/** Azurite's CPU by window (a step, or a block of the seed): where its time goes as its tables grow. */
class AzuriteWindows {
  private current: string | undefined;

  constructor(private readonly profiler: WindowProfiler) {}

  /** Ends the current window (its summary printed) and opens one named `label` (none: only ends). */
  async next(label: string | undefined): Promise<void> {
    const ended = this.current;
    this.current = label;
    const stopped = ended === undefined ? undefined : this.profiler.stop();
    // Two signals sent at once may reach the process as one.
    if (stopped) await sleep(300);
    if (label !== undefined) this.profiler.start();
    if (!stopped) return;
    const profile = await stopped;
    console.log(`Azurite while ${ended}: peak ${profile.peakRssMb} MB; ${profile.lines.join('\n')}`);
  }
}

interface JobRun {
  job: JobResponse;
  /** Server times: creation → end. */
  seconds: number;
  /** Seconds from the job's start to the first device result readable through devices.jobs. */
  firstResultSeconds: number;
  requests: Record<RequestKind, number>;
  profile: WindowProfile;
  /** The failed devices' error codes and how many devices failed with each (empty when none failed). */
  failures: Map<string, number>;
}

/** How many of a job's failed devices failed with each error code (their device-job rows, read after the end). */
async function failureCodes(client: AppClient, job: JobResponse): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  if (job.deviceJobStatistics.failedCount === 0) return codes;
  const query = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${job.jobId}' AND devices.jobs.status = 'failed'`;
  for await (const page of client.queryPages<{ error?: { code?: string } }>(query)) {
    for (const row of page) {
      const code = row.error?.code ?? '(none)';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }
  return codes;
}

function describeFailures(failures: Map<string, number>): string {
  if (failures.size === 0) return 'none failed';
  return [...failures].map(([code, count]) => `${count} ${code}`).join(', ');
}

async function runJob(
  client: AppClient,
  countsFile: string,
  profiler: WindowProfiler,
  jobId: string,
  body: Record<string, unknown>,
): Promise<JobRun> {
  const before = readStorageRequestCounts(countsFile);
  profiler.start();
  await client.call('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, {
    jobId,
    maxExecutionTimeInSeconds: 3600,
    ...body,
  });
  const watchFirst = (async () => {
    for (;;) {
      const page = await client.call('POST', '/devices/query', {
        query: `SELECT TOP 1 * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}' AND devices.jobs.status = 'completed'`,
      });
      if ((page.json as unknown[]).length > 0) return Date.now();
      await sleep(50);
    }
  })();
  for (;;) {
    const job = (await client.call('GET', `/jobs/v2/${jobId}?api-version=2021-04-12`)).json as JobResponse;
    if (TERMINAL.includes(job.status)) {
      const firstSeen = await watchFirst;
      const profile = await profiler.stop();
      await sleep(1_200);
      const after = readStorageRequestCounts(countsFile);
      const requests = Object.fromEntries(
        Object.entries(after).map(([kind, count]) => [kind, count - (before[kind as RequestKind] ?? 0)]),
      ) as Record<RequestKind, number>;
      const end = Date.parse(job.endTime ?? new Date().toISOString());
      return {
        job,
        seconds: (end - Date.parse(job.createdTime)) / 1000,
        firstResultSeconds: (firstSeen - Date.parse(job.startTime)) / 1000,
        requests,
        profile,
        failures: await failureCodes(client, job),
      };
    }
    // A job read reads its shard counters (one row per 100 devices, pages of 1,000 that Azurite sorts): polling a
    // million-device job every 250 ms would keep Azurite busy. The job's times are the server's, not the poll's.
    await sleep(Math.max(250, job.deviceJobStatistics.deviceCount / 100));
  }
}

/** Creates `count` devices answering methods in `latencyMs`, by bulk import. */
async function createSlowDevices(client: AppClient, count: number, latencyMs: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `slow-${String(i).padStart(5, '0')}`);
  for (let start = 0; start < ids.length; start += 5_000) {
    const entries = ids.slice(start, start + 5_000).map((id) => ({
      id,
      importMode: 'create',
      status: 'enabled',
      tags: { fleet: 'slow' },
      simulation: { latencyMs },
    }));
    await client.call('POST', '/devices?api-version=2021-04-12', entries);
  }
  return ids;
}

function describeRequests(run: JobRun, devices: number): string {
  const { tableBatch, tablePointRead, tableQuery, tableWrite, queue } = run.requests;
  const per = (n: number) => (n / devices).toFixed(3);
  return (
    `per device: ${per(tableBatch)} batch transactions, ${per(tablePointRead)} point reads, ` +
    `${per(tableWrite)} single writes, ${per(tableQuery)} queries (${queue} queue requests in all)`
  );
}

function profileBlock(title: string, run: JobRun, devices: number): string[] {
  const perDevice = (1000 * run.profile.busySeconds) / devices;
  return [
    `${title}: host CPU busy ${run.profile.busySeconds.toFixed(1)} s (${perDevice.toFixed(2)} ms per device), peak resident memory ${run.profile.peakRssMb} MB (\`node:inspector\` profile of the job's run, self time):`,
    '',
    '```',
    ...run.profile.lines,
    '```',
  ];
}

const options = jobsBenchOptions();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-'));
const azuriteProfileDir = path.join(work, 'azurite-profile');
// Azurite inherits this process's environment: the preloaded profiler writes where this says.
if (options.profileAzurite) process.env.CPU_PROFILE_DIR = azuriteProfileDir;
const azuriteNodeArgs = [
  `--max-old-space-size=${options.azuriteHeapMb}`,
  ...(options.profileAzurite
    ? ['--require', path.join(ROOT, 'dist/scripts/bench/profile-on-signal.js')]
    : []),
];

/** The default fleet's figures have their own section; other sizes (e.g. a million devices) get one each. */
const SECTION = options.devices === DEFAULT_DEVICES ? 'jobs-bench' : `jobs-bench-${options.devices}`;
const HEADING =
  options.devices === DEFAULT_DEVICES
    ? '## Registry and jobs (the app on the local host)'
    : `## Registry and jobs, ${options.devices.toLocaleString('en')} devices (the app on the local host)`;

/** The benchmark on an Azurite given `azuriteNodeArgs`. */
const runOnAzurite = (body: (context: BenchmarkContext) => Promise<void>) =>
  runBenchmark(body, { azuriteNodeArgs });

runOnAzurite(async ({ azurite, startHost }) => {
  const runs = (part: Part) => options.only.has(part);
  const countsFile = path.join(work, 'storage-requests.json');
  const profileDir = path.join(work, 'profile');
  const report = options.report ?? path.join(work, `${SECTION}.md`);
  console.log(`Each step's end rewrites ${report}`);
  const { settings, connectionString } = developmentApp(azurite.connectionString, 'JobsBench', {
    JOB_MAX_DEVICES_IN_FLIGHT: String(IN_FLIGHT),
    STORAGE_REQUEST_COUNTS_FILE: countsFile,
    CPU_PROFILE_DIR: profileDir,
  });

  // Started after the first step; its memory is read when each step ends.
  const hostProcess: { pid?: number } = {};
  const timeline = new Timeline(
    SECTION,
    [
      HEADING,
      '',
      `Started ${new Date().toISOString()} with \`node dist/scripts/bench/jobs-bench.js ${process.argv.slice(2).join(' ')}\` at commit ${commitId()} on ${machineDescription()}, load average ${loadAverage()} at the start; Azurite in memory with \`--max-old-space-size=${options.azuriteHeapMb}\`, the host with \`--max-old-space-size=${options.hostHeapMb}\`.`,
    ],
    [
      { name: 'Host', pid: () => hostProcess.pid },
      { name: 'Azurite', pid: () => azurite.process.pid },
    ],
    report,
  );
  const azuriteProfiler = options.profileAzurite
    ? new AzuriteWindows(new WindowProfiler(azurite.process, azuriteProfileDir))
    : undefined;
  const begin = (step: string) => {
    timeline.begin(step);
    void azuriteProfiler?.next(step);
  };
  begin('Azurite batched upserts (fresh)');
  const upsertBefore = await measureUpsertRate(azurite.connectionString);
  timeline.figure(
    `Azurite batched upserts, fresh: ${upsertBefore.toFixed(0)} entities/s (the storage limit)`,
  );

  const host = await startHost(ROOT, settings, hostNodeArgs(options.hostHeapMb));
  hostProcess.pid = host.child.pid;
  const profiler = new WindowProfiler(host.child, profileDir);
  const client = new AppClient(host.baseUrl, connectionString);
  // Peak memory by phase: the jobs have their own window each (runJob).
  const phasePeaks: Record<string, number> = {};
  const measured = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    profiler.start();
    try {
      return await work();
    } finally {
      phasePeaks[phase] = (await profiler.stop()).peakRssMb;
      console.log(`Host peak memory while ${phase}: ${phasePeaks[phase]} MB`);
    }
  };
  begin(`Seeding ${options.devices} devices`);
  const seeded = await measured('seeding', () =>
    seedFleet(host.baseUrl, connectionString, options.devices, (done, seconds) => {
      timeline.figure(
        `Seed: ${done.toLocaleString('en')} devices, the last ${SEED_BLOCK.toLocaleString('en')} in ${seconds} s (load ${loadAverage()}, host peak ${peakRssMb(hostProcess.pid) ?? '?'} MB, Azurite peak ${peakRssMb(azurite.process.pid) ?? '?'} MB)`,
      );
      void azuriteProfiler?.next(`seeding after ${done} devices`);
    }),
  );
  timeline.figure(seeded.replace(/ at http\S+$/, ''));
  const devicesLine = (run: JobRun) =>
    `${run.job.status}, ${run.job.deviceJobStatistics.deviceCount} devices (${describeFailures(run.failures)}) in ${run.seconds.toFixed(1)} s, first result ${run.firstResultSeconds.toFixed(2)} s, ${describeRequests(run, run.job.deviceJobStatistics.deviceCount)}, CPU ${run.profile.busySeconds.toFixed(1)} s, peak ${run.profile.peakRssMb} MB`;

  let queries:
    | {
        byTags: QueryRun;
        indexed: QueryRun;
        fleetScan: number;
        scanned: QueryRun | undefined;
        wholeTag: QueryRun;
        plain: QueryRun;
      }
    | undefined;
  // On Azurite every page of a query filters the whole table and sorts the rows after its continuation, so a
  // scan's cost grows with the square of the fleet: beyond the default fleet the whole-fleet queries read their
  // first DEFAULT_DEVICES rows, and a full scan's time is estimated from them.
  const scanRows = options.devices > DEFAULT_DEVICES ? DEFAULT_DEVICES : Infinity;
  const scanEstimated = scanRows < options.devices;
  if (runs('queries')) {
    begin('Queries');
    profiler.start();
    // A tag every device holds, against a plain scan of the same rows (pages of 1,000): the planner scans both.
    const plain = await client.queryAll('SELECT * FROM devices', scanRows);
    const wholeTag = await client.queryAll(`SELECT * FROM devices WHERE ${EVERY_REGION}`, scanRows);
    timeline.figure(
      `Whole-fleet tag query: ${wholeTag.rows} rows in ${wholeTag.seconds.toFixed(1)} s; plain scan ` +
        `${plain.rows} rows in ${plain.seconds.toFixed(1)} s (ratio ${(wholeTag.seconds / plain.seconds).toFixed(2)})`,
    );
    const byTags = await client.queryAll(
      "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor = 3",
    );
    timeline.figure(
      `Query by tags: ${byTags.rows} rows, ${byTags.pages} pages in ${byTags.seconds.toFixed(1)} s`,
    );
    // The same 1% of the fleet through the twin index. The issue's measure divides it by a plain scan of the fleet
    // (`SELECT * FROM devices`, pages of 1,000 through the API, measured above); the same query made to scan (an OR
    // branch the index cannot serve: one API page, the fleet read in storage pages) is the stricter comparison.
    const selective = "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor IN [0, 1, 2, 3]";
    const indexed = await client.queryAll(selective);
    const fleetScan = scanEstimated ? (plain.seconds * options.devices) / plain.rows : plain.seconds;
    const scanned = scanEstimated
      ? undefined
      : await client.queryAll(`${selective} OR STARTSWITH(deviceId, 'no-such-device')`);
    timeline.figure(
      `Selective query: ${indexed.rows} rows in ${indexed.seconds.toFixed(2)} s indexed; ` +
        `${(indexed.seconds / fleetScan).toFixed(3)} of the plain scan of the fleet (${fleetScan.toFixed(1)} s${scanEstimated ? ', estimated from its first rows, linearly to the fleet' : ''})` +
        (scanned
          ? `; the same query made to scan: ${scanned.rows} rows in ${scanned.seconds.toFixed(2)} s (ratio ${(indexed.seconds / scanned.seconds).toFixed(3)})`
          : ''),
    );
    queries = { byTags, indexed, fleetScan, scanned, wholeTag, plain };
    phasePeaks.queries = (await profiler.stop()).peakRssMb;
    timeline.figure(`Host peak memory during the queries: ${phasePeaks.queries} MB`);
  }

  let method: JobRun | undefined;
  if (runs('method')) {
    begin('Method job by tag');
    method = await runJob(client, countsFile, profiler, `bench-method-${Date.now()}`, {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 30 },
      queryCondition: EVERY_REGION,
    });
    timeline.figure(
      `Method job by tag: ${devicesLine(method)}; ${(method.job.deviceJobStatistics.deviceCount / method.seconds / upsertBefore).toFixed(2)}x the fresh storage limit`,
    );
    console.log(method.profile.lines.join('\n'));
  }
  let twin: JobRun | undefined;
  const twinTarget = buildingsHolding(Math.min(TWIN_DEVICES, options.devices), options.devices);
  let replace: { rate: number; rows: number } | undefined;
  let merge: { rate: number; rows: number } | undefined;
  if (runs('twin')) {
    begin('Azurite replace on the registry');
    replace = await measureRewriteRate(azurite.connectionString, 'Replace');
    merge = await measureRewriteRate(azurite.connectionString, 'Merge');
    timeline.figure(
      `Azurite entity replace on the ${options.devices}-row registry table: ${replace.rate.toFixed(0)} entities/s (${replace.rows} rows); merge ${merge.rate.toFixed(0)} entities/s`,
    );
    begin('Twin job');
    twin = await runJob(client, countsFile, profiler, `bench-twin-${Date.now()}`, {
      type: 'scheduleUpdateTwin',
      updateTwin: { etag: '*', tags: { campaign: 'bench' }, properties: { desired: { interval: 30 } } },
      queryCondition: options.devices <= TWIN_DEVICES ? EVERY_REGION : twinTarget.condition,
    });
    timeline.figure(
      `Twin job: ${devicesLine(twin)}; ${(twin.job.deviceJobStatistics.deviceCount / twin.seconds / replace.rate).toFixed(2)}x Azurite's replace, ${(twin.job.deviceJobStatistics.deviceCount / twin.seconds / upsertBefore).toFixed(2)}x the fresh storage limit`,
    );
    console.log(twin.profile.lines.join('\n'));
  }

  const ideal = (options.slowDevices * SLOW_LATENCY_MS) / 1000 / IN_FLIGHT;
  let slow: JobRun | undefined;
  if (runs('slow')) {
    begin('Latency-bound job (with its devices)');
    const slowIds = await createSlowDevices(client, options.slowDevices, SLOW_LATENCY_MS);
    slow = await runJob(client, countsFile, profiler, `bench-slow-${Date.now()}`, {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 30 },
      deviceIds: slowIds,
    });
    timeline.figure(
      `Latency-bound job: ${slow.seconds.toFixed(1)} s (ideal ${ideal.toFixed(1)} s, ratio ${(slow.seconds / ideal).toFixed(2)}); ${devicesLine(slow)}`,
    );
  }

  let load: Burst | undefined;
  if (runs('burst')) {
    begin('Burst');
    const fleetIds = Array.from(
      { length: BURST_CREATES * BURST_DEVICES_PER_JOB },
      (_, i) => `device-${String(i).padStart(String(options.devices - 1).length, '0')}`,
    );
    const readJob = `bench-read-${Date.now()}`;
    await client.call('PUT', `/jobs/v2/${readJob}?api-version=2021-04-12`, {
      jobId: readJob,
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
      deviceIds: fleetIds.slice(0, BURST_DEVICES_PER_JOB),
    });
    load = await measured('burst', () => burst(client, readJob, fleetIds));
    timeline.figure(`Burst: ${JSON.stringify(load)}`);
  }

  begin('Azurite batched upserts (after)');
  const upsertAfter = await measureUpsertRate(azurite.connectionString);
  timeline.end();
  await azuriteProfiler?.next(undefined);
  timeline.figure(`Azurite batched upserts (again): ${upsertAfter.toFixed(0)} entities/s`);
  // The limit is what storage does fresh, measured first in this run; the mean with the rate after the jobs (a
  // fuller Azurite is slower) is reported beside it.
  const storageLimit = upsertBefore;
  const meanLimit = (upsertBefore + upsertAfter) / 2;
  const peak = peakRssMb(host.child.pid);
  const loadAtEnd = loadAverage();
  console.log(
    `Storage limit ${storageLimit.toFixed(0)} entities/s; host peak ${peak ?? '?'} MB; load ${loadAtEnd}`,
  );
  const peaks = Object.entries(phasePeaks).map(([phase, mb]) => `${phase} ${mb} MB`);
  console.log(`Host peak memory by phase: ${peaks.join(', ')}`);
  const rate = (run: JobRun) => run.job.deviceJobStatistics.deviceCount / run.seconds;
  const ratio = (run: JobRun) => (rate(run) / storageLimit).toFixed(2);
  const meanRatio = (run: JobRun) => (rate(run) / meanLimit).toFixed(2);
  for (const [name, run] of [
    ['method', method],
    ['twin', twin],
    ['slow', slow],
  ] as const) {
    if (run)
      console.log(
        `${name}: ${rate(run).toFixed(0)} devices/s, ${ratio(run)}x the fresh storage limit ` +
          `(${meanRatio(run)}x the mean of before and after)`,
      );
  }
  const replaceRatio = (run: JobRun, measured: { rate: number }) => (rate(run) / measured.rate).toFixed(2);
  if (twin && replace && merge)
    console.log(
      `twin: ${replaceRatio(twin, replace)}x Azurite's replace rate on the registry (${replaceRatio(twin, merge)}x its merge rate)`,
    );
  if (!method || !twin || !slow || !load || !queries || !replace || !merge) {
    console.log('Not every part ran (--only): BENCHMARKS.md left as it is.');
    return;
  }
  const { byTags, indexed, fleetScan, scanned, wholeTag, plain } = queries;
  const row = (name: string, run: JobRun) =>
    `| ${name} | ${run.job.deviceJobStatistics.deviceCount} devices, ${run.job.status} (${run.job.deviceJobStatistics.failedCount} failed${run.failures.size > 0 ? `: ${describeFailures(run.failures)}` : ''}) in ${run.seconds.toFixed(1)} s | ${rate(run).toFixed(0)} devices/s | **${ratio(run)}×** (${meanRatio(run)}× the mean) | ${run.firstResultSeconds.toFixed(2)} s | ${run.profile.peakRssMb} MB |`;

  // Into BENCHMARKS.md, and into the report file, which then holds the whole section instead of the progress.
  const record = async (name: string, section: string) => {
    timeline.write(section);
    await writeBenchmarkSection(name, section);
  };
  await record(
    SECTION,
    [
      HEADING,
      '',
      `Measured ${new Date().toISOString()} with \`npm run bench\` at commit ${commitId()} on ${machineDescription()} (load average ${loadAtEnd} at the end; the machine is shared, figures vary between runs).`,
      'The real `func-local` CLI serves the app on an in-memory Azurite, with the development settings, the',
      `simulated gateway and devices that answer at once (so the figures are the service, not the devices), \`JOB_MAX_DEVICES_IN_FLIGHT\` ${IN_FLIGHT}, the host's node run with \`--max-old-space-size=${options.hostHeapMb}\` (see docs/deploy.md).`,
      '',
      `**Storage limit**: Azurite's batched upserts (20,000 device-row-shaped entities, 100 per transaction, 8 in flight) ran at ${upsertBefore.toFixed(0)} entities/s on the fresh Azurite, before anything else: the limit the ratios below divide by. After the jobs (a fuller Azurite) they ran at ${upsertAfter.toFixed(0)}/s; the ratio to the mean of both (${meanLimit.toFixed(0)}/s) is given in brackets.`,
      '',
      '| Job (creation → end, server times) | Result | Rate | Ratio to the storage limit | First result stored (after start) | Host peak memory during the job |',
      '| --- | --- | --- | --- | --- | --- |',
      row(`Method job by tag, \`${EVERY_REGION}\` (${options.devices} devices, 0 ms)`, method),
      row(
        `Twin job by tag, \`${options.devices <= TWIN_DEVICES ? EVERY_REGION : twinTarget.condition}\``,
        twin,
      ),
      row(
        `Method job, ${options.slowDevices} devices answering in ${SLOW_LATENCY_MS} ms, ${IN_FLIGHT} in flight (ideal ${ideal.toFixed(1)} s, target ≤ ${(1.2 * ideal).toFixed(1)} s)`,
        slow,
      ),
      '',
      `**Twin job against Azurite's own replace**: replacing ${replace.rows} rows of the ${options.devices}-row registry table unchanged (\`update\` Replace with their etags, 100 per transaction of one partition, 8 in flight), just before the twin job, ran at ${replace.rate.toFixed(0)} entities/s (${(replace.rate / storageLimit).toFixed(2)}× the batched-upsert limit); the twin job's ${rate(twin).toFixed(0)} devices/s is **${replaceRatio(twin, replace)}×** that rate (target ≥ 0.5× where the replace is the bound). The same rows merged (as the twin job writes a device, docs/devices.md) ran at ${merge.rate.toFixed(0)} entities/s (the twin job: ${replaceRatio(twin, merge)}× that).`,
      '',
      ...timeline.table(),
      '',
      `Storage requests of the method job ${describeRequests(method, options.devices)}; of the twin job ${describeRequests(twin, options.devices)}.`,
      '',
      '| Peers (published) | Job device operations per second |',
      '| --- | --- |',
      '| Azure IoT Hub jobs | 10/s (S1) … 500/s (ten S3 units) |',
      '| AWS IoT Jobs rollout | 1,000 devices/min ≈ 17/s |',
      '| Durable Functions, Azure Storage backend | ~100 activities/s fan-out |',
      `| **This service (method job above)** | **${rate(method).toFixed(0)}/s** |`,
      `| **This service (twin job above)** | **${rate(twin).toFixed(0)}/s** |`,
      '',
      `**Burst**: ${BURST_CREATES} job creates (5 devices each) sent at once with ${BURST_READS} reads of a job: create p50 ${load.createP50.toFixed(0)} ms, p95 ${load.createP95.toFixed(0)} ms; read p50 ${load.readP50.toFixed(0)} ms, p95 ${load.readP95.toFixed(0)} ms; ${load.serverErrors} answers 5xx; every job terminal after ${load.allTerminalSeconds.toFixed(1)} s.`,
      '',
      `Other figures: ${seeded.replace(/ at http\S+$/, '')} (\`npm run seed\`, ${SEED_BATCH} per call, 4 calls in flight); twin query \`tags.building = '43' AND tags.floor = 3\`: ${byTags.rows} rows in ${byTags.seconds.toFixed(1)} s; host peak resident memory over the whole run **${peak ?? '?'} MB** (by phase: ${peaks.join(', ')}; the jobs' own in the table above).`,
      '',
      `**Whole-fleet tag query** \`${EVERY_REGION}\` (every device matches; pages of 1,000 through the API${scanEstimated ? `, its first ${scanRows.toLocaleString('en')} rows like the scan: on Azurite a page's cost grows with the table` : ''}): ${wholeTag.rows} rows in ${wholeTag.seconds.toFixed(1)} s, against ${plain.seconds.toFixed(1)} s for the ${plain.rows} rows of \`SELECT * FROM devices\`: **${(wholeTag.seconds / plain.seconds).toFixed(2)}×** a plain scan (target ≤ 1.5×; the planner scans, docs/devices.md).`,
      '',
      `**Twin index**: the selective query \`tags.building = '43' AND tags.floor IN [0, 1, 2, 3]\` (1% of the fleet) took ${indexed.seconds.toFixed(2)} s for ${indexed.rows} rows through the twin index, against ${fleetScan.toFixed(1)} s for a plain scan of the fleet (\`SELECT * FROM devices\`, pages of 1,000 through the API, as the issue defines it; ${scanEstimated ? `estimated: the plain scan's ${plain.seconds.toFixed(1)} s for its first ${plain.rows} rows, times the fleet over those rows; on Azurite the later pages sort fewer remaining rows, so a full scan may take less and the true ratio may be up to about twice this` : 'measured above'}): **${(indexed.seconds / fleetScan).toFixed(3)}** of a plain scan (target ≤ 0.10).${scanned ? ` The stricter comparison, the same query made to scan (ORed with a branch the index cannot serve: one page through the API, the fleet read in storage pages of 1,000 without the API's per-page work), took ${scanned.seconds.toFixed(2)} s for ${scanned.rows} rows: ${(indexed.seconds / scanned.seconds).toFixed(3)} of that.` : ''} Each device's creation also wrote one index entity per scalar tag (docs/devices.md).`,
      '',
      ...profileBlock('Method job', method, options.devices),
      '',
      ...profileBlock('Twin job', twin, options.devices),
    ].join('\n'),
  );
});
