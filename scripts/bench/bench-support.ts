/** What the benchmark scripts share: starting the real func-local CLI, reading memory, writing BENCHMARKS.md. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startAzurite, type RunningAzurite } from '../../packages/func-local/storage/azurite';

// Runs compiled from dist/scripts/bench; the repository root is three levels up there.
export const ROOT = path.resolve(
  __dirname,
  __dirname.split(path.sep).includes('dist') ? '../../..' : '../..',
);
const CLI = path.join(ROOT, 'dist/packages/func-local/cli.js');
const BENCHMARKS = path.join(ROOT, 'BENCHMARKS.md');

export interface Host {
  baseUrl: string;
  child: ChildProcess;
  /** The durable management API's key of this start (`code=`), when the app uses durable functions. */
  managementKey: string | undefined;
}

/** Starts `func-local start` on a free port for an app folder and resolves once it is ready. */
async function startHost(
  appDir: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Host> {
  if (!fs.existsSync(CLI)) throw new Error('Build first: npm run build');
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'start', '--app', appDir, '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let managementKey: string | undefined;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The host did not start within 60 s.')), 60_000);
    const onLine = (line: string) => {
      managementKey ??= /Management API key of this start: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
      const match = /Host ready: listening on (\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      onLine(line);
      if (/error/i.test(line)) console.error(`host: ${line}`);
    });
    child.once('exit', (code) => reject(new Error(`The host exited with code ${String(code)}.`)));
  });
  return { baseUrl, child, managementKey };
}

async function stopHost(host: Host | undefined): Promise<void> {
  if (!host || host.child.exitCode !== null) return;
  const exited = new Promise((resolve) => host.child.once('exit', resolve));
  host.child.kill('SIGTERM');
  await exited;
}

/** Peak resident memory of a process, from /proc (Linux). */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Cores, CPU model, Node and OS, for the record. */
export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function loadAverage(): string {
  return os.loadavg()[0]?.toFixed(1) ?? '?';
}

/** Replaces (or appends) the section between `<!-- NAME:start -->` and `<!-- NAME:end -->` of BENCHMARKS.md. */
export async function writeBenchmarkSection(name: string, section: string): Promise<void> {
  const startMark = `<!-- ${name}:start -->`;
  const endMark = `<!-- ${name}:end -->`;
  const block = `${startMark}\n${section}\n${endMark}`;
  const existing = fs.existsSync(BENCHMARKS) ? fs.readFileSync(BENCHMARKS, 'utf8') : '# Benchmarks\n';
  const start = existing.indexOf(startMark);
  const end = existing.indexOf(endMark);
  const next =
    start >= 0 && end > start
      ? `${existing.slice(0, start)}${block}${existing.slice(end + endMark.length)}`
      : `${existing.trimEnd()}\n\n${block}\n`;
  // Formatted as `npm run format` would, so that the written file passes `prettier --check`.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(BENCHMARKS)) ?? {};
  fs.writeFileSync(BENCHMARKS, await prettier.format(next, { ...options, filepath: BENCHMARKS }));
  console.log(`Written to ${path.relative(process.cwd(), BENCHMARKS)}`);
}

/**
 * The development settings of local.settings.sample.json for a benchmark's host on `storage` (devices that
 * answer at once, no demo fleet, its own task hub), and the owner's connection string to call it with.
 */
export function developmentApp(
  storage: string,
  hubName: string,
  overrides: Record<string, string> = {},
): { settings: Record<string, string>; connectionString: string } {
  const { Values } = JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const policies = JSON.parse(Values.JOBS_ACCESS_POLICIES ?? '[]') as { name: string; key: string }[];
  const owner = policies.find((policy) => policy.name === 'iothubowner');
  if (!owner) throw new Error('local.settings.sample.json has no iothubowner policy.');
  return {
    settings: {
      ...Values,
      AzureWebJobsStorage: storage,
      AzureFunctionsJobHost__extensions__durableTask__hubName: hubName,
      DEMO_FLEET_SIZE: '0',
      SIMULATION_DEFAULT_PROFILE: JSON.stringify({ latencyMs: 0, failureRate: 0 }),
      ...overrides,
    },
    connectionString: `HostName=${Values.JOBS_HOST_NAME ?? 'localhost'};SharedAccessKeyName=${owner.name};SharedAccessKey=${owner.key}`,
  };
}

/** What a benchmark body gets: an in-memory Azurite, and a way to start func-local on an app folder over it. */
export interface BenchmarkContext {
  azurite: RunningAzurite;
  /** `nodeArgs` go to the host's node (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  startHost: (appDir: string, env: Record<string, string>, nodeArgs?: string[]) => Promise<Host>;
}

/**
 * Runs a benchmark body with an in-memory Azurite (its node given `azuriteNodeArgs`, e.g. a larger heap); whatever
 * it started (Azurite, hosts) is stopped afterwards, and a failure is printed with exit code 1.
 */
export function runBenchmark(
  body: (context: BenchmarkContext) => Promise<void>,
  options: { azuriteNodeArgs?: string[] } = {},
): void {
  const hosts: Host[] = [];
  let azurite: RunningAzurite | undefined;
  const run = async () => {
    try {
      azurite = await startAzurite({ inMemory: true, nodeArgs: options.azuriteNodeArgs ?? [] });
      await body({
        azurite,
        startHost: async (appDir, env, nodeArgs) => {
          const host = await startHost(appDir, env, nodeArgs);
          hosts.push(host);
          return host;
        },
      });
    } finally {
      for (const host of hosts) await stopHost(host);
      await azurite?.stop();
    }
  };
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
