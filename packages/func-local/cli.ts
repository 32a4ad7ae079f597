#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import * as v from 'valibot';
import { HOSTING_PLANS, type HostingPlan } from './host/function-timeout';
import { choiceSetting, PortTextSchema, readSetting } from './host/setting-schemas';
import { DEFAULT_HOSTNAME, startLocalHost } from './start';

/** Beyond the extensions' own waits for running invocations (5 s), the host gives up on a clean stop. */
const FORCED_EXIT_MS = 15_000;

// A promise the app forgot to await must not take the whole host down, as one bad invocation would not in Azure.
process.on('unhandledRejection', (reason: unknown) => {
  console.error(
    `Unhandled promise rejection in the app: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  );
});

/** A commander argument parser from a setting schema: its message is the option's error. */
const optionParser =
  <TSchema extends v.GenericSchema>(schema: TSchema) =>
  (value: string): v.InferOutput<TSchema> =>
    readSetting(schema, value, (message) => new InvalidArgumentError(message));

const parsePort = optionParser(PortTextSchema);

const parsePlan = optionParser(
  v.pipe(
    v.string(),
    v.toLowerCase(),
    choiceSetting(HOSTING_PLANS, () => `must be one of ${HOSTING_PLANS.join(', ')}.`),
  ),
);

const program = new Command()
  .name('func-local')
  .description(
    'Runs an Azure Functions v4 Node.js app offline, on Azurite, without Azure Functions Core Tools.',
  );

program
  .command('start')
  .description('Serve the app in a folder: its package.json "main", host.json and local.settings.json.')
  .option('--app <dir>', 'the app folder', process.cwd())
  .option('--port <n>', 'HTTP port (0 picks a free one)', parsePort, parsePort(process.env.PORT ?? '7071'))
  .option(
    '--host <address>',
    'the interface to listen on: 127.0.0.1 keeps the host (and its durable management API) local to this machine; 0.0.0.0 exposes it',
    DEFAULT_HOSTNAME,
  )
  .option(
    '--plan <plan>',
    `whose functionTimeout default and limits to apply: ${HOSTING_PLANS.join(', ')}`,
    parsePlan,
    'consumption' as HostingPlan,
  )
  .option(
    '--in-memory',
    'keep the Azurite that the host starts in memory instead of under <app>/.azurite',
    false,
  )
  .action((options: { app: string; port: number; host: string; plan: HostingPlan; inMemory: boolean }) => {
    const starting = startLocalHost({
      appDir: options.app,
      port: options.port,
      hostname: options.host,
      plan: options.plan,
      inMemory: options.inMemory,
    });
    let stopping = false;
    // Listening from the start: a signal during start-up waits for the host (and its Azurite) to be up, then
    // stops it, so that no Azurite is left behind.
    const shutdown = (signal: string) => {
      if (stopping) {
        console.error(`${signal} received again: exiting without waiting.`);
        process.exit(1);
      }
      stopping = true;
      console.log(`${signal} received: stopping.`);
      setTimeout(() => {
        console.error(`Stopping took longer than ${FORCED_EXIT_MS / 1000} s: exiting.`);
        process.exit(1);
      }, FORCED_EXIT_MS).unref();
      starting
        .then((host) => host.stop())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    return starting.then(
      () => undefined,
      (error: unknown) => {
        console.error(`func-local: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  });

program.parseAsync().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
