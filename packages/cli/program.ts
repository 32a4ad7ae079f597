import { Command, Option } from 'commander';
import { devicesCommand } from './commands/devices';
import { jobCommand } from './commands/job';
import { registryCommand } from './commands/registry';
import { scheduleCommand } from './commands/schedule';
import type { CliContext } from './commands/context';
import { positiveInteger } from './option-parsers';

/** `device-jobs`: the operator's client of the device jobs service's public HTTP API. */
export function createProgram(context: CliContext): Command {
  const program = new Command('device-jobs')
    .description(
      'Schedule, watch and act on device jobs through the public HTTP API of the device jobs service.',
    )
    .addOption(
      new Option(
        '--connection-string <cs>',
        'service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…)',
      ).env('DEVICE_JOBS_CONNECTION_STRING'),
    )
    .addOption(
      new Option('--url <url>', 'base URL of the service (default https://<HostName>)').env(
        'DEVICE_JOBS_URL',
      ),
    )
    .addOption(
      new Option('--page-size <n>', 'items asked for per page of a listing')
        .default(1000)
        .argParser(positiveInteger),
    )
    .showHelpAfterError('(add --help for usage)')
    .addCommand(jobCommand(context))
    .addCommand(scheduleCommand(context))
    .addCommand(devicesCommand(context))
    .addCommand(registryCommand(context));
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  // Commander exits the process on usage errors by default; throwing lets the caller choose the exit code.
  for (const command of everyCommand(program)) command.exitOverride();
  return program;
}
