/**
 * A burst of concurrent job creates and reads against the app, with latency percentiles of each: the figure of
 * `npm run bench:burst` and the resilience test of the same name.
 */
import type { JobResponse } from '@device-jobs/client';
import type { Answer } from './app-client';
import { TERMINAL, sleep } from './app-client';

export const BURST_CREATES = 200;
export const BURST_READS = 1_000;
export const BURST_DEVICES_PER_JOB = 5;
/** Every create of the burst may be active at once: above the default JOBS_MAX_ACTIVE_JOBS (100). */
export const BURST_SETTINGS: Readonly<Record<string, string>> = {
  JOBS_MAX_ACTIVE_JOBS: String(BURST_CREATES),
};

/** What the burst sends through (the benchmarks' AppClient, or a test's host). */
export interface BurstClient {
  send(method: string, route: string, body?: unknown): Promise<Pick<Answer, 'status' | 'json'>>;
}

export interface Burst {
  createP50: number;
  createP95: number;
  readP50: number;
  readP95: number;
  /** Answers 5xx (or no answer at all) during the burst and while waiting for the jobs to end. */
  serverErrors: number;
  /** Creates and reads of the burst that did not answer 200. */
  failedRequests: number;
  /** A few of the failed answers (request, status and body), for the diagnosis. */
  failureSamples: string[];
  /** Seconds from the first request to the last answer of the burst. */
  burstSeconds: number;
  /** Seconds from the first request until every created job was in a terminal state. */
  allTerminalSeconds: number;
  /** The created jobs by final status, and their devices that succeeded. */
  finalStatuses: Record<string, number>;
  succeededDevices: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * 200 creates (5 of `deviceIds` each) and 1,000 reads of `readJobId` sent at once (`onAnswered` is called when the
 * last has answered); then waits for every created job to end (at most `endWithinMs`).
 */
export async function burst(
  client: BurstClient,
  readJobId: string,
  deviceIds: string[],
  options: { endWithinMs?: number; onAnswered?: () => void } = {},
): Promise<Burst> {
  const { endWithinMs = 600_000, onAnswered } = options;
  const createTimes: number[] = [];
  const readTimes: number[] = [];
  let serverErrors = 0;
  let failedRequests = 0;
  const failureSamples: string[] = [];
  const sample = (what: string, detail: string) => {
    if (failureSamples.length < 5) failureSamples.push(`${what}: ${detail}`);
  };
  const send = async (method: string, route: string, body?: unknown) => {
    try {
      const answer = await client.send(method, route, body);
      if (answer.status >= 500) serverErrors += 1;
      return answer;
    } catch (error: unknown) {
      serverErrors += 1;
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      return { status: 0, json: `no answer: ${String(error)}${cause}` };
    }
  };
  const timed = async (times: number[], method: string, route: string, body?: unknown) => {
    const started = performance.now();
    const answer = await send(method, route, body);
    times.push(performance.now() - started);
    if (answer.status !== 200) {
      failedRequests += 1;
      sample(`${method} ${route}`, `${answer.status} ${JSON.stringify(answer.json)}`);
    }
  };
  const jobRoute = (jobId: string) => `/jobs/v2/${encodeURIComponent(jobId)}?api-version=2021-04-12`;
  const stamp = Date.now();
  const ids = Array.from({ length: BURST_CREATES }, (_, i) => `burst-${stamp}-${i}`);
  const started = performance.now();
  await Promise.all([
    ...ids.map((jobId, i) =>
      timed(createTimes, 'PUT', jobRoute(jobId), {
        jobId,
        type: 'scheduleDeviceMethod',
        cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
        deviceIds: deviceIds.slice(i * BURST_DEVICES_PER_JOB, (i + 1) * BURST_DEVICES_PER_JOB),
      }),
    ),
    ...Array.from({ length: BURST_READS }, () => timed(readTimes, 'GET', jobRoute(readJobId))),
  ]);
  const burstSeconds = (performance.now() - started) / 1000;
  onAnswered?.();
  const open = new Set(ids);
  const finalStatuses: Record<string, number> = {};
  let succeededDevices = 0;
  while (open.size > 0) {
    for (const jobId of [...open]) {
      const answer = await send('GET', jobRoute(jobId));
      const job = answer.status === 200 ? (answer.json as JobResponse) : undefined;
      if (answer.status === 404) open.delete(jobId);
      if (!job || !TERMINAL.includes(job.status)) continue;
      open.delete(jobId);
      finalStatuses[job.status] = (finalStatuses[job.status] ?? 0) + 1;
      succeededDevices += job.deviceJobStatistics.succeededCount;
    }
    if (open.size > 0) await sleep(500);
    if (performance.now() - started > endWithinMs)
      throw new Error(`${open.size} burst jobs did not end within ${endWithinMs / 1000} s.`);
  }
  return {
    createP50: percentile(createTimes, 50),
    createP95: percentile(createTimes, 95),
    readP50: percentile(readTimes, 50),
    readP95: percentile(readTimes, 95),
    serverErrors,
    failedRequests,
    failureSamples,
    burstSeconds,
    allTerminalSeconds: (performance.now() - started) / 1000,
    finalStatuses,
    succeededDevices,
  };
}
