/**
 * Real devices benchmark: N official `azure-iot-device` MQTT clients in this one process connect over TLS to the
 * device endpoint (its own process, `device-endpoint start`, as under `npm start`), the app served by func-local.
 * Measures the connect time of the whole fleet, the endpoint's memory per idle connection (its resident memory
 * before and after the fleet connected), and a method job over the N real devices as a ratio to the same job over
 * N simulated devices of the same latency, in the same run. Prints the figures and writes them to BENCHMARKS.md.
 * Usage: npm run bench:devices [-- --devices 2000 --latency-ms 20 --profile]
 * (--profile: CPU profiles of the app host and the endpoint during each job are printed, BENCHMARKS.md is left alone)
 * (N clients need 2 file descriptors each across the two processes: `ulimit -n` of at least 2 N + a few hundred.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Client } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import type { JobResponse } from '@device-jobs/client';
import {
  type AppClient,
  ROOT,
  commitId,
  cpuSeconds,
  loadAverage,
  machineDescription,
  runAppBenchmark,
  sleep,
  writeBenchmarkSection,
} from './bench-start';
import { readStorageRequestCounts } from './count-storage-requests';
import { SignalProfiler } from './cpu-profile';
import { benchOptions, wholeNumberFrom } from './bench-options';

interface Options {
  devices: number;
  latencyMs: number;
  profile: boolean;
}

function parseOptions(): Options {
  const read = benchOptions(
    'N real MQTT devices against N simulated ones of the same latency: connect time, memory per connection, a method job as a ratio; writes BENCHMARKS.md.',
    {
      devices: {
        value: wholeNumberFrom(1),
        default: 2_000,
        placeholder: 'N',
        description: 'devices of each kind',
      },
      'latency-ms': {
        value: wholeNumberFrom(0),
        default: 20,
        placeholder: 'MS',
        description: "every device's answer latency",
      },
      profile: {
        flag: true,
        description:
          'CPU profiles of the app host and the endpoint during each job (BENCHMARKS.md left alone)',
      },
    },
  );
  return { devices: read.devices, latencyMs: read['latency-ms'], profile: read.profile };
}

/** Rounds of one real and one simulated job (the first round also warms the host's job engine up). */
const ROUNDS = 2;

interface JobFigures {
  rate: number;
  succeeded: number;
  cpu: string;
  failures: string;
}

interface Round {
  real: JobFigures;
  simulated: JobFigures;
  ratio: number;
}

/** Clients connecting at once (TLS handshakes and SAS checks queue up beyond this). */
const CONNECT_CONCURRENCY = 100;
const BULK_BATCH = 5_000;

const keyOf = (deviceId: string) => Buffer.alloc(32, deviceId).toString('base64');
const realId = (i: number) => `bench-real-${String(i).padStart(5, '0')}`;
const simulatedId = (i: number) => `bench-sim-${String(i).padStart(5, '0')}`;

/** CPU seconds this process used since `before`. */
function cpuOfThisProcess(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** Resident memory of a process now, from /proc (Linux). */
function rssMb(pid: number | undefined): number {
  const status = fs.readFileSync(`/proc/${pid ?? 0}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

interface Endpoint {
  child: ChildProcess;
  port: number;
  ca: string;
}

const PROFILE_ON_SIGNAL = path.join(ROOT, 'dist/scripts/bench/profile-on-signal.js');
const COUNT_STORAGE_REQUESTS = path.join(ROOT, 'dist/scripts/bench/count-storage-requests.js');

async function startEndpoint(storage: string, profileDir: string | undefined): Promise<Endpoint> {
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-endpoint-'));
  const cli = path.join(ROOT, 'dist/packages/device-endpoint/cli.js');
  const nodeArgs = profileDir ? ['--require', PROFILE_ON_SIGNAL] : [];
  const args = [...nodeArgs, cli, 'start', '--port', '0', '--cert-dir', certDir, '--app', ROOT];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      AzureWebJobsStorage: storage,
      JOBS_HOST_NAME: 'localhost',
      ...(profileDir ? { CPU_PROFILE_DIR: profileDir } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => console.error(`endpoint: ${line}`));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('The device endpoint did not start within 60 s.')),
      60_000,
    );
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /mqtts:\/\/[^:]+:(\d+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`The device endpoint exited with code ${String(code)}.`)));
  });
  return { child, port, ca: fs.readFileSync(path.join(certDir, 'ca.pem'), 'utf8') };
}

async function createDevices(app: AppClient, ids: string[], fleet: string): Promise<void> {
  for (let start = 0; start < ids.length; start += BULK_BATCH) {
    const body = ids.slice(start, start + BULK_BATCH).map((id) => ({
      id,
      importMode: 'create',
      status: 'enabled',
      tags: { fleet },
      authentication: {
        type: 'sas',
        symmetricKey: { primaryKey: keyOf(id), secondaryKey: keyOf(`${id}-2`) },
      },
    }));
    const answer = await app.call('POST', '/devices?api-version=2021-04-12', body);
    const result = answer.json as { isSuccessful?: boolean; errors?: unknown[] };
    if (result.isSuccessful === false)
      throw new Error(`bulk create: ${JSON.stringify(result.errors?.slice(0, 3))}`);
  }
}

/** A loaded machine may refuse a connect (the registry read timed out): a few tries, as a device app would. */
async function openWithRetries(client: Client, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.open();
      return;
    } catch (error: unknown) {
      if (attempt === 3) throw new Error(`${id}: ${(error as Error).message}`);
      await sleep(1_000 * attempt);
    }
  }
}

/** Opens the clients, `CONNECT_CONCURRENCY` at a time; each answers `reboot` after `latencyMs`. */
async function connectAll(ids: string[], endpoint: Endpoint, latencyMs: number): Promise<Client[]> {
  const clients: Client[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] ?? '';
      const client = Client.fromConnectionString(
        `HostName=localhost;DeviceId=${id};SharedAccessKey=${keyOf(id)};GatewayHostName=localhost:${endpoint.port}`,
        Mqtt,
      );
      await client.setOptions({ ca: endpoint.ca });
      await openWithRetries(client, id);
      client.onDeviceMethod('reboot', (_request, response) => {
        setTimeout(() => response.send(200, { rebooted: id }, () => undefined), latencyMs);
      });
      clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return clients;
}

/** Runs a method job over the devices of a fleet tag; answers devices per second (creation to end). */
async function methodJob(
  app: AppClient,
  jobId: string,
  fleet: string,
): Promise<{ rate: number; job: JobResponse }> {
  const started = performance.now();
  await app.call('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, {
    jobId,
    type: 'scheduleDeviceMethod',
    queryCondition: `tags.fleet = '${fleet}'`,
    cloudToDeviceMethod: { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 30 },
    maxExecutionTimeInSeconds: 1800,
  });
  const job = await app.waitForJobEnd(jobId, 200);
  const seconds = (performance.now() - started) / 1000;
  return { rate: job.deviceJobStatistics.succeededCount / seconds, job };
}

/** The error codes of a job's failed devices, with counts (`GatewayTimeout × 3`). */
async function failureCodes(app: AppClient, jobId: string): Promise<string> {
  const counts = new Map<string, number>();
  const query = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}' AND devices.jobs.status = 'failed'`;
  for await (const page of app.queryPages<{ error?: { code: string } }>(query)) {
    for (const row of page) counts.set(row.error?.code ?? '?', (counts.get(row.error?.code ?? '?') ?? 0) + 1);
  }
  return [...counts].map(([code, count]) => `${code} × ${count}`).join(', ');
}

const options = parseOptions();
runAppBenchmark(async ({ azurite, startApp }) => {
  const n = options.devices;
  const profileDir = options.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-devices-')) : undefined;
  const { host, client: app } = await startApp(
    'BenchDevices',
    {
      SIMULATION_DEFAULT_PROFILE: JSON.stringify({ latencyMs: options.latencyMs, failureRate: 0 }),
      ...(profileDir
        ? {
            CPU_PROFILE_DIR: path.join(profileDir, 'host'),
            STORAGE_REQUEST_COUNTS_FILE: path.join(profileDir, 'storage-requests.json'),
          }
        : {}),
    },
    profileDir ? ['--require', PROFILE_ON_SIGNAL, '--require', COUNT_STORAGE_REQUESTS] : [],
  );
  const endpoint = await startEndpoint(
    azurite.connectionString,
    profileDir && path.join(profileDir, 'endpoint'),
  );
  const profilers = profileDir && {
    host: new SignalProfiler(host.child, path.join(profileDir, 'host')),
    endpoint: new SignalProfiler(endpoint.child, path.join(profileDir, 'endpoint')),
  };
  /** Runs a job, with the host and the endpoint profiled during it when --profile is given. */
  const profiled = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    if (!profilers || !profileDir) return work();
    const countsFile = path.join(profileDir, 'storage-requests.json');
    const before = readStorageRequestCounts(countsFile);
    profilers.host.start();
    profilers.endpoint.start();
    const result = await work();
    // The host writes its counts every second.
    await sleep(1_500);
    const after = readStorageRequestCounts(countsFile);
    const requests = Object.entries(after).map(
      ([kind, count]) => `${kind} ${count - (before[kind as keyof typeof before] ?? 0)}`,
    );
    console.log(
      `--- ${name}: HTTP requests of the host (control calls count as tableWrite): ${requests.join(', ')}`,
    );
    for (const [process, profiler] of Object.entries(profilers)) {
      const { lines } = await profiler.stop(25);
      console.log(`--- ${name}: ${process}\n${lines.join('\n')}`);
    }
    return result;
  };
  let clients: Client[] = [];
  try {
    const real = Array.from({ length: n }, (_, i) => realId(i));
    await createDevices(app, real, 'real');
    await createDevices(
      app,
      Array.from({ length: n }, (_, i) => simulatedId(i)),
      'simulated',
    );
    await sleep(1_000);
    const idleBefore = rssMb(endpoint.child.pid);
    const connectStarted = performance.now();
    const connectCpuBefore = { endpoint: cpuSeconds(endpoint.child.pid) ?? 0, clients: process.cpuUsage() };
    clients = await connectAll(real, endpoint, options.latencyMs);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const connectCpu = {
      endpoint: (cpuSeconds(endpoint.child.pid) ?? 0) - connectCpuBefore.endpoint,
      clients: cpuOfThisProcess(connectCpuBefore.clients),
    };
    const connectCpuText = `endpoint ${((connectCpu.endpoint * 1000) / n).toFixed(1)} ms, client ${((connectCpu.clients * 1000) / n).toFixed(1)} ms`;
    console.log(
      `${n} clients connected in ${connectSeconds.toFixed(1)} s; CPU per connect: ${connectCpuText}`,
    );
    await sleep(5_000);
    const idleAfter = rssMb(endpoint.child.pid);
    const perConnectionKb = ((idleAfter - idleBefore) * 1024) / n;
    console.log(
      `endpoint RSS ${idleBefore.toFixed(0)} MB → ${idleAfter.toFixed(0)} MB: ${perConnectionKb.toFixed(1)} KB per idle connection`,
    );
    const load = loadAverage();
    /** One real job then one simulated job; CPU seconds of each process during each. */
    const runRound = async (round: number): Promise<Round> => {
      const measure = async (name: string, fleet: string) => {
        const before = {
          endpoint: cpuSeconds(endpoint.child.pid) ?? 0,
          host: cpuSeconds(host.child.pid) ?? 0,
          clients: process.cpuUsage(),
        };
        const jobId = `bench-${fleet}-reboot-${round}`;
        const { rate, job } = await profiled(`${name} job, round ${round}`, () =>
          methodJob(app, jobId, fleet),
        );
        const cpu = `endpoint ${((cpuSeconds(endpoint.child.pid) ?? 0) - before.endpoint).toFixed(1)} s, app host ${((cpuSeconds(host.child.pid) ?? 0) - before.host).toFixed(1)} s, the ${n} clients ${cpuOfThisProcess(before.clients).toFixed(1)} s`;
        const failures = await failureCodes(app, jobId);
        console.log(
          `round ${round}, ${name} devices: ${rate.toFixed(0)} devices/s (${job.status}, ${job.deviceJobStatistics.succeededCount} succeeded${failures ? `; failed: ${failures}` : ''}); CPU: ${cpu}`,
        );
        return { rate, succeeded: job.deviceJobStatistics.succeededCount, cpu, failures };
      };
      const real = await measure('real', 'real');
      const simulated = await measure('simulated', 'simulated');
      console.log(`round ${round}: ratio real / simulated ${(real.rate / simulated.rate).toFixed(2)}×`);
      return { real, simulated, ratio: real.rate / simulated.rate };
    };
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) rounds.push(await runRound(round));
    const endLoad = loadAverage();
    if (profilers) return;
    const last = rounds[rounds.length - 1] as Round;
    const roundRows = rounds.flatMap((round, index) => [
      `| Round ${index + 1}${index === 0 ? " (the host's first jobs)" : ''}: method job over ${n} real devices | ${round.real.rate.toFixed(0)} devices/s (${round.real.succeeded} succeeded${round.real.failures ? `; failed: ${round.real.failures}` : ''}); CPU: ${round.real.cpu} |`,
      `| Round ${index + 1}: the same job over ${n} simulated devices | ${round.simulated.rate.toFixed(0)} devices/s; CPU: ${round.simulated.cpu} |`,
      `| Round ${index + 1}: ratio real / simulated | ${round.ratio.toFixed(2)}× |`,
    ]);
    await writeBenchmarkSection(
      'bench-devices',
      [
        '## Real devices (`npm run bench:devices`)',
        '',
        `${new Date().toISOString().slice(0, 10)}, commit ${commitId()}, ${machineDescription()}; load average ${load} at the start of the jobs, ${endLoad} at the end (the machine is shared).`,
        `${n} official \`azure-iot-device\` MQTT clients in one process, the device endpoint in its own process, the app on func-local, in-memory Azurite; each device answers \`reboot\` after ${options.latencyMs} ms, the simulated ones have \`latencyMs: ${options.latencyMs}\`. ${ROUNDS} rounds of one job on the real devices then one on the simulated ones: the first jobs a host runs also pay for compiling its job engine (V8 optimises the code shared by both paths during them), so the ratio is the last round's.`,
        '',
        '| Figure | Value |',
        '| --- | --- |',
        `| Connect time of the whole fleet (${CONNECT_CONCURRENCY} at a time) | ${connectSeconds.toFixed(1)} s (${(n / connectSeconds).toFixed(0)} clients/s) |`,
        `| CPU per connect (TLS handshake, SAS check, registry read and write) | ${connectCpuText} |`,
        `| Endpoint memory per idle connection (resident, ${idleBefore.toFixed(0)} → ${idleAfter.toFixed(0)} MB) | ${perConnectionKb.toFixed(1)} KB |`,
        ...roundRows,
        `| **Ratio real / simulated, round ${rounds.length}** (target ≥ 0.5×) | **${last.ratio.toFixed(2)}×** |`,
      ].join('\n'),
    );
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    endpoint.child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (endpoint.child.exitCode !== null) resolve(undefined);
      else endpoint.child.once('exit', resolve);
    });
  }
});
