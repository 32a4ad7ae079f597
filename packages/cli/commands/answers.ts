import { Command } from 'commander';
import type { DeviceJobsClient } from '@device-jobs/client';
import type { Terminal } from '../output/terminal';
import { clientFor, type CliContext } from './context';

/** Draws one answer for a person. */
export type Printer<T> = (terminal: Terminal, value: T) => void;

/** Prints an answer with its printer, or its JSON with `--json`. */
export function printOrJson<T>(context: CliContext, json: boolean | undefined, value: T, print: Printer<T>) {
  if (json) context.terminal.json(value);
  else print(context.terminal, value);
}

/** A command on one resource: `<name> <id> [options] [--json]`, one call, its answer printed. */
export interface AnswerCommand<T, O> {
  name: string;
  description: string;
  /** The id argument, as the help names it. */
  argument: string;
  /** Options of its own, declared before `--json`. */
  options?: (command: Command) => Command;
  call: (client: DeviceJobsClient, id: string, options: O) => Promise<T>;
  print: Printer<T>;
}

export function answerCommand<T, O extends object = object>(
  context: CliContext,
  spec: AnswerCommand<T, O>,
): Command {
  const command = new Command(spec.name).description(spec.description).argument(spec.argument);
  (spec.options?.(command) ?? command)
    .option('--json', 'print JSON')
    .action(async (id: string, options: O & { json?: boolean }) => {
      printOrJson(context, options.json, await spec.call(clientFor(command), id, options), spec.print);
    });
  return command;
}

/** How a job of some kind is followed to its end. */
export interface Watching<T> {
  print: Printer<T>;
  /** Follows the job until it ends (drawing progress, or JSON lines with `--json`); answers the final job. */
  watch: () => Promise<T>;
  exitCode: (job: T) => number;
}

/** Prints the job, or watches it to its end and sets the exit code from how it ended. */
export async function showOrWatch<T>(
  context: CliContext,
  job: T,
  options: { watch?: boolean; json?: boolean },
  watching: Watching<T>,
): Promise<void> {
  if (!options.watch) return printOrJson(context, options.json, job, watching.print);
  const final = await watching.watch();
  if (!options.json) {
    context.terminal.line();
    watching.print(context.terminal, final);
  }
  context.exit(watching.exitCode(final));
}
