import type { Command } from 'commander';
import type { DeviceJobsClient } from '@device-jobs/client';
import { createClient } from '../api/connection';
import type { Terminal } from '../output/terminal';

/** What every command needs: where to print, and a client built from the global options on first use. */
export interface CliContext {
  terminal: Terminal;
  /** Sets the process's exit code (the highest wins when several are set). */
  exit(code: number): void;
}

interface GlobalOptions {
  connectionString?: string;
  url?: string;
  pageSize: number;
}

export function clientFor(command: Command): DeviceJobsClient {
  const options = command.optsWithGlobals<GlobalOptions>();
  return createClient(options.connectionString, options.url, options.pageSize);
}

/** Every item of every page. */
export async function allPages<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page);
  return items;
}
