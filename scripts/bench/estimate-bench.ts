/**
 * Estimate benchmark: dry-run estimates against real run times, over varied scenarios run back to back (latency,
 * concurrency, rate, ramp, retries with flaky and offline devices, waves, mixed profiles, twin jobs with history,
 * the shared budget). The real `func-local` CLI serves the app on an in-memory Azurite; devices are simulated with
 * the profiles each scenario names. For each: `PUT ?dryRun=true`, then the same job for real; the real duration
 * is the job's `endTime` − `createdTime`. A flaky warm-up job runs first, so the type's last job is the misleading
 * kind the old model copied. Prints the table and writes it to BENCHMARKS.md.
 * Usage: npm run bench:estimates
 */
import type { JobResponse } from '@device-jobs/client';
import * as bench from './bench-start';
import { benchOptions } from './bench-options';

benchOptions(
  'Dry-run estimates against real run times over varied scenarios run back to back; writes BENCHMARKS.md.',
  {},
);

const API = 'api-version=2021-04-12';
const BUDGET = 20;

interface Fleet {
  name: string;
  count: number;
  simulation: (index: number) => Record<string, unknown>;
}

interface Scenario {
  name: string;
  fleet: string;
  body: Record<string, unknown>;
  /** Runs first and is not measured (a job that should be running meanwhile, or history to learn from). */
  before?: { fleet: string; body: Record<string, unknown>; waitFor: 'running' | 'ended' };
}

const method = (extra: Record<string, unknown> = {}) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'update', payload: {}, responseTimeoutInSeconds: 30 },
  ...extra,
});
/** A twin job setting `tags.patched` to `version`: each rollout changes the value the one before it set. */
const twin = (version: string, extra: Record<string, unknown> = {}) => ({
  type: 'scheduleUpdateTwin',
  updateTwin: { tags: { patched: version } },
  ...extra,
});
const retries = (failureType: string, numberOfRetries: number) => ({
  retryConfig: { criteriaList: [{ failureType, numberOfRetries }] },
});

const FLEETS: Fleet[] = [
  { name: 'warm', count: 40, simulation: () => ({ latencyMs: 50, failureRate: 0.6 }) },
  { name: 'fixed', count: 300, simulation: () => ({ latencyMs: 200 }) },
  { name: 'ranged', count: 400, simulation: () => ({ latencyMs: [50, 150] }) },
  { name: 'rated', count: 50, simulation: () => ({ latencyMs: 20 }) },
  { name: 'ramped', count: 60, simulation: () => ({ latencyMs: 20 }) },
  { name: 'flaky', count: 80, simulation: () => ({ latencyMs: 100, failureRate: 0.5 }) },
  {
    name: 'offline',
    count: 100,
    simulation: (i) => (i % 5 === 4 ? { offline: true } : { latencyMs: 50 }),
  },
  { name: 'waved', count: 120, simulation: () => ({ latencyMs: 300 }) },
  {
    name: 'mixed',
    count: 450,
    simulation: (i) =>
      i % 3 === 0
        ? { latencyMs: 20 }
        : i % 3 === 1
          ? { latencyMs: 300 }
          : { latencyMs: [100, 200], failureRate: 0.2 },
  },
  { name: 'twins', count: 600, simulation: () => ({ latencyMs: 20 }) },
  { name: 'budgeted', count: 100, simulation: () => ({ latencyMs: 10 }) },
  { name: 'shared', count: 60, simulation: () => ({ latencyMs: 10 }) },
  { name: 'other', count: 250, simulation: () => ({ latencyMs: 10 }) },
];

const where = (fleet: string) => ({ queryCondition: `tags.fleet = '${fleet}'` });

/** Scenarios on the host without a budget. */
const UNBUDGETED: Scenario[] = [
  {
    name: '300 devices × 200 ms, maxConcurrency 20 (after a flaky job)',
    fleet: 'fixed',
    body: method({ rolloutConfig: { maxConcurrency: 20 } }),
  },
  {
    name: '400 devices × 50–150 ms, maxConcurrency 10',
    fleet: 'ranged',
    body: method({ rolloutConfig: { maxConcurrency: 10 } }),
  },
  {
    name: '50 devices × 20 ms at 600/min',
    fleet: 'rated',
    body: method({ rolloutConfig: { maximumPerMinute: 600 } }),
  },
  {
    name: '60 devices, ramp 120→960/min ×2 every 10 started',
    fleet: 'ramped',
    body: method({
      rolloutConfig: {
        maximumPerMinute: 960,
        exponentialRate: {
          baseRatePerMinute: 120,
          incrementFactor: 2,
          rateIncreaseCriteria: { numberOfNotifiedDevices: 10 },
        },
      },
    }),
  },
  {
    name: '80 flaky devices (50% fail, counted as failures) × 100 ms, 2 retries, maxConcurrency 10',
    fleet: 'flaky',
    body: method({
      rolloutConfig: { maxConcurrency: 10 },
      countMethodErrorsAsFailures: true,
      ...retries('failed', 2),
    }),
  },
  {
    name: '100 devices × 50 ms, 20% offline, 3 timedOut retries, maxConcurrency 10',
    fleet: 'offline',
    body: method({ rolloutConfig: { maxConcurrency: 10 }, ...retries('timedOut', 3) }),
  },
  {
    name: '120 devices × 300 ms in waves 10 / 30% / rest, maxConcurrency 10',
    fleet: 'waved',
    body: method({
      rolloutConfig: {
        maxConcurrency: 10,
        waves: [
          { name: 'canary', deviceCount: 10, successThresholdPercentage: 90, then: 'continue' },
          { name: 'early', devicePercentage: 30, successThresholdPercentage: 90, then: 'continue' },
        ],
      },
    }),
  },
  {
    name: '450 devices of mixed profiles (20 ms; 300 ms; 100–200 ms 20% answering errors, IoT Hub’s completed), 1 retry, maxConcurrency 15',
    fleet: 'mixed',
    body: method({ rolloutConfig: { maxConcurrency: 15 }, ...retries('all', 1) }),
  },
  {
    name: '600 twin patches one at a time (devices with a recent twin job)',
    fleet: 'twins',
    body: twin('v2', { rolloutConfig: { maxConcurrency: 1 } }),
    before: { fleet: 'twins', body: twin('v1', { rolloutConfig: { maxConcurrency: 1 } }), waitFor: 'ended' },
  },
];

/** Scenarios on the host with JOBS_DEVICE_OPERATIONS_PER_SECOND = BUDGET. */
const BUDGETED: Scenario[] = [
  {
    name: `100 devices × 10 ms, budget ${BUDGET}/s`,
    fleet: 'budgeted',
    body: method(),
  },
  {
    name: `60 devices × 10 ms, budget ${BUDGET}/s shared with a running job of equal priority`,
    fleet: 'shared',
    body: method({ priority: 5 }),
    before: { fleet: 'other', body: method({ priority: 5 }), waitFor: 'running' },
  },
];

interface Row {
  name: string;
  estimate: number;
  actual: number;
}

async function create(client: bench.AppClient, jobId: string, body: Record<string, unknown>, dryRun = false) {
  const answer = await client.call('PUT', `/jobs/v2/${jobId}?${API}${dryRun ? '&dryRun=true' : ''}`, {
    jobId,
    ...body,
  });
  return answer.json as JobResponse & { estimatedDurationInSeconds?: number };
}

async function runScenario(client: bench.AppClient, scenario: Scenario, index: number): Promise<Row> {
  const stamp = Date.now();
  if (scenario.before) {
    const jobId = `before-${index}-${stamp}`;
    await create(client, jobId, { ...scenario.before.body, ...where(scenario.before.fleet) });
    await client.waitForJob(jobId, (job) =>
      scenario.before?.waitFor === 'ended'
        ? bench.TERMINAL.includes(job.status)
        : job.deviceJobStatistics.succeededCount > 10,
    );
  }
  const jobId = `estimate-${index}-${stamp}`;
  const body = { ...scenario.body, ...where(scenario.fleet) };
  const dry = await create(client, jobId, body, true);
  const created = await create(client, jobId, body);
  const ended = await client.waitForJobEnd(jobId);
  const actual = (Date.parse(ended.endTime ?? '') - Date.parse(created.createdTime)) / 1000;
  const row = { name: scenario.name, estimate: dry.estimatedDurationInSeconds ?? NaN, actual };
  console.log(JSON.stringify({ ...row, status: ended.status }));
  return row;
}

bench.runAppBenchmark(async ({ startApp }) => {
  const plain = await startApp('EstimateBench');
  for (const fleet of FLEETS) {
    await plain.client.call(
      'POST',
      `/devices?${API}`,
      Array.from({ length: fleet.count }, (_, i) => ({
        id: `${fleet.name}-${String(i).padStart(4, '0')}`,
        importMode: 'create',
        status: 'enabled',
        tags: { fleet: fleet.name },
        simulation: fleet.simulation(i),
      })),
    );
  }
  const loadBefore = bench.loadAverage();
  // The type's last job: flaky devices with retry back-offs (what the old model took every device to be).
  const warmId = `warm-${Date.now()}`;
  await create(plain.client, warmId, {
    ...method({
      rolloutConfig: { maxConcurrency: 10 },
      countMethodErrorsAsFailures: true,
      ...retries('failed', 3),
    }),
    ...where('warm'),
  });
  await plain.client.waitForJobEnd(warmId);

  const rows: Row[] = [];
  for (const [index, scenario] of UNBUDGETED.entries())
    rows.push(await runScenario(plain.client, scenario, index));
  const exited = new Promise((resolve) => plain.host.child.once('exit', resolve));
  plain.host.child.kill('SIGTERM');
  await exited;
  const budgeted = await startApp('EstimateBenchBudget', {
    JOBS_DEVICE_OPERATIONS_PER_SECOND: String(BUDGET),
  });
  for (const [index, scenario] of BUDGETED.entries()) {
    rows.push(await runScenario(budgeted.client, scenario, UNBUDGETED.length + index));
  }
  const error = (row: Row) => (row.estimate - row.actual) / row.actual;
  const within = rows.filter((row) => Math.abs(error(row)) <= 0.25).length;
  const table = rows.map(
    (row, index) =>
      `| ${index + 1} | ${row.name} | ${row.estimate} s | ${row.actual.toFixed(1)} s | ${error(row) >= 0 ? '+' : ''}${(error(row) * 100).toFixed(0)}% |`,
  );
  console.log(`${within} of ${rows.length} estimates within 25%`);
  await bench.writeBenchmarkSection(
    'estimate-bench',
    [
      '## Dry-run estimates against real run times (issue 18 item 7)',
      '',
      bench.measuredOn('npm run bench:estimates', loadBefore),
      `The real \`func-local\` CLI serves the app on an in-memory Azurite; each scenario's devices carry the simulation profile it names. A flaky warm-up job (40 devices failing 60%, counted as failures, with 3 retries) runs first, so the type's last observed job is the kind the old model copied onto every device. Each scenario answers a dry run, then runs the same job; the real duration is \`endTime\` − \`createdTime\`. Scenarios ${UNBUDGETED.length + 1}–${rows.length} run on a host with \`JOBS_DEVICE_OPERATIONS_PER_SECOND=${BUDGET}\`. Each scenario runs for several seconds on an idle machine: the estimate is in whole seconds, so a job of under 2 s could not be estimated within 25%. **${within} of ${rows.length} within 25%.**`,
      '',
      '| # | Scenario | estimate | real | error |',
      '| ---: | --- | ---: | ---: | ---: |',
      ...table,
    ].join('\n'),
  );
});
