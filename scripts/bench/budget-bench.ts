/**
 * Budget benchmark: how closely running jobs keep to one device-operation budget (JOBS_DEVICE_OPERATIONS_PER_SECOND)
 * and split it by priority. Two real `func-local` hosts serve the app on one task hub over one in-memory Azurite
 * (the jobs' steps land on either host; the hosts share the budget only through the running-jobs table). Devices
 * answer at once, so the budget is the only brake. Scenarios: 1, 2 and 3 concurrent jobs of mixed priority.
 * Figures: while every job of a scenario runs, the total device starts a second against the budget, and each
 * job's share against its priority's; and the total per second over time. Prints them and writes BENCHMARKS.md.
 * Usage: npm run bench:budget [-- --budget N]
 */
import * as bench from './bench-start';
import { benchOptions, positiveNumber } from './bench-options';

const API = 'api-version=2021-04-12';
/** Seconds each job would take alone at its share while all of a scenario's jobs run. */
const SHARED_SECONDS = 15;

interface Scenario {
  name: string;
  priorities: number[];
}

const SCENARIOS: Scenario[] = [
  { name: 'one job', priorities: [5] },
  { name: 'two equal jobs', priorities: [5, 5] },
  { name: 'three jobs of mixed priority', priorities: [2, 3, 5] },
];

interface Measured {
  scenario: Scenario;
  windowSeconds: number;
  total: number;
  shares: { priority: number; expected: number; measured: number }[];
  perSecond: number[];
}

async function startTimes(client: bench.AppClient, jobId: string): Promise<number[]> {
  const starts: number[] = [];
  const query = `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'`;
  for await (const page of client.queryPages<{ startTimeUtc?: string }>(query)) {
    for (const row of page) if (row.startTimeUtc) starts.push(Date.parse(row.startTimeUtc));
  }
  return starts.sort((a, b) => a - b);
}

async function runScenario(client: bench.AppClient, budget: number, scenario: Scenario, index: number) {
  const total = scenario.priorities.reduce((sum, priority) => sum + priority, 0);
  // A scheduled start a few seconds ahead, so the jobs begin together whichever host picks them up.
  const startTime = new Date(Date.now() + 4000).toISOString();
  const jobs = scenario.priorities.map((priority, position) => ({
    jobId: `budget-${index}-${position}-${Date.now()}`,
    priority,
    devices: Math.round(((budget * priority) / total) * SHARED_SECONDS),
  }));
  for (const job of jobs) {
    await client.call('PUT', `/jobs/v2/${job.jobId}?${API}`, {
      jobId: job.jobId,
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
      deviceIds: Array.from({ length: job.devices }, (_, i) => `budget-${String(i).padStart(5, '0')}`),
      startTime,
      priority: job.priority,
    });
  }
  for (const job of jobs) await client.waitForJobEnd(job.jobId, 250);
  const starts = await Promise.all(jobs.map((job) => startTimes(client, job.jobId)));
  // The window where every job runs: from the last first start to the first last start (a second trimmed each
  // side for the hosts to see each other's rows).
  const from = Math.max(...starts.map((times) => times[0] ?? 0)) + 1000;
  const to = Math.min(...starts.map((times) => times[times.length - 1] ?? 0)) - 500;
  const seconds = (to - from) / 1000;
  const within = starts.map((times) => times.filter((at) => at >= from && at < to).length);
  const all = within.reduce((sum, count) => sum + count, 0);
  const perSecond: number[] = [];
  for (let second = from; second + 1000 <= to; second += 1000) {
    perSecond.push(starts.flat().filter((at) => at >= second && at < second + 1000).length);
  }
  const measured: Measured = {
    scenario,
    windowSeconds: seconds,
    total: all / seconds,
    shares: jobs.map((job, position) => ({
      priority: job.priority,
      expected: job.priority / total,
      measured: (within[position] ?? 0) / Math.max(1, all),
    })),
    perSecond,
  };
  console.log(JSON.stringify(measured));
  return measured;
}

const { budget } = benchOptions(
  'How closely running jobs keep to one device-operation budget and split it by priority (two hosts, one Azurite); writes BENCHMARKS.md.',
  {
    budget: {
      value: positiveNumber,
      default: 50,
      placeholder: 'N',
      description: 'JOBS_DEVICE_OPERATIONS_PER_SECOND of both hosts',
    },
  },
);

bench.runAppBenchmark(async ({ startApp }) => {
  const settings = { JOBS_DEVICE_OPERATIONS_PER_SECOND: String(budget) };
  const { client: first } = await startApp('BudgetBench', settings);
  const { client: second } = await startApp('BudgetBench', settings);
  const fleet = Math.ceil(budget * SHARED_SECONDS);
  await first.call(
    'POST',
    `/devices?${API}`,
    Array.from({ length: fleet }, (_, i) => ({
      id: `budget-${String(i).padStart(5, '0')}`,
      importMode: 'create',
      status: 'enabled',
    })),
  );
  const loadBefore = bench.loadAverage();
  const results: Measured[] = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    // Jobs are created on alternate hosts; their steps run on whichever host takes them.
    results.push(await runScenario(index % 2 === 0 ? first : second, budget, scenario, index));
  }
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  const rows = results.map(
    (result) =>
      `| ${result.scenario.name} | ${result.scenario.priorities.join(', ')} | ${result.windowSeconds.toFixed(1)} s | ${result.total.toFixed(1)}/s (${percent(result.total / budget)}) | ${result.shares.map((share) => `${percent(share.measured)} (${percent(share.expected)})`).join(', ')} | ${result.perSecond.join(' ')} |`,
  );
  await bench.writeBenchmarkSection(
    'budget-bench',
    [
      '## One device-operation budget across jobs (issue 18 item 6)',
      '',
      bench.measuredOn('npm run bench:budget', loadBefore),
      `Two real \`func-local\` hosts serve the app on one task hub over one in-memory Azurite with \`JOBS_DEVICE_OPERATIONS_PER_SECOND=${budget}\`; devices answer at once, so the budget is the only brake. Each scenario's jobs have a scheduled start together and as many devices as ${SHARED_SECONDS} s at their share; the figures are taken while every job of the scenario runs (a second after the last one's first start to half a second before the first one's last start). The hosts share nothing but the running-jobs table (one row per running job: priority and heartbeat, each host writing its rows and reading all once a second).`,
      '',
      '| Scenario | priorities | window | total device starts (of the budget) | each job’s share, measured (expected) | total per second over the window |',
      '| --- | --- | ---: | ---: | --- | --- |',
      ...rows,
    ].join('\n'),
  );
});
