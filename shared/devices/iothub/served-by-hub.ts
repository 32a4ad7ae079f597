import { IotHubError } from '../../http/iothub-errors';

/** The `HostName` of an IoT Hub connection string, or a placeholder when it has none. */
export function hubHostName(connectionString: string): string {
  return /(?:^|;)\s*HostName=([^;]+)/i.exec(connectionString)?.[1]?.trim() ?? 'your IoT Hub';
}

/**
 * 501: with DEVICE_GATEWAY=iothub the devices live in the hub, which serves their registry, twins, direct methods
 * and twin queries itself; this service keeps only the jobs and their `devices.jobs` results.
 */
export class ServedByIotHubError extends IotHubError {
  override name = 'ServedByIotHubError';
  constructor(hostName: string) {
    super(
      'ServedByIotHub',
      501,
      `This service runs jobs on the devices of the IoT Hub ${hostName} (DEVICE_GATEWAY=iothub): manage devices, ` +
        `twins and direct methods, and query devices, at https://${hostName} with its own connection string. ` +
        'Jobs (/jobs/v2) and job results (SELECT * FROM devices.jobs) are served here.',
    );
  }
}
