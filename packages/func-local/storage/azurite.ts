import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import readline from 'node:readline';

/** Azurite's well-known development account; its key is public and documented. */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Keep everything in memory (lost on exit) instead of persisting under `location`. */
  inMemory: boolean;
  /** Workspace folder for persistent data; required unless `inMemory`. */
  location?: string;
  /** Called with each line Azurite prints, for diagnostics. */
  onOutput?: (line: string) => void;
  /** Ports to listen on (default: free ones), e.g. those of a previous run to restart it where clients expect it. */
  ports?: { blob: number; queue: number; table: number };
  /**
   * Options for Azurite's own node (e.g. `--max-old-space-size=8192`): an in-memory Azurite holding a million
   * entities needs more heap than V8's default old-space limit.
   */
  nodeArgs?: string[];
}

export interface RunningAzurite {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  process: ChildProcess;
  stop(): Promise<void>;
}

const LISTENING =
  /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/;
// Generous: on a 2-core machine shared by many busy processes a persistent Azurite has taken over 30 s to start.
const START_TIMEOUT_MS = 90_000;

export function connectionStringFor(ports: { blob: number; queue: number; table: number }): string {
  const endpoint = (port: number) => `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_ACCOUNT_KEY}`,
    `BlobEndpoint=${endpoint(ports.blob)}`,
    `QueueEndpoint=${endpoint(ports.queue)}`,
    `TableEndpoint=${endpoint(ports.table)}`,
  ].join(';');
}

/**
 * Starts Azurite from its npm package as a child process on free loopback ports, with telemetry off.
 * Resolves once all three services listen.
 */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const azuriteMain = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const args = [
    ...(options.nodeArgs ?? []),
    azuriteMain,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.ports?.blob ?? 0),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(options.ports?.queue ?? 0),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(options.ports?.table ?? 0),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
  ];
  if (options.inMemory) {
    args.push('--inMemoryPersistence');
  } else {
    if (!options.location) throw new Error('A persistent Azurite needs a location.');
    fs.mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports: Partial<Record<'blob' | 'queue' | 'table', number>> = {};

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${START_TIMEOUT_MS / 1000} s.`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onLine = (line: string) => {
      options.onOutput?.(line);
      const match = LISTENING.exec(line);
      if (match?.[1] && match[2]) {
        ports[match[1].toLowerCase() as 'blob' | 'queue' | 'table'] = Number(match[2]);
        if (ports.blob && ports.queue && ports.table) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', fail);
    child.once('exit', (code) =>
      fail(new Error(`Azurite exited with code ${code ?? 'null'} before it was ready.`)),
    );
  });

  const resolved = { blob: ports.blob!, queue: ports.queue!, table: ports.table! };
  return {
    connectionString: connectionStringFor(resolved),
    ports: resolved,
    process: child,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.removeAllListeners('exit');
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
