import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  bulkCreateDevices,
  type BulkCreateCount,
  type BulkDeviceEntry,
  type DeviceJobsClient,
} from '@device-jobs/client';
import { pointingInto } from '../errors';
import { jsonObject, positiveInteger } from '../option-parsers';
import { FORMATS, rowsAsColumns, type Format } from '../output/device-results';
import type { Terminal } from '../output/terminal';
import { allPages, clientFor, type CliContext } from './context';
import { stringify } from 'csv-stringify/sync';

/** The embedded registry's limit per bulk call. */
const MAX_BATCH = 5000;
const TWIN_COLUMNS = ['deviceId', 'status', 'connectionState', 'kind', 'lastActivityTime', 'tags'];

/** A twin's table row: `kind` tells a device a real client connected with (`real`) from a simulated one. */
function twinColumns(row: Record<string, unknown>): Record<string, unknown> {
  const withKind = { ...row, kind: row.deviceKind === 'real' ? 'real' : 'simulated' };
  return Object.fromEntries(TWIN_COLUMNS.map((key) => [key, withKind[key as keyof typeof withKind]]));
}

function isTwin(row: unknown): boolean {
  return typeof row === 'object' && row !== null && 'deviceId' in row && 'properties' in row;
}

function printRows(terminal: Terminal, rows: readonly unknown[], format: Format): void {
  if (format === 'json') return terminal.json(rows);
  const narrowed =
    format === 'table' && rows.length > 0 && rows.every(isTwin)
      ? rows.map((row) => twinColumns(row as Record<string, unknown>))
      : rows;
  const { head, cells } = rowsAsColumns(narrowed);
  if (format === 'csv') return void terminal.out.write(stringify(cells, { header: true, columns: head }));
  if (rows.length === 0) return terminal.line('No rows.');
  terminal.table(head, cells);
  terminal.line(`${rows.length} ${rows.length === 1 ? 'row' : 'rows'}`);
}

function queryCommand(context: CliContext): Command {
  const command = new Command('query')
    .description('run an IoT Hub query (SELECT … FROM devices | devices.jobs …), every page')
    .argument('<query>', `e.g. "SELECT * FROM devices WHERE tags.building = '43'"`)
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .action(async (query: string, options: { format: Format }) => {
      const rows = await pointingInto(query, allPages(clientFor(command).query(query)));
      printRows(context.terminal, rows, options.format);
    });
  return command;
}

interface SeedOptions {
  count: number;
  prefix: string;
  tags?: Record<string, unknown>;
  simulation?: Record<string, unknown>;
  batch: number;
  parallel: number;
}

function seedEntries(options: SeedOptions): BulkDeviceEntry[] {
  const width = Math.max(5, String(options.count - 1).length);
  return Array.from({ length: options.count }, (_, index) => ({
    id: `${options.prefix}${String(index).padStart(width, '0')}`,
    importMode: 'create',
    status: 'enabled',
    ...(options.tags && { tags: options.tags }),
    ...(options.simulation && { simulation: options.simulation }),
  }));
}

async function seed(
  client: DeviceJobsClient,
  terminal: Terminal,
  options: SeedOptions,
): Promise<BulkCreateCount> {
  const entries = seedEntries(options);
  const bar = terminal.interactive
    ? new SingleBar({
        stream: terminal.out,
        format: 'seeding [{bar}] {value}/{total} devices | {eta_formatted}',
      })
    : undefined;
  bar?.start(entries.length, 0);
  try {
    return await bulkCreateDevices(client, entries, { ...options, onProgress: (done) => bar?.update(done) });
  } finally {
    bar?.stop();
  }
}

function seedCommand(context: CliContext): Command {
  const command = new Command('seed')
    .description(
      'create simulated devices through the bulk registry API (existing ids are counted, not changed)',
    )
    .requiredOption('--count <n>', 'how many devices', positiveInteger)
    .option('--prefix <text>', 'device id prefix (ids are <prefix>00000, <prefix>00001, …)', 'device-')
    .option('--tags <json>', 'tags of every device (JSON object, or @file)', jsonObject)
    .option(
      '--simulation <json>',
      'simulation profile of every device, e.g. {"latencyMs":[20,80],"failureRate":0.1,"offline":false}',
      jsonObject,
    )
    .option(
      '--batch <n>',
      `devices per bulk request (at most ${MAX_BATCH})`,
      (value) => {
        const size = positiveInteger(value);
        if (size > MAX_BATCH) throw new InvalidArgumentError(`At most ${MAX_BATCH}.`);
        return size;
      },
      1000,
    )
    .option('--parallel <n>', 'bulk requests in flight', positiveInteger, 4)
    .action(async (options: SeedOptions) => {
      const started = Date.now();
      const { created, existing } = await seed(clientFor(command), context.terminal, options);
      const seconds = (Date.now() - started) / 1000;
      context.terminal.line(
        `Created ${created} devices (${existing} existed already) in ${seconds.toFixed(1)} s.`,
      );
    });
  return command;
}

export function devicesCommand(context: CliContext): Command {
  return new Command('devices')
    .description('query the registry and twins, seed simulated devices')
    .addCommand(queryCommand(context))
    .addCommand(seedCommand(context));
}
