import path from 'node:path';
import { applySettings, readAppFolder, type AppFolder } from './app/app-folder';
import type { RegisteredFunction } from './app/capture';
import type { LogLevel } from './app/core-api';
import { loadApp } from './app/load-app';
import { createExtensions } from './extensions';
import type { HostLogger } from './host/extension';
import { FunctionHost } from './host/function-host';
import { startAzurite, type RunningAzurite } from './storage/azurite';
import { httpRouteOf, routePrefixOf } from './triggers/http/http-trigger.extension';

export interface LocalHostOptions {
  appDir: string;
  port: number;
  /** Start Azurite in memory rather than persisted under the app folder. */
  inMemory: boolean;
  log?: HostLogger;
  /** Where the start-up banner goes (the function list and the ready line). */
  print?: (line: string) => void;
}

export interface RunningLocalHost {
  baseUrl: string;
  storageConnectionString: string;
  functionNames: string[];
  stop(): Promise<void>;
}

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i;

export function consoleLogger(source: string, level: LogLevel, message: string): void {
  const line = `[${new Date().toISOString()}] ${source}: ${message}`;
  if (level === 'error' || level === 'critical') console.error(line);
  else if (level === 'warning') console.warn(line);
  else if (level !== 'trace' && level !== 'debug') console.log(line);
}

/**
 * Starts the local host for an app folder: settings into the environment, Azurite when the app asks for
 * development storage, the app's functions loaded and served.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const log = options.log ?? consoleLogger;
  const print = options.print ?? ((line: string) => console.log(line));
  const folder = readAppFolder(options.appDir);
  applySettings(folder.localSettings);

  let azurite: RunningAzurite | undefined;
  const configured = process.env.AzureWebJobsStorage;
  if (!configured || DEVELOPMENT_STORAGE.test(configured)) {
    azurite = await startAzurite({
      inMemory: options.inMemory,
      location: path.join(folder.root, '.azurite'),
    });
    process.env.AzureWebJobsStorage = azurite.connectionString;
    print(
      `Azurite started (${options.inMemory ? 'in memory' : `data in ${path.join(folder.root, '.azurite')}`}).`,
    );
  }
  const storageConnectionString = process.env.AzureWebJobsStorage ?? '';

  let host: FunctionHost | undefined;
  try {
    const app = loadApp(folder, (level, message) => log('host', level, message));
    host = new FunctionHost({
      folder,
      app,
      extensions: createExtensions(),
      env: process.env,
      storageConnectionString,
      port: options.port,
      log,
    });
    const baseUrl = await host.start();
    print('Functions:');
    for (const fn of app.functions) print(`  ${describeFunction(fn, baseUrl, folder)}`);
    print(`Host ready: listening on ${baseUrl}`);
    const running = host;
    return {
      baseUrl,
      storageConnectionString,
      functionNames: app.functions.map((fn) => fn.metadata.name),
      stop: async () => {
        await running.stop();
        await azurite?.stop();
      },
    };
  } catch (error: unknown) {
    await azurite?.stop();
    throw error;
  }
}

/** One line per function, like `func start`: name, methods and URL for HTTP, the trigger type otherwise. */
function describeFunction(fn: RegisteredFunction, baseUrl: string, folder: AppFolder): string {
  const trigger = Object.values(fn.metadata.bindings).find((b) => /trigger$/i.test(b.type));
  if (trigger?.type.toLowerCase() === 'httptrigger') {
    const { template, methods } = httpRouteOf(fn, trigger, routePrefixOf({ folder }));
    return `${fn.metadata.name}: [${(methods ?? ['ANY']).join(',')}] ${baseUrl}/${template.text}`;
  }
  return `${fn.metadata.name}: ${trigger?.type ?? 'no trigger'}`;
}
