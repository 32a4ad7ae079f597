import { execFile } from 'node:child_process';
import path from 'node:path';
import { startDeviceHost, type DeviceHost } from '../devices/device-host';

const CLI = path.resolve(__dirname, '../../../dist/packages/cli/device-jobs.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `device-jobs` with piped output (not a terminal), as a script or CI would. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The app on the local host, and the CLI's environment pointing at it. */
export async function startCliHost(env: Record<string, string> = {}): Promise<{
  running: DeviceHost;
  cli: (...args: string[]) => Promise<CliResult>;
}> {
  const running = await startDeviceHost({
    SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[1,5],"failureRate":0}',
    SIMULATION_SEED: 'cli-e2e',
    ...env,
  });
  const cliEnv = {
    DEVICE_JOBS_CONNECTION_STRING: running.connectionString,
    DEVICE_JOBS_URL: running.host.baseUrl,
  };
  return { running, cli: (...args) => runCli(args, cliEnv) };
}

// Any ESC, CSI or OSC byte: piped output must hold none.
// eslint-disable-next-line no-control-regex
export const ESCAPE = /[\u001b\u009b\u009d]/;
