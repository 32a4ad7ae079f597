/**
 * Registry and jobs benchmark, through the app served by the real func-local CLI on an in-memory Azurite:
 * bulk creation of a demo fleet (default 100,000 devices), twin queries by id list and by tags, and a direct-method
 * job over a slice of the fleet (default 10 buildings = 1/5 of it) with devices that answer at once.
 * Prints the figures and writes them to BENCHMARKS.md (jobs section).
 * Usage: npm run bench:jobs [-- --devices N --job-buildings K]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { demoFleet } from '../../shared/devices/simulated/demo-fleet';
import { createSasToken } from '../../shared/http/sas-authorizer';
import { parseConnectionString } from '../local-connection';
import {
  ROOT,
  loadAverage,
  machineDescription,
  peakRssMb,
  runBenchmark,
  writeBenchmarkSection,
} from './bench-support';

interface Options {
  devices: number;
  jobBuildings: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { devices: 100_000, jobBuildings: 10 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--devices' && Number.isInteger(value) && value > 0) options.devices = value;
    if (argv[i] === '--job-buildings' && Number.isInteger(value) && value > 0) options.jobBuildings = value;
  }
  return options;
}

/** The development settings of local.settings.sample.json, with the bench's own overrides. */
function appSettings(storage: string): Record<string, string> {
  const sample = JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  return {
    ...sample.Values,
    AzureWebJobsStorage: storage,
    AzureFunctionsJobHost__extensions__durableTask__hubName: 'JobsBench',
    DEMO_FLEET_SIZE: '0',
    SIMULATION_DEFAULT_PROFILE: JSON.stringify({ latencyMs: 0, failureRate: 0 }),
  };
}

function ownerConnectionString(settings: Record<string, string>): string {
  const policies = JSON.parse(settings.JOBS_ACCESS_POLICIES ?? '[]') as { name: string; key: string }[];
  const owner = policies.find((policy) => policy.name === 'iothubowner');
  if (!owner) throw new Error('local.settings.sample.json has no iothubowner policy.');
  const host = settings.JOBS_HOST_NAME ?? 'localhost';
  return `HostName=${host};SharedAccessKeyName=${owner.name};SharedAccessKey=${owner.key}`;
}

/** Runs the seed script against the app and returns its own measurement. */
async function seedFleet(baseUrl: string, connectionString: string, devices: number): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'dist/scripts/seed.js'),
      ...['--devices', String(devices), '--url', baseUrl, '--connection-string', connectionString],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let summary = '';
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('Seeded')) summary = line;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !summary) throw new Error(`Seeding failed (exit code ${String(code)}).`);
  return summary;
}

class AppClient {
  private readonly credentials: { host: string; name: string; key: string };

  constructor(
    private readonly baseUrl: string,
    connectionString: string,
  ) {
    this.credentials = parseConnectionString(connectionString);
  }

  async call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const { host, name, key } = this.credentials;
    const response = await fetch(new URL(route, this.baseUrl), {
      method,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Authorization: createSasToken(host, { name, key }, Math.ceil(Date.now() / 1000) + 3600),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return { json: JSON.parse(text) as unknown, continuation: response.headers.get('x-ms-continuation') };
  }

  /** Every row of a twin or device-job query, page by page; resolves with the row count and seconds. */
  async queryAll(query: string): Promise<{ rows: number; pages: number; seconds: number }> {
    const started = performance.now();
    let rows = 0;
    let pages = 0;
    let continuation: string | null = null;
    do {
      const headers: Record<string, string> = { 'x-ms-max-item-count': '1000' };
      if (continuation) headers['x-ms-continuation'] = continuation;
      const page = await this.call('POST', '/devices/query', { query }, headers);
      rows += (page.json as unknown[]).length;
      pages += 1;
      continuation = page.continuation;
    } while (continuation);
    return { rows, pages, seconds: (performance.now() - started) / 1000 };
  }
}

interface JobView {
  jobId: string;
  status: string;
  createdTime: string;
  startTime?: string;
  endTime?: string;
  deviceJobStatistics?: { deviceCount: number; succeededCount: number; failedCount: number };
}

async function runMethodJob(
  client: AppClient,
  buildings: number,
): Promise<{ job: JobView; wallSeconds: number }> {
  const list = Array.from({ length: buildings }, (_, i) => `'${i + 1}'`).join(', ');
  const jobId = `bench-reboot-${Date.now()}`;
  const started = performance.now();
  await client.call('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, {
    jobId,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 30 },
    queryCondition: `tags.building IN [${list}]`,
    maxExecutionTimeInSeconds: 3600,
  });
  for (;;) {
    const { json } = await client.call('GET', `/jobs/v2/${jobId}?api-version=2021-04-12`);
    const job = json as JobView;
    if (['completed', 'failed', 'cancelled'].includes(job.status)) {
      return { job, wallSeconds: (performance.now() - started) / 1000 };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

runBenchmark(async ({ azurite, startHost }) => {
  const options = parseOptions(process.argv.slice(2));
  const settings = appSettings(azurite.connectionString);
  const connectionString = ownerConnectionString(settings);
  const host = await startHost(ROOT, settings);
  const client = new AppClient(host.baseUrl, connectionString);

  const seeded = await seedFleet(host.baseUrl, connectionString, options.devices);
  console.log(seeded);
  const fleet = demoFleet({ devices: options.devices });
  const step = Math.max(1, Math.floor(fleet.length / 10));
  const ids = fleet
    .filter((_, index) => index % step === 0)
    .slice(0, 10)
    .map((device) => `'${device.id}'`);
  const byIds = await client.queryAll(`SELECT * FROM devices WHERE deviceId IN [${ids.join(', ')}]`);
  console.log(`Query by 10 ids: ${byIds.rows} rows in ${byIds.seconds.toFixed(2)} s`);
  const byTags = await client.queryAll("SELECT * FROM devices WHERE tags.building = '43' AND tags.floor = 3");
  console.log(`Query by tags: ${byTags.rows} rows, ${byTags.pages} pages in ${byTags.seconds.toFixed(1)} s`);
  // The same 1% of the fleet through the twin index, then as a full scan (an OR branch the index cannot serve).
  const selective = "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor IN [0, 1, 2, 3]";
  const indexed = await client.queryAll(selective);
  const scanned = await client.queryAll(`${selective} OR STARTSWITH(deviceId, 'no-such-device')`);
  const indexRatio = indexed.seconds / scanned.seconds;
  console.log(
    `Selective query: ${indexed.rows} rows in ${indexed.seconds.toFixed(2)} s indexed, ` +
      `${scanned.rows} rows in ${scanned.seconds.toFixed(2)} s scanned (ratio ${indexRatio.toFixed(3)})`,
  );

  const { job, wallSeconds } = await runMethodJob(client, options.jobBuildings);
  const stats = job.deviceJobStatistics;
  const devices = stats?.deviceCount ?? 0;
  const runSeconds =
    job.startTime && job.endTime ? (Date.parse(job.endTime) - Date.parse(job.startTime)) / 1000 : wallSeconds;
  console.log(
    `Method job: ${job.status}, ${devices} devices (${stats?.succeededCount ?? 0} succeeded, ` +
      `${stats?.failedCount ?? 0} failed) in ${runSeconds.toFixed(1)} s (${(devices / runSeconds).toFixed(0)} devices/s); ` +
      `create → seen finished ${wallSeconds.toFixed(1)} s`,
  );
  const results = await client.queryAll(
    `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${job.jobId}'`,
  );
  console.log(
    `Per-device results: ${results.rows} rows, ${results.pages} pages in ${results.seconds.toFixed(1)} s`,
  );
  const peak = peakRssMb(host.child.pid);
  console.log(`Host peak memory (VmHWM): ${peak ?? '?'} MB`);

  await writeBenchmarkSection(
    'jobs-bench',
    [
      '## Registry and jobs (the app on the local host)',
      '',
      `Measured ${new Date().toISOString()} with \`npm run bench:jobs\` on ${machineDescription()} (load average ${loadAverage()} at the end).`,
      'The real `func-local` CLI serves the app on an in-memory Azurite, with the development settings, the',
      'simulated gateway and devices that answer at once (so the figures are the service, not the devices).',
      '',
      '| What | Result |',
      '| --- | --- |',
      `| Bulk creation (\`npm run seed\`, 5,000 per call, 4 calls in flight) | ${seeded.replace(/ at http\S+$/, '')} |`,
      `| Twin query by 10 device ids (point reads) | ${byIds.rows} rows in ${byIds.seconds.toFixed(2)} s |`,
      `| Twin query \`tags.building = '43' AND tags.floor = 3\` (twin index) | ${byTags.rows} rows, ${byTags.pages} pages in ${byTags.seconds.toFixed(2)} s |`,
      `| Selective query \`tags.building = '43' AND tags.floor IN [0, 1, 2, 3]\` (1% of the fleet) through the twin index | ${indexed.rows} rows in ${indexed.seconds.toFixed(2)} s |`,
      `| The same query as a full scan (ORed with a branch the index cannot serve) | ${scanned.rows} rows in ${scanned.seconds.toFixed(2)} s |`,
      `| Indexed ÷ full scan (target ≤ 0.10) | **${indexRatio.toFixed(3)}** |`,
      `| Method job on ${options.jobBuildings} buildings (default shard settings) | ${devices} devices, ${job.status}, ${runSeconds.toFixed(1)} s start → end, ${(devices / runSeconds).toFixed(0)} devices/s |`,
      `| Its per-device results through \`devices.jobs\` (pages of 1,000) | ${results.rows} rows in ${results.seconds.toFixed(1)} s |`,
      '',
      `Host peak resident memory: ${peak ?? '?'} MB. Bulk writes go through Table batch transactions of 100`,
      'entities (each device also writes one twin-index entity per scalar tag and desired value). Equality and IN',
      'on tags or desired properties are answered from the twin index (one partition read per value, then point',
      'reads); `deviceId` conditions are point reads; anything else scans every device. The job ran with',
      'the default shard settings (shards of 100, 8 shards in flight, 10 devices in flight per shard); its rate',
      'has not been profiled or tuned yet.',
    ].join('\n'),
  );
});
