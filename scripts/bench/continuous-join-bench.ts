/**
 * The cost continuous jobs add to registry writes (issue 18.3): bulk device creates and bulk twin-tag updates
 * (`POST /devices`, 500 devices a request) timed with 0, 1 and 10 open continuous jobs whose conditions the
 * written devices do not match (the matching cost every write pays), and with 1 open job the written devices do
 * match (each write a join). All in one run on one host, as ratios to the run with no continuous job.
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

const BATCH = 500;

function parseDevices(argv: string[]): number {
  const index = argv.indexOf('--devices');
  if (index < 0) return 5_000;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < BATCH) throw new Error(`--devices takes an integer ≥ ${BATCH}.`);
  return value;
}

interface Configuration {
  name: string;
  /** Open continuous jobs and the fleet tag their conditions select. */
  jobs: { count: number; fleet: string };
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'no continuous job', jobs: { count: 0, fleet: 'none' } },
  { name: '1 open job, no match', jobs: { count: 1, fleet: 'never' } },
  { name: '10 open jobs, no match', jobs: { count: 10, fleet: 'never' } },
  { name: '1 open job, every write joins', jobs: { count: 1, fleet: 'joining' } },
];

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
  const devices = parseDevices(process.argv.slice(2));
  const loadBefore = loadAverage();
  const { client: app } = await startApp('ContinuousJoinBench');
  const rows: { name: string; create: number; update: number }[] = [];

  for (const [index, configuration] of CONFIGURATIONS.entries()) {
    const { count, fleet } = configuration.jobs;
    const jobIds = Array.from({ length: count }, (_, job) => `continuous-${index}-${job}`);
    for (const jobId of jobIds) {
      await app.call('PUT', `/jobs/v2/${jobId}`, {
        type: 'scheduleUpdateTwin',
        updateTwin: { tags: { patched: true } },
        queryCondition: `tags.fleet = '${fleet}'`,
        targetSelection: 'continuous',
        maxExecutionTimeInSeconds: 3600,
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
    // The update makes the devices match the joining configuration's job: each of its writes is a join.
    const update = await timeBulk(app, devices, (i) => ({
      id: id(i),
      importMode: 'update',
      status: 'enabled',
      tags: { fleet: fleet === 'joining' ? 'joining' : 'other2' },
    }));
    rows.push({ name: configuration.name, create, update });
    console.log(
      `  creates ${((1e6 * create) / devices).toFixed(0)} µs/device, updates ${((1e6 * update) / devices).toFixed(0)} µs/device`,
    );
    for (const jobId of jobIds) await app.call('POST', `/jobs/v2/${jobId}/cancel`);
  }

  const base = rows[0];
  if (!base) throw new Error('No configuration ran.');
  const joined = (await app.call('GET', '/jobs/v2/continuous-3-0')).json;
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
    `Each configuration writes ${devices} new devices (\`POST /devices\`, ${BATCH} a request, \`importMode: create\`) and then updates the tags of each (\`importMode: update\` with tags), through the one local host. The open jobs' conditions (\`tags.fleet = '…'\`) are matched in memory against every write (a list cached 2 s per host, read in one partition query); a write that makes a device match a job (last row: the updates) adds its join: one batch transaction (member and queue rows) and one queue message per job and request.`,
    '',
    ...table,
    '',
    `The joining job took the devices: its statistics after the run: ${JSON.stringify((joined as { deviceJobStatistics?: unknown }).deviceJobStatistics ?? {})}.`,
  ].join('\n');
  console.log(`\n${section}\n`);
  await writeBenchmarkSection('continuous-join-bench', section);
});
