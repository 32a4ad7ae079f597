import { Command, Option } from 'commander';
import type { DeviceJobsClient } from '@device-jobs/client';
import type { RegistryJobRequest, RegistryJobResponse } from '@device-jobs/client';
import { EXIT } from '../errors';
import { positiveNumber } from '../option-parsers';
import { createJobProgressView } from '../output/job-progress';
import { asProgressJob } from '../output/registry-job-progress';
import type { Terminal } from '../output/terminal';
import { sleep } from '../watch';
import { answerCommand, showOrWatch } from './answers';
import { clientFor, type CliContext } from './context';

interface WatchOptions {
  watch?: boolean;
  json?: boolean;
  interval: number;
  identity?: boolean;
}

const FINISHED = ['completed', 'failed', 'cancelled'];

const addWatchOptions = (command: Command) =>
  command
    .option(
      '--watch',
      'follow the job with a live progress bar until it ends (exit 0 completed, 1 failed, 2 cancelled)',
    )
    .option('--json', 'print JSON')
    .addOption(
      new Option('--interval <s>', 'seconds between polls while watching')
        .default(1)
        .argParser(positiveNumber),
    );

const addIdentityOption = (command: Command) =>
  command.option(
    '--identity',
    "reach the containers with the service's own storage identity (identityBased) instead of a SAS in the URL",
  );

function printRegistryJob(terminal: Terminal, job: RegistryJobResponse): void {
  const rows: [string, string | undefined][] = [
    ['Job', job.jobId],
    ['Type', job.type],
    ['Status', job.status],
    ['Progress', `${job.progress}%`],
    [
      'Devices',
      job.failedCount === undefined
        ? String(job.deviceCount)
        : `${job.deviceCount} (${job.failedCount} failed)`,
    ],
    ['Input', job.inputBlobContainerUri && `${job.inputBlobContainerUri}/${job.inputBlobName ?? ''}`],
    ['Output', `${job.outputBlobContainerUri}/${job.outputBlobName ?? 'importErrors.log'}`],
    ['Started', job.startTimeUtc],
    ['Ended', job.endTimeUtc],
    ['Message', job.statusMessage],
    ['Failure', job.failureReason],
  ];
  for (const [name, value] of rows) if (value !== undefined) terminal.line(`${name.padEnd(9)}${value}`);
}

function exitCodeOf(job: RegistryJobResponse): number {
  if (job.status === 'failed') return EXIT.jobFailed;
  if (job.status === 'cancelled') return EXIT.jobCancelled;
  return EXIT.ok;
}

/** Polls the job until it ends, drawing it with the job progress view; answers the final job. */
async function watchRegistryJob(
  context: CliContext,
  client: DeviceJobsClient,
  jobId: string,
  options: WatchOptions,
): Promise<RegistryJobResponse> {
  const view = createJobProgressView(context.terminal, false);
  try {
    for (;;) {
      const job = await client.getRegistryJob(jobId);
      if (options.json) context.terminal.line(JSON.stringify(job));
      else view.update(asProgressJob(job), Date.now());
      if (FINISHED.includes(job.status)) return job;
      await sleep(options.interval * 1000);
    }
  } finally {
    view.stop();
  }
}

function showOrWatchRegistryJob(
  context: CliContext,
  client: DeviceJobsClient,
  job: RegistryJobResponse,
  options: WatchOptions,
): Promise<void> {
  return showOrWatch(context, job, options, {
    print: printRegistryJob,
    watch: () => watchRegistryJob(context, client, job.jobId, options),
    exitCode: exitCodeOf,
  });
}

function createAction<O extends object>(
  context: CliContext,
  command: Command,
  request: (options: O) => RegistryJobRequest,
) {
  return async (options: O & WatchOptions) => {
    const client = clientFor(command);
    const body = request(options);
    if (options.identity) body.storageAuthenticationType = 'identityBased';
    const job = await client.createRegistryJob(body);
    if (options.watch && !options.json) context.terminal.line(`Created ${job.type} job ${job.jobId}.`);
    await showOrWatchRegistryJob(context, client, job, options);
  };
}

function exportCommand(context: CliContext): Command {
  const command = new Command('export')
    .description('export every device (identity, keys, twin, scopes) as devices.txt to a blob container')
    .requiredOption('--container-url <url>', 'the container (with a SAS granting read, write and delete)')
    .option('--exclude-keys', 'write the keys as null');
  addIdentityOption(addWatchOptions(command));
  return command.action(
    createAction(context, command, (options: { containerUrl: string; excludeKeys?: boolean }) => ({
      type: 'export',
      outputBlobContainerUri: options.containerUrl,
      excludeKeysInExport: options.excludeKeys === true,
    })),
  );
}

function importCommand(context: CliContext): Command {
  const command = new Command('import')
    .description(
      'import devices.txt (one ExportImportDevice per line, any importMode); failures go to importErrors.log',
    )
    .requiredOption('--input-url <url>', 'the container holding devices.txt (with a SAS granting read)')
    .requiredOption(
      '--output-url <url>',
      'the container importErrors.log is written to (SAS: read, write, delete)',
    );
  addIdentityOption(addWatchOptions(command));
  return command.action(
    createAction(context, command, (options: { inputUrl: string; outputUrl: string }) => ({
      type: 'import',
      inputBlobContainerUri: options.inputUrl,
      outputBlobContainerUri: options.outputUrl,
    })),
  );
}

function jobsCommand(context: CliContext): Command {
  const jobs = new Command('jobs').description('list, show, watch and cancel import and export jobs');
  const list = new Command('list')
    .description('every import and export job, newest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const all = await clientFor(list).listRegistryJobs();
      if (options.json) {
        context.terminal.json(all);
        return;
      }
      context.terminal.table(
        ['job', 'type', 'status', 'progress', 'devices', 'failed', 'started', 'ended'],
        all.map((job) => [
          job.jobId,
          job.type,
          job.status,
          `${job.progress}%`,
          String(job.deviceCount),
          job.failedCount === undefined ? '' : String(job.failedCount),
          job.startTimeUtc ?? '',
          job.endTimeUtc ?? '',
        ]),
      );
    });
  const show = addWatchOptions(
    new Command('show').description('one job; --watch follows it to its end').argument('<jobId>'),
  );
  show.action(async (jobId: string, options: WatchOptions) => {
    const client = clientFor(show);
    await showOrWatchRegistryJob(context, client, await client.getRegistryJob(jobId), options);
  });
  const cancel = answerCommand(context, {
    name: 'cancel',
    description: 'cancel a job: an import stops after the chunk it is applying, an export writes nothing',
    argument: '<jobId>',
    call: (client, jobId) => client.cancelRegistryJob(jobId),
    print: printRegistryJob,
  });
  return jobs.addCommand(list).addCommand(show).addCommand(cancel);
}

/** `device-jobs registry …`: IoT Hub's bulk import and export jobs. */
export function registryCommand(context: CliContext): Command {
  return new Command('registry')
    .description(
      "bulk import and export of the device registry (IoT Hub's import/export jobs) on Blob Storage",
    )
    .addCommand(exportCommand(context))
    .addCommand(importCommand(context))
    .addCommand(jobsCommand(context));
}
