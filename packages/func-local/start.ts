import path from 'node:path';
import { applySettings, readAppFolder, type AppFolder } from './app/app-folder';
import type { CapturedApp, RegisteredFunction } from './app/capture';
import type { LogLevel } from './app/core-api';
import { loadApp } from './app/load-app';
import { createExtensions } from './extensions';
import type { HostLogger } from './host/extension';
import { FunctionHost, HostStartError } from './host/function-host';
import { readFunctionTimeout, type HostingPlan } from './host/function-timeout';
import { formatTimeSpan } from './host/time-span';
import { withHostJsonOverrides } from './host/host-json-overrides';
import { startAzurite, type RunningAzurite } from './storage/azurite';
import { httpRouteOf, routePrefixOf } from './triggers/http/http-trigger.extension';
import { compareFunctionNames } from './triggers/http/route-order';

export interface LocalHostOptions {
  appDir: string;
  port: number;
  /** The interface to listen on (default 127.0.0.1: reachable from this machine only). */
  hostname?: string;
  /** Whose functionTimeout default and limits to apply (default consumption, the strictest). */
  plan?: HostingPlan;
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

export const DEFAULT_HOSTNAME = '127.0.0.1';

/**
 * The environment variable naming the address the HTTP listener binds, set before the app loads so that the app
 * can tell whether anything beyond this machine reaches it. Core Tools sets no such variable.
 */
export const LISTEN_ADDRESS_VARIABLE = 'FUNC_LOCAL_LISTEN_ADDRESS';

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
  const read = readAppFolder(options.appDir);
  applySettings(read.localSettings);
  // The host's fact, not a setting: it wins over local.settings.json and the environment.
  process.env[LISTEN_ADDRESS_VARIABLE] = options.hostname ?? DEFAULT_HOSTNAME;
  const folder: AppFolder = { ...read, hostJson: withHostJsonOverrides(read.hostJson, process.env) };
  const plan = options.plan ?? 'consumption';
  const functionTimeoutMs = readFunctionTimeout(folder.hostJson.functionTimeout, plan);

  let azurite: RunningAzurite | undefined;
  let stopping = false;
  const configured = process.env.AzureWebJobsStorage;
  if (!configured && Object.keys(process.env).some((name) => /^AzureWebJobsStorage__/i.test(name))) {
    log(
      'host',
      'warning',
      'Identity-based AzureWebJobsStorage__* settings are not supported by the local host: it starts Azurite and ' +
        'sets AzureWebJobsStorage to it (a connection string wins over identity settings, as on Azure).',
    );
  }
  if (!configured || DEVELOPMENT_STORAGE.test(configured)) {
    azurite = await startAzurite({
      inMemory: options.inMemory,
      location: path.join(folder.root, '.azurite'),
    });
    process.env.AzureWebJobsStorage = azurite.connectionString;
    azurite.process.once('exit', (code, signal) => {
      if (!stopping) {
        log(
          'host',
          'error',
          `Azurite exited unexpectedly (${signal ?? `code ${String(code)}`}): storage is gone.`,
        );
      }
    });
    print(
      `Azurite started (${options.inMemory ? 'in memory' : `data in ${path.join(folder.root, '.azurite')}`}).`,
    );
  }
  const storageConnectionString = process.env.AzureWebJobsStorage ?? '';

  let host: FunctionHost | undefined;
  try {
    const app = loadApp(folder, (level, message) => log('host', level, message));
    await refuseHttpStreaming(app);
    host = new FunctionHost({
      folder,
      app,
      extensions: createExtensions(),
      env: process.env,
      storageConnectionString,
      port: options.port,
      hostname: options.hostname ?? DEFAULT_HOSTNAME,
      functionTimeoutMs,
      log,
      responseLog: process.env.FUNC_LOCAL_RESPONSE_LOG,
    });
    const baseUrl = await host.start();
    print('Functions:');
    const listed = [...app.functions].sort((a, b) => compareFunctionNames(a.metadata.name, b.metadata.name));
    for (const fn of listed) print(`  ${describeFunction(fn, baseUrl, folder)}`);
    print(
      `Function timeout: ${functionTimeoutMs === undefined ? 'none' : formatTimeSpan(functionTimeoutMs)} (${plan} plan rules).`,
    );
    print(`Host ready: listening on ${baseUrl}`);
    const running = host;
    return {
      baseUrl,
      storageConnectionString,
      functionNames: app.functions.map((fn) => fn.metadata.name),
      stop: async () => {
        stopping = true;
        await running.stop();
        await azurite?.stop();
      },
    };
  } catch (error: unknown) {
    stopping = true;
    await azurite?.stop();
    throw error;
  }
}

/**
 * Asks the programming model for its capabilities, as the worker does once the app is loaded (this also locks
 * `app.setup`). HTTP streaming would make `@azure/functions` wait for requests on a proxy the local host does
 * not feed, so it is refused at start.
 */
async function refuseHttpStreaming(app: CapturedApp): Promise<void> {
  const capabilities = await app.programmingModel?.getCapabilities?.({});
  if (capabilities?.HttpUri) {
    throw new HostStartError(
      'The app enables HTTP streaming (app.setup({ enableHttpStream: true })), which the local host does not support.',
    );
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
