import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { checkRecordedResponses } from './openapi-responses';

const CLI = path.resolve(__dirname, '../../dist/packages/func-local/cli.js');
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** Checks what the host answered against the OpenAPI document, once; a mismatch fails the suite's teardown. */
function checkResponses(logFile: string | undefined): void {
  if (!logFile || !fs.existsSync(logFile)) return;
  try {
    checkRecordedResponses(logFile);
  } finally {
    fs.rmSync(logFile, { force: true });
  }
}
const READY = /Host ready: listening on (http:\/\/\S+)/;

export interface HostProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Every line the host printed so far (stdout and stderr). */
  output: string[];
  /** Resolves with the first printed line matching the pattern (already printed lines included). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash simulation). */
  kill(): Promise<void>;
}

export interface HostProcessOptions {
  appDir: string;
  /** Storage for the app; without it the host starts its own in-memory Azurite. */
  storageConnectionString?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Pass `--in-memory` (the default); false lets the host persist Azurite's data under the app folder. */
  inMemory?: boolean;
  /** More options for `func-local start`, e.g. `['--host', '0.0.0.0']`. */
  args?: string[];
}

/** Starts `func-local start` from dist/ as a child process on a free port and waits for its ready line. */
export async function startHostProcess(options: HostProcessOptions): Promise<HostProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // The service's own host records every answer, checked against docs/openapi.json when it stops.
  const responseLog =
    path.resolve(options.appDir) === PROJECT_ROOT
      ? path.join(os.tmpdir(), `func-local-responses-${process.pid}-${randomUUID()}.jsonl`)
      : undefined;
  if (responseLog) env.FUNC_LOCAL_RESPONSE_LOG = responseLog;
  if (options.storageConnectionString) env.AzureWebJobsStorage = options.storageConnectionString;
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--app',
      options.appDir,
      '--port',
      '0',
      ...(options.inMemory === false ? [] : ['--in-memory']),
      ...(options.args ?? []),
    ],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const waiters = new Set<{
    pattern: RegExp;
    resolve: (line: string) => void;
    reject: (error: Error) => void;
  }>();
  const onLine = (line: string) => {
    output.push(line);
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) =>
    // 'close' rather than 'exit': by then every line the host printed has been read.
    child.once('close', (code) => {
      for (const waiter of waiters) {
        waiters.delete(waiter);
        waiter.reject(
          new Error(
            `Host exited with code ${String(code)} before printing ${String(waiter.pattern)}. ` +
              `Output:\n${output.join('\n')}`,
          ),
        );
      }
      resolve(code);
    }),
  );

  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) => {
    const seen = output.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    if (child.exitCode !== null || child.signalCode !== null) {
      return Promise.reject(new Error(`Host has exited; it never printed ${String(pattern)}.`));
    }
    return new Promise<string>((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => (clearTimeout(timer), resolve(line)),
        reject: (error: Error) => (clearTimeout(timer), reject(error)),
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `Host did not print ${String(pattern)} within ${timeoutMs} ms. Output:\n${output.join('\n')}`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  const ready = await Promise.race([
    waitForOutput(READY, options.timeoutMs ?? 60_000),
    exited.then((code) => {
      throw new Error(
        `Host exited with code ${String(code)} before it was ready. Output:\n${output.join('\n')}`,
      );
    }),
  ]);
  const baseUrl = READY.exec(ready)?.[1] ?? '';
  return {
    baseUrl,
    child,
    output,
    waitForOutput,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      checkResponses(responseLog);
      return code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      checkResponses(responseLog);
    },
  };
}

/** Runs `func-local start` expecting it to fail at start; resolves with its exit code and output. */
export async function runHostExpectingFailure(
  options: HostProcessOptions,
): Promise<{ code: number | null; output: string }> {
  try {
    const host = await startHostProcess(options);
    await host.stop();
    throw new Error('The host started although it was expected to fail.');
  } catch (error: unknown) {
    if (error instanceof Error && error.message.startsWith('Host exited with code')) {
      const code = /code (\S+) before/.exec(error.message)?.[1];
      const printed = error.message.split('Output:\n')[1] ?? '';
      return { code: code === 'null' ? null : Number(code), output: printed };
    }
    throw error;
  }
}
