import net from 'node:net';
import path from 'node:path';
import {
  runHostExpectingFailure,
  startHostProcess,
  type HostProcess,
} from '../../support/local-host-process';
import { DurableHostClient } from './durable/durable-test-kit';

const APP = path.resolve(__dirname, '../../fixtures/timeout-app');
const TIMEOUT_TEXT = 'Timeout value of 00:00:02 was exceeded by function: Functions.';

/** Whether a TCP connection to address:port is accepted. */
const accepts = (address: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('func-local: functionTimeout and host.json overrides from app settings', () => {
  let host: HostProcess;
  let client: DurableHostClient;

  beforeAll(async () => {
    host = await startHostProcess({
      appDir: APP,
      env: {
        TASKHUB_NAME: 'TimeoutHub',
        // host.json says 30 s and routePrefix "api"; app settings win, as on Azure.
        AzureFunctionsJobHost__functionTimeout: '00:00:02',
        AZUREFUNCTIONSJOBHOST__Extensions__HTTP__routePrefix: 'v2',
      },
    });
    client = new DurableHostClient(host);
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('applies AzureFunctionsJobHost__ settings over host.json, keys matched case-insensitively', async () => {
    await host.waitForOutput(/^Function timeout: 00:00:02 \(consumption plan rules\)\.$/, 1_000);
    expect(host.output).toContain(`  sleep: [GET] ${host.baseUrl}/v2/sleep/{ms:int}`);
  });

  it('fails an HTTP invocation past the timeout with 500 and the FunctionTimeoutException text', async () => {
    expect((await fetch(`${host.baseUrl}/v2/sleep/50`)).status).toBe(200);
    const started = Date.now();
    const response = await fetch(`${host.baseUrl}/v2/sleep/6000`);
    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(4_500);
    await host.waitForOutput(new RegExp(`${TIMEOUT_TEXT}sleep`), 1_000);
  });

  it('fails a timer invocation past the timeout', async () => {
    await host.waitForOutput(new RegExp(`${TIMEOUT_TEXT}slowOnStartup`), 5_000);
    expect(host.output.some((line) => line.includes('slowOnStartup finished'))).toBe(false);
  });

  it('fails a durable activity past the timeout with a message naming the timeout and the function', async () => {
    const response = await fetch(`${host.baseUrl}/v2/naps`, { method: 'POST', body: '[100, 6000, 200]' });
    const { id } = (await response.json()) as { id: string };
    const status = await client.waitFor(id, ['Completed', 'Failed'], 20_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual([
      'napped 100',
      expect.stringContaining(`${TIMEOUT_TEXT}nap`),
      'napped 200',
    ]);
  }, 30_000);

  it('listens on 127.0.0.1 only by default', async () => {
    const port = Number(new URL(host.baseUrl).port);
    await expect(accepts('127.0.0.1', port)).resolves.toBe(true);
    // The whole 127/8 reaches the loopback interface on Linux: a wildcard listener accepts 127.0.0.2, this one not.
    await expect(accepts('127.0.0.2', port)).resolves.toBe(false);
  });
});

describe('func-local: --host, --plan and functionTimeout limits', () => {
  it('listens on the interface --host names', async () => {
    const host = await startHostProcess({
      appDir: APP,
      env: { TASKHUB_NAME: 'TimeoutHubWide' },
      args: ['--host', '0.0.0.0'],
    });
    try {
      await expect(accepts('127.0.0.2', Number(new URL(host.baseUrl).port))).resolves.toBe(true);
    } finally {
      await host.stop();
    }
  }, 60_000);

  it('refuses a timeout beyond the Consumption plan maximum, and -1 unless the plan allows it', async () => {
    const tooLong = await runHostExpectingFailure({
      appDir: APP,
      env: { TASKHUB_NAME: 'TimeoutHub', AzureFunctionsJobHost__functionTimeout: '00:10:01' },
    });
    expect(tooLong.code).toBe(1);
    expect(tooLong.output).toContain(
      'host.json functionTimeout "00:10:01" is not valid on the consumption plan: it must be a TimeSpan from 00:00:01 to 00:10:00.',
    );
    const unbounded = await startHostProcess({
      appDir: APP,
      env: { TASKHUB_NAME: 'TimeoutHubPremium', AzureFunctionsJobHost__functionTimeout: '-1' },
      args: ['--plan', 'premium'],
    });
    try {
      await unbounded.waitForOutput(/^Function timeout: none \(premium plan rules\)\.$/, 1_000);
    } finally {
      await unbounded.stop();
    }
  }, 90_000);
});
