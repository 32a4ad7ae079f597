#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { demoFleet } from '../shared/devices/simulated/demo-fleet';
import {
  ApiError,
  bulkCreateDevices,
  DeviceJobsClient,
  parseConnectionString,
  SasAuthorizer,
  TransportError,
} from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';
import { MAX_BULK_DEVICES } from '../shared/devices/simulated/bulk-registry';
import { defaultConnectionString } from './local-connection';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number.');
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1.');
  return n;
}

interface SeedOptions {
  devices: number;
  url: string;
  connectionString?: string;
  prefix: string;
  offlineRate: number;
  failureRate: number;
  batch: number;
  parallel: number;
}

/** A progress line on stderr every this many devices (a million take a while). */
const PROGRESS_EVERY = 50_000;

/** Attempts at one bulk request while the service fails on its side (5xx, or the connection broke). */
const BULK_ATTEMPTS = 8;

/** A failure on the service's side, worth another attempt: storage hiccups on a loaded machine. */
function isTransient(error: unknown): boolean {
  return error instanceof TransportError || (error instanceof ApiError && error.status >= 500);
}

/**
 * A bulk request, tried again 5 s (the service's `Retry-After`) after a failure on the service's side: a large
 * seed on a loaded machine meets a storage hiccup now and then (Azurite resetting connections). A bulk create is
 * safe to repeat: devices a failed attempt created come back as `DeviceAlreadyExists` and count as existing.
 */
async function withRetries<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error: unknown) {
      if (!isTransient(error) || attempt >= BULK_ATTEMPTS) throw error;
      console.error(
        `seed: ${(error as Error).message} (attempt ${attempt} of ${BULK_ATTEMPTS}; retrying in 5 s)`,
      );
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
}

async function seed(options: SeedOptions): Promise<void> {
  const connectionString = options.connectionString ?? defaultConnectionString();
  if (!connectionString)
    throw new Error('No connection string: pass --connection-string or create local.settings.json.');
  const client = new DeviceJobsClient({
    baseUrl: options.url,
    authorizer: new SasAuthorizer(parseConnectionString(connectionString), nodeCryptoHmac),
  });
  const fleet = demoFleet({
    devices: options.devices,
    prefix: options.prefix,
    offlineRate: options.offlineRate,
    failureRate: options.failureRate,
  });
  const started = Date.now();
  let reported = 0;
  const { created, existing } = await bulkCreateDevices(client, fleet, {
    batch: options.batch,
    parallel: options.parallel,
    send: withRetries,
    onProgress: (done) => {
      if (Math.floor(done / PROGRESS_EVERY) === Math.floor(reported / PROGRESS_EVERY)) return;
      reported = done;
      console.error(
        `seed: ${done} of ${fleet.length} devices after ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    },
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `Seeded ${created} devices (${existing} existed already) in ${seconds.toFixed(1)} s ` +
      `(${Math.round(options.devices / seconds)} devices/s) at ${options.url}.`,
  );
}

const program = new Command()
  .name('seed')
  .description(
    'Creates a tagged demo fleet (buildings, floors, regions, firmware, kinds) in the embedded registry.',
  )
  .option('--devices <n>', 'how many devices', positiveInt, 1000)
  .option('--url <url>', 'base URL of the running app', process.env.SEED_URL ?? 'http://localhost:7071')
  .option(
    '--connection-string <cs>',
    'service connection string (default: iothubowner of local.settings.json)',
  )
  .option('--prefix <text>', 'device id prefix', 'device-')
  .option('--offline-rate <r>', 'share of offline devices (0..1)', rate, 0)
  .option('--failure-rate <r>', 'direct method failure rate of every device (0..1)', rate, 0)
  .option('--batch <n>', `devices per bulk request (max ${MAX_BULK_DEVICES})`, positiveInt, MAX_BULK_DEVICES)
  .option('--parallel <n>', 'bulk requests in flight', positiveInt, 4)
  .action(async (options: SeedOptions) => {
    if (options.batch > MAX_BULK_DEVICES)
      throw new InvalidArgumentError(`--batch is at most ${MAX_BULK_DEVICES}.`);
    await seed(options);
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
