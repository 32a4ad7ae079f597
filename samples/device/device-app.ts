import { Client, type Twin } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';

/**
 * A small device app on the official `azure-iot-device` SDK, unchanged from what would run against IoT Hub: a
 * `reboot` direct method, and a `firmware` desired property it applies after a delay and reports back.
 */
export interface DeviceAppOptions {
  connectionString: string;
  /** The endpoint's CA (PEM); without it, NODE_EXTRA_CA_CERTS must trust it. */
  ca?: string;
  /** How long applying a firmware takes (ms). */
  applyDelayMs: number;
  log?: (line: string) => void;
}

export async function runDeviceApp(options: DeviceAppOptions): Promise<Client> {
  const log = options.log ?? (() => undefined);
  const client = Client.fromConnectionString(options.connectionString, Mqtt);
  if (options.ca) await client.setOptions({ ca: options.ca });
  await client.open();
  client.onDeviceMethod('reboot', (request, response) => {
    log(`reboot requested (${JSON.stringify(request.payload)})`);
    response.send(200, { rebooted: true, at: new Date().toISOString() }, () => undefined);
  });
  const twin: Twin = await client.getTwin();
  const reported = twin.properties.reported as {
    update(patch: Record<string, unknown>, done: (error?: Error) => void): void;
  };
  twin.on('properties.desired', (desired: Record<string, unknown>) => {
    const firmware = desired.firmware;
    if (typeof firmware !== 'string') return;
    log(`firmware ${firmware} desired: applying`);
    setTimeout(() => {
      reported.update({ firmware }, (error) =>
        log(error ? `report failed: ${error.message}` : `firmware ${firmware} reported`),
      );
    }, options.applyDelayMs);
  });
  return client;
}
