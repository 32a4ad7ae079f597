/**
 * The start of every benchmark of the jobs app, in one import: an in-memory Azurite, the app served by the real
 * `func-local` CLI with the development settings on a task hub of its own, a signed client for it, and what a
 * benchmark records its figures with (the machine, its load, the commit, BENCHMARKS.md).
 */
import { execSync } from 'node:child_process';
import { AppClient } from './app-client';
import {
  ROOT,
  developmentApp,
  loadAverage,
  machineDescription,
  runBenchmark,
  type BenchmarkContext,
  type Host,
} from './bench-support';

export { AppClient, TERMINAL, sleep } from './app-client';
export { ROOT, cpuSeconds, loadAverage, machineDescription, writeBenchmarkSection } from './bench-support';

/** The app started for a benchmark: its host, a client signed as `iothubowner`, and its settings. */
export interface RunningApp {
  host: Host;
  client: AppClient;
  connectionString: string;
}

/** What a benchmark of the app gets: the in-memory Azurite and a way to serve the app over it. */
export interface AppBenchmarkContext extends BenchmarkContext {
  /**
   * Serves the app (the repository root) with the development settings on task hub `hubName`, `overrides` on top
   * (`nodeArgs` go to the host's node); every host it started stops when the benchmark ends.
   */
  startApp: (hubName: string, overrides?: Record<string, string>, nodeArgs?: string[]) => Promise<RunningApp>;
}

/** Runs a benchmark of the app; whatever it started is stopped afterwards, a failure exits with code 1. */
export function runAppBenchmark(body: (context: AppBenchmarkContext) => Promise<void>): void {
  runBenchmark((context) =>
    body({
      ...context,
      startApp: async (hubName, overrides = {}, nodeArgs = []) => {
        const { settings, connectionString } = developmentApp(
          context.azurite.connectionString,
          hubName,
          overrides,
        );
        const host = await context.startHost(ROOT, settings, nodeArgs);
        return { host, client: new AppClient(host.baseUrl, connectionString), connectionString };
      },
    }),
  );
}

/**
 * The short commit the figures were measured at, `(+ changes)` when the tree differs from it; `BENCH_COMMIT` when
 * set (a run from a copy of a clean checkout, which has no git directory, so that rebuilding the checkout cannot
 * change a long run's code under it).
 */
export function commitId(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    const dirty = execSync('git status --porcelain', { cwd: ROOT }).toString().trim() ? ' (+ changes)' : '';
    return `${head}${dirty}`;
  } catch {
    return 'unknown';
  }
}

/**
 * The sentence that opens a section of BENCHMARKS.md: when, at which commit, by which command, on which machine,
 * and the load average before and after (the machine is shared).
 */
export function measuredOn(command: string, loadBefore: string, loadAfter = loadAverage()): string {
  return (
    `Measured ${new Date().toISOString()} at commit ${commitId()} with \`${command}\` on ${machineDescription()} ` +
    `(load average ${loadBefore} before, ${loadAfter} after; the machine is shared, figures vary between runs).`
  );
}
