import { Command, Option } from 'commander';
import {
  DEVICE_JOB_STATUSES,
  JOB_STATUSES,
  JOB_TYPES,
  type DeviceJobsClient,
  type JobRequest,
  type JobResponse,
} from '@device-jobs/client';
import { pointingInto } from '../errors';
import { addJobTemplateOptions, buildJobTemplate, type JobTemplateOptions } from '../job-template';
import { choice, idList, positiveNumber, startTime } from '../option-parsers';
import { deviceResultsCsv, FORMATS, printDeviceResults, type Format } from '../output/device-results';
import { printDryRun, printJob, printJobTable } from '../output/job-format';
import { createJobProgressView } from '../output/job-progress';
import { exitCodeOf, watchJob } from '../watch';
import { answerCommand, printOrJson, showOrWatch } from './answers';
import { allPages, clientFor, type CliContext } from './context';

interface WatchOptions {
  watch?: boolean;
  json?: boolean;
  interval: number;
}

const intervalOption = () =>
  new Option('--interval <s>', 'seconds between polls while watching').default(1).argParser(positiveNumber);

/** Prints the job, or watches it to its end and sets the exit code from how it ended. */
function showOrWatchJob(
  context: CliContext,
  client: DeviceJobsClient,
  job: JobResponse,
  options: WatchOptions,
): Promise<void> {
  return showOrWatch(context, job, options, {
    print: printJob,
    watch: () =>
      watchJob(
        client,
        job.jobId,
        createJobProgressView(context.terminal, options.json === true),
        options.interval * 1000,
      ),
    exitCode: exitCodeOf,
  });
}

function createCommand(context: CliContext): Command {
  const command = new Command('create')
    .description('create a job: a direct method or a twin patch on the devices a query or a list selects')
    .argument('<jobId>', 'id of the new job (1-128 of A-Z a-z 0-9 - . _ ~)');
  addJobTemplateOptions(command)
    .option('--start <time>', 'start time: ISO-8601 with zone, or +10m / +2h / +30s from now', (value) =>
      startTime(value),
    )
    .option('--dry-run', 'validate and resolve the targets, estimate the duration; create nothing')
    .option(
      '--watch',
      'follow the job with a live progress bar until it ends (exit 0 all devices succeeded, 4 some failed, 1 job failed, 2 cancelled)',
    )
    .option('--json', 'print JSON')
    .addOption(intervalOption())
    .action(
      async (
        jobId: string,
        options: JobTemplateOptions & WatchOptions & { start?: string; dryRun?: boolean },
      ) => {
        const request: JobRequest = { jobId, ...buildJobTemplate(options) };
        if (options.start !== undefined) request.startTime = options.start;
        const client = clientFor(command);
        const send = <T>(call: Promise<T>) =>
          options.query === undefined ? call : pointingInto(options.query, call);
        if (options.dryRun) {
          return printOrJson(context, options.json, await send(client.dryRun(request)), printDryRun);
        }
        const job = await send(client.createJob(request));
        if (options.watch && !options.json) context.terminal.line(`Created ${job.jobId} (${job.status}).`);
        await showOrWatchJob(context, client, job, options);
      },
    );
  return command;
}

function showCommand(context: CliContext): Command {
  const command = new Command('show')
    .description('status and statistics of a job')
    .argument('<jobId>')
    .option(
      '--watch',
      'live progress bar until the job ends (exit 0 all devices succeeded, 4 some failed, 1 job failed, 2 cancelled)',
    )
    .option('--json', 'print JSON (with --watch: one JSON line per change)')
    .addOption(intervalOption())
    .action(async (jobId: string, options: WatchOptions) => {
      const client = clientFor(command);
      await showOrWatchJob(context, client, await client.getJob(jobId), options);
    });
  return command;
}

/** Jobs by creation time, newest first (the service lists them by id); ties by id. */
export function newestFirst(jobs: readonly JobResponse[]): JobResponse[] {
  const created = (job: JobResponse) => Date.parse(job.createdTime) || 0;
  return [...jobs].sort((a, b) => created(b) - created(a) || a.jobId.localeCompare(b.jobId));
}

function listCommand(context: CliContext): Command {
  const command = new Command('list')
    .description('list jobs, newest first (every page)')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .addOption(new Option('--type <type>', 'only jobs of this type').choices(JOB_TYPES))
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; type?: string; json?: boolean }) => {
      const jobs = newestFirst(
        await allPages(clientFor(command).listJobs({ jobStatus: options.status, jobType: options.type })),
      );
      if (options.json) context.terminal.json(jobs);
      else if (jobs.length === 0) context.terminal.line('No jobs.');
      else printJobTable(context.terminal, jobs);
    });
  return command;
}

function cancelCommand(context: CliContext): Command {
  return answerCommand(context, {
    name: 'cancel',
    description: 'cancel a job: devices not started yet end canceled, devices in flight finish',
    argument: '<jobId>',
    call: (client, jobId) => client.cancelJob(jobId),
    print: printJob,
  });
}

const CONTROLS = {
  pause: 'pause a running job: no new device starts, devices in flight finish, the deadline keeps counting',
  resume: 'resume a paused job (also the approval of a gated wave)',
} as const;

function controlCommand(context: CliContext, action: keyof typeof CONTROLS): Command {
  return answerCommand(context, {
    name: action,
    description: CONTROLS[action],
    argument: '<jobId>',
    options: (command) => command.option('--reason <text>', 'why (kept with the job and its event)'),
    call: (client, jobId, options: { reason?: string }) => client.controlJob(jobId, action, options.reason),
    print: printJob,
  });
}

function rerunCommand(context: CliContext): Command {
  const command = new Command('rerun')
    .description("a new job with the same work on the ended job's devices of the given statuses")
    .argument('<jobId>', 'the ended job')
    .requiredOption('--new-id <jobId>', 'id of the new job')
    .option(
      '--statuses <list>',
      'device statuses to rerun, comma separated',
      (value) => idList(value).map(choice(DEVICE_JOB_STATUSES)),
      ['failed', 'canceled'],
    )
    .option('--start <time>', 'start time: ISO-8601 with zone, or +10m from now', (value) => startTime(value))
    .option('--watch', 'follow the new job until it ends (exit codes as job show --watch)')
    .option('--json', 'print JSON')
    .addOption(intervalOption())
    .action(
      async (
        jobId: string,
        options: WatchOptions & { newId: string; statuses: string[]; start?: string },
      ) => {
        const client = clientFor(command);
        const job = await client.rerunJob(jobId, {
          jobId: options.newId,
          deviceStatuses: options.statuses,
          ...(options.start !== undefined && { startTime: options.start }),
        });
        if (options.watch && !options.json) context.terminal.line(`Created ${job.jobId} (${job.status}).`);
        await showOrWatchJob(context, client, job, options);
      },
    );
  return command;
}

function rollbackCommand(context: CliContext): Command {
  const command = new Command('rollback')
    .description(
      'undo a twin job: a new twin job restores the values it overwrote on every device it completed; a device ' +
        'changed since fails with RollbackConflict and is left alone. A job not ended is cancelled first.',
    )
    .argument('<jobId>', 'the twin job to roll back')
    .option('--as <newId>', 'id of the rollback job (default <jobId>-rollback)')
    .option('--watch', 'follow the rollback until it ends (exit codes as job show --watch)')
    .option('--json', 'print JSON')
    .addOption(intervalOption())
    .action(async (jobId: string, options: WatchOptions & { as?: string }) => {
      const client = clientFor(command);
      const job = await client.rollbackJob(jobId, options.as === undefined ? {} : { jobId: options.as });
      if (options.watch && !options.json) context.terminal.line(`Created ${job.jobId} (${job.status}).`);
      await showOrWatchJob(context, client, job, options);
    });
  return command;
}

function devicesCommand(context: CliContext): Command {
  const command = new Command('devices')
    .description("every device's result in a job (every page); the table groups failures by error code")
    .argument('<jobId>')
    .addOption(new Option('--status <status>', 'only devices in this status').choices(DEVICE_JOB_STATUSES))
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .action(async (jobId: string, options: { status?: string; format: Format }) => {
      const devices = await allPages(
        clientFor(command).deviceJobs(jobId, options.status ? [options.status] : []),
      );
      if (options.format === 'json') context.terminal.json(devices);
      else if (options.format === 'csv') context.terminal.out.write(deviceResultsCsv(devices));
      else printDeviceResults(context.terminal, devices);
    });
  return command;
}

export function jobCommand(context: CliContext): Command {
  return new Command('job')
    .description('create, watch, list, pause, resume, cancel, rerun and roll back jobs')
    .addCommand(createCommand(context))
    .addCommand(showCommand(context))
    .addCommand(listCommand(context))
    .addCommand(controlCommand(context, 'pause'))
    .addCommand(controlCommand(context, 'resume'))
    .addCommand(cancelCommand(context))
    .addCommand(rerunCommand(context))
    .addCommand(rollbackCommand(context))
    .addCommand(devicesCommand(context));
}
