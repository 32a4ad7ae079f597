import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startAzurite, type RunningAzurite } from '../packages/func-local/storage/azurite';

/**
 * `npm start`: the app on func-local and, beside it, the device endpoint (offline components: Azurite and the
 * endpoint are never deployed). When the app's storage is development storage, Azurite is started here once and
 * both processes get its connection string, so the endpoint and the app share one registry. The local host stays
 * generic: it knows nothing of the endpoint. DEVICE_ENDPOINT_PORT (default 8883; 0 turns the endpoint off).
 */
const root = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);

function settings(): Record<string, string | undefined> {
  const file = path.join(root, 'local.settings.json');
  const values: Record<string, string | undefined> = {};
  if (fs.existsSync(file)) {
    const { Values } = JSON.parse(fs.readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> };
    for (const [key, value] of Object.entries(Values ?? {})) values[key] = String(value);
  }
  return { ...values, ...process.env };
}

function endpointPort(value: string | undefined): number {
  const port = Number(value ?? '8883');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `DEVICE_ENDPOINT_PORT must be a port number (0 turns the device endpoint off), not ${value}.`,
    );
  }
  return port;
}

async function main(): Promise<void> {
  const values = settings();
  const port = endpointPort(values.DEVICE_ENDPOINT_PORT);
  const env: NodeJS.ProcessEnv = { ...process.env };
  let azurite: RunningAzurite | undefined;
  const inMemory = args.includes('--in-memory');
  if (port !== 0 && /UseDevelopmentStorage=true/i.test(values.AzureWebJobsStorage ?? '')) {
    azurite = await startAzurite({ inMemory, location: path.join(root, '.azurite') });
    env.AzureWebJobsStorage = azurite.connectionString;
    console.log(`Azurite started (${inMemory ? 'in memory' : `data in ${path.join(root, '.azurite')}`}).`);
  }
  const children: ChildProcess[] = [];
  const run = (script: string, scriptArgs: string[]) => {
    const child = spawn(process.execPath, [path.join(root, script), ...scriptArgs], {
      env,
      stdio: 'inherit',
    });
    children.push(child);
    return child;
  };
  run('dist/packages/func-local/cli.js', ['start', ...args]);
  if (port !== 0)
    run('dist/packages/device-endpoint/cli.js', ['start', '--port', String(port), '--app', root]);
  else console.log('Device endpoint off (DEVICE_ENDPOINT_PORT=0).');

  let stopping = false;
  // Ctrl-C reaches every process of the terminal's group: then the children stop on their own signal.
  const stop = async (code: number, signalChildren = true) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            if (signalChildren) child.kill('SIGTERM');
          }),
      ),
    );
    await azurite?.stop();
    process.exit(code);
  };
  for (const child of children) child.once('exit', (code) => void stop(code ?? 1));
  process.on('SIGINT', () => void stop(0, false));
  process.on('SIGTERM', () => void stop(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
