/**
 * The cost continuous jobs add to registry writes (issue 18.3): bulk device creates and bulk twin-tag updates
 * (`POST /devices`, 500 devices a request) timed with 0, 1 and 10 open continuous jobs whose conditions the
 * written devices do not match (the matching cost every write pays), and with 1 open job the written devices do
 * match (each update a join): once with the job not started yet (the join's own writes, nothing else), once with
 * it running (the job runs the joined devices meanwhile; then how long until every device is in the job). All in
 * one run on one host, as ratios to the run with no continuous job.
 *
 *   npm run bench:continuous [-- --devices N]   (default 5,000 per configuration)
 */
import {
  type AppClient,
  loadAverage,
  machineDescription,
  runAppBenchmark,
  writeBenchmarkSection,
} from './bench-start';
import { benchOptions, wholeNumberFrom } from './bench-options';

const BATCH = 500;

const { devices } = benchOptions(
  'The cost open continuous jobs add to bulk device creates and twin-tag updates, as ratios to none; writes BENCHMARKS.md.',
  {
    devices: {
      value: wholeNumberFrom(BATCH),
      default: 5_000,
      placeholder: 'N',
      description: 'devices written per configuration',
    },
  },
);

interface Configuration {
  name: string;
  /** Open continuous jobs, the fleet tag their conditions select, and whether they start an hour from now. */
  jobs: { count: number; fleet: string; startLater?: boolean };
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'no continuous job', jobs: { count: 0, fleet: 'none' } },
  { name: '1 open job, no match', jobs: { count: 1, fleet: 'never' } },
  { name: '10 open jobs, no match', jobs: { count: 10, fleet: 'never' } },
  {
    name: '1 open job not started yet, every update joins',
    jobs: { count: 1, fleet: 'joining-later', startLater: true },
  },
  { name: '1 running job, every update joins', jobs: { count: 1, fleet: 'joining' } },
];

/** The configuration whose job runs the devices that join it. */
const RUNNING_JOIN = CONFIGURATIONS.length - 1;

const JOIN_WAIT_SECONDS = 60;

/** Seconds from now until the job holds `devices` devices (or {@link JOIN_WAIT_SECONDS} passed), and how many it holds. */
async function untilAllJoined(
  app: AppClient,
  jobId: string,
  devices: number,
): Promise<{ seconds: number; deviceCount: number }> {
  const started = performance.now();
  for (;;) {
    const job = (await app.call('GET', `/jobs/v2/${jobId}`)).json as {
      deviceJobStatistics?: { deviceCount?: number };
    };
    const deviceCount = job.deviceJobStatistics?.deviceCount ?? 0;
    const seconds = (performance.now() - started) / 1000;
    if (deviceCount >= devices || seconds >= JOIN_WAIT_SECONDS) return { seconds, deviceCount };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a joining update costs beyond a plain one, per device, in each joining configuration. */
function joinCost(rows: readonly { name: string; update: number }[], devices: number): string {
  const plain = rows[0]?.update ?? 0;
  const extra = (row: { update: number } | undefined) =>
    row ? `${((1e6 * (row.update - plain)) / devices).toFixed(0)} µs` : 'n/a';
  return `A joining update costs ${extra(rows[RUNNING_JOIN - 1])} more per device than a plain one when the job has not started (the join's own writes and the job's coalesced wake-ups), and ${extra(rows[RUNNING_JOIN])} more while the job runs the joined devices on the same host meanwhile.`;
}

/** Seconds for `devices` bulk writes in requests of {@link BATCH}. */
async function timeBulk(app: AppClient, devices: number, entry: (i: number) => unknown): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < devices; from += BATCH) {
    const body = Array.from({ length: Math.min(BATCH, devices - from) }, (_, i) => entry(from + i));
    await app.call('POST', '/devices', body);
  }
  return (performance.now() - started) / 1000;
}

runAppBenchmark(async ({ startApp }) => {
  const loadBefore = loadAverage();
  const { client: app } = await startApp('ContinuousJoinBench');
  const rows: { name: string; create: number; update: number }[] = [];
  let joinedAfter: { seconds: number; deviceCount: number } | undefined;

  // Untimed: the first writes of a fresh host and store pay for warming up (compilation, tables), not for jobs.
  await timeBulk(app, devices, (i) => ({
    id: `warm-${i}`,
    importMode: 'create',
    status: 'enabled',
    tags: {},
  }));
  await timeBulk(app, devices, (i) => ({
    id: `warm-${i}`,
    importMode: 'update',
    status: 'enabled',
    tags: { n: i },
  }));

  for (const [index, configuration] of CONFIGURATIONS.entries()) {
    const { count, fleet, startLater } = configuration.jobs;
    const jobIds = Array.from({ length: count }, (_, job) => `continuous-${index}-${job}`);
    for (const jobId of jobIds) {
      await app.call('PUT', `/jobs/v2/${jobId}`, {
        type: 'scheduleUpdateTwin',
        updateTwin: { tags: { patched: true } },
        queryCondition: `tags.fleet = '${fleet}'`,
        targetSelection: 'continuous',
        maxExecutionTimeInSeconds: 3600,
        ...(startLater ? { startTime: new Date(Date.now() + 3_600_000).toISOString() } : {}),
      });
    }
    // Every host reads the open list again within 2 s; then the timed writes all see the jobs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const id = (i: number) => `bench-${index}-${String(i).padStart(6, '0')}`;
    console.log(`${configuration.name}: ${devices} creates, ${devices} tag updates …`);
    const create = await timeBulk(app, devices, (i) => ({
      id: id(i),
      importMode: 'create',
      status: 'enabled',
      tags: { fleet: 'other', n: i },
    }));
    // The update makes the devices match a joining configuration's job: each of its writes is a join.
    const update = await timeBulk(app, devices, (i) => ({
      id: id(i),
      importMode: 'update',
      status: 'enabled',
      tags: { fleet: fleet.startsWith('joining') ? fleet : 'other2' },
    }));
    if (index === RUNNING_JOIN) joinedAfter = await untilAllJoined(app, jobIds[0] ?? '', devices);
    rows.push({ name: configuration.name, create, update });
    console.log(
      `  creates ${((1e6 * create) / devices).toFixed(0)} µs/device, updates ${((1e6 * update) / devices).toFixed(0)} µs/device`,
    );
    for (const jobId of jobIds) await app.call('POST', `/jobs/v2/${jobId}/cancel`);
  }

  const base = rows[0];
  if (!base) throw new Error('No configuration ran.');
  const perDevice = (seconds: number) => `${((1e6 * seconds) / devices).toFixed(0)} µs`;
  const ratio = (seconds: number, of: number) => `${(seconds / of).toFixed(2)}×`;
  const table = [
    '| Open continuous jobs | Bulk create, per device | vs none | Bulk tag update, per device | vs none |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${perDevice(row.create)} | ${ratio(row.create, base.create)} | ${perDevice(row.update)} | ${ratio(row.update, base.update)} |`,
    ),
  ];
  const section = [
    '## Continuous jobs: cost per registry write (issue 18.3)',
    '',
    `\`npm run bench:continuous -- --devices ${devices}\`, ${new Date().toISOString().slice(0, 10)}, ${machineDescription()}; load average ${loadBefore} before, ${loadAverage()} after (the machine was shared).`,
    '',
    `Each configuration writes ${devices} new devices (\`POST /devices\`, ${BATCH} a request, \`importMode: create\`) and then updates the tags of each (\`importMode: update\` with tags), through the one local host, after an untimed warm-up of as many creates and updates. The open jobs' conditions (\`tags.fleet = '…'\`) are matched in memory against every write (a list cached 2 s per host, read in one partition query); a write that makes a device match a job (the last two rows' updates) adds its join: member and queue rows in one batch transaction per job (up to 50 devices of a write; a bulk update writes its devices one by one, 16 at a time), and a wake-up message for the job, coalesced per job and host (a burst of joins sends about two per message's round trip).`,
    '',
    ...table,
    '',
    joinCost(rows, devices),
    '',
    joinedAfter && joinedAfter.deviceCount === devices
      ? `The running job held all ${devices} devices ${joinedAfter.seconds.toFixed(1)} s after the last update's answer (the issue asks for a join within 10 s).`
      : `The running job held ${joinedAfter?.deviceCount ?? 0} of ${devices} devices ${JOIN_WAIT_SECONDS} s after the last update's answer.`,
  ].join('\n');
  console.log(`\n${section}\n`);
  await writeBenchmarkSection('continuous-join-bench', section);
});
