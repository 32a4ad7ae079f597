import { Command } from 'commander';
import type { ScheduleRequest, JobScheduleResponse } from '@device-jobs/client';
import { pointingInto } from '../errors';
import { addJobTemplateOptions, buildJobTemplate, type JobTemplateOptions } from '../job-template';
import { controls, operationOf } from '../output/job-format';
import type { Terminal } from '../output/terminal';
import { answerCommand, printOrJson } from './answers';
import { allPages, clientFor, type CliContext } from './context';

function printSchedule(terminal: Terminal, schedule: JobScheduleResponse): void {
  const template = schedule.jobTemplate;
  const rows: [string, string][] = [
    ['Schedule', schedule.scheduleId],
    ['Cron', `${schedule.schedule} (${schedule.timeZone})`],
    ['Enabled', schedule.enabled ? 'yes' : 'no'],
    ['Operation', operationOf(template)],
    ['Targets', template.queryCondition ?? `${template.deviceIds?.length ?? 0} device ids`],
    ['Next run', schedule.nextRunTime ?? '-'],
    ['Last run', schedule.lastRunTime ? `${schedule.lastRunTime} (${schedule.lastJobId ?? '-'})` : '-'],
  ];
  for (const control of controls(template)) rows.push(['Controls', control]);
  for (const [key, value] of rows) terminal.line(`${key.padEnd(10)} ${value}`);
}

function setCommand(context: CliContext): Command {
  const command = new Command('set')
    .description('create or replace a recurring job')
    .argument('<scheduleId>')
    .requiredOption('--cron <ncrontab>', "six fields with seconds, e.g. '0 0 2 * * *' (02:00 every day)")
    .option('--time-zone <iana>', 'time zone of the schedule (default UTC)')
    .option('--disabled', 'store the schedule without running it');
  addJobTemplateOptions(command)
    .option('--json', 'print JSON')
    .action(
      async (
        scheduleId: string,
        options: JobTemplateOptions & { cron: string; timeZone?: string; disabled?: boolean; json?: boolean },
      ) => {
        const request: ScheduleRequest = {
          schedule: options.cron,
          enabled: options.disabled !== true,
          jobTemplate: buildJobTemplate(options),
        };
        if (options.timeZone !== undefined) request.timeZone = options.timeZone;
        const call = clientFor(command).putSchedule(scheduleId, request);
        const schedule = await (options.query === undefined ? call : pointingInto(options.query, call));
        printOrJson(context, options.json, schedule, printSchedule);
      },
    );
  return command;
}

function showCommand(context: CliContext): Command {
  return answerCommand(context, {
    name: 'show',
    description: 'a recurring job, its next and last run',
    argument: '<scheduleId>',
    call: (client, scheduleId) => client.getSchedule(scheduleId),
    print: printSchedule,
  });
}

function listCommand(context: CliContext): Command {
  const command = new Command('list')
    .description('every recurring job (every page)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const schedules = await allPages(clientFor(command).listSchedules());
      if (options.json) return context.terminal.json(schedules);
      if (schedules.length === 0) return context.terminal.line('No schedules.');
      context.terminal.table(
        ['SCHEDULE', 'CRON', 'TIME ZONE', 'ENABLED', 'OPERATION', 'NEXT RUN', 'LAST JOB'],
        schedules.map((schedule) => [
          schedule.scheduleId,
          schedule.schedule,
          schedule.timeZone,
          schedule.enabled ? 'yes' : 'no',
          operationOf(schedule.jobTemplate),
          schedule.nextRunTime ?? '-',
          schedule.lastJobId ?? '-',
        ]),
      );
    });
  return command;
}

function deleteCommand(context: CliContext): Command {
  const command = new Command('delete')
    .description('delete a recurring job (no job is created after this answers)')
    .argument('<scheduleId>')
    .action(async (scheduleId: string) => {
      await clientFor(command).deleteSchedule(scheduleId);
      context.terminal.line(`Deleted schedule ${scheduleId}.`);
    });
  return command;
}

export function scheduleCommand(context: CliContext): Command {
  return new Command('schedule')
    .description('recurring jobs (/jobSchedules)')
    .addCommand(setCommand(context))
    .addCommand(showCommand(context))
    .addCommand(listCommand(context))
    .addCommand(deleteCommand(context));
}
