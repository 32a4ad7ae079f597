#!/usr/bin/env node
import { Command } from 'commander';
import type { DeviceJobResponse, JobResponse } from '@device-jobs/client';
import { JobClient, Registry } from 'azure-iothub';
import { usePlainHttp } from '../shared/devices/iothub/plain-http-agent';
import { defaultConnectionString } from './local-connection';

interface DemoOptions {
  port: number;
  jobId: string;
  condition: string;
  method: string;
  startIn: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Schedules a direct method job with the official SDK, watches it to the end and lists every device's result. */
async function demo(options: DemoOptions): Promise<void> {
  const connectionString = defaultConnectionString();
  if (!connectionString) throw new Error('No local.settings.json (run npm start once).');
  const jobClient = JobClient.fromConnectionString(connectionString);
  const registry = Registry.fromConnectionString(connectionString);
  const agents = [usePlainHttp(jobClient, options.port), usePlainHttp(registry, options.port)];
  try {
    const startTime = new Date(Date.now() + options.startIn * 1000);
    const created = await jobClient.scheduleDeviceMethod(
      options.jobId,
      options.condition,
      { methodName: options.method, payload: { reason: 'jobs demo' }, responseTimeoutInSeconds: 30 },
      startTime,
      600,
    );
    console.log(
      `created ${options.jobId}: ${(created.jobStatus as JobResponse).status}, starts ${startTime.toISOString()}`,
    );
    let job: JobResponse;
    do {
      await sleep(500);
      job = (await jobClient.getJob(options.jobId)).jobStatus as JobResponse;
      console.log(`${job.status.padEnd(9)} ${JSON.stringify(job.deviceJobStatistics)}`);
    } while (!['completed', 'failed', 'cancelled'].includes(job.status));
    if (job.failureReason) console.log(`failure reason: ${job.failureReason}`);

    const query = registry.createQuery(
      `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${options.jobId}'`,
      100,
    );
    while (query.hasMoreResults) {
      // Pass the token: the SDK's next() without one re-reads the first page.
      const page = await query.next(query.continuationToken);
      for (const row of page.result as DeviceJobResponse[]) {
        const answer = row.outcome?.deviceMethodResponse
          ? `method status ${row.outcome.deviceMethodResponse.status}`
          : `error ${row.error?.code ?? '-'}`;
        console.log(`${row.deviceId}  ${row.status.padEnd(9)} ${answer}`);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

const program = new Command('jobs-demo')
  .description(
    'Schedule a reboot of building 43 floor 3 on the local app and watch it (azure-iothub JobClient)',
  )
  .option('--port <n>', 'port of the local app', (value) => Number(value), 7071)
  .option('--job-id <id>', 'job id', `reboot-43-3-${Date.now()}`)
  .option('--condition <where>', 'query condition', "tags.building = '43' AND tags.floor = 3")
  .option('--method <name>', 'direct method', 'reboot')
  .option('--start-in <seconds>', 'start this many seconds from now', (value) => Number(value), 5)
  .action(demo);

program.parseAsync().catch((error: unknown) => {
  console.error(`jobs-demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
