/**
 * Job-creation burst benchmark: the app served by the real func-local CLI on an in-memory Azurite gets 200 job
 * creates (5 devices each) and 1,000 reads of a job at once; prints create and read latency (p50/p95), the 5xx
 * answers and the time until every job ended, and writes them to BENCHMARKS.md.
 * Usage: npm run bench:burst
 */
import { cpuSeconds, loadAverage, measuredOn, runAppBenchmark, writeBenchmarkSection } from './bench-start';
import { BURST_CREATES, BURST_DEVICES_PER_JOB, BURST_READS, BURST_SETTINGS, burst } from './job-burst';
import { benchOptions } from './bench-options';

benchOptions(
  '200 job creates (5 devices each) and 1,000 reads of a job at once on the real func-local CLI: latency, 5xx answers, time until every job ended; writes BENCHMARKS.md.',
  {},
);

runAppBenchmark(async ({ azurite, startApp }) => {
  const { host, client } = await startApp('BurstBench', BURST_SETTINGS);
  host.child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const deviceIds = Array.from(
    { length: BURST_CREATES * BURST_DEVICES_PER_JOB },
    (_, i) => `burst-device-${String(i).padStart(4, '0')}`,
  );
  await client.call(
    'POST',
    '/devices?api-version=2021-04-12',
    deviceIds.map((id) => ({ id, importMode: 'create', status: 'enabled' })),
  );
  const readJobId = `burst-read-${Date.now()}`;
  const cpu = { host: NaN, azurite: NaN };
  await client.call('PUT', `/jobs/v2/${readJobId}?api-version=2021-04-12`, {
    jobId: readJobId,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
    deviceIds: deviceIds.slice(0, BURST_DEVICES_PER_JOB),
  });
  await client.waitForJobEnd(readJobId, 200);

  const loadBefore = loadAverage();
  const processes = { host: host.child.pid, azurite: azurite.process.pid };
  const cpuBefore = { host: cpuSeconds(processes.host), azurite: cpuSeconds(processes.azurite) };
  const result = await burst(client, readJobId, deviceIds, {
    onAnswered: () => {
      cpu.host = (cpuSeconds(processes.host) ?? NaN) - (cpuBefore.host ?? NaN);
      cpu.azurite = (cpuSeconds(processes.azurite) ?? NaN) - (cpuBefore.azurite ?? NaN);
    },
  });
  const loadAfter = loadAverage();
  console.log(`Burst: ${JSON.stringify({ ...result, cpu, loadBefore, loadAfter })}`);
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  await writeBenchmarkSection(
    'burst-bench',
    [
      '## Job-creation burst (the app on the local host)',
      '',
      measuredOn('npm run bench:burst', loadBefore, loadAfter),
      `The real \`func-local\` CLI serves the app on an in-memory Azurite with the development settings; ${BURST_CREATES} job creates (${BURST_DEVICES_PER_JOB} devices each, devices answering at once) and ${BURST_READS} reads of an ended job are sent at once, each on its own connection.`,
      '',
      '| Requests | p50 | p95 |',
      '| --- | ---: | ---: |',
      `| ${BURST_CREATES} creates (\`PUT /jobs/v2/{id}\`) | ${ms(result.createP50)} | ${ms(result.createP95)} |`,
      `| ${BURST_READS} reads (\`GET /jobs/v2/{id}\`) | ${ms(result.readP50)} | ${ms(result.readP95)} |`,
      '',
      `All ${BURST_CREATES + BURST_READS} answered in ${result.burstSeconds.toFixed(1)} s (the host used ${cpu.host.toFixed(1)} CPU seconds meanwhile, Azurite ${cpu.azurite.toFixed(1)}); ${result.failedRequests} did not answer 200, ${result.serverErrors} answers were 5xx; every created job ended ${result.allTerminalSeconds.toFixed(1)} s after the burst began (${JSON.stringify(result.finalStatuses)}, ${result.succeededDevices} devices succeeded).`,
    ].join('\n'),
  );
});
